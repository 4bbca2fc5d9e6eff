"""fraudsite: a static-site generator for a college's anti-fraud publicity column."""

__version__ = "0.1.0"
