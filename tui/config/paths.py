"""Where the config file is: ``$ROOMSCOPE_CONFIG``, else ``config.toml`` in the user config directory.

(The cache directory is in :mod:`roomscope.tui.paths`.)
"""

from __future__ import annotations

import os
from pathlib import Path

from roomscope.tui.paths import APP_NAME

CONFIG_ENV = "ROOMSCOPE_CONFIG"


def config_path() -> Path:
    """``$ROOMSCOPE_CONFIG``, else ``<user config dir>/roomscope/config.toml``."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"
