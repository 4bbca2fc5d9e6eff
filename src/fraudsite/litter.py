"""Files that tools leave beside the ones people write: never published, never a reason to rebuild."""

from __future__ import annotations

import re

VERSION_CONTROL = {".git", ".hg", ".svn"}  # a repository's own folders, in content/ or a theme
# What editors and tools write beside a file they save, then delete or rename over it, by name (as Hugo's watcher
# and Jekyll's skip them), and what file managers drop in folders they show.
EDITOR_LITTER = re.compile(r"""
    .*(~|\.swp|\.swx|\.tmp|\.part|\.bak|\.kate-swp|\.vsctmp|\.crswap|___jb_(tmp|old|bak)___)
    | \..*\.sw[a-p] | 4913         # vim's further swap files (.swo, .swn ...), and its test of the folder
    | \#.*\# | \.\#.*              # emacs's auto-save and lock files
    | \.goutputstream-.*           # gedit and other GNOME programs
    | ~\$.* | \.~lock\..*          # Microsoft Office's and LibreOffice's lock files
    | sed[A-Za-z0-9]{6}            # sed -i's (GNU sed's sedXXXXXX: nine letters, no extension, no content)
    | XX[A-Za-z0-9]{6}             # perl -i's
    | .*\.(md|markdown|ya?ml|html|css|js|json|xml|txt|svg)\.[A-Za-z0-9]{6}  # Kate's and Qt's saves (a.md.aBc123)
    | .*\.tmp\d+                   # hidden temporaries of other tools (.a.md.tmp123)
    | tmp[a-z0-9_]{8}              # Python's tempfile, as scripts that rewrite a file use it
    | \.DS_Store | Thumbs\.db | desktop\.ini
    | \._.*                        # macOS's AppleDouble files (._logo.png), beside each file it copies to a USB drive,
                                  # a network share or a zip
""", re.VERBOSE)
# A file manager's copy, by what it adds at the end of the name: "案例 copy.md", "案例 copy 2.md" (macOS), "案例 - 副本.md",
# "案例 - 副本 (2).md" (Windows), "案例 (复件).md", "案例 (another copy).md" (GNOME), "案例 (1).md" (a browser's download);
# and a sync service's copy of a file changed in two places: "案例 (张三's conflicted copy 2026-11-28).md" (Dropbox,
# Nextcloud), "案例.sync-conflict-20261128-093000-ABCDEFG.md" (Syncthing), "案例 2.md" (iCloud, ``_NUMBERED``);
# not a name with such a word inside it (游戏副本代练, copyright-scam) or a year (讲座 (2024), 讲座 2024).
_COPY_NAME = re.compile(r"(?:\s+-\s+|\s+|的)(?:copy|副本|复件|拷贝)(?:\s*[(（]?\d+[)）]?)?$"
                        r"|\s*[(（](?:\d{1,2}|copy|another copy|\d+(?:st|nd|rd|th) copy|副本|复件|拷贝|第\s*\d+\s*个复件)[)）]$"
                        r"|\s*[(（][^()（）]*(?:conflicted copy|冲突副本)[^()（）]*[)）]$"
                        r"|\.sync-conflict-\d{8}-\d{6}(?:-\w+)?$",
                        re.IGNORECASE)
_NUMBERED = re.compile(r"\s\d{1,2}$")  # iCloud's copy, "案例 2", as a name is also written on purpose ("图 1")


def is_litter(parts: tuple[str, ...]) -> bool:
    """Whether a path (its parts, below the folder it was found in) is litter or inside a repository's folder."""
    return bool(parts) and (EDITOR_LITTER.fullmatch(parts[-1]) is not None
                            or any(part in VERSION_CONTROL for part in parts))


def named_as_copy(name: str, numbered: bool = False) -> bool:
    """Whether a file's name (its extension left aside) is one a file manager gives a copy: "logo - 副本.png";
    ``numbered``: or iCloud's, which only says which of two files is the copy once they clash."""
    stem = name.rpartition(".")[0] or name
    return _COPY_NAME.search(stem) is not None or numbered and _NUMBERED.search(stem) is not None
