"""What a command line asks for, resolved into things: the providers to open (``Sources``),
the cache directory, the store, the log file. Shared by the TUI and the headless commands, so
neither imports the other; nothing heavy is imported until a function needs it.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roomscope.tui.limits import DEMO_LATENCY_MS, DEMO_SEED, DEMO_SIZE

if TYPE_CHECKING:
    from roomscope.tui.config import ProfileConfig
    from roomscope.tui.providers.base import Provider
    from roomscope.tui.store import Store


class UsageError(Exception):
    """A bad argument or configuration: message on stderr, exit code 2."""


_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: datetime) -> datetime:
    """'90m', '24h', '7d', '2w', or an ISO date/time (UTC unless it says otherwise).

    Raises UsageError for an empty value (not "no filter"), a span reaching before the
    year 1, and anything else that is not one of those."""
    if not text.strip():
        raise UsageError("--since: must not be empty (a span like 24h or 7d, or an ISO date)")
    match = _SPAN.match(text)
    if match:
        seconds = _UNIT_SECONDS[match.group(2).lower()] * float(match.group(1))
        try:
            return now - timedelta(seconds=seconds)
        except (OverflowError, ValueError):
            raise UsageError(f"--since: too far back: {match.group(1)}{match.group(2)}") from None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since: expected a span like 24h/7d or an ISO date, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Sources:
    """Plain description of the providers to build (cheap: resolved before the first frame)."""

    label: str
    build: Callable[[Callable[[], datetime]], list[Provider]]
    profiles: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    identity: tuple[str, ...] = ()
    """What the providers will read, as plain strings (names, providers, base URLs, demo
    seeds and sizes, credentials): hashed into the key of the list's first screen kept
    between runs (:mod:`roomscope.tui.first_screen`), never written as they are."""


def opt(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    value = getattr(args, name, None)
    return default if value is None else value


def resolve_sources(args: argparse.Namespace) -> Sources:
    """Which providers to open: --demo-provider, --provider (env vars), or config profiles
    (``--profile``), falling back to the demo world. Raises UsageError."""
    from roomscope.tui import config

    base_url = checked_base_url(args)
    latency_s = opt(args, "demo_latency")
    latency_s = None if latency_s is None else latency_s / 1000.0
    seed = opt(args, "demo_seed")
    size = opt(args, "demo_size")

    demo_provider = opt(args, "demo_provider")
    if demo_provider is not None:

        def build_fake(clock: Callable[[], datetime]) -> list[Provider]:
            from roomscope.tui.providers.registry import build_demo_backed

            return [
                build_demo_backed(
                    demo_provider,
                    seed=seed if seed is not None else DEMO_SEED,
                    size=size if size is not None else DEMO_SIZE,
                    latency_s=latency_s if latency_s is not None else DEMO_LATENCY_MS / 1000,
                    clock=clock,
                )
            ]

        identity = (
            "fake",
            demo_provider,
            str(seed if seed is not None else DEMO_SEED),
            str(size if size is not None else DEMO_SIZE),
        )
        return Sources(
            f"{demo_provider} API (fake) on demo data",
            build_fake,
            [f"{demo_provider}-demo"],
            identity=identity,
        )

    try:
        loaded = config.load_config(config.config_path())[0]
        provider_name = opt(args, "provider")
        if provider_name is not None:
            profiles = [config.profile_from_env(provider_name)]
        else:
            profiles = config.select_profiles(loaded, opt(args, "profile"))
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None

    def build(clock: Callable[[], datetime]) -> list[Provider]:
        from roomscope.tui.providers.registry import build_provider

        providers = []
        for profile in profiles:
            if profile.provider != "demo":
                check_host(base_url, profile)
            providers.append(
                build_provider(
                    profile,
                    clock=clock,
                    base_url=base_url,
                    demo_latency_s=latency_s,
                    demo_size=size,
                    demo_seed=seed,
                )
            )
        return providers

    if len(profiles) > 1:
        label = f"{len(profiles)} profiles"
    elif profiles[0].provider == "demo":
        label = "demo world"
    else:
        label = f"{profiles[0].name} ({profiles[0].provider})"
    return Sources(
        label,
        build,
        [p.name for p in profiles],
        list(loaded.warnings),
        loaded.theme,
        dict(loaded.keymap),
        identity=tuple(part for p in profiles for part in _profile_identity(p, base_url, seed, size)),
    )


def _profile_identity(
    profile: ProfileConfig, base_url: str | None, seed: int | None, size: int | None
) -> list[str]:
    """What one profile reads: its name and provider, the server, the demo world, and the
    credentials and ids in use now (inline or from their environment variables)."""
    parts = [
        profile.name,
        profile.provider,
        base_url or profile.base_url or "",
        str(seed if seed is not None else profile.seed),
        str(size if size is not None else profile.size),
    ]
    for key, value in sorted(profile.values.items()):
        parts += [key, value]
    for key, variable in sorted(profile.env.items()):
        parts += [key, os.environ.get(variable, "")]
    return parts


def checked_base_url(args: argparse.Namespace) -> str | None:
    """``--base-url``, checked (see :mod:`roomscope.tui.config.urls`); UsageError when bad."""
    from roomscope.tui import config

    base_url: str | None = opt(args, "base_url")
    if base_url is None:
        return None
    problem = config.base_url_problem(base_url)
    if problem is not None:
        raise UsageError(f"--base-url: {problem}")
    return base_url.strip()


def check_host(cli_base_url: str | None, profile: ProfileConfig) -> None:
    """An internationalised host in the base URL (``--base-url``, else the profile's) is
    valid only if the HTTP library can encode it (IDNA 2008): asked here, just before the
    adapter (and httpx with it) is loaded anyway. UsageError for ``--base-url``,
    ConfigError (file, line, field) for a profile's."""
    from roomscope.tui import config

    url = cli_base_url or profile.base_url
    if not url or not config.needs_idna_check(url):
        return
    import httpx

    try:
        httpx.URL(url.rstrip("/") + "/")
    except (httpx.InvalidURL, ValueError):
        reason = "not a valid host name (an internationalised name IDNA does not allow)"
        if cli_base_url:
            raise UsageError(f"--base-url: {reason}") from None
        raise config.ConfigError(
            reason,
            path=profile.source,
            line=profile.lines.get("base_url"),
            field=f"profiles.{profile.name}.base_url",
        ) from None


def cache_directory(args: argparse.Namespace) -> Path:
    from roomscope.tui.paths import default_cache_dir

    given = opt(args, "cache_dir")
    if given is None:
        return default_cache_dir()
    if not given.strip():
        raise UsageError("--cache-dir: must not be empty")
    if "\x00" in given:
        raise UsageError("--cache-dir: not a valid path")
    return Path(given).expanduser()


def without_pydantic_plugins() -> None:
    """Pydantic's plugins off unless the user asked for them (``PYDANTIC_DISABLE_PLUGINS``
    set to anything, an empty value included, wins): roomscope's models are its own, and
    third-party plugins have nothing to instrument in them. With plugins off, pydantic's
    loader answers "none" without looking, but importing it imports ``importlib.metadata``
    (~15-20 ms of CPU, on the way to the TUI's first rows and in every headless command):
    a stand-in with the loader's one function, answering "none", is registered instead."""
    import sys
    import types

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    name = "pydantic.plugin._loader"
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true") or name in sys.modules:
        return
    loader = types.ModuleType(name)
    loader.get_plugins = tuple  # type: ignore[attr-defined]  # get_plugins() -> ()
    sys.modules[name] = loader


def make_store(
    sources: Sources,
    args: argparse.Namespace,
    *,
    swr: bool,
    clock: Callable[[], datetime],
) -> Store:
    without_pydantic_plugins()  # before any model builds its validator
    from roomscope.tui.cache import Cache
    from roomscope.tui.store import Store

    def seconds() -> float:  # the store's clock is the providers' clock (an injected one too)
        return clock().timestamp()

    from roomscope.tui.imports.library import ImportLibrary
    from roomscope.tui.paths import imports_dir

    providers = sources.build(clock)
    cache = Cache.open(cache_directory(args), clock=seconds)
    imports = ImportLibrary(imports_dir())
    if imports.own_sessions():  # dumps imported as sessions of their own: a source of their own
        from roomscope.tui.providers.imports import ImportsProvider

        providers.append(ImportsProvider(imports))
    return Store(
        providers, cache, offline=bool(opt(args, "offline", False)), swr=swr, clock=seconds, imports=imports
    )


def configure_logging(args: argparse.Namespace) -> None:
    """``--log-file PATH``: append a debug log there (created 0600; secrets redacted, every
    line terminal-safe). The directory must exist: a mistyped path is an error, never a
    directory tree made behind the user's back, nor a log silently not written."""
    path = opt(args, "log_file")
    if path is None:
        return
    if not path.strip():
        raise UsageError("--log-file: must not be empty")
    from roomscope.tui.redact import install_log_redaction

    target = Path(path).expanduser()
    try:
        if not target.parent.is_dir():
            raise UsageError(f"--log-file: the directory {target.parent} does not exist")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        os.chmod(target, 0o600)
    except OSError as exc:
        raise UsageError(f"--log-file: cannot write {target}: {exc.strerror or exc}") from None
    except ValueError:  # a NUL in the path
        raise UsageError("--log-file: not a valid path") from None
    handler = logging.FileHandler(target, encoding="utf-8", errors="backslashreplace")
    handler.setFormatter(_TerminalSafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("roomscope")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    install_log_redaction(logger)


class _TerminalSafeFormatter(logging.Formatter):
    """Log lines are read in a terminal (``tail -f``): each line of a record (a traceback
    has several) is made terminal-safe."""

    def format(self, record: logging.LogRecord) -> str:
        from roomscope.tui.text import terminal_safe

        return "\n".join(terminal_safe(line) for line in super().format(record).split("\n"))
