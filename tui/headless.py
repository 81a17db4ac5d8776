"""The headless twin: the same store as the TUI, printing tables, JSON or CSV.

Data goes to stdout and diagnostics to stderr. A stale cache entry is revalidated before
it is printed (and served, with a warning, when the provider cannot be reached).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import math
import os
import sys
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from roomscope.tui import diagnostics, fmt, present
from roomscope.tui.clock import utcnow
from roomscope.tui.sources import (
    UsageError,
    cache_directory,
    check_host,
    checked_base_url,
    configure_logging,
    make_store,
    parse_since,
    resolve_sources,
)
from roomscope.tui.text import clean, inert_json, terminal_safe

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter

    from roomscope.tui.errors import ProviderError
    from roomscope.tui.models import Session
    from roomscope.tui.store import QualityReport, Store

M = TypeVar("M")


def run_command(args: argparse.Namespace, *, clock: Callable[[], datetime] = utcnow) -> int:
    # Third-party pydantic plugins have nothing to instrument in a one-shot command; looking
    # them up scans every installed package's metadata (a user's own setting still wins).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    fmt.set_utc(bool(getattr(args, "utc", False)))
    configure_logging(args)
    if args.command == "config":
        return _config(args)
    if args.command == "cache":
        return _cache(args)

    sources = resolve_sources(args)
    for warning in sources.warnings:
        diagnostics.warning(warning)
    return asyncio.run(_run_store_command(args, sources, clock))


async def _run_store_command(args: argparse.Namespace, sources: Any, clock: Callable[[], datetime]) -> int:
    from roomscope.tui.config import ConfigError
    from roomscope.tui.errors import exit_code_of
    from roomscope.tui.providers.base import ProviderError

    try:
        store = make_store(sources, args, swr=False, clock=clock)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except ProviderError as exc:
        diagnostics.error(exc)
        return exit_code_of(exc)
    if store.status.cache_note:
        diagnostics.warning(store.status.cache_note)
    try:
        handler = {
            "sessions": _sessions,
            "session": _session,
            "participants": _participants,
            "events": _events,
            "recordings": _recordings,
            "quality": _quality,
            "scan": _scan,
        }[args.command]
        await handler(store, args, clock)
        if store.status.offline_since is not None and store.status.last_error is not None:
            diagnostics.warning(f"{store.status.last_error} Showing cached data.")
        return 0
    except ProviderError as exc:
        diagnostics.error(exc)
        return exit_code_of(exc)
    finally:
        await store.aclose()


# ---------------------------------------------------------------------------------------
# Output helpers


def _dump(models: Sequence[BaseModel]) -> list[Any]:
    return [m.model_dump(mode="json") for m in models]


def _print_json(value: Any, out: TextIO | None = None) -> None:
    """JSON that parses back to the exact strings, with nothing a terminal would act on."""
    stream = out or sys.stdout
    stream.write(inert_json(value, indent=2))
    stream.write("\n")


def _print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(_csv_cells(row))


async def _stream_json(batches: AsyncGenerator[list[Session], None], out: TextIO | None = None) -> int:
    """A JSON array of sessions written a batch at a time: byte for byte what
    :func:`_print_json` prints for the whole list, without ever holding it."""
    stream = out or sys.stdout
    count = 0
    async for batch in batches:
        body = _sessions_json(batch)
        # "[\n  {...},\n  {...}\n]": the rows without the brackets
        stream.write(("[\n" if count == 0 else ",\n") + body[2:-2])
        count += len(batch)
    stream.write("\n]\n" if count else "[]\n")
    return count


def _sessions_json(batch: list[Session]) -> str:
    """``inert_json(_dump(batch))``, written by the models' own compiled serialiser, several
    times faster, whenever that gives the same text: always, except for numbers it writes
    otherwise than Python (non-finite ones, and those under 1e-4: 0.00001 for 1e-05), which
    go the slow way."""
    from pydantic import TypeAdapter
    from pydantic_core import PydanticSerializationError

    from roomscope.tui.text import make_json_inert

    if any(_odd_number(s.duration_s) or _odd_number(s.extra) for s in batch):
        return inert_json(_dump(batch), indent=2)
    global _SESSIONS_JSON
    if _SESSIONS_JSON is None:
        from roomscope.tui.models import Session

        _SESSIONS_JSON = TypeAdapter(list[Session])
    try:
        text = _SESSIONS_JSON.dump_json(batch, indent=2).decode()
    except (PydanticSerializationError, UnicodeDecodeError, ValueError):
        return inert_json(_dump(batch), indent=2)
    return make_json_inert(text)


_SESSIONS_JSON: TypeAdapter[list[Session]] | None = None


def _odd_number(value: Any) -> bool:
    """A float (anywhere in ``value``) that the compiled serialiser and Python write apart."""
    if isinstance(value, float):
        return not math.isfinite(value) or (value != 0.0 and abs(value) < 1e-4)
    if isinstance(value, dict):
        return any(_odd_number(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_odd_number(v) for v in value)
    return False


async def _stream_csv(
    header: Sequence[str],
    batches: AsyncGenerator[list[M], None],
    cells: Callable[[M], Sequence[Any]],
    out: TextIO | None = None,
) -> int:
    """CSV written a batch of rows at a time, as :func:`_print_csv` writes a whole list."""
    stream = out or sys.stdout
    csv.writer(stream, lineterminator="\n").writerow(header)
    count = 0
    async for batch in batches:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(_csv_cells(cells(item)) for item in batch)
        stream.write(buffer.getvalue())
        count += len(batch)
    return count


def _csv_cells(row: Sequence[Any]) -> list[Any]:
    return ["" if v is None else _csv_safe(v) for v in row]


def _csv_safe(value: Any) -> Any:
    """A cell that is inert in a terminal (see ``terminal_safe``: one line, no control or
    bidi characters) and in a spreadsheet (a string it would run as a formula gets a
    leading quote)."""
    if not isinstance(value, str):
        return value
    text = terminal_safe(value)
    if text[:1] in ("=", "+", "-", "@") and not _numeric(text):
        return "'" + text
    return text


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO | None = None) -> None:
    from rich.cells import cell_len  # columns are measured in terminal cells (CJK, emoji)

    def pad(text: str, width: int) -> str:
        return text + " " * (width - cell_len(text))

    stream = out or sys.stdout
    cells = [[clean(c, 80) for c in row] for row in rows]
    widths = [cell_len(h) for h in header]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], cell_len(cell))
    line = "  ".join(pad(h, widths[i]) for i, h in enumerate(header)).rstrip()
    stream.write(line + "\n")
    for row in cells:
        stream.write("  ".join(pad(c, widths[i]) for i, c in enumerate(row)).rstrip() + "\n")


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


# ---------------------------------------------------------------------------------------
# Commands


async def _find(store: Store, session_id: str) -> Session:
    return await store.find_session(session_id)


SESSION_CSV_HEADER = (
    "id",
    "profile",
    "provider",
    "name",
    "room",
    "status",
    "started_at",
    "ended_at",
    "duration_s",
    "participants",
    "problem",
)


def _session_csv_row(s: Session) -> list[Any]:
    return [
        s.id,
        s.profile,
        s.provider,
        s.name,
        s.room_name,
        s.status.value,
        _iso(s.started_at),
        _iso(s.ended_at),
        s.duration_s,
        s.participant_count,
        s.problem,
    ]


async def _sessions(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui.headless_scan import checked_filter
    from roomscope.tui.models import SessionQuery, SessionStatus

    since = parse_since(args.since, clock()) if args.since is not None else None
    query = SessionQuery(
        since=since,
        status=SessionStatus(args.status) if args.status else None,
        text=checked_filter(args.filter or "", clock()),
    )
    collection = store.sessions(query)
    stopped: list[ProviderError] = []
    async with contextlib.aclosing(_batched(collection.stream(), args.limit, stopped)) as batches:
        first = await _first(batches)
        if first is None and stopped:
            raise stopped[0]
        rows = _again(first, batches)
        if args.json:
            written = await _stream_json(rows)
        elif args.csv:
            written = await _stream_csv(SESSION_CSV_HEADER, rows, _session_csv_row)
        else:
            kept = [s async for batch in rows for s in batch]
            _sessions_table(store, kept)
            written = len(kept)
    if stopped:
        diagnostics.warning(f"stopped early: {stopped[0]}")
    if not args.json and not args.csv:
        total = collection.total
        shown = f"{written} of {total:,}" if total is not None else f"{written} of >{written}"
        diagnostics.note(f"{shown} sessions")


async def _scan(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui.headless_scan import scan

    await scan(store, args, clock)


def _sessions_table(store: Store, rows: Sequence[Session]) -> None:
    multi = len(store.providers) > 1
    header = ["START", *(["PROFILE"] if multi else []), "SESSION", "STATUS", "DURATION", "PEOPLE", "ID"]
    table = [
        [
            fmt.when(s.started_at),
            *([s.profile] if multi else []),
            f"⚠ unreadable: {s.problem}" if s.problem else s.title,
            s.status.value,
            fmt.duration(s.duration_s),
            "—" if s.participant_count is None else str(s.participant_count),
            s.id,
        ]
        for s in rows
    ]
    _print_table(header, table)


async def _first(batches: AsyncGenerator[list[M], None]) -> list[M] | None:
    try:
        return await anext(batches)
    except StopAsyncIteration:
        return None


async def _again(first: list[M] | None, rest: AsyncGenerator[list[M], None]) -> AsyncGenerator[list[M], None]:
    if first is None:
        return
    yield first
    async for batch in rest:
        yield batch


async def _batched(
    rows: AsyncGenerator[M, None], limit: int, stopped: list[ProviderError]
) -> AsyncGenerator[list[M], None]:
    """At most ``limit`` rows of a stream, in batches (a few first, so the first rows of a
    slow list are out soon); the error that ends it early goes into ``stopped``."""
    from roomscope.tui.errors import ProviderError

    if limit <= 0:
        return
    count = 0
    size = 50
    batch: list[M] = []
    try:
        async with contextlib.aclosing(rows):
            async for item in rows:
                batch.append(item)
                count += 1
                if count >= limit:
                    break
                if len(batch) >= size:
                    yield batch
                    batch = []
                    size = 1000
    except ProviderError as exc:
        stopped.append(exc)
    if batch:
        yield batch


async def _session(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui.providers.base import Capability, ProviderError

    session = await _find(store, args.session_id)
    provider = store.provider(session.profile)
    participants = []
    note = None
    if Capability.PARTICIPANTS in provider.capabilities:
        try:
            participants = await store.participants(session)
        except ProviderError as exc:
            note = str(exc)
            diagnostics.warning(f"participants: {exc}")
    if args.json:
        body = session.model_dump(mode="json")
        body["participants"] = _dump(participants)
        if note:
            body["participants_error"] = note
        _print_json(body)
        return
    out = sys.stdout
    pairs = [
        ("id", session.id),
        ("profile", f"{session.profile} ({session.provider})"),
        ("name", session.title),
        ("room", session.room_name or "—"),
        ("status", session.status.value),
        ("started", fmt.when(session.started_at, seconds=True)),
        ("ended", fmt.when(session.ended_at, seconds=True)),
        ("duration", fmt.duration(session.duration_s)),
        ("participants", "—" if session.participant_count is None else str(session.participant_count)),
    ]
    for key, value in pairs:
        out.write(f"{key:<13}{clean(value, 200)}\n")
    if participants:
        out.write("\n")
        _participants_table(participants)


def _participants_table(participants: Sequence[Any]) -> None:
    header = ["NAME", "ROLE", "JOINED", "LEFT", "TIME", "NETWORK", "WHERE", "ID"]
    rows = []
    for p in participants:
        n = p.network
        rows.append(
            [
                f"⚠ unreadable: {p.problem}" if p.problem else p.title,
                p.role or "—",
                fmt.when(p.joined_at, seconds=True, date=False),
                fmt.when(p.left_at, seconds=True, date=False) if p.left_at else "—",
                fmt.duration(p.duration_s),
                " · ".join(x for x in ((n.connection_type, n.isp) if n else ()) if x) or "—",
                ", ".join(x for x in ((n.city, n.country) if n else ()) if x) or "—",
                p.id,
            ]
        )
    _print_table(header, rows)


async def _participants(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    session = await _find(store, args.session_id)
    participants = await store.participants(session)
    if args.json:
        _print_json(_dump(participants))
    elif args.csv:
        _print_csv(
            [
                "id",
                "name",
                "role",
                "user_id",
                "external_id",
                "joined_at",
                "left_at",
                "duration_s",
                "reconnects",
                "browser",
                "os",
                "device_type",
                "connection_type",
                "isp",
                "city",
                "country",
                "problem",
            ],
            (
                [
                    p.id,
                    p.name,
                    p.role,
                    p.user_id,
                    p.external_id,
                    _iso(p.joined_at),
                    _iso(p.left_at),
                    p.duration_s,
                    p.reconnects,
                    p.device.browser if p.device else None,
                    p.device.os if p.device else None,
                    p.device.device_type if p.device else None,
                    p.network.connection_type if p.network else None,
                    p.network.isp if p.network else None,
                    p.network.city if p.network else None,
                    p.network.country if p.network else None,
                    p.problem,
                ]
                for p in participants
            ),
        )
    else:
        _participants_table(participants)


async def _events(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    session = await _find(store, args.session_id)
    events = await store.events(session, args.participant)
    if args.json:
        _print_json(_dump(events))
    elif args.csv:
        _print_csv(
            ["id", "at", "kind", "name", "participant_id", "participant_name", "level", "detail", "problem"],
            (
                [
                    e.id,
                    _iso(e.at),
                    e.kind.value,
                    e.name,
                    e.participant_id,
                    e.participant_name,
                    e.level,
                    e.detail,
                    e.problem,
                ]
                for e in events
            ),
        )
    else:
        _print_table(
            ["TIME", "EVENT", "PARTICIPANT", "DETAIL"],
            [
                [fmt.when(e.at, seconds=True), e.kind.value, e.participant_name or "", e.detail or e.name]
                for e in events
            ],
        )


async def _recordings(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    session = await _find(store, args.session_id)
    recordings = await store.recordings(session)
    if args.json:
        _print_json(_dump(recordings))
    elif args.csv:
        _print_csv(
            [
                "id",
                "status",
                "started_at",
                "ended_at",
                "duration_s",
                "size_bytes",
                "format",
                "url",
                "problem",
            ],
            (
                [
                    r.id,
                    r.status,
                    _iso(r.started_at),
                    _iso(r.ended_at),
                    r.duration_s,
                    r.size_bytes,
                    r.format,
                    r.url,
                    r.problem,
                ]
                for r in recordings
            ),
        )
    else:
        _print_table(
            ["STATUS", "STARTED", "DURATION", "SIZE", "FORMAT", "ID"],
            [
                [
                    r.status or "—",
                    fmt.when(r.started_at, seconds=True),
                    fmt.duration(r.duration_s),
                    fmt.size(r.size_bytes),
                    r.format or "—",
                    r.id,
                ]
                for r in recordings
            ],
        )


def _quality_json(report: QualityReport) -> dict[str, Any]:
    assessment = report.assessment
    metrics: dict[str, Any] = {}
    for series in report.series:
        metric = assessment.metrics.get(str(series.metric))
        stats = metric.stats if metric else None
        metrics[str(series.metric)] = {
            "unit": series.unit,
            "unit_documented": series.unit_documented,
            "source": series.source,
            "samples": stats.count if stats else 0,
            "min": stats.min if stats else None,
            "avg": stats.avg if stats else None,
            "p95": stats.p95 if stats else None,
            "max": stats.max if stats else None,
            "poor_threshold": metric.threshold.poor if metric else None,
            "verdict": metric.verdict.value if metric else "unknown",
        }
    return {
        "session_id": report.session_id,
        "participant_id": report.participant_id,
        "verdict": assessment.verdict.value,
        "reason": assessment.reason(),
        "tripped_by": assessment.tripped_by,
        "tripped_at": _iso(assessment.tripped_at),
        "tripped_for_s": assessment.tripped_for_s,
        "metrics": metrics,
        "series": [s.model_dump(mode="json") for s in report.series],
    }


async def _quality(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    session = await _find(store, args.session_id)
    report = await store.quality(session, args.participant_id)
    if args.json:
        _print_json(_quality_json(report))
        return
    if args.csv:

        def rows() -> Iterable[list[Any]]:
            for series in report.series:
                for i, value in enumerate(series.values):
                    offset = series.offset(i)
                    at = series.start.timestamp() + offset
                    yield [
                        series.metric.value,
                        series.unit,
                        round(offset, 3),
                        _iso(datetime.fromtimestamp(at, UTC)),
                        value,
                    ]

        _print_csv(["metric", "unit", "offset_s", "at", "value"], rows())
        return
    print(f"verdict      {clean(report.assessment.reason(), 200)}")
    header = ["METRIC", "UNIT", "MIN", "AVG", "P95", "MAX", "POOR WHEN", "VERDICT"]
    table = [list(row) for row in present.quality_summary_rows(report)]
    _print_table(header, table)


# ---------------------------------------------------------------------------------------
# cache and config


def _cache(args: argparse.Namespace) -> int:
    from roomscope.tui.cache import Cache

    cache = Cache.open(cache_directory(args))
    try:
        if args.action == "clear":
            removed = cache.clear()
            diagnostics.note(f"removed {removed} cached entries from {cache.path or 'memory'}")
            if cache.note:
                diagnostics.warning(cache.note)
            return 0
        info = cache.info()
        if args.json:
            _print_json(info.__dict__)
            return 0
        out = io.StringIO()
        out.write(f"path         {terminal_safe(info.path)}\n")
        out.write(f"size         {fmt.size(info.size_bytes)}\n")
        out.write(f"entries      {info.entries}\n")
        for kind, count in sorted(info.by_kind.items()):
            out.write(f"  {kind:<11}{count}\n")
        for profile, count in sorted(info.by_profile.items()):
            out.write(f"profile      {terminal_safe(profile)}: {count}\n")
        if info.oldest is not None and info.newest is not None:
            out.write(f"oldest       {fmt.when(datetime.fromtimestamp(info.oldest, UTC), seconds=True)}\n")
            out.write(f"newest       {fmt.when(datetime.fromtimestamp(info.newest, UTC), seconds=True)}\n")
        out.write(f"schema       v{info.schema}\n")
        sys.stdout.write(out.getvalue())
        if info.note:
            diagnostics.warning(info.note)
        return 0
    finally:
        cache.close()


def _config(args: argparse.Namespace) -> int:
    from roomscope.tui import config

    path = config.config_path()
    if args.action == "path":
        print(terminal_safe(path))
        return 0
    if args.action == "init":
        try:
            written = config.write_example(path, force=args.force)
        except config.ConfigError as exc:
            raise UsageError(str(exc)) from None
        diagnostics.note(f"wrote an example configuration to {written} (mode 0600)")
        return 0
    return asyncio.run(_config_check(args))


async def _config_check(args: argparse.Namespace) -> int:
    """The file as the start-up reads it (theme, keymap, profiles), then one real request per
    profile; with ``--provider``, that provider's environment variables instead of the
    profiles (the file is still checked: the start-up reads it too)."""
    from roomscope.tui import config
    from roomscope.tui.providers.registry import CheckResult, check_profile

    base_url = checked_base_url(args)
    try:
        loaded, warning = config.load_config(config.config_path())
        if warning:
            diagnostics.warning(warning)
        if getattr(args, "provider", None) and args.provider != "demo":
            profiles = [config.profile_from_env(args.provider)]
        else:
            profiles = config.select_profiles(
                loaded, getattr(args, "profile", None) or "all", require_env=False
            )
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None
    worst = 0
    for profile in profiles:
        try:
            if profile.provider != "demo":
                check_host(base_url, profile)
        except config.ConfigError as exc:
            result = CheckResult(profile.name, False, str(exc), profile.provider, exc.exit_code)
        else:
            result = await check_profile(profile, base_url=base_url)
        status = "ok" if result.ok else "FAILED"
        print(diagnostics.lines(f"{result.profile_name}: {status}: {result.message}"))
        if not result.ok:
            worst = max(worst, result.exit_code or 1)
    return worst
