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
    from roomscope.tui.providers.base import Provider
    from roomscope.tui.store import Store


class UsageError(Exception):
    """A bad argument or configuration: message on stderr, exit code 2."""


_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)


def parse_since(text: str, now: datetime) -> datetime:
    """'90m', '24h', '7d', '2w', or an ISO date/time (UTC unless it says otherwise)."""
    match = _SPAN.match(text)
    if match:
        amount = float(match.group(1))
        unit = match.group(2).lower()
        seconds = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}[unit] * amount
        return now - timedelta(seconds=seconds)
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


def opt(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    value = getattr(args, name, None)
    return default if value is None else value


def resolve_sources(args: argparse.Namespace) -> Sources:
    """Which providers to open: --demo-provider, --provider (env vars), or config profiles
    (``--profile``), falling back to the demo world. Raises UsageError."""
    from roomscope.tui import config

    base_url = opt(args, "base_url")
    if base_url is not None and not re.match(r"^https?://[^\s/]+", base_url):
        raise UsageError(f"--base-url: expected http(s)://host[:port][/path], got {base_url!r}")
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

        return Sources(f"{demo_provider} API (fake) on demo data", build_fake, [f"{demo_provider}-demo"])

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

        return [
            build_provider(
                profile,
                clock=clock,
                base_url=base_url,
                demo_latency_s=latency_s,
                demo_size=size,
                demo_seed=seed,
            )
            for profile in profiles
        ]

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
    )


def cache_directory(args: argparse.Namespace) -> Path:
    from roomscope.tui.paths import default_cache_dir

    given = opt(args, "cache_dir")
    return Path(given).expanduser() if given else default_cache_dir()


def make_store(
    sources: Sources,
    args: argparse.Namespace,
    *,
    swr: bool,
    clock: Callable[[], datetime],
) -> Store:
    from roomscope.tui.cache import Cache
    from roomscope.tui.store import Store

    def seconds() -> float:  # the store's clock is the providers' clock (an injected one too)
        return clock().timestamp()

    providers = sources.build(clock)
    cache = Cache.open(cache_directory(args), clock=seconds)
    return Store(providers, cache, offline=bool(opt(args, "offline", False)), swr=swr, clock=seconds)


def configure_logging(args: argparse.Namespace) -> None:
    path = opt(args, "log_file")
    if not path:
        return
    from roomscope.tui.redact import install_log_redaction

    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        os.chmod(target, 0o600)
    except OSError as exc:
        raise UsageError(f"--log-file: cannot write {target}: {exc.strerror or exc}") from None
    handler = logging.FileHandler(target, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("roomscope")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    install_log_redaction(logger)
