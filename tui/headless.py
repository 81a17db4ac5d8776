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
import re
import sys
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from roomscope.tui import diagnostics, fmt, output, present
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
    without_pydantic_plugins,
)
from roomscope.tui.text import clean, inert_json, terminal_safe

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter

    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.errors import ProviderError
    from roomscope.tui.models import Participant, Session
    from roomscope.tui.store import QualityReport, Store

M = TypeVar("M")


def run_command(args: argparse.Namespace, *, clock: Callable[[], datetime] = utcnow) -> int:
    without_pydantic_plugins()  # a user's own setting still wins
    fmt.set_utc(bool(getattr(args, "utc", False)))
    configure_logging(args)
    if args.command == "config":
        return _config(args)
    if args.command == "cache":
        return _cache(args)
    if args.command == "imports":
        from roomscope.tui.import_command import imports_command

        return imports_command(args)

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
        handler = _handler(args.command)
        await handler(store, args, clock)
        _say_provider_notices(store)
        if store.status.offline_since is not None and store.status.last_error is not None:
            diagnostics.warning(f"{store.status.last_error} Showing cached data.")
        return 0
    except ProviderError as exc:
        diagnostics.error(exc)
        return exit_code_of(exc)
    finally:
        await store.aclose()


def _say_provider_notices(store: Store) -> None:
    """What the adapters found out about their APIs while answering (a list in another
    order than documented, events naming no member): one warning each on stderr."""
    for provider, sentence in store.notices():
        text = sentence
        if text.startswith(provider.label):  # the sentence names its provider already
            text = text[len(provider.label) :].lstrip(" :")
        diagnostics.warning(f"{provider.label} ({provider.profile}): {text}")


Handler = Callable[["Store", argparse.Namespace, Callable[[], datetime]], Any]


def _handler(command: str) -> Handler:
    """The function that answers ``command``; the import and incident commands' modules are
    imported only for them (a session list from the cache needs neither)."""
    handlers: dict[str, Handler] = {
        "sessions": _sessions,
        "session": _session,
        "participants": _participants,
        "events": _events,
        "recordings": _recordings,
        "artifacts": _artifacts,
        "quality": _quality,
        "findings": _findings,
        "triage": _triage,
        "scan": _scan,
    }
    if command in handlers:
        return handlers[command]
    if command == "import":
        from roomscope.tui.import_command import import_command

        return import_command
    from roomscope.tui.incident import headless as incident

    return {
        "window": incident.window,
        "groups": incident.groups,
        "bundle": incident.bundle,
        "history": incident.history,
    }[command]


# ---------------------------------------------------------------------------------------
# Output helpers


def _dump(models: Sequence[BaseModel]) -> list[Any]:
    return [m.model_dump(mode="json") for m in models]


_print_json = output.print_json
_print_csv = output.print_csv
_print_table = output.print_table
_csv_cells = output.csv_cells
_iso = fmt.iso


async def _stream_json(batches: AsyncGenerator[list[Session], None], out: TextIO | None = None) -> int:
    """A JSON array of sessions written a batch at a time: byte for byte what
    :func:`_print_json` prints for the whole list, without ever holding it."""
    return await _stream_json_with(batches, _sessions_json, out)


async def _stream_json_with(
    batches: AsyncGenerator[list[M], None], render: Callable[[list[M]], str], out: TextIO | None = None
) -> int:
    """A JSON array written a batch at a time, each batch by ``render`` (an indented array)."""
    stream = out or sys.stdout
    count = 0
    async for batch in batches:
        body = render(batch)
        stream.write(output.json_array_piece(body, first=count == 0))
        count += len(batch)
    stream.write(output.json_array_end(count))
    return count


def _sessions_json(batch: list[Session]) -> str:
    """``inert_json(_dump(batch))``, written by the models' own compiled serialiser, several
    times faster, whenever that gives the same text: always, except for numbers it writes
    otherwise than Python (non-finite ones, and those under 1e-4: 0.00001 for 1e-05), which
    go the slow way."""
    from pydantic import TypeAdapter
    from pydantic_core import PydanticSerializationError

    from roomscope.tui.text import make_json_inert

    if not _plain_numbers(batch):
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


def _plain_numbers(batch: list[Session]) -> bool:
    """No session of ``batch`` holds an :func:`_odd_number` (a duration, or anywhere in
    ``extra``), checked inline: this runs for every exported row."""
    for s in batch:
        d = s.duration_s
        if d is not None and not (d == 0.0 or 1e-4 <= abs(d) < math.inf):
            return False
        if s.extra and _odd_number(s.extra):
            return False
    return True


def _odd_number(value: Any) -> bool:
    """A float (anywhere in ``value``) that the compiled serialiser and Python write apart."""
    if isinstance(value, float):
        return not math.isfinite(value) or (value != 0.0 and abs(value) < 1e-4)
    if isinstance(value, dict):
        return any(_odd_number(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_odd_number(v) for v in value)
    return False


async def _stream_jsonl(
    batches: AsyncGenerator[list[M], None],
    records: Callable[[list[M]], Iterable[Any]],
    out: TextIO | None = None,
) -> int:
    """JSON Lines written a batch at a time: one object a line."""
    count = 0
    async for batch in batches:
        buffer = io.StringIO()
        count += output.print_jsonl(records(batch), buffer)
        (out or sys.stdout).write(buffer.getvalue())
    return count


async def _stream_csv(
    header: Sequence[str],
    batches: AsyncGenerator[list[M], None],
    cells: Callable[[M], Sequence[Any]],
    out: TextIO | None = None,
    fields: Sequence[str] | None = None,
) -> int:
    """CSV written a batch of rows at a time, as :func:`_print_csv` writes a whole list
    (cut to ``fields`` when given)."""
    stream = out or sys.stdout
    columns, _ = output.project(header, (), fields)
    csv.writer(stream, lineterminator="\n").writerow(columns)
    count = 0
    async for batch in batches:
        _, rows = output.project(header, (cells(item) for item in batch), fields)
        output.write_csv_rows(rows, stream)
        count += len(batch)
    return count


# ---------------------------------------------------------------------------------------
# Commands


async def _find(store: Store, session_id: str) -> Session:
    return await store.find_session(session_id)


async def _sessions(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui.headless_scan import checked_filter
    from roomscope.tui.models import SessionQuery, SessionStatus

    since = parse_since(args.since, clock()) if args.since is not None else None
    query = SessionQuery(
        since=since,
        status=SessionStatus(args.status) if args.status else None,
        text=checked_filter(args.filter or "", clock()),
    )
    shape = output.shape_of(args)
    csv_header = output.SESSION_CSV_HEADER
    fields = output.fields_of(args, csv_header if shape is output.Shape.CSV else session_fields())
    collection = store.sessions(query)
    stopped: list[ProviderError] = []
    async with contextlib.aclosing(_batched(collection.stream(), args.limit, stopped)) as batches:
        first = await _first(batches)
        if first is None and stopped:
            raise stopped[0]
        rows = _again(first, batches)
        if shape is output.Shape.JSON and fields is None:
            written = await _stream_json(rows)
        elif shape is output.Shape.JSON:
            written = await _stream_json_with(rows, lambda b: inert_json(_picked(b, fields), indent=2))
        elif shape is output.Shape.JSONL:
            written = await _stream_jsonl(rows, lambda b: _picked(b, fields))
        elif shape is output.Shape.CSV:
            written = await _stream_csv(csv_header, rows, output.session_csv_row, fields=fields)
        else:
            kept = [s async for batch in rows for s in batch]
            _sessions_table(store, kept)
            written = len(kept)
    if stopped:
        diagnostics.warning(f"stopped early: {stopped[0]}")
    if shape is output.Shape.TABLE:
        total = collection.total
        shown = f"{written} of {total:,}" if total is not None else f"{written} of >{written}"
        diagnostics.note(f"{shown} sessions")


def session_fields() -> tuple[str, ...]:
    """The fields of a session in JSON and JSON Lines."""
    from roomscope.tui.models import Session

    return tuple(Session.model_fields)


def _picked(batch: Sequence[BaseModel], fields: Sequence[str] | None) -> list[Any]:
    return [output.pick(row, fields) for row in _dump(batch)]


async def _scan(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui.headless_scan import scan

    await scan(store, args, clock)


def _sessions_table(store: Store, rows: Sequence[Session]) -> None:
    multi = len(store.providers) > 1
    header = [
        output.timed("START"),
        *(["PROFILE"] if multi else []),
        "SESSION",
        "STATUS",
        "DURATION",
        "PEOPLE",
        "ID",
    ]
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


async def _diagnosis(store: Store, session: Session) -> SessionDiagnosis | None:
    """The session's diagnosis, or None (with a warning) when the provider cannot give what
    it needs: the rest of the output stands without it."""
    from roomscope.tui.providers.base import ProviderError

    try:
        return await store.diagnosis(session)
    except ProviderError as exc:
        diagnostics.warning(f"no verdicts: {exc}")
        return None


def _session_verdict(diagnosis: SessionDiagnosis | None) -> dict[str, Any]:
    """'verdict' (the worst participant's), 'reason' (the top finding's sentence, or why
    nothing can be said), 'poor' and 'fair' participant counts."""
    if diagnosis is None:
        return {"verdict": None, "reason": None, "poor": None, "fair": None}
    top = diagnosis.top
    if top is not None:
        reason = top.explanation
    elif diagnosis.worst.value == "unknown":
        reason = diagnosis.summary_line().removeprefix("? ")
    elif diagnosis.worst.value == "good":
        reason = "every participant within thresholds"
    else:  # a verdict no finding explains: the worst participant's own reason
        reason = diagnosis.verdicts[0].reason
    return {
        "verdict": diagnosis.worst.value,
        "reason": reason,
        "poor": diagnosis.poor,
        "fair": diagnosis.fair,
    }


def _participant_verdict(
    diagnosis: SessionDiagnosis | None, participant_id: str
) -> tuple[str | None, str | None]:
    found = diagnosis.verdict_of(participant_id) if diagnosis is not None else None
    if found is None:
        return None, None
    return found.verdict.value, found.reason


def _participant_records(
    participants: Sequence[Participant], diagnosis: SessionDiagnosis | None
) -> list[dict[str, Any]]:
    records = []
    for p in participants:
        record = p.model_dump(mode="json")
        record["verdict"], record["reason"] = _participant_verdict(diagnosis, p.id)
        records.append(record)
    return records


def participant_fields() -> tuple[str, ...]:
    from roomscope.tui.models import Participant

    return (*Participant.model_fields, "verdict", "reason")


async def _session(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui.models import Session
    from roomscope.tui.providers.base import Capability, ProviderError

    fields = output.fields_of(
        args,
        (*Session.model_fields, "verdict", "reason", "poor", "fair", "participants", "participants_error"),
    )
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
    diagnosis = await _diagnosis(store, session) if participants else None
    verdict = _session_verdict(diagnosis)
    if args.json:
        body = session.model_dump(mode="json")
        body.update(verdict)
        body["participants"] = _participant_records(participants, diagnosis)
        if note:
            body["participants_error"] = note
        _print_json(output.pick(body, fields))
        return
    pairs = [
        ("id", session.id),
        ("profile", f"{session.profile} ({session.provider})"),
        ("name", session.title),
        ("room", session.room_name or "—"),
        ("status", session.status.value),
        ("started", _stamp(session.started_at)),
        ("ended", _stamp(session.ended_at)),
        ("duration", fmt.duration(session.duration_s)),
        ("participants", "—" if session.participant_count is None else str(session.participant_count)),
    ]
    if diagnosis is not None:
        pairs.append(("verdict", _summary(diagnosis)))
        pairs.append(("reason", verdict["reason"] or "—"))
    output.print_pairs(pairs)
    if participants:
        sys.stdout.write("\n")
        _participants_table(participants, diagnosis)


def _stamp(moment: datetime | None) -> str:
    """'2026-11-22 10:05:12 UTC' (the shown zone named), '—'."""
    return f"{fmt.when(moment, seconds=True)} {fmt.zone(moment)}" if moment is not None else "—"


def _summary(diagnosis: SessionDiagnosis) -> str:
    """The diagnosis summary line in the shown zone, naming the zone when it holds a time."""
    line = diagnosis.summary_line(_shown_zone())
    return f"{line} {fmt.zone()}" if re.search(r"\d\d:\d\d", line) else line


def _shown_zone() -> tzinfo:
    return fmt.local(utcnow()).tzinfo or UTC


def _participants_table(
    participants: Sequence[Participant], diagnosis: SessionDiagnosis | None = None
) -> None:
    header = [
        "NAME",
        "ROLE",
        output.timed("JOINED"),
        "LEFT",
        "TIME",
        "RECONNECTS",
        "NETWORK",
        "WHERE",
        "VERDICT",
        "ID",
        "REASON",
    ]
    rows = []
    for p in participants:
        n = p.network
        verdict, reason = _participant_verdict(diagnosis, p.id)
        rows.append(
            [
                f"⚠ unreadable: {p.problem}" if p.problem else p.title,
                p.role or "—",
                fmt.when(p.joined_at, seconds=True, date=False),
                fmt.when(p.left_at, seconds=True, date=False) if p.left_at else "—",
                fmt.duration(p.duration_s),
                "—" if p.reconnects is None else str(p.reconnects),
                " · ".join(x for x in ((n.connection_type, n.isp) if n else ()) if x) or "—",
                ", ".join(x for x in ((n.city, n.country) if n else ()) if x) or "—",
                verdict or "—",
                p.id,
                reason or "—",
            ]
        )
    _print_table(header, rows)


PARTICIPANT_CSV_HEADER = (
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
    "verdict",
    "reason",
)


async def _participants(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    shape = output.shape_of(args)
    fields = output.fields_of(
        args, PARTICIPANT_CSV_HEADER if shape is output.Shape.CSV else participant_fields()
    )
    session = await _find(store, args.session_id)
    participants = await store.participants(session)
    diagnosis = await _diagnosis(store, session)
    if shape in (output.Shape.JSON, output.Shape.JSONL):
        output.print_records(_participant_records(participants, diagnosis), shape, fields)
    elif shape is output.Shape.CSV:

        def row(p: Participant) -> list[Any]:
            verdict, reason = _participant_verdict(diagnosis, p.id)
            return [
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
                verdict,
                reason,
            ]

        _print_csv(*output.project(PARTICIPANT_CSV_HEADER, (row(p) for p in participants), fields))
    else:
        _participants_table(participants, diagnosis)


EVENT_CSV_HEADER = (
    "id",
    "at",
    "kind",
    "name",
    "participant_id",
    "participant_name",
    "level",
    "detail",
    "problem",
)


async def _events(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui.models import Event

    shape = output.shape_of(args)
    fields = output.fields_of(
        args, EVENT_CSV_HEADER if shape is output.Shape.CSV else tuple(Event.model_fields)
    )
    session = await _find(store, args.session_id)
    events = await store.events(session, args.participant)
    if shape in (output.Shape.JSON, output.Shape.JSONL):
        output.print_records(_dump(events), shape, fields)
    elif shape is output.Shape.CSV:
        _print_csv(
            *output.project(
                EVENT_CSV_HEADER,
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
                fields,
            )
        )
    else:
        _print_table(
            [output.timed("TIME"), "EVENT", "PARTICIPANT", "DETAIL"],
            [
                [fmt.when(e.at, seconds=True), e.kind.value, e.participant_name or "", e.detail or e.name]
                for e in events
            ],
        )


RECORDING_CSV_HEADER = (
    "id",
    "status",
    "started_at",
    "ended_at",
    "duration_s",
    "size_bytes",
    "format",
    "url",
    "problem",
)


async def _recordings(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui.models import Recording

    shape = output.shape_of(args)
    fields = output.fields_of(
        args, RECORDING_CSV_HEADER if shape is output.Shape.CSV else tuple(Recording.model_fields)
    )
    session = await _find(store, args.session_id)
    recordings = await store.recordings(session)
    if shape in (output.Shape.JSON, output.Shape.JSONL):
        output.print_records(_dump(recordings), shape, fields)
    elif shape is output.Shape.CSV:
        _print_csv(
            *output.project(
                RECORDING_CSV_HEADER,
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
                fields,
            )
        )
    else:
        _print_table(
            ["STATUS", output.timed("STARTED"), "DURATION", "SIZE", "FORMAT", "ID"],
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


ARTIFACT_CSV_HEADER = ("kind", "format", "url", "expires_at", "note")


async def _artifacts(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    """Chat logs, transcripts (each format), summaries, compositions: what a session left."""
    from roomscope.tui.models import Artifact
    from roomscope.tui.providers.base import Capability

    shape = output.shape_of(args)
    fields = output.fields_of(
        args, ARTIFACT_CSV_HEADER if shape is output.Shape.CSV else tuple(Artifact.model_fields)
    )
    session = await _find(store, args.session_id)
    if Capability.ARTIFACTS not in store.provider(session.profile).capabilities:
        diagnostics.warning(f"{store.provider(session.profile).label} keeps no session artifacts")
        artifacts: list[Artifact] = []
    else:
        artifacts = await store.artifacts(session)
    if shape in (output.Shape.JSON, output.Shape.JSONL):
        output.print_records(_dump(artifacts), shape, fields)
    elif shape is output.Shape.CSV:
        _print_csv(
            *output.project(
                ARTIFACT_CSV_HEADER,
                ([a.kind, a.format, a.url, _iso(a.expires_at), a.note] for a in artifacts),
                fields,
            )
        )
    else:
        _print_table(
            ["KIND", "FORMAT", output.timed("EXPIRES"), "LINK OR NOTE"],
            [
                [
                    a.kind,
                    a.format or "—",
                    fmt.when(a.expires_at, seconds=True) if a.expires_at else "—",
                    a.url or a.note or "—",
                ]
                for a in artifacts
            ],
        )


QUALITY_FIELDS = (
    "session_id",
    "participant_id",
    "verdict",
    "reason",
    "tripped_by",
    "tripped_at",
    "tripped_for_s",
    "bursts",
    "metrics",
    "series",
)
SAMPLE_HEADER = ("metric", "unit", "offset_s", "at", "value", "source", "peer_id")
"""One quality sample a row. ``source`` is empty for the provider's own samples, says how a
derived series was made (an estimated MOS), or names the imported dump; ``peer_id`` names
the sender of a per-sender receive series (empty for the participant's own). Without them a
metric given by both the provider and a dump, or by several senders, is ambiguous."""


def _tripped_spans(report: QualityReport) -> list[tuple[datetime, datetime]]:
    """The held breaches of the metric that set the verdict, as wall-clock spans."""
    assessment = report.assessment
    if assessment.tripped_by is None:
        return []
    series = next((s for s in report.series if str(s.metric) == assessment.tripped_by), None)
    metric = assessment.metrics.get(assessment.tripped_by)
    if series is None or metric is None:
        return []
    return [
        (series.start + timedelta(seconds=e.start_s), series.start + timedelta(seconds=e.end_s))
        for e in metric.episodes
    ]


def _quality_reason(report: QualityReport) -> str:
    """'poor: Packet loss (send) > 5% · 04:38:06–04:39:30 (1m24s) UTC', or with several
    bursts '... · 3 bursts, 3m40s in all, first at 21:58:52 UTC'."""
    assessment = report.assessment
    spans = _tripped_spans(report)
    if assessment.tripped_by is None or not spans:
        return assessment.reason()
    metric = assessment.metrics[assessment.tripped_by]
    level = metric.threshold.poor if assessment.verdict.value == "poor" else metric.threshold.fair
    return (
        f"{assessment.verdict.value}: {metric.threshold.describe(level or 0.0)} · "
        f"{present.bursts(spans)} {fmt.zone(spans[0][0])}"
    )


def _quality_json(report: QualityReport) -> dict[str, Any]:
    assessment = report.assessment
    from roomscope.tui.quality import assessment_keys

    metrics: dict[str, Any] = {}
    for key, series in zip(assessment_keys(report.series), report.series, strict=True):
        metric = assessment.of(series)
        stats = metric.stats if metric else None
        judged = metric is not None and (
            metric.threshold.poor is not None or metric.threshold.fair is not None
        )
        metrics[key] = {
            "unit": series.unit,
            "unit_documented": series.unit_documented,
            "source": series.source,
            "samples": stats.count if stats else 0,
            "min": stats.min if stats else None,
            "avg": stats.avg if stats else None,
            "p95": stats.p95 if stats else None,
            "max": stats.max if stats else None,
            "fair_threshold": metric.threshold.fair if metric else None,
            "poor_threshold": metric.threshold.poor if metric else None,
            "verdict": (metric.verdict.value if metric else "unknown") if judged else None,
        }
    return {
        "session_id": report.session_id,
        "participant_id": report.participant_id,
        "verdict": assessment.verdict.value,
        "reason": _quality_reason(report),
        "tripped_by": assessment.tripped_by,
        "tripped_at": _iso(assessment.tripped_at),
        "tripped_for_s": assessment.tripped_for_s,
        "bursts": [{"start": _iso(a), "end": _iso(b)} for a, b in _tripped_spans(report)],
        "metrics": metrics,
        "series": [s.model_dump(mode="json") for s in report.series],
    }


async def _quality(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    shape = output.shape_of(args)
    fields = output.fields_of(args, QUALITY_FIELDS if shape is output.Shape.JSON else SAMPLE_HEADER)
    session = await _find(store, args.session_id)
    report = await store.quality(session, args.participant_id)
    if shape is output.Shape.JSON:
        _print_json(output.pick(_quality_json(report), fields))
        return
    if shape in (output.Shape.CSV, output.Shape.JSONL):

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
                        series.source,
                        series.peer_id or "",
                    ]

        if shape is output.Shape.CSV:
            _print_csv(*output.project(SAMPLE_HEADER, rows(), fields))
        else:
            output.print_records((dict(zip(SAMPLE_HEADER, r, strict=True)) for r in rows()), shape, fields)
        return
    print(f"verdict      {clean(_quality_reason(report), 200)}")
    header = ["METRIC", "UNIT", "MIN", "AVG", "P95", "MAX", "FAIR WHEN", "POOR WHEN", "VERDICT"]
    _print_table(header, [list(row) for row in present.quality_table_rows(report)])


async def _findings(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui import finding_rows as rows

    shape = output.shape_of(args)
    fields = output.fields_of(
        args, rows.FINDING_CSV_HEADER if shape is output.Shape.CSV else rows.FINDING_FIELDS
    )
    session = await _find(store, args.session_id)
    diagnosis = await store.diagnosis(session)
    for detail in dict.fromkeys(note.detail for note in diagnosis.notes):
        diagnostics.note(detail)
    if shape in (output.Shape.JSON, output.Shape.JSONL):
        output.print_records((rows.finding_record(f) for f in diagnosis.findings), shape, fields)
    elif shape is output.Shape.CSV:
        _print_csv(
            *output.project(
                rows.FINDING_CSV_HEADER, (rows.finding_csv_row(f) for f in diagnosis.findings), fields
            )
        )
    else:
        print(f"verdict      {clean(_summary(diagnosis), 200)}")
        if diagnosis.findings:
            _print_table(
                rows.finding_table_header(),
                [rows.finding_table_row(f) for f in diagnosis.findings],
                width=200,
            )


async def _triage(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui import finding_rows as rows
    from roomscope.tui import symptoms
    from roomscope.tui.limits import TRIAGE_MAX_SESSIONS
    from roomscope.tui.triage import parse_at, triage

    shape = output.shape_of(args)
    fields = output.fields_of(args, rows.MATCH_CSV_HEADER if shape is output.Shape.CSV else rows.MATCH_FIELDS)
    now = clock()
    try:
        at = parse_at(args.at, now) if args.at is not None else None
    except ValueError as exc:
        raise UsageError(f"--at: {exc}") from None
    within = _span_s("--within", args.within)
    ask = symptoms.Ask(symptoms.symptom(args.symptom), at, args.who or None, within)
    since = parse_since(args.since, now) if at is None else None
    result = await triage(store, ask, now, since=since)
    matches = result.matches[: args.limit]
    if result.more:
        diagnostics.warning(
            f"more than {TRIAGE_MAX_SESSIONS} sessions match; only the latest {TRIAGE_MAX_SESSIONS} were "
            "diagnosed (give --at, or a shorter --within or --since)"
        )
    for failure in result.failed[:3]:
        diagnostics.warning(f"not diagnosed: {failure}")
    if len(result.failed) > 3:
        diagnostics.warning(f"{len(result.failed) - 3} more sessions not diagnosed")
    if shape in (output.Shape.JSON, output.Shape.JSONL):
        output.print_records((rows.match_record(i, m) for i, m in enumerate(matches, 1)), shape, fields)
    elif shape is output.Shape.CSV:
        _print_csv(
            *output.project(
                rows.MATCH_CSV_HEADER, (rows.match_csv_row(i, m) for i, m in enumerate(matches, 1)), fields
            )
        )
    elif matches:
        multi = len(store.providers) > 1
        _print_table(
            rows.match_table_header(multi),
            [rows.match_table_row(i, m, multi) for i, m in enumerate(matches, 1)],
            width=160,
        )
    if shape is output.Shape.TABLE:
        around = f" around {_stamp(at)}" if at is not None else ""
        count = result.sessions
        diagnostics.note(
            f"{len(matches)} match{'es' if len(matches) != 1 else ''} for {ask.symptom.name}{around} "
            f"in {count} session{'s' if count != 1 else ''}"
        )


_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_SPAN_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def _span_s(option: str, text: str) -> float:
    """'90m', '1h', '2d' in seconds; UsageError otherwise."""
    found = _SPAN.fullmatch(text.strip().lower())
    if found is None:
        raise UsageError(f"{option}: expected a span like 30m, 1h or 2d, got {text!r}")
    seconds = float(found.group(1)) * _SPAN_UNITS[found.group(2)]
    if not 0 < seconds <= 366 * 86400:
        raise UsageError(f"{option}: must be more than 0 and at most a year")
    return seconds


# ---------------------------------------------------------------------------------------
# cache and config


def _cache(args: argparse.Namespace) -> int:
    from roomscope.tui.cache import Cache

    cache = Cache.open(cache_directory(args))
    try:
        if args.action == "clear":
            removed = cache.clear()
            from roomscope.tui.first_screen import FirstScreenFile

            FirstScreenFile(cache_directory(args), "").forget()  # the session list's first rows too
            diagnostics.note(f"removed {removed} cached entries from {cache.path or 'memory'}")
            if cache.note:
                diagnostics.warning(cache.note)
            return 0
        info = cache.info()
        if args.json:
            _print_json(info.__dict__)
            return 0
        pairs = [("path", terminal_safe(info.path)), ("size", fmt.size(info.size_bytes))]
        pairs.append(("entries", str(info.entries)))
        pairs += [(f"  {kind}", str(count)) for kind, count in sorted(info.by_kind.items())]
        pairs += [(f"profile {terminal_safe(p)}", str(n)) for p, n in sorted(info.by_profile.items())]
        if info.oldest is not None and info.newest is not None:
            pairs.append(("oldest", _stamp(datetime.fromtimestamp(info.oldest, UTC))))
            pairs.append(("newest", _stamp(datetime.fromtimestamp(info.newest, UTC))))
        pairs.append(("schema", f"v{info.schema}"))
        out = io.StringIO()
        output.print_pairs(pairs, out)
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
