"""The embedded demo provider: the demo world behind the provider protocol.

It behaves like a well-behaved page-numbered API: sessions newest first (or oldest first),
filters on status and time range, totals, direct page access, and a simulated network
latency per request (``latency_s``) so loading states are real.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.demo import slots
from roomscope.tui.limits import DEMO_LATENCY_MS, DEMO_SEED, DEMO_SIZE
from roomscope.tui.models import (
    Artifact,
    Event,
    Page,
    Participant,
    QualitySeries,
    Recording,
    Session,
    SessionQuery,
    SessionStatus,
    SortKey,
)
from roomscope.tui.providers.base import BadPayloadError, BaseProvider, Capability, NotFoundError

if TYPE_CHECKING:
    from roomscope.tui.demo.world import DemoParticipant, DemoSession, DemoWorld


class _View:
    """The indices (into the world) a session query selects, in newest-first order."""

    def __init__(self, head: Sequence[int], tail: range) -> None:
        self.head = head
        self.tail = tail

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)

    def __getitem__(self, position: int) -> int:
        if position < len(self.head):
            return self.head[position]
        return self.tail[position - len(self.head)]


class DemoProvider(BaseProvider):
    name = "demo"
    label = "Demo world"
    capabilities = frozenset(
        {
            Capability.PARTICIPANTS,
            Capability.EVENTS,
            Capability.PARTICIPANT_EVENTS,
            Capability.RECORDINGS,
            Capability.QUALITY,
            Capability.ARTIFACTS,
            Capability.DEVICE_INFO,
            Capability.NETWORK_INFO,
            Capability.SEEK,
            Capability.TOTAL,
            Capability.STATUS_FILTER,
            Capability.TIME_FILTER,
        }
    )
    sort_keys = frozenset({SortKey.START})
    page_size = 200
    max_page_size = 1000
    missing: Mapping[Capability, str] = {
        Capability.TEXT_SEARCH: (
            "The demo world has no server-side search; roomscope filters the loaded pages."
        )
    }

    def __init__(
        self,
        profile: str = "demo",
        *,
        seed: int = DEMO_SEED,
        size: int = DEMO_SIZE,
        latency_s: float = DEMO_LATENCY_MS / 1000,
        clock: Clock = utcnow,
        world: DemoWorld | None = None,
    ) -> None:
        super().__init__(profile)
        self.clock = clock
        self.latency_s = latency_s
        self.requests = 0
        """How many requests were served (tests count them to prove caching)."""
        self._world = world
        self._world_lock = threading.Lock()
        self._seed, self._size, self._span = seed, size, slots.SPAN
        if world is not None:
            self._seed, self._size, self._span = world.seed, world.size, world.span
        self._anchored_at = clock()
        if world is not None:
            self._world_identity = world.identity
        else:
            spacing = slots.spacing_s(size)
            anchor = slots.anchor_slot(seed, spacing, self._anchored_at)
            self._world_identity = slots.identity(seed, spacing, anchor)

    @property
    def world(self) -> DemoWorld:
        """The world behind the answers, made by the first request that needs it: an answer
        from the cache needs only the world's name (``identity``), not the world."""
        if self._world is None:
            with self._world_lock:
                if self._world is None:
                    from roomscope.tui.demo.world import DemoWorld

                    self._world = DemoWorld(
                        seed=self._seed, size=self._size, span=self._span, now=self._anchored_at
                    )
        return self._world

    @property
    def identity(self) -> str:
        """Names the world without its anchor: a session's details (participants, events,
        quality, the diagnosis) are the same whatever the anchor, so they keep their cache
        entries when the anchor moves."""
        spacing = slots.spacing_s(self._size, self._span)
        return f"demo:{self.profile}:seed={self._seed},spacing={spacing:.6f}"

    @property
    def list_identity(self) -> str:
        """Names the world as its lists are read: from its anchor (``slots.identity``)."""
        return f"demo:{self.profile}:{self._world_identity}"

    def reanchor(self) -> bool:
        """Move the anchor to now (live mode), so that the sessions begun since are listed
        first; True when it moved. Only when the anchor slot changed is the world moved
        (``DemoWorld.moved_to``: its table of session spans is carried over); the new anchor
        names the lists anew (``list_identity``: new cache keys), the sessions' details keep
        theirs."""
        now = self.clock()
        spacing = slots.spacing_s(self._size, self._span)
        name = slots.identity(self._seed, spacing, slots.anchor_slot(self._seed, spacing, now))
        if name == self._world_identity:
            return False
        with self._world_lock:
            self._anchored_at = now
            self._world_identity = name
            if self._world is not None:  # carry what it drew over (cheap), else lazily
                self._world = self._world.moved_to(now)
        return True

    async def _latency(self) -> None:
        self.requests += 1
        if self.latency_s > 0:
            await asyncio.sleep(self.latency_s)

    # -- sessions ------------------------------------------------------------------------

    def _view(self, query: SessionQuery, now: datetime) -> _View:
        world = self.world
        lo = world.first_index_at_or_before(query.until) if query.until else 0
        hi = world.last_index_at_or_after(query.since) if query.since else world.size - 1
        if hi < lo:
            return _View([], range(0))
        horizon = max(lo, min(world.live_horizon(now), hi + 1))
        status = query.status
        head: Sequence[int] = range(lo, horizon)
        if status is not None:
            head = world.live_indices(lo, horizon, now, live=status is SessionStatus.LIVE)
        tail = range(0) if status is SessionStatus.LIVE else range(horizon, hi + 1)
        return _View(head, tail)

    def page_cursor(self, query: SessionQuery, offset: int, limit: int) -> str | None:
        return str(offset) if offset > 0 else None

    @staticmethod
    def _offset(cursor: str | None) -> int:
        if cursor is None:
            return 0
        try:
            offset = int(cursor)
        except ValueError:
            raise BadPayloadError(f"Not a demo cursor: {cursor!r}", provider="demo") from None
        if offset < 0:
            raise BadPayloadError(f"Not a demo cursor: {cursor!r}", provider="demo")
        return offset

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        await self._latency()
        offset = self._offset(cursor)
        limit = max(1, min(limit, self.max_page_size))
        return await asyncio.to_thread(self._sessions_page, query, offset, limit)

    def _sessions_page(self, query: SessionQuery, offset: int, limit: int) -> Page[Session]:
        now = self.clock()
        view = self._view(query, now)
        total = len(view)
        ascending = query.sort is SortKey.START and not query.descending
        items = []
        for position in range(offset, min(offset + limit, total)):
            index = view[total - 1 - position] if ascending else view[position]
            items.append(self._session_model(self.world.session(index), now))
        more = offset + limit < total
        return Page[Session](items=items, next_cursor=str(offset + limit) if more else None, total=total)

    def _session_model(self, s: DemoSession, now: datetime, *, detail: bool = False) -> Session:
        """A session as the API shows it. List items skip what needs every participant's
        timeline (peak concurrency) unless the session is live; details always have it."""
        live = self.world.is_live(s, now)
        ended = self.world.ended_at(s, now)
        duration = ((ended or now) - s.start).total_seconds()
        count = s.participant_count
        peak: int | None = None
        present = 0
        extra: dict[str, object] = {}
        if detail:
            from roomscope.tui.demo.unified import session_extra

            extra = session_extra(self.world, s)
        if live or detail:
            count, peak, present = self.world.presence(s, now)
        return Session(
            provider=self.name,
            profile=self.profile,
            id=s.id,
            name=s.title,
            room_id=s.room_id,
            room_name=s.room_name,
            status=SessionStatus.LIVE if live else SessionStatus.ENDED,
            started_at=s.start,
            ended_at=ended,
            duration_s=max(0.0, duration),
            participant_count=count,
            max_concurrent=peak,
            live_participants=present,
            extra=extra,
        )

    @staticmethod
    def _max_concurrent(participants: Sequence[DemoParticipant], now: datetime) -> int:
        edges: list[tuple[datetime, int]] = []
        for p in participants:
            for iv in p.intervals:
                if iv.join <= now:
                    edges.append((iv.join, 1))
                    edges.append((min(iv.leave, now), -1))
        edges.sort(key=lambda e: (e[0], e[1]))
        best = current = 0
        for _, delta in edges:
            current += delta
            best = max(best, current)
        return best

    def _find(self, session_id: str) -> DemoSession:
        index = self.world.index_of(session_id)
        if index is None:
            raise NotFoundError(f"No demo session with id {session_id!r}.", provider=self.name)
        return self.world.session(index)

    async def get_session(self, session_id: str) -> Session:
        await self._latency()
        return self._session_model(self._find(session_id), self.clock(), detail=True)

    # -- participants --------------------------------------------------------------------

    def _participant_model(self, s: DemoSession, p: DemoParticipant, now: datetime) -> Participant:
        from roomscope.tui.demo.unified import api_participant, participant_extra

        return api_participant(s, p, now, provider=self.name, extra=participant_extra(self.world, s, p))

    async def list_participants(self, session_id: str, cursor: str | None, limit: int) -> Page[Participant]:
        await self._latency()
        s = self._find(session_id)
        now = self.clock()
        people = self.world.visible_participants(s, now)
        offset = self._offset(cursor)
        chunk = people[offset : offset + limit]
        more = offset + limit < len(people)
        return Page[Participant](
            items=[self._participant_model(s, p, now) for p in chunk],
            next_cursor=str(offset + limit) if more else None,
            total=len(people),
        )

    async def get_participant(self, session_id: str, participant_id: str) -> Participant:
        await self._latency()
        s = self._find(session_id)
        now = self.clock()
        for p in self.world.visible_participants(s, now):
            if p.id == participant_id:
                return self._participant_model(s, p, now)
        raise NotFoundError(
            f"No participant {participant_id!r} in demo session {session_id!r}.", provider=self.name
        )

    # -- events, recordings, artifacts ---------------------------------------------------

    async def list_events(
        self,
        session_id: str,
        cursor: str | None,
        limit: int,
        participant_id: str | None = None,
    ) -> Page[Event]:
        await self._latency()
        s = self._find(session_id)
        events = self.world.events(s, self.clock())
        if participant_id is not None:
            events = [e for e in events if e.participant_id == participant_id]
        offset = self._offset(cursor)
        chunk = events[offset : offset + limit]
        from roomscope.tui.demo.unified import api_event

        items = [api_event(s, e, provider=self.name) for e in chunk]
        more = offset + limit < len(events)
        return Page[Event](items=items, next_cursor=str(offset + limit) if more else None, total=len(events))

    async def list_recordings(self, session_id: str, cursor: str | None, limit: int) -> Page[Recording]:
        await self._latency()
        s = self._find(session_id)
        now = self.clock()
        items = []
        for r in self.world.recordings(s, now):
            done = r.ended_at <= now
            items.append(
                Recording(
                    provider=self.name,
                    session_id=s.id,
                    id=r.id,
                    status="completed" if done else "recording",
                    started_at=r.started_at,
                    ended_at=r.ended_at if done else None,
                    duration_s=((r.ended_at if done else now) - r.started_at).total_seconds(),
                    size_bytes=r.size_bytes if done else None,
                    format=r.format,
                    url=r.url if done else None,
                    url_expires_at=(now + timedelta(minutes=15)) if done else None,
                )
            )
        offset = self._offset(cursor)
        chunk = items[offset : offset + limit]
        more = offset + limit < len(items)
        return Page[Recording](
            items=chunk, next_cursor=str(offset + limit) if more else None, total=len(items)
        )

    async def list_artifacts(self, session_id: str) -> list[Artifact]:
        from roomscope.tui.demo.world import DEMO_HOST

        await self._latency()
        s = self._find(session_id)
        now = self.clock()
        if self.world.ended_at(s, now) is None:
            return []
        out = []
        flip = hashlib.blake2b(s.id.encode(), digest_size=1).digest()[0]
        if flip % 2 == 0:
            out.append(
                Artifact(
                    provider=self.name,
                    session_id=s.id,
                    kind="chat",
                    url=f"https://{DEMO_HOST}/chat/{s.id}.csv",
                    format="csv",
                    expires_at=now + timedelta(hours=1),
                )
            )
        if s.recorded:
            for kind, fmt in (("transcript", "vtt"), ("summary", "txt")):
                out.append(
                    Artifact(
                        provider=self.name,
                        session_id=s.id,
                        kind=kind,
                        url=f"https://{DEMO_HOST}/{kind}/{s.id}.{fmt}",
                        format=fmt,
                        expires_at=now + timedelta(hours=1),
                    )
                )
        return out

    # -- quality -------------------------------------------------------------------------

    async def get_quality(self, session_id: str, participant_id: str) -> list[QualitySeries]:
        await self._latency()
        s = self._find(session_id)
        now = self.clock()
        for p in self.world.visible_participants(s, now):
            if p.id == participant_id:
                return await asyncio.to_thread(self._quality, s, p, now)
        raise NotFoundError(
            f"No participant {participant_id!r} in demo session {session_id!r}.", provider=self.name
        )

    def _quality(self, s: DemoSession, p: DemoParticipant, now: datetime) -> list[QualitySeries]:
        from roomscope.tui.demo.unified import quality_models

        return quality_models(self.world, s, p, now, provider=self.name)

    async def check(self) -> str:
        await self._latency()
        return f"demo world: {self.world.size:,} sessions, seed {self.world.seed}"
