"""The URL contract: where each kind of page lives, relative to the site root."""

from __future__ import annotations

import re
import unicodedata


def tag_slug(tag: str) -> str:
    """A tag's URL segment: NFKC-normalised, lower case, spaces as hyphens, Chinese kept as is.

    ``校园贷`` -> ``校园贷`` (the browser shows it, the server sees UTF-8 percent-encoded),
    ``Apple ID`` -> ``apple-id``. Punctuation that means something in a URL is dropped.
    """
    text = unicodedata.normalize("NFKC", tag).lower().strip()
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"[^\w-]", "", text)
    return re.sub(r"-{2,}", "-", text).strip("-_") or "tag"


def list_path(section: str, page: int) -> str:
    """``cases/`` for page 1, ``cases/page/2/`` after."""
    return section if page == 1 else f"{section}page/{page}/"


def index_file(path: str) -> str:
    """The file that serves a directory URL: ``cases/`` -> ``cases/index.html``."""
    if path == "" or path.endswith("/"):
        return path + "index.html"
    return path
