"""The ``roomscope`` command: the TUI by default, headless subcommands for scripts.

Global options may come before or after the subcommand. Data goes to stdout,
diagnostics to stderr; exit codes are part of the interface (see ``EXIT_CODES``).
Nothing heavy is imported here: the TUI path imports Textual, and the store (pydantic,
sqlite, providers, httpx) is built after the first frame.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from roomscope import __version__
from roomscope.tui import diagnostics
from roomscope.tui.clock import utcnow
from roomscope.tui.config.validate import DEMO_BOUNDS
from roomscope.tui.errors import ProviderError
from roomscope.tui.limits import DEMO_LATENCY_MS, DEMO_MAX_SIZE, DEMO_SEED, DEMO_SIZE
from roomscope.tui.providers.registry import PROVIDER_NAMES
from roomscope.tui.sources import (
    UsageError,
    cache_directory,
    configure_logging,
    make_store,
    opt,
    resolve_sources,
)
from roomscope.tui.symptom_names import SYMPTOM_NAMES, symptom_name

if TYPE_CHECKING:
    from roomscope.tui.app import RoomscopeApp

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
    9: "the provider rejected the request (HTTP 400, 418 and other 4xx, or a failure it reported)",
    130: "interrupted (Ctrl+C)",
    141: "the reader of stdout went away (e.g. piped into head)",
}


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


def _seed(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    low, high = DEMO_BOUNDS["seed"]
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be between {low} and {high:,}")
    return value


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of milliseconds: {text!r}") from None
    low, high = DEMO_BOUNDS["latency_ms"]
    if not low <= value <= high:  # NaN is not between anything
        raise argparse.ArgumentTypeError(f"must be between {low} and {high} ms")
    return value


def _symptom(text: str) -> str:
    try:
        return symptom_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_NOT_IN_IDS = frozenset("/?#%\\")


def id_problem(text: str, *, room_prefix: bool = False, slash: bool = False) -> str | None:
    """Why ``text`` cannot be a session or participant id, or ``None``.

    Ids go into request paths: an empty one, ``.`` or ``..`` (which a URL resolves to the
    list endpoint or the API root), and ``/``, ``?``, ``#``, ``%``, ``\\``, whitespace or
    control characters (which change the path, or are no one's id) are refused before
    any path is built. With ``room_prefix``, a session id may name its room first,
    ``<roomName>|<id>`` (Whereby, whose room names start with ``/`` and travel as a query
    parameter): the room part may hold ``/``, the id after the last ``|`` follows the rules.
    With ``slash``, ``/`` is allowed inside the id (participant ids: Whereby's start with
    ``/`` and travel as a query value; adapters that put one in a path refuse it there)."""
    if room_prefix and "|" in text:
        room, _, text = text.rpartition("|")
        if any(ch in "?#%\\" or ch.isspace() or not ch.isprintable() for ch in room):
            return "the room name before '|' has a space, a control character or one of ? # % \\"
    if not text:
        return "it is empty"
    if text in (".", ".."):
        return "a path step, not an id"
    if text.startswith("../") or "/../" in text or text.endswith("/.."):
        return "a path step, not an id"
    if any(ch in _NOT_IN_IDS and not (slash and ch == "/") for ch in text):
        return "ids have no '/', '?', '#', '%' or '\\'"
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        return "ids have no spaces or control characters"
    return None


def _identifier(kind: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        problem = id_problem(text, room_prefix=kind == "session", slash=kind == "participant")
        if problem is not None:
            raise argparse.ArgumentTypeError(f"not a valid {kind} id: {text!r} ({problem})")
        return text

    parse.__name__ = f"{kind} id"
    return parse


GLOBAL_HEADING = "global options (before or after the command)"


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command takes. On a subcommand (``suppress``) they are accepted but
    left out of its help, which names them under one heading instead (``_global_epilog``)."""
    default: Any = argparse.SUPPRESS if suppress else None
    group: Any = _QuietGroup(parser) if suppress else parser.add_argument_group(GLOBAL_HEADING)
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
        "--demo-seed", type=_seed, default=default, metavar="N", help=f"demo world seed (default {DEMO_SEED})"
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


class _QuietGroup:
    """Adds arguments to ``parser`` with their help hidden (a subcommand's global options)."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser

    def add_argument(self, *names: str, **options: Any) -> argparse.Action:
        options["help"] = argparse.SUPPRESS
        return self.parser.add_argument(*names, **options)


def _global_epilog(parser: argparse.ArgumentParser) -> str:
    """'global options (...):' and the global options' names with their values, wrapped."""
    import textwrap

    group = next(g for g in parser._action_groups if g.title == GLOBAL_HEADING)
    names = []
    for action in group._group_actions:
        name = action.option_strings[-1]
        value = None if action.nargs == 0 else action.metavar or "NAME"
        names.append(f"{name} {value}" if value else name)
    body = textwrap.fill("  ".join(names), width=88, initial_indent="  ", subsequent_indent="  ")
    return f"{GLOBAL_HEADING}; `roomscope --help` describes them:\n{body}"


COMMANDS = frozenset(
    {
        "sessions", "session", "participants", "events", "recordings", "artifacts", "quality",
        "import", "imports", "findings", "triage", "scan", "completion", "man", "window",
        "groups", "bundle", "history", "cache", "config",
    }
)  # fmt: skip
"""The subcommands' names (a test checks them against the parser): a command line naming
none of them opens the TUI, whose parser is built without them (they cost ~6 ms of the
first frame)."""


def _parser_for(arguments: Sequence[str]) -> argparse.ArgumentParser:
    """The parser a command line needs: the TUI's alone when no word of it names a
    subcommand or asks for help (a value that happens to be a command's name only costs the
    whole parser)."""
    words = arguments[: arguments.index("--")] if "--" in arguments else arguments
    if any(word in COMMANDS or word in ("-h", "--help") for word in words):
        return build_parser()
    return build_parser(commands=False)


def _parse(arguments: Sequence[str]) -> argparse.Namespace:
    """``arguments`` parsed; a mistake is told by the whole parser, in its words."""
    try:
        return _parser_for(arguments).parse_args(list(arguments))
    except UsageError:
        return build_parser().parse_args(list(arguments))


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The command line's parser (``commands=False``: the TUI's options only)."""
    parser = _Parser(
        prog="roomscope",
        description="A keyboard-driven terminal explorer for video-conferencing room sessions.",
        epilog="Exit codes: " + "; ".join(f"{k} {v}" for k, v in EXIT_CODES.items()),
    )
    parser.add_argument("--version", action="version", version=f"roomscope {__version__}")
    _global_options(parser, suppress=False)
    parser.add_argument(
        "--window",
        metavar="FROM..TO",
        help="open the Window view of an incident window (10:00-10:10, 10:05±5m, FROM..TO)",
    )
    parser.add_argument(
        "--history",
        metavar="KIND=VALUE",
        help="open the History view (since when) of who=NAME, isp=ASN, room=NAME or profile=NAME",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="start the session list in live mode (L turns it on and off, p pauses it)",
    )
    if not commands:
        parser.set_defaults(command=None)
        return parser
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    epilog = _global_epilog(parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = subcommands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _global_options(sub, suppress=True)
        return sub

    def formats(sub: argparse.ArgumentParser, csv: bool = True, jsonl: bool | None = None) -> None:
        """--json, and on a list command (``csv``, or ``jsonl``) --csv and --jsonl; --fields."""
        group = sub.add_mutually_exclusive_group()
        group.add_argument("--json", action="store_true", help="JSON on stdout")
        if jsonl if jsonl is not None else csv:
            group.add_argument("--jsonl", action="store_true", help="JSON Lines on stdout: one object a line")
        if csv:
            group.add_argument("--csv", action="store_true", help="CSV on stdout")
        sub.add_argument(
            "--fields",
            metavar="A,B,C",
            help="only these fields, in this order (JSON, JSON Lines, CSV); a wrong one lists the valid ones",
        )

    sub = command("sessions", "list sessions, newest first")
    sub.add_argument(
        "--since", metavar="SPAN", help="only sessions started within SPAN (24h, 7d) or since an ISO date"
    )
    sub.add_argument("--status", choices=("live", "ended"), help="only live or only ended sessions")
    sub.add_argument(
        "--filter",
        metavar="QUERY",
        default="",
        help="the / query language: text, status:live, verdict:poor …",
    )
    sub.add_argument(
        "--limit", type=_positive_int, default=50, metavar="N", help="at most N sessions (default 50)"
    )
    formats(sub)

    session_id = _identifier("session")
    participant_id = _identifier("participant")

    sub = command("session", "one session with its participants")
    sub.add_argument("session_id", type=session_id, metavar="ID")
    formats(sub, csv=False)

    sub = command("participants", "the participants of a session")
    sub.add_argument("session_id", type=session_id, metavar="ID")
    formats(sub)

    sub = command("events", "the events of a session")
    sub.add_argument("session_id", type=session_id, metavar="ID")
    sub.add_argument(
        "--participant", type=participant_id, metavar="PARTICIPANT_ID", help="only this participant's events"
    )
    formats(sub)

    sub = command("recordings", "the recordings of a session")
    sub.add_argument("session_id", type=session_id, metavar="ID")
    formats(sub)

    sub = command("artifacts", "what a session left: chat log, transcripts, summaries (temporary links)")
    sub.add_argument("session_id", type=session_id, metavar="ID")
    formats(sub)

    sub = command("quality", "a participant's quality summary and samples")
    sub.add_argument("session_id", type=session_id, metavar="SESSION_ID")
    sub.add_argument("participant_id", type=participant_id, metavar="PARTICIPANT_ID")
    formats(sub)

    sub = command(
        "import", "attach a browser's WebRTC statistics dump to a participant, or open it as a session"
    )
    sub.add_argument(
        "file", metavar="FILE", help="a chrome://webrtc-internals, rtcstats or RTCStatsDump file (gzip too)"
    )
    sub.add_argument("--session", type=session_id, metavar="ID", help="the session the browser was in")
    sub.add_argument(
        "--participant", type=participant_id, metavar="PID", help="the participant whose browser it was"
    )
    sub.add_argument(
        "--name",
        metavar="TEXT",
        help="who the browser was (narrows the participants offered; names the session)",
    )

    sub = command("imports", "list the imported dumps, or remove one (imports rm ID)")
    sub.add_argument("action", nargs="?", choices=("list", "rm"), default="list")
    sub.add_argument("import_id", nargs="?", metavar="ID", help="rm: the import to remove")
    shape = sub.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="JSON on stdout")
    shape.add_argument("--jsonl", action="store_true", help="JSON Lines on stdout: one import a line")

    sub = command("findings", "what went wrong in a session: findings worst first, with cause and evidence")
    sub.add_argument("session_id", type=session_id, metavar="ID")
    formats(sub)

    sub = command(
        "triage",
        "rank the sessions, participants and intervals whose findings explain a symptom, best first",
    )
    sub.add_argument(
        "--symptom",
        required=True,
        type=_symptom,
        choices=SYMPTOM_NAMES,
        metavar="SYMPTOM",
        help="what was noticed: " + ", ".join(SYMPTOM_NAMES),
    )
    sub.add_argument(
        "--at", metavar="TIME", help="roughly when: 10:05 (the latest such time, shown zone) or an ISO time"
    )
    sub.add_argument("--who", metavar="NAME", help="a participant's name (or part of it) or id")
    sub.add_argument(
        "--within",
        metavar="SPAN",
        default="1h",
        help="with --at: sessions live this close to TIME (default 1h)",
    )
    sub.add_argument(
        "--since",
        metavar="SPAN",
        default="24h",
        help="without --at: sessions started within SPAN (default 24h)",
    )
    sub.add_argument(
        "--limit", type=_positive_int, default=10, metavar="N", help="at most N matches (default 10)"
    )
    formats(sub)

    sub = command("completion", "print a shell completion script (see README for the set-up)")
    sub.add_argument("shell", choices=("bash", "zsh", "fish"))

    command("man", "print the manual page (roff)")

    sub = command("window", "every session overlapping a time window, across every profile, worst first")
    sub.add_argument(
        "window",
        metavar="FROM..TO",
        help="HH:MM[:SS] (the most recent such time, in the shown zone) or ISO 8601 ends; "
        "also 10:00-10:10 and 10:05±5m (or 10:05+-5m)",
    )
    formats(sub)

    sub = command(
        "groups", "participants grouped by network, place, device, provider or room, the outlier first"
    )
    sub.add_argument(
        "--by",
        required=True,
        choices=("isp", "country", "city", "connection", "browser", "os", "device", "profile", "room"),
        help="what to group by",
    )
    sub.add_argument("--window", metavar="FROM..TO", help="the sessions of this window (as for `window`)")
    sub.add_argument(
        "--since", metavar="SPAN", help="without --window: sessions started within SPAN (24h, 7d)"
    )
    sub.add_argument("--filter", metavar="TEXT", default="", help="without --window: text in name/room/id")
    sub.add_argument(
        "--limit", type=_positive_int, default=500, metavar="N", help="without --window: at most N sessions"
    )
    formats(sub)

    sub = command("bundle", "write an incident bundle (summary.md, bundle.json, quality CSVs) for a ticket")
    sub.add_argument("session_id", nargs="?", type=session_id, metavar="SESSION_ID", help="one session")
    sub.add_argument("--window", metavar="FROM..TO", help="every session of this window (as for `window`)")
    sub.add_argument(
        "-o", "--output", metavar="DIR", help="where the bundle's directory goes (default: here)"
    )

    sub = command("history", "since when: a person's, an ISP's or a room's verdicts over past sessions")
    sub.add_argument("--who", metavar="NAME", help="a user id, participant id or display name")
    sub.add_argument("--isp", metavar="ASN", help="an ASN (AS3320) or an ISP name")
    sub.add_argument("--room", metavar="NAME", help="a room name")
    sub.add_argument("--of-profile", metavar="NAME", help="every session of one profile")
    sub.add_argument("--since", metavar="SPAN", help="how far back (default 7d; or an ISO date)")
    sub.add_argument("--fetch", action="store_true", help="ask the providers for what the cache lacks")
    sub.add_argument(
        "--limit", type=_positive_int, default=2000, metavar="N", help="at most N sessions (default 2000)"
    )
    shape = sub.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="JSON on stdout")
    shape.add_argument("--jsonl", action="store_true", help="JSON Lines on stdout: one session mark a line")

    sub = command(
        "scan", "diagnose every session of a list: verdict, poor/fair counts, reconnects, top finding"
    )
    sub.add_argument(
        "--since", metavar="SPAN", help="only sessions started within SPAN (24h, 7d) or since an ISO date"
    )
    sub.add_argument(
        "--until", metavar="TIME", help="only sessions started by TIME (HH:MM, a span ago like 2h, or ISO)"
    )
    sub.add_argument("--at", metavar="TIME", help="only sessions active at TIME (HH:MM, a span ago, or ISO)")
    sub.add_argument("--filter", metavar="QUERY", default="", help="the / query language (see README)")
    sub.add_argument(
        "--limit", type=_positive_int, default=200, metavar="N", help="at most N sessions (default 200)"
    )
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


# ---------------------------------------------------------------------------------------
# The TUI


def build_app(argv: Sequence[str], *, clock: Callable[[], datetime] = utcnow) -> RoomscopeApp:
    """Parse ``argv`` and build the app (raises UsageError)."""
    args = _parse(list(argv))
    if args.command is not None:
        raise UsageError(f"'{args.command}' is a headless command, not the TUI")
    return _app_for(args, clock=clock)


def _app_for(args: argparse.Namespace, *, clock: Callable[[], datetime]) -> RoomscopeApp:
    from roomscope.tui import fmt
    from roomscope.tui.app import RoomscopeApp

    configure_logging(args)
    fmt.set_utc(bool(opt(args, "utc", False)))
    sources = resolve_sources(args)
    for warning in sources.warnings:
        diagnostics.warning(warning)
    theme = opt(args, "theme")
    if theme is not None and not theme.strip():
        raise UsageError("--theme: must not be empty")
    theme = theme or sources.theme
    keymap = sources.keymap
    window = opt(args, "window")
    if window is not None:
        from roomscope.tui.incident.headless import read_window

        read_window(window, clock())  # a bad window stops here, before the screen is taken
    history = _history_subject(opt(args, "history"))
    from roomscope.tui.first_screen import FirstScreenFile, identity

    cache_dir = cache_directory(args)
    try:
        return RoomscopeApp(
            store_factory=lambda: make_store(sources, args, swr=True, clock=clock),
            theme=theme,
            clock=clock,
            keymap=keymap,
            source_label=sources.label,
            crash_log=cache_dir / "roomscope-crash.log",
            first_screen=FirstScreenFile(cache_dir, identity(sources.identity)),
            window=window,
            history=history,
            live=bool(opt(args, "live", False)),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _history_subject(text: str | None) -> tuple[str, str] | None:
    """``--history KIND=VALUE`` as (kind, value); a bad one stops here (exit 2)."""
    if text is None:
        return None
    from roomscope.tui.incident.history import SubjectError, parse_subject

    try:
        subject = parse_subject(text)
    except SubjectError as exc:
        raise UsageError(f"--history: {exc}") from None
    return subject.kind, subject.value


# ---------------------------------------------------------------------------------------
# Entry point


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args: argparse.Namespace | None = None
    try:
        args = _parse(arguments)
        if args.command is None:
            app = _app_for(args, clock=utcnow)
            app.run()
            return app.return_code or 0
        if args.command in ("completion", "man"):
            return _generated(args)
        from roomscope.tui.headless import run_command

        return run_command(args)
    except UsageError as exc:
        diagnostics.error(exc)
        return 2
    except ProviderError as exc:  # a window longer than roomscope serves (--window)
        diagnostics.error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        diagnostics.note("roomscope: interrupted")
        return 130
    except BrokenPipeError:
        # `roomscope sessions --json | head`: the reader has what it wanted. No traceback, and
        # no second one when Python flushes stdout on exit.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # a bug in roomscope: one sentence, the traceback in the crash log
        return _internal_error(exc, args)


def _internal_error(exc: Exception, args: argparse.Namespace | None) -> int:
    from roomscope.tui.crashlog import write_crash_log
    from roomscope.tui.paths import default_cache_dir
    from roomscope.tui.redact import REDACTOR

    try:
        directory = cache_directory(args) if args is not None else default_cache_dir()
    except (UsageError, OSError, ValueError):
        directory = default_cache_dir()
    where = write_crash_log(directory / "roomscope-crash.log", exc)
    details = f"; details in {where}" if where else ""
    diagnostics.error(REDACTOR(f"internal error ({type(exc).__name__}: {exc}){details}"))
    return 1


def _generated(args: argparse.Namespace) -> int:
    """``completion SHELL`` and ``man``: text made from the parser itself."""
    parser = build_parser()
    if args.command == "man":
        from roomscope.tui.manpage import manpage

        sys.stdout.write(manpage(parser, __version__, EXIT_CODES))
        return 0
    from roomscope.tui.completion import completion_script
    from roomscope.tui.theme_names import THEME_NAMES

    sys.stdout.write(completion_script(args.shell, parser, profiles=_profile_names(), themes=THEME_NAMES))
    return 0


def _profile_names() -> list[str]:
    """The config file's profile names (none when it is missing or unreadable: completion
    is no place for a configuration error)."""
    from roomscope.tui import config

    try:
        loaded, _ = config.load_config(config.config_path())
    except config.ConfigError:
        return []
    return [*loaded.profiles, "all"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
