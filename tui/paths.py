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
