"""Choosing the profiles to open: ``--provider NAME`` (credentials from the provider's own
environment variables), ``--profile NAME`` or ``all``, the file's ``default_profile``, or the
built-in demo."""

from __future__ import annotations

from roomscope.tui.config.messages import expected_one_of
from roomscope.tui.config.profiles import ALL, DEMO_PROFILE, Config, ProfileConfig
from roomscope.tui.errors import ConfigError, ConfigProblem
from roomscope.tui.providers.registry import PROVIDER_NAMES, PROVIDERS
from roomscope.tui.text import terminal_safe


def profile_from_env(provider: str) -> ProfileConfig:
    """``--provider NAME`` with no config file: credentials from the provider's own variables.

    Raises :class:`ConfigError` naming exactly the variables still to set."""
    info = PROVIDERS.get(provider)
    if info is None:
        raise ConfigError(f'unknown provider "{provider}" {expected_one_of(provider, PROVIDER_NAMES)}')
    if not info.credentials:
        return DEMO_PROFILE
    profile = ProfileConfig(
        name=provider,
        provider=provider,
        env={spec.key: spec.env for spec in info.credentials},
    )
    profile.require_env()
    return profile


def select_profiles(
    config: Config, requested: str | None, *, require_env: bool = True
) -> list[ProfileConfig]:
    """The profiles to open.

    ``--profile NAME`` that one (``demo`` is the built-in demo unless the file defines a
    profile of that name); ``--profile all`` every profile; otherwise ``default_profile``
    when set, else every profile when there are several, the only one when there is one,
    and the built-in demo when the file is absent or has none. With ``require_env`` the
    chosen profiles' environment variables must be set (one :class:`ConfigError` naming
    file, line and field of each unset one); ``config check`` passes ``False`` and lets
    each profile's check report its own."""
    choice = requested if requested is not None else config.default_profile
    profiles = list(config.profiles.values())
    if choice == ALL or (choice is None and profiles):
        chosen = profiles or [DEMO_PROFILE]
    elif choice is None:
        chosen = [DEMO_PROFILE]
    elif choice in config.profiles:
        chosen = [config.profiles[choice]]
    elif choice == DEMO_PROFILE.name:
        chosen = [DEMO_PROFILE]
    else:
        names = [*config.profiles, *([] if DEMO_PROFILE.name in config.profiles else [DEMO_PROFILE.name])]
        where = f" in {config.path}" if config.exists else f" (no config file at {config.path})"
        raise ConfigError(
            f'no profile named "{terminal_safe(choice)}"{where}; profiles: {", ".join(names)}, or "{ALL}"'
        )
    problems: list[ConfigProblem] = []
    for profile in chosen if require_env else ():
        try:
            profile.require_env()
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems=problems)
    return chosen
