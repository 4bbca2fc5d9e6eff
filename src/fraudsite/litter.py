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
""", re.VERBOSE)


def is_litter(parts: tuple[str, ...]) -> bool:
    """Whether a path (its parts, below the folder it was found in) is litter or inside a repository's folder."""
    return bool(parts) and (EDITOR_LITTER.fullmatch(parts[-1]) is not None
                            or any(part in VERSION_CONTROL for part in parts))
