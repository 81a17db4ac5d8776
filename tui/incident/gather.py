"""The members grouping reads, gathered from the store: each session's participants and
diagnosis, a few sessions at a time. A session whose participants cannot be read is
counted and named (``Gathered.failed``), never silently dropped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from roomscope.tui.incident.groups import Member, members_of
from roomscope.tui.limits import INCIDENT_DIAGNOSIS_CONCURRENCY

if TYPE_CHECKING:
    from roomscope.tui.incident.window import IncidentWindow
    from roomscope.tui.models import Session
    from roomscope.tui.store import Store


@dataclass
class Gathered:
    members: list[Member] = field(default_factory=list)
    sessions: int = 0
    failed: list[str] = field(default_factory=list)
    """'<session id>: <why>' for each session left out."""


async def gather(
    store: Store,
    sessions: Iterable[Session] | AsyncIterable[Session],
    window: IncidentWindow | None = None,
    *,
    concurrency: int = INCIDENT_DIAGNOSIS_CONCURRENCY,
    on_done: Callable[[], None] | None = None,
) -> Gathered:
    """Every member of ``sessions`` (present in ``window`` when given); ``on_done`` is called
    as each session is read or left out (for a progress line)."""
    from roomscope.tui.errors import Capability, ProviderError

    out = Gathered()
    gate = asyncio.Semaphore(concurrency)
    parts: dict[int, list[Member]] = {}

    async def one(index: int, session: Session) -> None:
        await read(index, session)
        if on_done is not None:
            on_done()

    async def read(index: int, session: Session) -> None:
        async with gate:
            provider = store.provider(session.profile)
            if Capability.PARTICIPANTS not in provider.capabilities:
                out.failed.append(f"{session.id}: {provider.label} does not list participants")
                return
            try:
                participants = await store.participants(session)
            except ProviderError as exc:
                out.failed.append(f"{session.id}: {exc}")
                return
            try:
                diagnosis = await store.diagnosis(session)
            except ProviderError:
                diagnosis = None  # their verdict is unknown; they still count
            parts[index] = members_of(session, participants, diagnosis, window)

    tasks: list[asyncio.Task[None]] = []
    if isinstance(sessions, AsyncIterable):
        index = 0
        async for session in sessions:
            tasks.append(asyncio.ensure_future(one(index, session)))
            index += 1
    else:
        tasks = [asyncio.ensure_future(one(i, s)) for i, s in enumerate(sessions)]
    await asyncio.gather(*tasks)
    out.sessions = len(tasks)
    for index in sorted(parts):
        out.members.extend(parts[index])
    return out
