"""The Whereby provider (REST API v1, insights endpoints): requests, the room-by-room
session walk and the lookups behind the provider protocol.

Whereby has no global list of sessions: ``/insights/room-sessions`` needs a ``roomName``.
So the session list walks ``/insights/rooms`` (most recently used room first, when the API
accepts that sort) and, room by room, that room's sessions (newest first when accepted),
behind one opaque cursor (see :mod:`.cursors`). The merged order is therefore *room by
room*, not globally newest first; every call makes a bounded number of requests.

Everything that needs a session's room learns it from the listings (remembered per
session id), from a composite ``"<roomName>|<roomSessionId>"`` id, or, as a last resort, by
probing rooms whose session dates can contain the session (see ``_find_session``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.lru import LRU
from roomscope.tui.models import (
    Artifact,
    Event,
    EventKind,
    Page,
    Participant,
    QualitySeries,
    Recording,
    Session,
    SessionQuery,
    SessionStatus,
)
from roomscope.tui.providers.base import (
    AuthError,
    BadPayloadError,
    BaseProvider,
    Capability,
    ForbiddenError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    UnavailableError,
)
from roomscope.tui.providers.http import BearerAuth, HttpClient
from roomscope.tui.providers.parsing import (
    as_utc,
    describe_validation_error,
    iso,
    parse_records,
    parse_time,
    text,
)
from roomscope.tui.providers.partitioned import Partition, PartitionPage, PartitionSessions
from roomscope.tui.providers.whereby import content, mapping
from roomscope.tui.providers.whereby.content import WbAccessLink, WbSummary, WbTranscription
from roomscope.tui.providers.whereby.cursors import (
    Walk,
    next_cursor,
    offset_cursor,
    read_offset_cursor,
    read_recordings_cursor,
    recordings_cursor,
)
from roomscope.tui.providers.whereby.errors import whereby_error_detail
from roomscope.tui.providers.whereby.payloads import WbParticipant, WbRecording, WbRoom, WbRoomSession
from roomscope.tui.providers.whereby.quality import quality_series
from roomscope.tui.providers.whereby.rooms import (
    BadRoom,
    RoomsPage,
    SortEvidence,
    as_room,
    no_sessions,
    resume_index,
    room_verdict,
)

log = logging.getLogger("roomscope.whereby")
M = TypeVar("M", bound=BaseModel)

API_URL = "https://api.whereby.dev/v1"
MAX_LIMIT = 100
"""Every Whereby list takes ``limit`` 1-100."""
ROOM_SORT = "lastSessionStartedAt:desc"
SESSION_SORT = "startedAt:desc"
RECORDING_SORT = "startDate:desc"
PARTICIPANT_SORT = "joinedAt:asc"
SLACK = timedelta(hours=1)
"""Tolerance when comparing session times with participant join times or room dates."""
CONCURRENCY = 4
"""Requests in flight at once when the store reads rooms side by side. Whereby budgets
points per organisation per minute (a GET costs 1; 1,000 a minute on Grow plans, 100 on
Build): four at a time stays near the Grow budget at common latencies, and a 429 answer is
waited out (Retry-After) by the HTTP layer."""


class WherebyProvider(BaseProvider):
    name = mapping.PROVIDER
    label = "Whereby"
    capabilities = frozenset(
        {
            Capability.PARTICIPANTS,
            Capability.EVENTS,
            Capability.PARTICIPANT_EVENTS,
            Capability.RECORDINGS,
            Capability.QUALITY,
            Capability.DEVICE_INFO,
            Capability.TIME_FILTER,
            Capability.ARTIFACTS,
        }
    )
    page_size = MAX_LIMIT
    newest_first = False
    """Sessions arrive room by room (each room newest first): the store sorts them, room
    by room as :class:`~roomscope.tui.providers.partitioned.PartitionedSessions`."""
    partition_concurrency = CONCURRENCY
    partition_page_size = MAX_LIMIT
    partition_noun = "rooms"
    missing: Mapping[Capability, str] = {
        Capability.NETWORK_INFO: (
            "Whereby's insights API reports no network details (ISP, IP address, location, "
            "connection type) for a participant; only the browser's user agent."
        ),
        Capability.SEEK: (
            "Whereby pages with opaque cursors, room by room, so roomscope cannot jump to a page; "
            "it loads pages in order."
        ),
        Capability.TOTAL: "Whereby does not say how many sessions there are; the count grows as pages load.",
        Capability.STATUS_FILTER: (
            "Whereby cannot filter sessions by status (a session is live until it has an end time); "
            "roomscope filters the loaded pages."
        ),
        Capability.TEXT_SEARCH: (
            "Whereby can only match room names, not session ids; roomscope filters the loaded pages."
        ),
    }

    def __init__(
        self,
        profile: str,
        *,
        api_key: str,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utcnow,
        rooms_page_size: int = MAX_LIMIT,
        max_requests_per_page: int = 5,
        max_lookup_requests: int = 60,
        **http_options: Any,
    ) -> None:
        super().__init__(profile)
        if not api_key:
            raise AuthError("Whereby needs an API key (WHEREBY_API_KEY).", provider=self.name)
        self.base_url = (base_url or API_URL).rstrip("/")
        self.clock = clock
        self.rooms_page_size = max(1, min(rooms_page_size, MAX_LIMIT))
        self.max_requests_per_page = max(1, max_requests_per_page)
        self.max_lookup_requests = max(3, max_lookup_requests)
        http_options.setdefault("error_detail", whereby_error_detail)
        self.http = HttpClient(
            provider=self.name,
            label=self.label,
            base_url=self.base_url,
            auth=BearerAuth(api_key),
            transport=transport,
            **http_options,
        )
        self._room_sort_ok = True
        self._session_sort_ok = True
        self._room_order = SortEvidence()
        self._session_order = SortEvidence()
        self._recording_order = SortEvidence()
        self._rooms: LRU[tuple[str | None, bool, datetime | None], RoomsPage] = LRU(32)
        self._room_of: LRU[str, str] = LRU(50_000)
        """roomSessionId -> roomName, learnt from every listing."""
        self._sessions: LRU[str, Session] = LRU(2_000)
        """roomSessionId -> the last Session mapped (ended ones are final)."""
        self._timelines: LRU[str, list[Event]] = LRU(32)
        """roomSessionId -> derived event list of an ended session."""

    @property
    def identity(self) -> str:
        return f"whereby:{self.profile}:{self.base_url}"

    async def aclose(self) -> None:
        await self.http.aclose()

    async def check(self) -> str:
        body = await self._get_object("/insights/rooms", [("limit", 1)])
        rooms = body.get("results")
        if not isinstance(rooms, list):
            raise BadPayloadError("Whereby sent a rooms list without results.", provider=self.name)
        first = rooms[0].get("roomName") if rooms and isinstance(rooms[0], dict) else None
        said = f"first room {text(first)}" if first else "no rooms yet"
        return f"Whereby insights API at {self.base_url}: API key accepted ({said})."

    # -- requests ------------------------------------------------------------------------

    async def _get_object(self, path: str, params: list[tuple[str, str | int]]) -> dict[str, Any]:
        body = await self.http.get_json(path, params)
        if not isinstance(body, dict):
            raise BadPayloadError(
                f"Whereby sent {type(body).__name__} where an object was expected ({path}).",
                provider=self.name,
            )
        return body

    def _results(self, body: Mapping[str, Any], what: str) -> list[Any]:
        """The ``results`` list of a page; anything else makes the page unreadable."""
        raw = body.get("results")
        if not isinstance(raw, list):
            raise BadPayloadError(
                f"Whereby sent a {what} page whose results are {type(raw).__name__}, not a list.",
                provider=self.name,
                field="results",
            )
        return raw

    async def _sorted_or_not(
        self,
        path: str,
        params: list[tuple[str, str | int]],
        sort: str | None,
        on_rejected: Callable[[], None],
    ) -> tuple[dict[str, Any], bool]:
        """GET with ``sortBy`` when asked; a 400/422 answer to the sort (which the spec does
        not enumerate for this list) is retried once without it."""
        if sort is None:
            return await self._get_object(path, params), False
        try:
            return await self._get_object(path, [*params, ("sortBy", sort)]), True
        except ProviderError as exc:
            if exc.status not in (400, 422) or isinstance(
                exc, (AuthError, RateLimitedError, UnavailableError)
            ):
                raise
        on_rejected()
        return await self._get_object(path, params), False

    # -- rooms ---------------------------------------------------------------------------

    def _reject_room_sort(self) -> None:
        self._room_sort_ok = False

    def _reject_session_sort(self) -> None:
        self._session_sort_ok = False

    async def _rooms_page(
        self, cursor: str | None, sort: bool, until: datetime | None
    ) -> tuple[RoomsPage, bool]:
        """A page of rooms (from a short-lived memory when possible) and whether it cost a
        request."""
        sort = sort and self._room_sort_ok
        key = (cursor, sort, until)
        cached = self._rooms.get(key)
        if cached is not None and time.monotonic() - cached.fetched < 60.0:
            return cached, False
        params: list[tuple[str, str | int]] = [("limit", self.rooms_page_size)]
        if cursor:
            params.append(("cursor", cursor))
        if until is not None:
            params.append(("createdAt[to]", iso(until)))
        body, used = await self._sorted_or_not(
            "/insights/rooms", params, ROOM_SORT if sort else None, self._reject_room_sort
        )
        rooms: list[WbRoom | BadRoom] = parse_records(
            self._results(body, "rooms"),
            WbRoom,
            as_room,
            lambda index, item, problem: BadRoom(index, item, problem),
            provider=self.name,
            what="rooms",
        )
        page = RoomsPage(rooms, next_cursor(body), used, time.monotonic())
        if used:
            self._room_order.observe(r.lastSessionStartedAt for r in rooms if isinstance(r, WbRoom))
        self._rooms.put((cursor, used, until), page)
        return page, True

    # -- sessions ------------------------------------------------------------------------

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        limit = max(1, min(limit, MAX_LIMIT))
        if cursor is None:
            walk = Walk(room_sort=self._room_sort_ok, session_sort=self._session_sort_ok)
        else:
            walk = Walk.decode(cursor)
        since = as_utc(query.since)
        until = as_utc(query.until)
        items: list[Session] = []
        budget = self.max_requests_per_page
        page: RoomsPage | None = None
        visited: set[str | None] = set()
        while len(items) < limit and budget > 0:
            if walk.room is None:
                if page is None:
                    page, cost = await self._rooms_page(walk.rooms_cursor, walk.room_sort, until)
                    budget -= cost
                    visited.add(walk.rooms_cursor)
                    walk.room_sort = page.sorted
                    walk.room_index = resume_index(page, walk)
                if walk.room_index >= len(page.rooms):
                    if page.next_cursor is None or page.next_cursor in visited:
                        return Page[Session](items=items, next_cursor=None)
                    walk = Walk(
                        rooms_cursor=page.next_cursor,
                        room_sort=walk.room_sort,
                        session_sort=walk.session_sort,
                    )
                    page = None
                    continue
                room = page.rooms[walk.room_index]
                if isinstance(room, BadRoom):
                    items.append(mapping.bad_room_placeholder(room, profile=self.profile))
                    walk.after, walk.room_index = None, walk.room_index + 1
                    continue
                newest_first = page.sorted and self._room_order.honoured is True
                verdict = room_verdict(room, since, until, newest_first=newest_first)
                if verdict == "stop":
                    return Page[Session](items=items, next_cursor=None)
                if verdict == "skip":
                    walk.after, walk.room_index = room.roomName, walk.room_index + 1
                    continue
                walk.room, walk.sessions_cursor = room.roomName, None
            if budget <= 0:
                break
            done = await self._room_sessions_into(items, walk, limit - len(items), since, until)
            budget -= 1
            if done:
                walk.after, walk.room, walk.sessions_cursor = walk.room, None, None
                walk.room_index += 1
        return Page[Session](items=items, next_cursor=walk.encode())

    # -- the rooms as partitions (the store merges them newest first) --------------------

    async def list_partitions(self, query: SessionQuery, cursor: str | None) -> PartitionPage:
        """A page of rooms that can hold sessions of ``query``'s time range, with the time of
        each room's last session (rooms with none, or none in the range, are left out)."""
        since, until = as_utc(query.since), as_utc(query.until)
        page, _cost = await self._rooms_page(cursor, True, until)
        ordered = page.sorted and self._room_order.honoured is True
        partitions: list[Partition] = []
        unreadable: list[Session] = []
        for room in page.rooms:
            if isinstance(room, BadRoom):
                unreadable.append(mapping.bad_room_placeholder(room, profile=self.profile))
                continue
            verdict = room_verdict(room, since, until, newest_first=ordered)
            if verdict == "stop":
                return PartitionPage(partitions, None, ordered, unreadable)
            if verdict == "list":
                count = room.totalSessions
                partitions.append(
                    Partition(
                        room.roomName,
                        as_utc(room.lastSessionStartedAt),
                        as_utc(room.firstSessionStartedAt),
                        int(count) if count is not None and count == count else None,
                    )
                )
        following = page.next_cursor if page.next_cursor != cursor else None
        return PartitionPage(partitions, following, ordered, unreadable)

    async def list_partition_sessions(
        self, query: SessionQuery, key: str, cursor: str | None, limit: int
    ) -> PartitionSessions:
        """One request for a room's sessions in ``query``'s time range, newest first when the
        API honours that sort (the page says whether it did)."""
        since, until = as_utc(query.since), as_utc(query.until)
        params: list[tuple[str, str | int]] = [("roomName", key), ("limit", max(1, min(limit, MAX_LIMIT)))]
        if cursor:
            params.append(("cursor", cursor))
        sort = SESSION_SORT if self._session_sort_ok else None
        body, used = await self._sorted_or_not(
            "/insights/room-sessions", params, sort, self._reject_session_sort
        )
        sessions = self._parse_sessions(body, key)
        starts = [s.started_at for s in sessions if s.problem is None and s.started_at is not None]
        if used:
            self._session_order.observe(starts)
        in_order = all(a >= b for a, b in itertools.pairwise(starts))
        ordered = used and in_order and self._session_order.honoured is not False
        items: list[Session] = []
        past_since = False
        for session in sessions:
            start = session.started_at
            if session.problem is None and start is not None:
                if since is not None and start < since:
                    past_since = True
                    continue
                if until is not None and start > until:
                    continue
            items.append(session)
        following = next_cursor(body)
        if following == cursor or (past_since and ordered):
            following = None  # the rest of the room is older than the range
        return PartitionSessions(items, following, ordered)

    async def _room_sessions_into(
        self,
        items: list[Session],
        walk: Walk,
        want: int,
        since: datetime | None,
        until: datetime | None,
    ) -> bool:
        """One request for the current room's sessions; True when the room is finished."""
        assert walk.room is not None
        params: list[tuple[str, str | int]] = [
            ("roomName", walk.room),
            ("limit", max(1, min(want, MAX_LIMIT))),
        ]
        if walk.sessions_cursor:
            params.append(("cursor", walk.sessions_cursor))
        sort = SESSION_SORT if walk.session_sort and self._session_sort_ok else None
        body, used = await self._sorted_or_not(
            "/insights/room-sessions", params, sort, self._reject_session_sort
        )
        walk.session_sort = used
        sessions = self._parse_sessions(body, walk.room)
        starts = [s.started_at for s in sessions if s.problem is None]
        if used:
            self._session_order.observe(starts)
        past_since = False
        for session in sessions:
            start = session.started_at
            if session.problem is None and start is not None:
                if since is not None and start < since:
                    past_since = True
                    continue
                if until is not None and start > until:
                    continue
            items.append(session)
        sent, walk.sessions_cursor = walk.sessions_cursor, next_cursor(body)
        early = past_since and used and self._session_order.honoured is True
        return walk.sessions_cursor is None or walk.sessions_cursor == sent or early

    def _parse_sessions(self, body: Mapping[str, Any], room: str | None) -> list[Session]:
        now = self.clock()
        sessions = parse_records(
            self._results(body, "room sessions"),
            WbRoomSession,
            lambda record: mapping.session(record, now, room, profile=self.profile),
            lambda index, raw, problem: mapping.session_placeholder(
                index, raw, problem, room, profile=self.profile
            ),
            provider=self.name,
            what="room sessions",
        )
        for session in sessions:
            if session.room_name and session.problem is None:
                self._room_of.put(session.id, session.room_name)
                self._sessions.put(session.id, session)
        return sessions

    # -- one session ---------------------------------------------------------------------

    def _split(self, session_id: str) -> tuple[str | None, str]:
        """``"<roomName>|<roomSessionId>"`` or a bare ``roomSessionId``, checked as every
        adapter checks ids (Whereby sends them as query values: room names and participant
        ids may hold '/')."""
        room, bar, sid = session_id.strip().rpartition("|")
        if bar and room and sid:
            return self.http.checked_id(room, "room name"), self.http.checked_id(sid, "room session id")
        return None, self.http.checked_id(session_id, "room session id")

    def _check_participant(self, participant_id: str) -> None:
        self.http.checked_id(participant_id, "participant id")

    async def get_session(self, session_id: str) -> Session:
        named, sid = self._split(session_id)
        room = named or self._room_of.get(sid)
        if room is not None:
            found, _cost = await self._session_in_room(room, sid, budget=5)
            if found is not None:
                return found
            if named is not None:
                raise NotFoundError(
                    f"Whereby has no session {sid!r} in room {room!r}.", provider=self.name, status=404
                )
            self._room_of.pop(sid)
        return await self._find_session(sid)

    async def _session_in_room(self, room: str, sid: str, *, budget: int) -> tuple[Session | None, int]:
        """The session from its room, asked with the ``roomSessionId`` filter. Should the API
        answer with other sessions (the filter ignored), the room is paged through within
        ``budget`` requests. Returns the session (or None) and the requests made."""
        cursor: str | None = None
        made = 0
        while made < max(1, budget):
            params: list[tuple[str, str | int]] = [
                ("roomName", room),
                ("roomSessionId", sid),
                ("limit", MAX_LIMIT),
            ]
            if cursor:
                params.append(("cursor", cursor))
            body = await self._get_object("/insights/room-sessions", params)
            made += 1
            for session in self._parse_sessions(body, room):
                if session.id == sid:
                    return session, made
            cursor = next_cursor(body)
            if cursor is None:
                break
        return None, made

    async def _join_bounds(self, sid: str) -> tuple[datetime | None, datetime | None]:
        """The earliest and latest participant join of a session (two cheap requests)."""

        async def one(order: str) -> datetime | None:
            try:
                body = await self._get_object(
                    "/insights/participants",
                    [("roomSessionId", sid), ("sortBy", f"joinedAt:{order}"), ("limit", 1)],
                )
            except (NotFoundError, BadPayloadError):
                return None
            except ProviderError as exc:
                if exc.status in (400, 422):
                    return None
                raise
            results = body.get("results")
            if isinstance(results, list) and results and isinstance(results[0], dict):
                return parse_time(results[0].get("joinedAt"), epochs=True)
            return None

        first, last = await asyncio.gather(one("asc"), one("desc"))
        return first, last

    async def _find_session(self, sid: str) -> Session:
        """Find a bare ``roomSessionId`` without knowing its room: the session started no
        earlier than its first participant joined and no later than its last one did, so only
        rooms whose first/last session dates can hold it are asked (newest rooms first), within
        ``max_lookup_requests`` requests."""
        lo, hi = await self._join_bounds(sid)
        budget = self.max_lookup_requests - 2
        cursor: str | None = None
        seen: set[str | None] = set()
        asked = 0
        while budget > 0:
            page, cost = await self._rooms_page(cursor, True, None)
            budget -= cost
            seen.add(cursor)
            for room in page.rooms:
                if not isinstance(room, WbRoom) or no_sessions(room):
                    continue
                last = as_utc(room.lastSessionStartedAt)
                first = as_utc(room.firstSessionStartedAt)
                if lo is not None and last is not None and last < lo - SLACK:
                    if page.sorted and self._room_order.honoured:
                        budget = 0
                        break
                    continue
                if hi is not None and first is not None and first > hi + SLACK:
                    continue
                if budget <= 0:
                    break
                asked += 1
                found, made = await self._session_in_room(room.roomName, sid, budget=min(budget, 5))
                budget -= made
                if found is not None:
                    return found
            if page.next_cursor is None or page.next_cursor in seen:
                break
            cursor = page.next_cursor
        raise NotFoundError(
            f"Whereby: no room session {sid!r} found. Whereby can only look a session up within its "
            f"room; roomscope asked {asked} room(s) whose dates fit. Give the id as "
            f"'<roomName>|{sid}' to name the room.",
            provider=self.name,
            status=404,
        )

    async def _known_session(self, sid: str, session_id: str) -> Session:
        """The session (cached while ended, fetched otherwise)."""
        cached = self._sessions.get(sid)
        if cached is not None and cached.status is SessionStatus.ENDED:
            return cached
        return await self.get_session(session_id)

    # -- participants --------------------------------------------------------------------

    async def list_participants(self, session_id: str, cursor: str | None, limit: int) -> Page[Participant]:
        _room, sid = self._split(session_id)
        params: list[tuple[str, str | int]] = [
            ("roomSessionId", sid),
            ("sortBy", PARTICIPANT_SORT),
            ("limit", max(1, min(limit, MAX_LIMIT))),
        ]
        if cursor:
            params.append(("cursor", cursor))
        body = await self._get_object("/insights/participants", params)
        now = self.clock()
        items = parse_records(
            self._results(body, "participants"),
            WbParticipant,
            lambda record: mapping.participant(record, sid, now),
            lambda index, raw, problem: mapping.participant_placeholder(index, raw, problem, sid),
            provider=self.name,
            what="participants",
        )
        return Page[Participant](items=items, next_cursor=next_cursor(body))

    async def _all_participants(self, sid: str) -> list[Participant]:
        out: list[Participant] = []
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.list_participants(sid, cursor, MAX_LIMIT)
            out.extend(page.items)
            cursor = page.next_cursor
            if cursor is None or cursor in seen:
                return out
            seen.add(cursor)

    async def _participant_record(self, sid: str, pid: str) -> Participant | None:
        for participant in await self._all_participants(sid):
            if participant.id == pid:
                return participant
        return None

    async def _detail(self, sid: str, pid: str) -> list[dict[str, Any]]:
        """``/insights/participant``: an array of objects (one per item the API keeps)."""
        body = await self.http.get_json(
            "/insights/participant", [("roomSessionId", sid), ("participantId", pid)]
        )
        if isinstance(body, dict):
            body = [body]
        if not isinstance(body, list):
            raise BadPayloadError(
                f"Whereby sent participant details as {type(body).__name__}, not a list.",
                provider=self.name,
            )
        return [item for item in body if isinstance(item, dict)]

    async def get_participant(self, session_id: str, participant_id: str) -> Participant:
        _room, sid = self._split(session_id)
        self._check_participant(participant_id)
        try:
            details = await self._detail(sid, participant_id)
        except NotFoundError:
            details = []
        record = await self._participant_record(sid, participant_id)
        if record is None and not details:
            raise NotFoundError(
                f"Whereby has no participant {participant_id!r} in session {sid!r}.",
                provider=self.name,
                status=404,
            )
        return mapping.participant_from_details(sid, participant_id, record, details)

    # -- quality -------------------------------------------------------------------------

    async def get_quality(self, session_id: str, participant_id: str) -> list[QualitySeries]:
        _room, sid = self._split(session_id)
        self._check_participant(participant_id)
        details = await self._detail(sid, participant_id)
        if not details:
            return []
        fallback: datetime | None = None
        if any(parse_time(d.get("timeStamp"), epochs=True) is None for d in details):
            record = await self._participant_record(sid, participant_id)
            fallback = record.joined_at if record else None
        return quality_series(details, sid, participant_id, fallback, provider=self.name)

    # -- events --------------------------------------------------------------------------

    async def list_events(
        self,
        session_id: str,
        cursor: str | None,
        limit: int,
        participant_id: str | None = None,
    ) -> Page[Event]:
        _room, sid = self._split(session_id)
        if participant_id is not None:
            self._check_participant(participant_id)
        offset = read_offset_cursor(cursor)
        if participant_id is None:
            events = await self._session_timeline(sid, session_id)
        else:
            events = await self._participant_timeline(sid, participant_id)
        limit = max(1, limit)
        chunk = events[offset : offset + limit]
        more = offset + limit < len(events)
        return Page[Event](
            items=chunk, next_cursor=offset_cursor(offset + limit) if more else None, total=len(events)
        )

    async def _session_timeline(self, sid: str, session_id: str) -> list[Event]:
        cached = self._timelines.get(sid)
        if cached is not None:
            return cached
        session = await self._known_session(sid, session_id)
        people = await self._all_participants(sid)
        events = mapping.session_timeline(session, people, provider=self.name)
        if session.status is SessionStatus.ENDED:
            self._timelines.put(sid, events)
        return events

    async def _participant_timeline(self, sid: str, pid: str) -> list[Event]:
        record = await self._participant_record(sid, pid)
        try:
            details = await self._detail(sid, pid)
        except NotFoundError:
            details = []
        if record is None and not details:
            raise NotFoundError(
                f"Whereby has no participant {pid!r} in session {sid!r}.", provider=self.name, status=404
            )
        events: list[Event] = []
        if record is not None:
            events.extend(mapping.connection_events(record, sid, EventKind.JOIN, provider=self.name))
        for item_index, item in enumerate(details):
            events.extend(mapping.detail_events(item, sid, pid, item_index, provider=self.name))
        return mapping.ordered(events)

    # -- recordings ----------------------------------------------------------------------

    async def list_recordings(self, session_id: str, cursor: str | None, limit: int) -> Page[Recording]:
        """``/recordings`` is listed per room; each recording names its ``roomSessionId``, which
        is what ties it to the session (newest first, stopping once recordings start well
        before the session did, when that order was seen to hold)."""
        _room, sid = self._split(session_id)
        session = await self._known_session(sid, session_id)
        api_cursor = read_recordings_cursor(cursor)
        start = session.started_at
        items: list[Recording] = []
        for _ in range(self.max_requests_per_page):
            params: list[tuple[str, str | int]] = [("limit", MAX_LIMIT), ("sortBy", RECORDING_SORT)]
            if session.room_name:
                params.insert(0, ("roomName", session.room_name))
            if api_cursor:
                params.append(("cursor", api_cursor))
            body = await self._get_object("/recordings", params)
            page = parse_records(
                self._results(body, "recordings"),
                WbRecording,
                mapping.recording,
                mapping.recording_placeholder,
                provider=self.name,
                what="recordings",
            )
            self._recording_order.observe(r.started_at for r in page if r.problem is None)
            items.extend(r for r in page if r.session_id == sid)
            sent, api_cursor = api_cursor, next_cursor(body)
            if api_cursor == sent:
                api_cursor = None
            starts = [r.started_at for r in page if r.problem is None and r.started_at is not None]
            too_old = start is not None and bool(starts) and min(starts) < start - SLACK
            if api_cursor is None or (too_old and self._recording_order.honoured):
                return Page[Recording](items=await self._with_links(items), next_cursor=None)
            if len(items) >= limit:
                break
        return Page[Recording](
            items=await self._with_links(items),
            next_cursor=recordings_cursor(api_cursor) if api_cursor else None,
        )

    # -- meeting content: download links, transcriptions, summaries -----------------------

    async def _access_link(self, kind: str, item_id: str) -> tuple[WbAccessLink | None, str | None]:
        """A temporary download link (``/{kind}/{id}/access-link``), or why there is none."""
        try:
            path = f"/{kind}/{self.http.segment(item_id, 'id')}/access-link"
            body = await self._get_object(path, [("validForSeconds", content.LINK_VALID_S)])
        except (NotFoundError, ForbiddenError, BadPayloadError) as exc:
            return None, f"no access link: {exc}"
        try:
            return WbAccessLink.model_validate(body), None
        except ValidationError as exc:
            return None, f"unreadable access link: {describe_validation_error(exc)}"

    async def _with_links(self, recordings: list[Recording]) -> list[Recording]:
        """Each readable recording with its temporary download link (one request each)."""
        readable = [r for r in recordings if r.problem is None]
        links = await asyncio.gather(*(self._access_link("recordings", r.id) for r in readable))
        linked = {id(r): content.with_link(r, *found) for r, found in zip(readable, links, strict=True)}
        return [linked.get(id(r), r) for r in recordings]

    async def _of_session(
        self, kind: str, model: type[M], sid: str, since: datetime | None
    ) -> tuple[list[M], int]:
        """The records of ``/{kind}`` (listed account-wide, newest first) that belong to room
        session ``sid``; stops at the last page, at the request budget, or once a page is
        older than the session (by more than the slack). Also how many were unreadable."""
        found: list[M] = []
        unreadable = 0
        cursor: str | None = None
        for _ in range(self.max_requests_per_page):
            params: list[tuple[str, str | int]] = [("limit", MAX_LIMIT), ("sortBy", "startDate:desc")]
            if cursor:
                params.append(("cursor", cursor))
            body = await self._get_object(f"/{kind}", params)
            starts: list[datetime] = []
            for raw in self._results(body, kind):
                try:
                    record = model.model_validate(raw)
                except ValidationError:
                    unreadable += 1
                    continue
                start = as_utc(getattr(record, "startDate", None))
                if start is not None:
                    starts.append(start)
                if getattr(record, "roomSessionId", None) == sid:
                    found.append(record)
            sent, cursor = cursor, next_cursor(body)
            descending = all(a >= b for a, b in itertools.pairwise(starts))
            older = since is not None and bool(starts) and descending and starts[-1] < since - SLACK
            if cursor is None or cursor == sent or older:
                break
        return found, unreadable

    async def list_artifacts(self, session_id: str) -> list[Artifact]:
        """The session's transcriptions (each with a temporary download link) and summaries.
        An account without the feature (403, 404) has none of that kind."""
        _room, sid = self._split(session_id)
        session = await self._known_session(sid, session_id)
        out: list[Artifact] = []
        for kind, model in (("transcriptions", WbTranscription), ("summaries", WbSummary)):
            try:
                records, unreadable = await self._of_session(kind, model, sid, session.started_at)
            except (NotFoundError, ForbiddenError) as exc:
                log.info("whereby: no %s: %s", kind, exc)
                continue
            if unreadable:
                log.info("whereby: %d unreadable %s skipped", unreadable, kind)
            if kind == "transcriptions":
                transcripts = [r for r in records if isinstance(r, WbTranscription)]
                links = await asyncio.gather(
                    *(self._access_link("transcriptions", t.transcriptionId) for t in transcripts)
                )
                out.extend(
                    content.transcript(sid, t, *link) for t, link in zip(transcripts, links, strict=True)
                )
            else:
                for record in records:
                    if isinstance(record, WbSummary):
                        out.append(content.summary(sid, await self._full_summary(record)))
        return out

    async def _full_summary(self, record: WbSummary) -> WbSummary:
        """A listed summary without its text is read whole (``/summaries/{id}``)."""
        if content.summary_text(record.summary) is not None:
            return record
        try:
            body = await self._get_object(f"/summaries/{self.http.segment(record.summaryId, 'id')}", [])
            return WbSummary.model_validate(body)
        except (NotFoundError, ForbiddenError, BadPayloadError, ValidationError):
            return record
