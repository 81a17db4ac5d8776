"""The ``roomscope`` command: the TUI by default, headless subcommands for scripts.

Global options may come before or after the subcommand. Data goes to stdout,
diagnostics to stderr; exit codes are part of the interface (see ``EXIT_CODES``).
Nothing heavy is imported here: the TUI path imports Textual, and the store (pydantic,
sqlite, providers, httpx) is built after the first frame.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from roomscope import __version__
from roomscope.tui.clock import utcnow
from roomscope.tui.limits import DEMO_LATENCY_MS, DEMO_MAX_SIZE, DEMO_SEED, DEMO_SIZE
from roomscope.tui.providers.registry import PROVIDER_NAMES

if TYPE_CHECKING:
    from roomscope.tui.app import RoomscopeApp
    from roomscope.tui.providers.base import Provider
    from roomscope.tui.store import Store

EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "unexpected error",
    2: "usage or configuration error (bad argument, bad config file)",
    3: "not found (unknown session or participant id)",
    4: "authentication or permission refused by the provider",
    5: "provider unavailable (network down, timeout, 5xx) or not in the cache while offline",
    6: "rate limited by the provider",
    7: "the provider sent something unreadable",
    8: "the provider does not have this data (missing capability)",
    130: "interrupted (Ctrl+C)",
    141: "the reader of stdout went away (e.g. piped into head)",
}


class UsageError(Exception):
    """A bad argument or configuration: message on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}\n(see: {self.prog} --help)")


# ---------------------------------------------------------------------------------------
# Arguments


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _demo_size(text: str) -> int:
    value = _positive_int(text)
    if value > DEMO_MAX_SIZE:
        raise argparse.ArgumentTypeError(f"at most {DEMO_MAX_SIZE:,} sessions")
    return value


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of milliseconds: {text!r}") from None
    if value < 0 or value > 60_000:
        raise argparse.ArgumentTypeError("must be between 0 and 60000 ms")
    return value


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


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default: Any = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "--provider",
        choices=PROVIDER_NAMES,
        default=default,
        help="use this provider with credentials from its own environment variables",
    )
    group.add_argument(
        "--profile",
        default=default,
        metavar="NAME",
        help="config profile to use, or 'all' to merge every profile",
    )
    group.add_argument(
        "--base-url",
        default=default,
        metavar="URL",
        help="replace the provider's server URL (proxy, regional endpoint, mock server)",
    )
    group.add_argument(
        "--demo-provider",
        choices=[p for p in PROVIDER_NAMES if p != "demo"],
        default=default,
        metavar="NAME",
        help="run a real adapter against its built-in fake API over the demo world",
    )
    group.add_argument(
        "--demo-size",
        type=_demo_size,
        default=default,
        metavar="N",
        help=f"sessions in the demo world (default {DEMO_SIZE})",
    )
    group.add_argument(
        "--demo-seed", type=int, default=default, metavar="N", help=f"demo world seed (default {DEMO_SEED})"
    )
    group.add_argument(
        "--demo-latency",
        type=_milliseconds,
        default=default,
        metavar="MS",
        help=f"simulated latency per demo request (default {DEMO_LATENCY_MS})",
    )
    group.add_argument(
        "--cache-dir",
        default=default,
        metavar="DIR",
        help="cache directory (default: $ROOMSCOPE_CACHE_DIR or the user cache dir)",
    )
    group.add_argument(
        "--offline",
        action="store_true",
        default=default,
        help="serve only from the cache; never call a provider",
    )
    group.add_argument("--theme", default=default, metavar="NAME", help="colour theme (TUI)")
    group.add_argument("--utc", action="store_true", default=default, help="show times in UTC")
    group.add_argument(
        "--log-file", default=default, metavar="PATH", help="write a debug log (secrets redacted) to PATH"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="roomscope",
        description="A keyboard-driven terminal explorer for video-conferencing room sessions.",
        epilog="Exit codes: " + "; ".join(f"{k} {v}" for k, v in EXIT_CODES.items()),
    )
    parser.add_argument("--version", action="version", version=f"roomscope {__version__}")
    _global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _global_options(sub, suppress=True)
        return sub

    def formats(sub: argparse.ArgumentParser, csv: bool = True) -> None:
        group = sub.add_mutually_exclusive_group()
        group.add_argument("--json", action="store_true", help="JSON on stdout")
        if csv:
            group.add_argument("--csv", action="store_true", help="CSV on stdout")

    sub = command("sessions", "list sessions, newest first")
    sub.add_argument(
        "--since", metavar="SPAN", help="only sessions started within SPAN (24h, 7d) or since an ISO date"
    )
    sub.add_argument("--status", choices=("live", "ended"), help="only live or only ended sessions")
    sub.add_argument("--filter", metavar="TEXT", default="", help="text in name/room/id (!TEXT inverts)")
    sub.add_argument(
        "--limit", type=_positive_int, default=50, metavar="N", help="at most N sessions (default 50)"
    )
    formats(sub)

    sub = command("session", "one session with its participants")
    sub.add_argument("session_id", metavar="ID")
    formats(sub, csv=False)

    sub = command("participants", "the participants of a session")
    sub.add_argument("session_id", metavar="ID")
    formats(sub)

    sub = command("events", "the events of a session")
    sub.add_argument("session_id", metavar="ID")
    sub.add_argument("--participant", metavar="PARTICIPANT_ID", help="only this participant's events")
    formats(sub)

    sub = command("recordings", "the recordings of a session")
    sub.add_argument("session_id", metavar="ID")
    formats(sub)

    sub = command("quality", "a participant's quality summary and samples")
    sub.add_argument("session_id", metavar="SESSION_ID")
    sub.add_argument("participant_id", metavar="PARTICIPANT_ID")
    formats(sub)

    sub = command("cache", "show or clear the disk cache")
    sub.add_argument("action", choices=("info", "clear"))
    sub.add_argument("--json", action="store_true", help="JSON on stdout (info)")

    sub = command("config", "the configuration file")
    sub.add_argument("action", choices=("path", "init", "check"))
    sub.add_argument("--force", action="store_true", help="init: overwrite an existing file")
    return parser


# ---------------------------------------------------------------------------------------
# Sources: what the store will be built from


@dataclass
class Sources:
    """Plain description of the providers to build (cheap: resolved before the first frame)."""

    label: str
    build: Callable[[Callable[[], datetime]], list[Provider]]
    profiles: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)


def _opt(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    value = getattr(args, name, None)
    return default if value is None else value


def resolve_sources(args: argparse.Namespace) -> Sources:
    """Which providers to open: --demo-provider, --provider (env vars), or config profiles
    (``--profile``), falling back to the demo world. Raises UsageError."""
    from roomscope.tui import config

    base_url = _opt(args, "base_url")
    if base_url is not None and not re.match(r"^https?://[^\s/]+", base_url):
        raise UsageError(f"--base-url: expected http(s)://host[:port][/path], got {base_url!r}")
    latency_s = _opt(args, "demo_latency")
    latency_s = None if latency_s is None else latency_s / 1000.0
    seed = _opt(args, "demo_seed")
    size = _opt(args, "demo_size")

    demo_provider = _opt(args, "demo_provider")
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
        provider_name = _opt(args, "provider")
        if provider_name is not None:
            profiles = [config.profile_from_env(provider_name)]
        else:
            profiles = config.select_profiles(loaded, _opt(args, "profile"))
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

    given = _opt(args, "cache_dir")
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
    return Store(providers, cache, offline=bool(_opt(args, "offline", False)), swr=swr, clock=seconds)


def _configure_logging(args: argparse.Namespace) -> None:
    path = _opt(args, "log_file")
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


# ---------------------------------------------------------------------------------------
# The TUI


def build_app(argv: Sequence[str], *, clock: Callable[[], datetime] = utcnow) -> RoomscopeApp:
    """Parse ``argv`` and build the app (raises UsageError)."""
    args = build_parser().parse_args(list(argv))
    if args.command is not None:
        raise UsageError(f"'{args.command}' is a headless command, not the TUI")
    return _app_for(args, clock=clock)


def _app_for(args: argparse.Namespace, *, clock: Callable[[], datetime]) -> RoomscopeApp:
    from roomscope.tui import fmt
    from roomscope.tui.app import RoomscopeApp

    _configure_logging(args)
    fmt.set_utc(bool(_opt(args, "utc", False)))
    sources = resolve_sources(args)
    for warning in sources.warnings:
        print(f"roomscope: warning: {warning}", file=sys.stderr)
    theme = _opt(args, "theme") or sources.theme
    keymap = sources.keymap
    try:
        return RoomscopeApp(
            store_factory=lambda: make_store(sources, args, swr=True, clock=clock),
            theme=theme,
            clock=clock,
            keymap=keymap,
            source_label=sources.label,
            crash_log=cache_directory(args) / "roomscope-crash.log",
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


# ---------------------------------------------------------------------------------------
# Entry point


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(arguments)
        if args.command is None:
            app = _app_for(args, clock=utcnow)
            app.run()
            return app.return_code or 0
        from roomscope.tui.headless import run_command

        return run_command(args)
    except UsageError as exc:
        print(f"roomscope: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("roomscope: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `roomscope sessions --json | head`: the reader has what it wanted. No traceback, and
        # no second one when Python flushes stdout on exit.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
