"""The headless ``import`` and ``imports`` commands: a browser's statistics dump attached to
a participant (or a session of its own), listed and removed.

Bad input (not a dump, cut, an unknown version, too large, a gzip bomb, no statistics) is
a ``UsageError`` naming the file and what is wrong: exit 2, nothing written. A dump that is
partly readable is imported with what could be read, and each skipped part is a warning.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roomscope.tui import diagnostics, fmt
from roomscope.tui.sources import UsageError
from roomscope.tui.text import clean, inert_json, terminal_safe

if TYPE_CHECKING:
    from roomscope.tui.clientstats import ClientDump
    from roomscope.tui.imports import ImportLibrary, ImportRecord
    from roomscope.tui.models import Participant, Session
    from roomscope.tui.store import Store

SKIPPED_SHOWN = 10
"""Skipped parts named one by one; the rest are counted."""
CANDIDATE_SESSIONS = 200
"""Sessions looked at when offering where a dump may belong."""
CANDIDATES_SHOWN = 10
OVERLAP_SLACK = timedelta(minutes=5)
"""Clocks differ: a dump this close to a participant's presence still overlaps it."""


def library() -> ImportLibrary:
    from roomscope.tui.imports import ImportLibrary
    from roomscope.tui.paths import imports_dir

    return ImportLibrary(imports_dir())


def read_file(path_text: str, clock: Callable[[], datetime]) -> ClientDump:
    """The dump at ``path_text``; ``UsageError`` (exit 2) naming the file when it is not one."""
    from roomscope.tui.clientstats import DumpError, read_dump

    path = Path(path_text).expanduser()
    try:
        return read_dump(path, clock=clock)
    except DumpError as exc:
        where = f" ({exc.where})" if exc.where else ""
        raise UsageError(f"{terminal_safe(path_text)}: {exc.problem}{where}; nothing imported") from None


def record_for(dump: ClientDump, name: str, clock: Callable[[], datetime]) -> ImportRecord:
    """The import of ``dump`` as a session of its own; ``UsageError`` when it holds no
    statistics."""
    from roomscope.tui.clientstats import DumpError
    from roomscope.tui.imports import new_id
    from roomscope.tui.imports.convert import record_of

    try:
        return record_of(dump, import_id=new_id(), attached=None, name=name, now=clock())
    except DumpError as exc:
        raise UsageError(f"{exc}; nothing imported") from None


def save(record: ImportRecord, imports: ImportLibrary) -> None:
    try:
        imports.add(record)
    except OSError as exc:
        raise UsageError(f"cannot write the import to {imports.directory}: {exc.strerror or exc}") from None


def warn_skipped(path_text: str, record: ImportRecord) -> None:
    for item in record.skipped[:SKIPPED_SHOWN]:
        diagnostics.warning(f"{path_text}: skipped {item}")
    if len(record.skipped) > SKIPPED_SHOWN:
        diagnostics.warning(f"{path_text}: skipped {len(record.skipped) - SKIPPED_SHOWN} more parts")


def summary(record: ImportRecord) -> str:
    """'imp-1a2b3c4d: webrtc-internals dump call.txt (Chrome 142, 1 connection, 14 series,
    09:00:00–09:01:00) → demo session s-1 · participant p-2 (Alice)'."""
    facts = [
        record.browser or "",
        f"{record.peer_connections} connection{'s' if record.peer_connections != 1 else ''}",
        f"{len(record.series)} series",
    ]
    if record.first_at is not None and record.last_at is not None:
        facts.append(
            f"{fmt.when(record.first_at, seconds=True)}–{fmt.when(record.last_at, seconds=True, date=False)}"
        )
    return f"{record.id}: {record.source} ({', '.join(f for f in facts if f)}) → {record.target}"


# ---------------------------------------------------------------------------------------
# import FILE


@dataclass(frozen=True)
class Candidate:
    session: Session
    participant: Participant
    overlap_s: float


async def import_command(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui.imports import Attachment
    from roomscope.tui.imports.convert import attached_to

    if args.participant is not None and args.session is None:
        raise UsageError("import: --participant needs --session (the session the participant was in)")
    dump = await asyncio.to_thread(read_file, args.file, clock)
    name = args.name or ""
    record = record_for(dump, name, clock)
    imports = store.imports if store.imports is not None else library()
    if args.session is None:
        offers = await _candidates(store, record, name, clock)
        save(record, imports)
        warn_skipped(args.file, record)
        sys.stdout.write(f"imported {terminal_safe(summary(record))}\n")
        if offers:
            _offer(args.file, record, offers)
        return
    session = await store.find_session(args.session)
    if args.participant is None:
        offers = await _candidates(store, record, name, clock, sessions=[session])
        if offers:
            _offer(args.file, record, offers, imported=False)
        raise UsageError(f"import: give --participant too (a participant of {session.id}); nothing imported")
    participant = await _participant(store, session, args.participant)
    attached = Attachment(
        provider=session.provider,
        profile=session.profile,
        session_id=session.id,
        participant_id=args.participant,
        participant_name=clean(participant.title, 120) if participant else "",
    )
    record = attached_to(record, attached, name or attached.participant_name)
    if participant is not None and _overlap(record, session, participant, clock) <= 0:
        diagnostics.warning(
            f"{args.file}: its statistics ({_span(record)}) do not overlap when "
            f"{clean(participant.title, 80)} was in the session; imported anyway"
        )
    save(record, imports)
    warn_skipped(args.file, record)
    sys.stdout.write(f"imported {terminal_safe(summary(record))}\n")


async def _participant(store: Store, session: Session, participant_id: str) -> Participant | None:
    """The participant (NotFoundError, exit 3, when the session has no such one); None when
    the provider cannot list participants (the id is taken as given)."""
    from roomscope.tui.errors import Capability, NotFoundError

    if Capability.PARTICIPANTS not in store.provider(session.profile).capabilities:
        return None
    for participant in await store.participants(session):
        if participant.id == participant_id:
            return participant
    raise NotFoundError(f"No participant {participant_id!r} in session {session.id!r}.")


def _span(record: ImportRecord) -> str:
    if record.first_at is None or record.last_at is None:
        return "no times"
    return f"{fmt.when(record.first_at, seconds=True)}–{fmt.when(record.last_at, seconds=True, date=False)}"


def _overlap(
    record: ImportRecord, session: Session, participant: Participant, clock: Callable[[], datetime]
) -> float:
    """Seconds the dump overlaps the participant's presence (with ``OVERLAP_SLACK``)."""
    if record.first_at is None or record.last_at is None:
        return 0.0
    joined = participant.joined_at or session.started_at
    left = participant.left_at or session.ended_at or clock()
    if joined is None:
        return 0.0
    start = max(record.first_at, joined - OVERLAP_SLACK)
    end = min(record.last_at, left + OVERLAP_SLACK)
    return (end - start).total_seconds()


def _name_matches(name: str, participant: Participant) -> bool:
    if not name:
        return True
    wanted = name.casefold()
    known = [x.casefold() for x in (participant.name, participant.user_id, participant.external_id) if x]
    return any(wanted in k or k in wanted for k in known)


async def _candidates(
    store: Store,
    record: ImportRecord,
    name: str,
    clock: Callable[[], datetime],
    *,
    sessions: Sequence[Session] | None = None,
) -> list[Candidate]:
    """Participants the dump may belong to: present while it was recorded (and named like
    ``name`` when given), longest overlap first."""
    from roomscope.tui.errors import Capability, ProviderError
    from roomscope.tui.imports import OWN_SESSION_PROVIDER
    from roomscope.tui.models import SessionQuery

    if record.first_at is None or record.last_at is None:
        return []
    if sessions is None:
        found: list[Session] = []
        query = SessionQuery(since=record.first_at - timedelta(hours=12), until=record.last_at)
        profiles = [p for p in store.profiles if p != OWN_SESSION_PROVIDER]
        if profiles:
            with contextlib.suppress(ProviderError):  # offering is a courtesy: it never fails the import
                async with contextlib.aclosing(store.sessions(query, profiles).stream()) as rows:
                    async for session in rows:
                        if (
                            session.started_at is not None
                            and session.started_at <= record.last_at + OVERLAP_SLACK
                        ):
                            ended = session.ended_at or clock()
                            if ended >= record.first_at - OVERLAP_SLACK:
                                found.append(session)
                        if len(found) >= CANDIDATE_SESSIONS:
                            break
        sessions = found
    out: list[Candidate] = []
    for session in sessions:
        if Capability.PARTICIPANTS not in store.provider(session.profile).capabilities:
            continue
        try:
            participants = await store.participants(session)
        except ProviderError:
            continue
        for participant in participants:
            overlap = _overlap(record, session, participant, clock)
            if overlap > 0 and _name_matches(name, participant):
                out.append(Candidate(session, participant, overlap))
    out.sort(key=lambda c: (-c.overlap_s, c.session.id, c.participant.id))
    return out


def _offer(path_text: str, record: ImportRecord, offers: list[Candidate], *, imported: bool = True) -> None:
    """The participants the dump may belong to, on stderr, with the command that attaches it."""
    what = "it may belong to" if imported else "participants present while it was recorded"
    diagnostics.note(f"{path_text}: {what}:")
    for c in offers[:CANDIDATES_SHOWN]:
        diagnostics.note(
            f"  {c.session.profile} session {c.session.id} · participant {c.participant.id} "
            f"({clean(c.participant.title, 60)}), {fmt.duration(c.overlap_s)} overlap"
        )
    if len(offers) > CANDIDATES_SHOWN:
        diagnostics.note(f"  and {len(offers) - CANDIDATES_SHOWN} more")
    if imported:
        first = offers[0]
        diagnostics.note(
            f"to attach it instead: roomscope imports rm {record.id} && roomscope import {path_text} "
            f"--session {first.session.id} --participant {first.participant.id}"
        )


# ---------------------------------------------------------------------------------------
# imports [--json] | imports rm ID


def imports_command(args: argparse.Namespace) -> int:
    imports = library()
    if args.action == "rm":
        return _remove(imports, args.import_id)
    if args.import_id is not None:
        raise UsageError(f"imports: {args.import_id!r} given without 'rm'")
    records = imports.records()
    for problem in imports.problems:
        diagnostics.warning(problem)
    if args.json:
        sys.stdout.write(inert_json([_json(r) for r in records], indent=2) + "\n")
        return 0
    if getattr(args, "jsonl", False):
        sys.stdout.write("".join(inert_json(_json(r), indent=None) + "\n" for r in records))
        return 0
    _table(records)
    diagnostics.note(f"{len(records)} import{'s' if len(records) != 1 else ''} in {imports.directory}")
    return 0


def _remove(imports: ImportLibrary, import_id: str | None) -> int:
    if not import_id:
        raise UsageError("imports rm: which import? (an id from 'roomscope imports')")
    try:
        removed = imports.remove(import_id)
    except OSError as exc:
        raise UsageError(f"imports rm: cannot remove {import_id}: {exc.strerror or exc}") from None
    if not removed:
        diagnostics.error(f"No import with id {terminal_safe(import_id)!r}.")
        return 3
    diagnostics.note(f"removed import {import_id}")
    return 0


def _json(record: ImportRecord) -> dict[str, Any]:
    body = record.model_dump(mode="json", exclude={"series"})
    body["series"] = [
        {"metric": s.metric.value, "unit": s.unit, "samples": len(s.values), "source": s.source}
        for s in record.series
    ]
    return body


def _table(records: Sequence[ImportRecord]) -> None:
    from roomscope.tui.cellwidth import cell_len  # columns are measured in terminal cells

    header = ["ID", "IMPORTED", "FILE", "FROM", "TO", "SERIES", "SKIPPED", "ATTACHED TO"]
    rows = [
        [
            clean(cell, 80)
            for cell in (
                r.id,
                fmt.when(r.imported_at),
                r.file,
                fmt.when(r.first_at, seconds=True),
                fmt.when(r.last_at, seconds=True, date=False),
                str(len(r.series)),
                str(len(r.skipped)),
                r.target,
            )
        ]
        for r in records
    ]
    widths = [max([cell_len(h)] + [cell_len(row[i]) for row in rows]) for i, h in enumerate(header)]
    for row in [header, *rows]:
        line = "  ".join(cell + " " * (widths[i] - cell_len(cell)) for i, cell in enumerate(row))
        sys.stdout.write(line.rstrip() + "\n")
