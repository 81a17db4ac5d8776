"""Profiles from a TOML file, or credentials straight from the providers' environment variables.

The file (``config_path()``: ``$ROOMSCOPE_CONFIG``, else ``config.toml`` in the platform's
user config directory) holds named profiles, an optional default profile, a theme and key
bindings::

    default_profile = "prod-video"
    theme = "roomscope-dark"

    [keymap]
    "sessions.filter" = "slash,f"

    [profiles.prod-video]
    provider = "signalwire"
    space = "example"
    project_id_env = "SIGNALWIRE_PROJECT_ID"
    token_env = "SIGNALWIRE_API_TOKEN"

Every credential or id ``X`` is given either as a value (``X = "..."``) or by the name of an
environment variable read when the profile is used (``X_env = "NAME"``). Every mistake is
a :class:`ConfigError` naming the file, the line and the field; no message ever holds a
secret. This package runs before the first frame: standard library only.

The modules, from the bottom up: ``paths`` (where the file is), ``messages`` (how messages
name variables and choices), ``toml_lines`` (the line of each key), ``urls`` (what a base
URL may be), ``profiles`` (:class:`ProfileConfig`, :class:`Config`), ``validate`` (document
-> Config; the theme names and key bindings it checks against are in
:mod:`roomscope.tui.theme_names` and :mod:`roomscope.tui.keymap`), ``load`` (file ->
Config), ``selection`` (which profiles to open), ``example`` (``config init``).
The error types live in :mod:`roomscope.tui.errors`, below this package and the provider
registry alike. This package depends on the registry (for the table of providers), never
the other way round.
"""

from __future__ import annotations

from roomscope.tui.config.example import write_example
from roomscope.tui.config.load import load_config
from roomscope.tui.config.messages import shown_env_name
from roomscope.tui.config.paths import CONFIG_ENV, config_path
from roomscope.tui.config.profiles import ALL, DEMO_PROFILE, Config, ProfileConfig
from roomscope.tui.config.selection import profile_from_env, select_profiles
from roomscope.tui.config.urls import base_url_problem, needs_idna_check
from roomscope.tui.errors import ConfigError, ConfigProblem

__all__ = [
    "ALL",
    "CONFIG_ENV",
    "DEMO_PROFILE",
    "Config",
    "ConfigError",
    "ConfigProblem",
    "ProfileConfig",
    "base_url_problem",
    "config_path",
    "load_config",
    "needs_idna_check",
    "profile_from_env",
    "select_profiles",
    "shown_env_name",
    "write_example",
]
