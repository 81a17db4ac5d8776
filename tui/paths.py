"""Where roomscope keeps its files (cheap to import: runs before the first frame)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "roomscope"


def default_cache_dir() -> Path:
    """``$ROOMSCOPE_CACHE_DIR`` or platformdirs' user cache dir for roomscope."""
    override = os.environ.get("ROOMSCOPE_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME, appauthor=False))


def screenshot_dir() -> Path:
    """Where a screenshot is saved: the user's Downloads folder when it exists, else
    ``screenshots`` in roomscope's user data directory (created), else the current directory."""
    from platformdirs import user_data_path, user_downloads_path

    downloads = user_downloads_path()
    if downloads.is_dir():
        return downloads
    data = user_data_path(APP_NAME, appauthor=False) / "screenshots"
    try:
        data.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return Path.cwd()
    return data


def default_data_dir() -> Path:
    """``$ROOMSCOPE_DATA_DIR`` or platformdirs' user data dir for roomscope (user data the
    cache must not hold: clearing the cache keeps it)."""
    override = os.environ.get("ROOMSCOPE_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def imports_dir() -> Path:
    """Where imported client statistics are kept: ``imports`` in the user data dir."""
    return default_data_dir() / "imports"
