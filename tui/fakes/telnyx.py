"""A fake Telnyx Rooms API (v2) over the demo world.

Serves the paths roomscope's Telnyx adapter reads, in Telnyx's JSON shapes: ``{data, meta}``
envelopes, ``record_type`` on every record, UUIDs, timestamps with microseconds and ``Z``,
and absent (not null) fields for what has not happened yet (``ended_at`` of an active
session, ``left_at`` of a participant still present), as the spec's schemas allow.

* ``GET /room_sessions`` and ``GET /rooms/{id}/sessions``: newest first;
  ``include_participants``, ``filter[active]``, ``filter[room_id]``,
  ``filter[date_created_at|date_updated_at|date_ended_at][eq|gte|lte]`` (dates, UTC days).
* ``GET /room_sessions/{id}`` (``include_participants``).
* ``GET /room_sessions/{id}/participants``: ``filter[context]`` (exact) and
  ``filter[date_joined_at|date_left_at|date_updated_at][...]``.
* ``GET /room_recordings``: ``filter[session_id|room_id|participant_id|status|type]``,
  ``filter[duration_secs]`` (at least), ``filter[date_started_at|date_ended_at][...]``.
* ``GET /room_participants/{id}``: one participant (found among the sessions served, else
  by one scan of the world).
* ``GET /room_compositions`` (``filter[session_id|status]``, ``filter[date_created_at][...]``)
  and ``GET /room_compositions/{id}``: one composition per recorded session once it has
  ended, completed three minutes later.
* ``GET /rooms`` (``filter[unique_name]``) and ``GET /rooms/{id}`` (``include_sessions``).

Every list pages with ``page[number]`` (from 1) and ``page[size]`` (1..250, default 20).
Errors use the three shapes the Telnyx video API is documented with: the platform's
``{"errors": [...]}`` for 401 (and for injected 403/429), a single error object for 404,
and ``{"message", "success": false}`` for other 4XX such as an over-limit page size (422).
The base path ``/v2`` is optional, so the fake answers both the real base URL and a
bare host.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.demo.world import DEMO_HOST, DemoParticipant, DemoRecording, DemoSession, DemoWorld
from roomscope.tui.fakes import requests
from roomscope.tui.fakes.common import FakeApi, Missing, json_response
from roomscope.tui.fakes.requests import BadParameter, bearer, boolean, integer, numbered_page
from roomscope.tui.providers.parsing import iso, parse_time
from roomscope.tui.providers.telnyx import TelnyxProvider

DEMO_API_KEY = "KEY0DEMO_roomscope_telnyx_demo_key_000000"
"""The API key the fake accepts (``Authorization: Bearer <key>``)."""

MAX_PAGE_SIZE = 250
DEFAULT_PAGE_SIZE = 20
ROOMS_CREATED_AT = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
BYTES_PER_MB = 1_000_000

_UUID = r"[^/]+"
_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"^/room_sessions$", "sessions"),
        (rf"^/room_sessions/({_UUID})$", "session"),
        (rf"^/room_sessions/({_UUID})/participants$", "participants"),
        (r"^/room_recordings$", "recordings"),
        (rf"^/room_participants/({_UUID})$", "participant"),
        (r"^/room_compositions$", "compositions"),
        (rf"^/room_compositions/({_UUID})$", "composition"),
        (r"^/rooms$", "rooms"),
        (rf"^/rooms/({_UUID})$", "room"),
        (rf"^/rooms/({_UUID})/sessions$", "room_sessions"),
    )
)


@dataclass(frozen=True)
class DateRange:
    """``[since, until)`` in UTC from ``filter[<field>][eq|gte|lte]`` dates."""

    since: datetime | None = None
    until: datetime | None = None

    def __bool__(self) -> bool:
        return self.since is not None or self.until is not None

    def holds(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        if self.since is not None and moment < self.since:
            return False
        return not (self.until is not None and moment >= self.until)


def _day(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


class FakeTelnyx(FakeApi):
    name = "telnyx"

    def __init__(
        self,
        world: DemoWorld,
        *,
        clock: Clock = utcnow,
        latency_s: float = 0.0,
        api_key: str = DEMO_API_KEY,
    ) -> None:
        super().__init__(world, clock=clock, latency_s=latency_s)
        self.api_key = api_key
        self._room_index: dict[str, str] | None = None
        self._owners: dict[str, int] = {}
        """participant id -> world index of its session, learnt as participants are served."""
        self._scanned = False

    # -- auth and errors -----------------------------------------------------------------

    def authorized(self, request: httpx.Request) -> bool:
        return bearer(request) == self.api_key

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        detail = (
            "The API key is missing or not valid."
            if bearer(request) is None
            else "The API key looks malformed or was revoked. Check that you copied it correctly."
        )
        return json_response(401, self.error_body("10009", "Authentication failed", detail))

    def error(self, request: httpx.Request, status: int, message: str) -> httpx.Response:
        if status == 404:
            return json_response(
                404,
                {
                    "code": "10005",
                    "title": "Resource not found",
                    "detail": message,
                    "source": {"pointer": self._path(request)},
                    "meta": {"url": "https://developers.telnyx.com/docs/overview/errors/10005"},
                },
            )
        if 400 <= status < 500 and status not in (401, 403, 429):
            return json_response(status, {"message": message, "success": False})
        return json_response(status, self.error_body(str(status), "Error", message))

    @staticmethod
    def error_body(
        code: str, title: str, detail: str, *, parameter: str | None = None, pointer: str | None = None
    ) -> dict[str, Any]:
        """The Telnyx platform error shape: ``{"errors": [{code, title, detail, ...}]}``."""
        error: dict[str, Any] = {"code": code, "title": title, "detail": detail}
        if parameter or pointer:
            error["source"] = {
                key: value for key, value in (("parameter", parameter), ("pointer", pointer)) if value
            }
        error["meta"] = {"url": f"https://developers.telnyx.com/docs/overview/errors/{code}"}
        return {"errors": [error]}

    # -- routing -------------------------------------------------------------------------

    @staticmethod
    def _path(request: httpx.Request) -> str:
        path = request.url.path.rstrip("/") or "/"
        return path[3:] if path.startswith("/v2/") else path

    def route(self, request: httpx.Request) -> httpx.Response:
        path = self._path(request)
        params = request.url.params
        now = self.clock()
        for pattern, name in _ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            try:
                body = self._dispatch(name, match.groups(), params, now)
            except BadParameter as exc:
                return self.error(request, 422, f"{exc.name}: must be {exc.expected}")
            return json_response(200, body)
        raise Missing(f"No such resource: {path}")

    def _dispatch(
        self, name: str, groups: tuple[str, ...], params: httpx.QueryParams, now: datetime
    ) -> dict[str, Any]:
        if name == "sessions":
            return self._page(
                params, self._select_sessions(params, now, room_id=None), self._session_json_for(params, now)
            )
        if name == "room_sessions":
            room_id = self._room_or_missing(groups[0])
            return self._page(
                params,
                self._select_sessions(params, now, room_id=room_id),
                self._session_json_for(params, now),
            )
        if name == "session":
            include = boolean(params, "include_participants") is True
            return {"data": self._session_json(self._started_session(groups[0], now), now, include)}
        if name == "participants":
            session = self._started_session(groups[0], now)
            people = self._select_participants(session, params, now)
            return self._page(params, people, lambda p: self._participant_json(session, p, now))
        if name == "participant":
            session, person = self._find_participant(groups[0], now)
            return {"data": self._participant_json(session, person, now)}
        if name == "compositions":
            mixed = self._select_compositions(params, now)
            return self._page(params, mixed, lambda session: self._composition_json(session, now))
        if name == "composition":
            for session in self._recorded_sessions(now):
                if _composition_id(session) == groups[0] and self._composition_json(session, now):
                    return {"data": self._composition_json(session, now)}
            raise Missing(f"Room composition {groups[0]} not found.")
        if name == "recordings":
            found = self._select_recordings(params, now)
            return self._page(params, found, lambda pair: self._recording_json(pair[0], pair[1], now))
        if name == "rooms":
            unique = params.get("filter[unique_name]")
            created = self._date_range(params, "date_created_at")
            updated = self._date_range(params, "date_updated_at")
            self._paging(params)
            rooms = [
                (room_id, name)
                for room_id, name in sorted(self._rooms().items(), key=lambda kv: kv[1])
                if (unique is None or name == unique)
                and (not created or created.holds(_room_created(room_id)))
                and (not updated or updated.holds(_room_created(room_id)))
            ]
            include = boolean(params, "include_sessions") is True
            return self._page(params, rooms, lambda room: self._room_json(room[0], room[1], now, include))
        if name == "room":
            room_id = self._room_or_missing(groups[0])
            include = boolean(params, "include_sessions") is True
            return {"data": self._room_json(room_id, self._rooms()[room_id], now, include)}
        raise Missing(name)

    # -- paging --------------------------------------------------------------------------

    @staticmethod
    def _paging(params: httpx.QueryParams) -> tuple[int, int]:
        number = integer(params, "page[number]", 1, minimum=1)
        size = integer(params, "page[size]", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
        return number, size

    def _page(
        self, params: httpx.QueryParams, rows: Any, render: Callable[[Any], dict[str, Any]]
    ) -> dict[str, Any]:
        number, size = self._paging(params)
        total = len(rows)
        _offset, chunk = numbered_page(rows, number, size)
        return {
            "data": [render(row) for row in chunk],
            "meta": {
                "page_number": number,
                "page_size": size,
                "total_pages": math.ceil(total / size),
                "total_results": total,
            },
        }

    # -- sessions ------------------------------------------------------------------------

    def _started_session(self, session_id: str, now: datetime) -> DemoSession:
        session = self.world.session(self.session_index(session_id))
        if session.start > now:
            raise Missing(f"Room session {session_id} not found.")
        return session

    def _select_sessions(self, params: httpx.QueryParams, now: datetime, *, room_id: str | None) -> Any:
        active = boolean(params, "filter[active]")
        created = self._date_range(params, "date_created_at")
        updated = self._date_range(params, "date_updated_at")
        ended = self._date_range(params, "date_ended_at")
        room = room_id or params.get("filter[room_id]")
        self._paging(params)
        world = self.world
        lo = world.first_index_at_or_before(now)
        if created.until is not None:
            lo = max(lo, world.first_index_at_or_before(created.until - timedelta(microseconds=1)))
        hi = world.last_index_at_or_after(created.since) if created.since is not None else world.size - 1
        if hi < lo:
            return []
        horizon = max(lo, min(world.live_horizon(now), hi + 1))
        if room is None and not updated and not ended:
            head = [
                i
                for i in range(lo, horizon)
                if active is None or active == world.is_live(world.session(i), now)
            ]
            tail = range(0) if active is True else range(horizon, hi + 1)
            return _Chain(head, tail)
        out = []
        for i in range(lo, hi + 1):
            session = world.session(i)
            live = world.is_live(session, now)
            if active is not None and active != live:
                continue
            if room is not None and session.room_id != room:
                continue
            if updated and not updated.holds(self._session_updated(session, now)):
                continue
            if ended and not ended.holds(world.ended_at(session, now)):
                continue
            out.append(i)
        return out

    def _session_json_for(self, params: httpx.QueryParams, now: datetime) -> Callable[[int], dict[str, Any]]:
        include = boolean(params, "include_participants") is True
        return lambda index: self._session_json(self.world.session(index), now, include)

    def _session_updated(self, session: DemoSession, now: datetime) -> datetime:
        ended = self.world.ended_at(session, now)
        if ended is not None:
            return ended
        moments = [session.start]
        for p in self.world.visible_participants(session, now):
            moments.extend(t for iv in p.intervals for t in (iv.join, iv.leave) if t <= now)
        return max(moments)

    def _session_json(
        self, session: DemoSession, now: datetime, include_participants: bool
    ) -> dict[str, Any]:
        ended = self.world.ended_at(session, now)
        body: dict[str, Any] = {
            "id": session.id,
            "room_id": session.room_id,
            "active": ended is None,
            "created_at": iso(session.start, precision="us"),
            "updated_at": iso(self._session_updated(session, now), precision="us"),
        }
        if ended is not None:
            body["ended_at"] = iso(ended, precision="us")
        body["participants"] = (
            [self._participant_json(session, p, now) for p in self.world.visible_participants(session, now)]
            if include_participants
            else []
        )
        body["record_type"] = "room_session"
        return body

    # -- participants --------------------------------------------------------------------

    def _select_participants(
        self, session: DemoSession, params: httpx.QueryParams, now: datetime
    ) -> list[DemoParticipant]:
        context = params.get("filter[context]")
        joined = self._date_range(params, "date_joined_at")
        left = self._date_range(params, "date_left_at")
        updated = self._date_range(params, "date_updated_at")
        self._paging(params)
        out = []
        for p in self.world.visible_participants(session, now):
            if context is not None and p.name != context:
                continue
            if joined and not joined.holds(p.joined_at):
                continue
            if left and not left.holds(_left_at(p, now)):
                continue
            if updated and not updated.holds(_participant_updated(p, now)):
                continue
            out.append(p)
        return out

    def _find_participant(self, participant_id: str, now: datetime) -> tuple[DemoSession, DemoParticipant]:
        """The participant with this id: from the sessions served so far, else (once) from a
        scan of the sessions that have started."""
        index = self._owners.get(participant_id)
        if index is None and not self._scanned:
            self._scanned = True
            for i in range(self.world.first_index_at_or_before(now), self.world.size):
                for p in self.world.participants(self.world.session(i)):
                    self._owners.setdefault(p.id, i)
            index = self._owners.get(participant_id)
        if index is not None:
            session = self.world.session(index)
            for p in self.world.visible_participants(session, now):
                if p.id == participant_id:
                    return session, p
        raise Missing(f"Room participant {participant_id} not found.")

    # -- compositions --------------------------------------------------------------------

    def _recorded_sessions(self, now: datetime) -> Iterator[DemoSession]:
        for i in range(self.world.first_index_at_or_before(now), self.world.size):
            session = self.world.session(i)
            if session.recorded:
                yield session

    def _select_compositions(self, params: httpx.QueryParams, now: datetime) -> list[DemoSession]:
        """One composition per recorded session that has ended (of all its recordings)."""
        session_id = params.get("filter[session_id]")
        status = params.get("filter[status]")
        if status is not None and status not in ("completed", "processing", "enqueued"):
            raise BadParameter("filter[status]", "choice", "one of completed, processing, enqueued")
        created = self._date_range(params, "date_created_at")
        self._paging(params)
        if session_id is not None:
            index = self.world.index_of(session_id)
            asked = [] if index is None else [self.world.session(index)]
            sessions = [s for s in asked if s.start <= now and s.recorded]
        else:
            sessions = list(self._recorded_sessions(now))
        out = []
        for session in sessions:
            body = self._composition_json(session, now)
            if not body:
                continue
            if status is not None and body["status"] != status:
                continue
            if created and not created.holds(parse_time(body["created_at"])):
                continue
            out.append(session)
        return out

    def _composition_json(self, session: DemoSession, now: datetime) -> dict[str, Any]:
        """The session's composition ({} while the session is live or has no recording)."""
        ended = self.world.ended_at(session, now)
        recordings = [r for r in self.world.recordings(session, now) if r.ended_at <= now]
        if ended is None or not recordings:
            return {}
        start = min(r.started_at for r in recordings)
        end = max(r.ended_at for r in recordings)
        done = ended + timedelta(minutes=3)
        complete = done <= now
        body: dict[str, Any] = {
            "id": _composition_id(session),
            "room_id": session.room_id,
            "session_id": session.id,
            "status": "completed" if complete else "processing",
            "format": "mp4",
            "resolution": "1280x720",
            "started_at": iso(start, precision="us"),
            "ended_at": iso(end, precision="us"),
            "created_at": iso(ended, precision="us"),
            "updated_at": iso(done if complete else ended, precision="us"),
            "user_id": "12a04ec9-0f91-4a91-9f3a-a19d9931182e",
            "record_type": "composition",
        }
        if complete:
            body.update(
                {
                    "completed_at": iso(done, precision="us"),
                    "duration_secs": round((end - start).total_seconds()),
                    "size_mb": round(sum(r.size_bytes for r in recordings) / BYTES_PER_MB / 2, 2),
                    "download_url": f"https://demo.roomscope.invalid/compositions/{session.id}.mp4",
                }
            )
        return body

    def _participant_json(self, session: DemoSession, p: DemoParticipant, now: datetime) -> dict[str, Any]:
        self._owners.setdefault(p.id, self.session_index(session.id))
        return self._participant_body(session, p, now)

    @staticmethod
    def _participant_body(session: DemoSession, p: DemoParticipant, now: datetime) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": p.id,
            "session_id": session.id,
            "context": p.name,
            "joined_at": iso(p.joined_at, precision="us"),
            "updated_at": iso(_participant_updated(p, now), precision="us"),
        }
        left = _left_at(p, now)
        if left is not None:
            body["left_at"] = iso(left, precision="us")
        body["record_type"] = "room_participant"
        return body

    # -- recordings ----------------------------------------------------------------------

    def _select_recordings(
        self, params: httpx.QueryParams, now: datetime
    ) -> list[tuple[DemoSession, DemoRecording]]:
        session_id = params.get("filter[session_id]")
        room_id = params.get("filter[room_id]")
        participant_id = params.get("filter[participant_id]")
        status = params.get("filter[status]")
        kind = params.get("filter[type]")
        min_duration = integer(params, "filter[duration_secs]")
        started = self._date_range(params, "date_started_at")
        ended = self._date_range(params, "date_ended_at")
        self._paging(params)
        if session_id is not None:
            index = self.world.index_of(session_id)
            indices: Iterator[int] | list[int] = [] if index is None else [index]
        else:
            indices = iter(range(self.world.first_index_at_or_before(now), self.world.size))
        out = []
        for i in indices:
            session = self.world.session(i)
            if session.start > now or not session.recorded:
                continue
            if room_id is not None and session.room_id != room_id:
                continue
            for recording in reversed(self.world.recordings(session, now)):
                body = self._recording_json(session, recording, now)
                if participant_id is not None and body["participant_id"] != participant_id:
                    continue
                if status is not None and body["status"] != status:
                    continue
                if kind is not None and body["type"] != kind:
                    continue
                if min_duration is not None and body.get("duration_secs", -1) < min_duration:
                    continue
                if started and not started.holds(recording.started_at):
                    continue
                if ended and not ended.holds(recording.ended_at if recording.ended_at <= now else None):
                    continue
                out.append((session, recording))
        return out

    def _recording_json(
        self, session: DemoSession, recording: DemoRecording, now: datetime
    ) -> dict[str, Any]:
        done = recording.ended_at <= now
        body: dict[str, Any] = {
            "id": recording.id,
            "room_id": session.room_id,
            "session_id": session.id,
            "participant_id": self.world.participants(session)[0].id,
            "status": "completed" if done else "processing",
            "type": "video",
            "codec": "h264",
            "started_at": iso(recording.started_at, precision="us"),
            "created_at": iso(recording.started_at, precision="us"),
            "updated_at": iso(recording.ended_at if done else recording.started_at, precision="us"),
            "record_type": "room_recording",
        }
        if done:
            body.update(
                {
                    "duration_secs": round((recording.ended_at - recording.started_at).total_seconds()),
                    "size_mb": round(recording.size_bytes / BYTES_PER_MB, 2),
                    "download_url": recording.url,
                    "ended_at": iso(recording.ended_at, precision="us"),
                    "completed_at": iso(recording.ended_at, precision="us"),
                }
            )
        return body

    # -- rooms ---------------------------------------------------------------------------

    def _rooms(self) -> dict[str, str]:
        """Room id -> unique name, for every room the world's sessions use."""
        if self._room_index is None:
            index: dict[str, str] = {}
            for i in range(self.world.size):
                session = self.world.session(i)
                index.setdefault(session.room_id, session.room_name)
            self._room_index = index
        return self._room_index

    def _room_or_missing(self, room_id: str) -> str:
        if room_id not in self._rooms():
            raise Missing(f"Room {room_id} not found.")
        return room_id

    def _room_json(self, room_id: str, name: str, now: datetime, include_sessions: bool) -> dict[str, Any]:
        created = _room_created(room_id)
        world = self.world
        lo = world.first_index_at_or_before(now)
        active = next(
            (
                world.session(i).id
                for i in range(lo, max(lo, world.live_horizon(now)))
                if world.session(i).room_id == room_id and world.is_live(world.session(i), now)
            ),
            None,
        )
        body: dict[str, Any] = {"id": room_id}
        if active is not None:
            body["active_session_id"] = active
        body.update(
            {
                "created_at": iso(created, precision="us"),
                "enable_recording": True,
                "max_participants": 50,
                "unique_name": name,
                "updated_at": iso(created, precision="us"),
                "webhook_event_url": f"https://{DEMO_HOST}/webhooks/telnyx",
                "webhook_event_failover_url": "",
                "webhook_timeout_secs": 25,
                "sessions": (
                    [
                        self._session_json(world.session(i), now, False)
                        for i in range(lo, world.size)
                        if world.session(i).room_id == room_id
                    ]
                    if include_sessions
                    else []
                ),
                "record_type": "room",
            }
        )
        return body

    # -- filters -------------------------------------------------------------------------

    @staticmethod
    def _date_range(params: httpx.QueryParams, field: str) -> DateRange:
        """``filter[<field>][eq|gte|lte]`` as a UTC range (whole days, inclusive)."""
        since: datetime | None = None
        until: datetime | None = None
        for op in ("eq", "gte", "lte"):
            name = f"filter[{field}][{op}]"
            day = requests.day(params, name)
            if day is None:
                continue
            if op in ("eq", "gte"):
                since = max(since, _day(day)) if since else _day(day)
            if op in ("eq", "lte"):
                end = _day(day) + timedelta(days=1)
                until = min(until, end) if until else end
        return DateRange(since, until)


class _Chain:
    """A list followed by a range, indexable like one sequence."""

    def __init__(self, head: list[int], tail: range) -> None:
        self.head = head
        self.tail = tail

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)

    def __getitem__(self, position: int) -> int:
        if position < len(self.head):
            return self.head[position]
        return self.tail[position - len(self.head)]


def _composition_id(session: DemoSession) -> str:
    digest = hashlib.blake2b(f"composition:{session.id}".encode(), digest_size=16).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"


def _room_created(room_id: str) -> datetime:
    """When a demo room was created (fixed per room, long before any session)."""
    offset = int.from_bytes(hashlib.blake2b(room_id.encode(), digest_size=2).digest(), "big")
    return ROOMS_CREATED_AT + timedelta(minutes=offset)


def _left_at(p: DemoParticipant, now: datetime) -> datetime | None:
    return p.left_at if p.left_at <= now else None


def _participant_updated(p: DemoParticipant, now: datetime) -> datetime:
    moments = [t for iv in p.intervals for t in (iv.join, iv.leave) if t <= now]
    return max(moments) if moments else p.joined_at


def demo_provider(
    world: DemoWorld,
    *,
    profile: str = "telnyx-demo",
    clock: Clock = utcnow,
    latency_s: float = 0.0,
) -> TelnyxProvider:
    """The real Telnyx adapter wired to this fake (no network, no account)."""
    fake = FakeTelnyx(world, clock=clock, latency_s=latency_s)
    return TelnyxProvider(profile, api_key=DEMO_API_KEY, transport=fake.transport(), clock=clock)
