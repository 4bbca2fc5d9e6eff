"""Output channels. Each plans its pages from the Site without reading or writing files."""
