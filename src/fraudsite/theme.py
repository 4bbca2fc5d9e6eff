"""Where templates and static files come from: the site's ``theme/`` over the built-in theme."""

from __future__ import annotations

from pathlib import Path

from fraudsite.litter import is_litter


def default_theme_dir() -> Path:
    """The built-in theme: packaged inside the wheel, or the repository's ``theme/`` in a checkout."""
    packaged = Path(__file__).parent / "theme"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "theme"


def theme_dirs(site_dir: Path) -> list[Path]:
    """Theme folders in search order: the site's own first, then the default (once)."""
    dirs = []
    own = site_dir / "theme"
    if own.is_dir():
        dirs.append(own)
    default = default_theme_dir()
    if not dirs or dirs[0].resolve() != default.resolve():
        dirs.append(default)
    return dirs


def static_files(site_dir: Path) -> dict[str, Path]:
    """Every static file, site-relative output path -> source; the site's own file wins."""
    files: dict[str, Path] = {}
    for theme in reversed(theme_dirs(site_dir)):
        root = theme / "static"
        if root.is_dir():
            for path in sorted(root.rglob("*")):  # not an editor's swap file, nor .DS_Store: only what was put there
                if path.is_file() and not is_litter(path.relative_to(root).parts):
                    files["static/" + path.relative_to(root).as_posix()] = path
    return dict(sorted(files.items()))
