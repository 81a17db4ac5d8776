"""A fake Whereby REST API (v1 insights and recordings) serving the demo world.

Shapes follow the Whereby OpenAPI document: ``{cursor, results}`` lists with opaque
cursors (``null`` on the last page, as the docs say), ``limit`` 1-100 (rejected with the
422 problem+json a Prism mock answers), ``roomName`` required on room sessions, Bearer
auth (401 with no body), 404 with no body, timestamps with milliseconds and ``Z``.

How the world maps:

* a world room ``daily-standup`` is the Whereby room ``/daily-standup``; rooms exist once a
  session has started in them;
* room totals are estimates from the sessions' sizes and durations (exact totals would mean
  generating every participant of every session up front), and, until the fake has read the
  whole world, from the sessions it has read, scaled to the world's size: the fake reads
  the world lazily from its newest and oldest ends (:mod:`.rooms`), so a room list and the
  newest sessions of a room cost what they show, at any world size; session totals are
  exact;
* a world session is a room session (``roomSessionId`` = the world session id); a live one
  has ``endedAt: null``;
* each connection of a world participant is one Whereby participant (a reconnecting user
  gets a new participant id: the first connection keeps the world id); its minutes are
  rounded up per connection;
* ``/insights/participant`` answers one item for that connection: ``sampleRateMs`` 2000 and
  the world's samples as plain numbers (packet loss in percent, bitrate in bits per second,
  ``null`` while disconnected), and the connection's events as ``{type, timestamp}``;
* recordings are the world's finished recordings, sizes in whole megabytes; their access
  links, transcriptions and summaries are served by :mod:`.whereby_content`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.demo.data import ROOM_NAMES
from roomscope.tui.demo.world import DemoParticipant, DemoSession, DemoWorld, Interval
from roomscope.tui.fakes.common import (
    FakeApi,
    Missing,
    decode_cursor,
    encode_cursor,
    json_response,
)
from roomscope.tui.fakes.requests import BadParameter, bearer, integer, timestamp
from roomscope.tui.fakes.rooms import RoomIndex
from roomscope.tui.fakes.whereby_content import CONTENT_SORTS, Content
from roomscope.tui.providers.parsing import iso, parse_time
from roomscope.tui.providers.whereby import WherebyProvider

DEMO_API_KEY = "whereby-demo-api-key-2f9c41"
"""The Bearer API key the fake accepts."""
DEMO_HOST = "whereby.fake.invalid"
MAX_LIMIT = 100

ROLE_NAMES: dict[str, str] = {
    "host": "host",
    "moderator": "host",
    "presenter": "granted_visitor",
    "member": "member",
    "guest": "visitor",
    "viewer": "viewer",
    "recorder": "recorder",
}
"""World role -> the Whereby role name the fake reports."""

ROOM_SORTS = frozenset(
    {
        "roomName",
        "createdAt",
        "endAt",
        "firstSessionStartedAt",
        "lastSessionStartedAt",
        "totalParticipantMinutes",
        "totalRecorderMinutes",
        "totalStreamerMinutes",
        "totalUniqueParticipants",
        "totalUniqueRecorders",
        "totalUniqueStreamers",
        "totalSessions",
    }
)
SESSION_SORTS = frozenset(
    {
        "roomSessionId",
        "startedAt",
        "endedAt",
        "totalParticipantMinutes",
        "totalRecorderMinutes",
        "totalStreamerMinutes",
        "totalUniqueParticipants",
        "totalUniqueRecorders",
        "totalUniqueStreamers",
    }
)
PARTICIPANT_SORTS = frozenset({"joinedAt", "leftAt"})
RECORDING_SORTS = frozenset({"roomName", "startDate", "duration", "sizeInMegaBytes"})


def room_name(session: DemoSession) -> str:
    """The Whereby room name of a world session's room."""
    return "/" + session.room_name


def connection_id(participant: DemoParticipant, k: int) -> str:
    """Connection ``k`` of a participant: the first keeps the world id, later ones get new ids."""
    if k == 0:
        return participant.id
    raw = hashlib.blake2b(f"{participant.id}:{k}".encode(), digest_size=16).hexdigest()
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-8{raw[17:20]}-{raw[20:32]}"


def device_id(participant: DemoParticipant) -> str:
    raw = hashlib.blake2b(f"device:{participant.id}".encode(), digest_size=16).hexdigest()
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-8{raw[17:20]}-{raw[20:32]}"


def user_agent(p: DemoParticipant) -> str:
    """A realistic browser user agent for the world's browser and OS."""
    v, osv = p.browser_version, p.os_version
    webkit = "AppleWebKit/537.36 (KHTML, like Gecko)"
    mac = "Macintosh; Intel Mac OS X 10_15_7"
    if p.browser == "Electron":
        return f"Mozilla/5.0 ({mac}) {webkit} Chrome/130.0.0.0 Electron/{v}.0.0 Safari/537.36"
    if p.browser == "Safari":
        tail = f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v}"
        mobile = f"{osv.replace('.', '_')} like Mac OS X) {tail} Mobile/15E148 Safari/604.1"
        if p.os == "iOS":
            return f"Mozilla/5.0 (iPhone; CPU iPhone OS {mobile}"
        if p.os == "iPadOS":
            return f"Mozilla/5.0 (iPad; CPU OS {mobile}"
        return f"Mozilla/5.0 ({mac}) {tail} Safari/605.1.15"
    if p.browser == "Firefox":
        platform = "X11; Ubuntu; Linux x86_64" if p.os == "Ubuntu" else "Windows NT 10.0; Win64; x64"
        return f"Mozilla/5.0 ({platform}; rv:{v}.0) Gecko/20100101 Firefox/{v}.0"
    platform = {
        "Windows": "Windows NT 10.0; Win64; x64",
        "macOS": mac,
        "Android": f"Linux; Android {osv}; K",
        "ChromeOS": "X11; CrOS x86_64 16093.68.0",
    }.get(p.os, "X11; Linux x86_64")
    mobile = " Mobile" if p.os == "Android" else ""
    agent = f"Mozilla/5.0 ({platform}) {webkit} Chrome/{v}.0.0.0{mobile} Safari/537.36"
    return agent + (f" Edg/{v}.0.0.0" if p.browser == "Edge" else "")


def _ceil_minutes(seconds: float) -> int:
    return math.ceil(max(0.0, seconds) / 60.0)


@dataclass(frozen=True)
class _Stats:
    participant_minutes: int
    recorder_minutes: int
    users: frozenset[str]
    recorded: bool


class Rejected(Exception):
    """A request the API refuses: status and body."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def prism_422(violations: list[dict[str, Any]]) -> Rejected:
    """What a Prism mock of the Whereby spec answers to a request that breaks it."""
    return Rejected(
        422,
        {
            "type": "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY",
            "title": "Invalid request",
            "status": 422,
            "detail": (
                "Your request is not valid and no HTTP validation response was found in the spec, "
                "so Prism is generating this error for you."
            ),
            "validation": violations,
        },
        {"content-type": "application/problem+json"},
    )


class FakeWhereby(FakeApi):
    name = "whereby"

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
        self.index = RoomIndex(world, ("/" + name for name in ROOM_NAMES), room_name)
        self._stats: dict[str, _Stats] = {}
        self.content = Content(world, self.clock, room_name)

    # -- protocol ------------------------------------------------------------------------

    def authorized(self, request: httpx.Request) -> bool:
        return bearer(request) == self.api_key

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(401)

    def error(self, request: httpx.Request, status: int, message: str) -> httpx.Response:
        if status in (401, 404):
            return httpx.Response(status)  # the spec gives these no body
        return json_response(status, {"error": message})

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.rstrip("/")
        params = request.url.params
        routes: tuple[tuple[str, Callable[[httpx.QueryParams], Any]], ...] = (
            (r"/insights/rooms$", self.rooms),
            (r"/insights/room-sessions$", self.room_sessions),
            (r"/insights/participants$", self.participants),
            (r"/insights/participant$", self.participant_detail),
            (r"/recordings$", self.recordings),
        )
        try:
            for pattern, handler in routes:
                if re.search(pattern, path):
                    return json_response(200, handler(params))
            found = re.search(r"/recordings/([^/]+)$", path)
            if found:
                return json_response(200, self.recording(found.group(1)))
            found = re.search(r"/(recordings|transcriptions)/([^/]+)/access-link$", path)
            if found:
                kind, item = found.groups()
                if kind == "recordings":
                    self.recording(item)
                return json_response(200, self._content(lambda: self.content.access_link(kind, item, params)))
            found = re.search(r"/(transcriptions|summaries)$", path)
            if found:
                return json_response(200, self.content_list(found.group(1), params))
            found = re.search(r"/summaries/([^/]+)$", path)
            if found:
                return json_response(200, self.content.summary(found.group(1)))
        except Rejected as exc:
            if exc.body is None:
                return httpx.Response(exc.status, headers=exc.headers)
            return json_response(exc.status, exc.body, exc.headers)
        raise Missing(f"No such path {path}")

    # -- the world as Whereby sees it ----------------------------------------------------

    def _visible(self, index: int) -> DemoSession | None:
        session = self.world.session(index)
        return session if session.start <= self.clock() else None

    def _started(self, sessions: list[DemoSession]) -> list[DemoSession]:
        now = self.clock()
        return [s for s in sessions if s.start <= now]

    def room_sessions_of(self, room: str) -> list[DemoSession]:
        """The room's sessions that have started, oldest first (reads the whole world)."""
        return self._started(self.index.everything(room))

    def _session_of(self, session_id: str) -> DemoSession | None:
        index = self.world.index_of(session_id)
        return None if index is None else self._visible(index)

    def connections(self, session: DemoSession) -> list[tuple[DemoParticipant, int, Interval]]:
        """Every connection that has begun: (participant, k, interval)."""
        now = self.clock()
        out = []
        for p in self.world.participants(session):
            for k, interval in enumerate(p.intervals):
                if interval.join <= now:
                    out.append((p, k, interval))
        return out

    def stats(self, session: DemoSession) -> _Stats:
        now = self.clock()
        ended = self.world.ended_at(session, now) is not None
        cached = self._stats.get(session.id) if ended else None
        if cached is not None:
            return cached
        minutes = 0
        users: set[str] = set()
        for p, _k, interval in self.connections(session):
            minutes += _ceil_minutes((min(interval.leave, now) - interval.join).total_seconds())
            users.add(p.user_id)
        recordings = list(self.world.recordings(session, now))
        recorder = sum(
            _ceil_minutes((min(r.ended_at, now) - r.started_at).total_seconds()) for r in recordings
        )
        result = _Stats(minutes, recorder, frozenset(users), bool(recordings))
        if ended:
            self._stats[session.id] = result
        return result

    def room_created(self, room: str) -> datetime:
        first = self.index.first(room)
        assert first is not None  # only rooms with sessions exist
        hours = int(hashlib.blake2b(room.encode(), digest_size=2).hexdigest(), 16) % 240
        return first.start - timedelta(days=1, hours=hours)

    # -- records -------------------------------------------------------------------------

    def room_record(self, room: str) -> dict[str, Any] | None:
        first, last = self.index.first(room), self.index.last(room)
        if first is None or last is None:
            return None
        now = self.clock()
        seen, scale = self.index.sample(room)
        seen = self._started(seen)
        if last.start > now:
            started = self._started(self.index.newest_first(room, 2))
            if not started:
                return None
            last = started[0]
        created = self.room_created(room)
        minutes = recorder = 0
        recorded = False
        for session in seen:
            present = (min(session.planned_end, now) - session.start).total_seconds()
            minutes += session.participant_count * _ceil_minutes(present)
            for r in self.world.recordings(session, now):
                recorder += _ceil_minutes((min(r.ended_at, now) - r.started_at).total_seconds())
                recorded = True
        return {
            "roomName": room,
            "createdAt": iso(created),
            "endAt": iso(created + timedelta(days=3650)),
            "firstSessionStartedAt": iso(first.start),
            "lastSessionStartedAt": iso(last.start),
            "totalParticipantMinutes": round(minutes * scale),
            "totalRecorderMinutes": round(recorder * scale),
            "totalStreamerMinutes": 0,
            "totalUniqueParticipants": round(sum(s.participant_count for s in seen) * scale),
            "totalUniqueRecorders": 1 if recorded else 0,
            "totalUniqueStreamers": 0,
            "totalSessions": max(1, round(len(seen) * scale)),
            "rating": None,
            "totalRatings": None,
        }

    def session_record(self, session: DemoSession) -> dict[str, Any]:
        stats = self.stats(session)
        return {
            "roomSessionId": session.id,
            "roomName": room_name(session),
            "startedAt": iso(session.start),
            "endedAt": iso(self.world.ended_at(session, self.clock())),
            "totalParticipantMinutes": stats.participant_minutes,
            "totalRecorderMinutes": stats.recorder_minutes,
            "totalStreamerMinutes": 0,
            "totalUniqueParticipants": len(stats.users),
            "totalUniqueRecorders": 1 if stats.recorded else 0,
            "totalUniqueStreamers": 0,
            "rating": None,
            "totalRatings": None,
        }

    def participant_record(
        self, session: DemoSession, p: DemoParticipant, k: int, interval: Interval
    ) -> dict[str, Any]:
        now = self.clock()
        return {
            "roomSessionId": session.id,
            "participantId": connection_id(p, k),
            "deviceId": device_id(p),
            "userId": p.user_id,
            "roleName": ROLE_NAMES.get(p.role, p.role),
            "displayName": p.name,
            "joinedAt": iso(interval.join),
            "leftAt": iso(interval.leave) if interval.leave <= now else None,
            "externalId": p.external_id or "",
            "rating": None,
            "tags": None,
            "comment": None,
        }

    def detail_item(
        self, session: DemoSession, p: DemoParticipant, k: int, interval: Interval
    ) -> dict[str, Any]:
        now = self.clock()
        samples = self.world.samples(session, p, now)
        step = samples.interval_s
        first = math.ceil((interval.join - samples.start).total_seconds() / step)
        last = math.ceil((min(interval.leave, now) - samples.start).total_seconds() / step)

        def cut(name: str, scale: float = 1.0) -> list[float | int | None]:
            values = samples.series[name][max(0, first) : max(0, last)]
            if scale == 1.0:
                return list(values)
            return [None if v is None else round(v * scale) for v in values]

        events = [
            {"type": e.kind, "timestamp": iso(e.at)}
            for e in self.world.events(session, now)
            if e.participant_id == p.id and interval.join <= e.at <= interval.leave
        ]
        return {
            "displayName": p.name,
            "userRole": ROLE_NAMES.get(p.role, p.role),
            "userAgent": user_agent(p),
            "timeStamp": iso(interval.join),
            "sampleRateMs": int(step * 1000),
            "samples": {
                "packetLossSend": cut("packet_loss_send"),
                "packetLossRecv": cut("packet_loss_recv"),
                "bitrateSend": cut("bitrate_send", 1000.0),
                "bitrateRecv": cut("bitrate_recv", 1000.0),
            },
            "events": events,
        }

    def recording_records(self, sessions: Iterable[DemoSession]) -> list[dict[str, Any]]:
        now = self.clock()
        out = []
        for session in sessions:
            for r in self.world.recordings(session, now):
                if r.ended_at > now:
                    continue
                out.append(
                    {
                        "recordingId": r.id,
                        "roomSessionId": session.id,
                        "filename": f"{session.room_name}_{r.started_at:%Y-%m-%d_%H-%M-%S}.{r.format}",
                        "startDate": iso(r.started_at),
                        "endDate": iso(r.ended_at),
                        "sizeInMegaBytes": round(r.size_bytes / 1_000_000),
                    }
                )
        return out

    # -- endpoints -----------------------------------------------------------------------

    def rooms(self, params: httpx.QueryParams) -> dict[str, Any]:
        limit = self._check(params, default=10)
        created_from = self._date(params, "createdAt[from]")
        created_to = self._date(params, "createdAt[to]")
        records = []
        for room in self.index.rooms():
            if not _name_matches(room, params):
                continue
            created = self.room_created(room)
            if (created_from and created < created_from) or (created_to and created > created_to):
                continue
            record = self.room_record(room)
            if record is not None:
                records.append(record)
        records.sort(key=lambda r: r["createdAt"])
        return self._page(records, params, limit, ROOM_SORTS)

    def room_sessions(self, params: httpx.QueryParams) -> dict[str, Any]:
        limit = self._check(params, default=10, required=("roomName",))
        room = params["roomName"]
        wanted = params.get("roomSessionId")
        sort = params.get("sortBy")
        need = _cursor_offset(params) + limit + 1  # a page and one more, to know if more follow
        if wanted is not None:
            found = self._session_of(wanted)
            sessions = [found] if found is not None and room_name(found) == room else []
        elif sort == "startedAt:desc":
            sessions = self._started(self.index.newest_first(room, need))
        elif sort is None:
            sessions = self._started(self.index.oldest_first(room, need))
        else:
            sessions = self.room_sessions_of(room)
        cheap = {
            "roomSessionId": lambda s: s.id,
            "startedAt": lambda s: iso(s.start),
            "endedAt": lambda s: iso(self.world.ended_at(s, self.clock())),
        }
        return self._page(sessions, params, limit, SESSION_SORTS, self.session_record, cheap)

    def participants(self, params: httpx.QueryParams) -> dict[str, Any]:
        limit = self._check(params, default=10)
        session_id = params.get("roomSessionId")
        external = params.get("externalId")
        if not session_id and not external:
            raise Rejected(400, {"error": "Either roomSessionId or externalId is required"})
        if session_id:
            found = self._session_of(session_id)
            sessions = [found] if found is not None else []
        else:
            sessions = [s for i in range(self.world.size) if (s := self._visible(i)) is not None]
        records = []
        for session in sessions:
            for p, k, interval in self.connections(session):
                if external and p.external_id != external:
                    continue
                records.append(self.participant_record(session, p, k, interval))
        records.sort(key=lambda r: (r["joinedAt"], r["participantId"]))
        return self._page(records, params, limit, PARTICIPANT_SORTS)

    def participant_detail(self, params: httpx.QueryParams) -> list[dict[str, Any]]:
        self._check(params, default=None, required=("roomSessionId", "participantId"))
        session = self._session_of(params["roomSessionId"])
        if session is None:
            return []
        wanted = params["participantId"]
        for p, k, interval in self.connections(session):
            if connection_id(p, k) == wanted:
                return [self.detail_item(session, p, k, interval)]
        return []

    def recordings(self, params: httpx.QueryParams) -> dict[str, Any]:
        limit = self._check(params, default=50)
        room = params.get("roomName")
        if room is not None:
            sessions = self.room_sessions_of(room)
        else:
            sessions = [s for i in range(self.world.size - 1, -1, -1) if (s := self._visible(i)) is not None]
        records = self.recording_records(sessions)
        records.sort(key=lambda r: (r["startDate"], r["recordingId"]))
        return self._page(records, params, limit, RECORDING_SORTS)

    def recording(self, recording_id: str) -> dict[str, Any]:
        for i in range(self.world.size):
            session = self._visible(i)
            if session is None:
                continue
            for record in self.recording_records([session]):
                if record["recordingId"] == recording_id:
                    return record
        raise Missing(f"No recording {recording_id}")

    def content_list(self, kind: str, params: httpx.QueryParams) -> dict[str, Any]:
        limit = self._check(params, default=50)
        records = self.content.listing(kind, params, _cursor_offset(params) + limit + 1)
        return self._page(records, params, limit, CONTENT_SORTS)

    @staticmethod
    def _content(make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        try:
            return make()
        except BadParameter as exc:
            raise prism_422(
                [
                    {
                        "location": ["query", exc.name],
                        "severity": "Error",
                        "code": exc.rule,
                        "message": f"Request query parameter {exc.name} must be {_prism_rule(exc)}",
                    }
                ]
            ) from None

    # -- request checks and paging -------------------------------------------------------

    @staticmethod
    def _check(params: httpx.QueryParams, *, default: int | None, required: tuple[str, ...] = ()) -> int:
        """Validate the way Prism validates against the spec: required parameters, then
        ``limit`` (integer, 1-100); every violation is reported at once."""
        violations: list[dict[str, Any]] = []
        for name in required:
            if name not in params:
                violations.append(
                    {
                        "location": ["query"],
                        "severity": "Error",
                        "code": "required",
                        "message": f"Request query must have required property '{name.lower()}'",
                    }
                )
        limit = default or MAX_LIMIT
        if default is not None:
            try:
                limit = integer(params, "limit", default, minimum=1, maximum=MAX_LIMIT)
            except BadParameter as exc:
                violations.append(
                    {
                        "location": ["query", "limit"],
                        "severity": "Error",
                        "code": exc.rule,
                        "message": f"Request query parameter limit must be {_prism_rule(exc)}",
                    }
                )
        if violations:
            raise prism_422(violations)
        return limit

    @staticmethod
    def _date(params: httpx.QueryParams, name: str) -> datetime | None:
        try:
            return timestamp(params, name, zone=False)
        except BadParameter:
            location = name.replace("[", ".").rstrip("]")
            raise prism_422(
                [
                    {
                        "location": ["query", *location.split(".")],
                        "severity": "Error",
                        "code": "format",
                        "message": f'Request query parameter {location} must match format "date-time"',
                    }
                ]
            ) from None

    @staticmethod
    def _page(
        items: list[Any],
        params: httpx.QueryParams,
        limit: int,
        sorts: frozenset[str],
        render: Callable[[Any], dict[str, Any]] | None = None,
        cheap: Mapping[str, Callable[[Any], Any]] | None = None,
    ) -> dict[str, Any]:
        """One page of ``items`` (records, or objects ``render`` turns into records: only the
        page's are rendered unless sorting needs a field ``cheap`` cannot give)."""
        sort = params.get("sortBy")
        if sort is not None:
            field, _, direction = sort.partition(":")
            if field not in sorts or direction not in ("asc", "desc"):
                raise Rejected(400, {"error": f"Invalid sortBy value: {sort[:60]}"})
            value: Callable[[Any], Any]
            if render is not None and cheap is not None and field in cheap:
                value = cheap[field]
            else:
                if render is not None:
                    items, render = [render(item) for item in items], None
                value = functools.partial(_sort_value, field=field)
            present = [i for i in items if value(i) is not None]
            absent = [i for i in items if value(i) is None]
            present.sort(key=value, reverse=direction == "desc")
            items = absent + present if direction == "desc" else present + absent
        signature = hashlib.blake2b(
            json.dumps(
                sorted((k, v) for k, v in params.multi_items() if k not in ("cursor", "limit"))
            ).encode(),
            digest_size=6,
        ).hexdigest()
        offset = 0
        cursor = params.get("cursor")
        if cursor:
            decoded = decode_cursor(cursor)
            kind, _, rest = (decoded or "").partition(":")
            if kind != signature or not rest.isdigit():
                raise Rejected(400, {"error": "Invalid cursor"})
            offset = int(rest)
        chunk = [render(item) if render else item for item in items[offset : offset + limit]]
        more = offset + limit < len(items)
        return {"cursor": encode_cursor(f"{signature}:{offset + limit}") if more else None, "results": chunk}


def _cursor_offset(params: httpx.QueryParams) -> int:
    """Where a page starts (0 when its cursor is missing or unreadable: paging rejects that)."""
    decoded = decode_cursor(params.get("cursor") or "") or ""
    rest = decoded.partition(":")[2]
    return int(rest) if rest.isdigit() else 0


def _prism_rule(exc: BadParameter) -> str:
    """How Prism words a broken rule: ``integer``, ``>= 1``, ``<= 100``."""
    if exc.rule == "minimum":
        return f">= {exc.bound:g}"
    if exc.rule == "maximum":
        return f"<= {exc.bound:g}"
    return "integer" if exc.rule == "type" else exc.expected


def _sort_value(record: Mapping[str, Any], field: str) -> Any:
    if field == "duration":
        start, end = parse_time(record["startDate"]), parse_time(record["endDate"])
        return (end - start).total_seconds() if start and end else None
    return record[field]


def _name_matches(room: str, params: httpx.QueryParams) -> bool:
    exact = params.get("roomName[exact]")
    starts = params.get("roomName[startsWith]")
    contains = params.get("roomName[contains]")
    return (
        (exact is None or room == exact)
        and (starts is None or room.startswith(starts))
        and (contains is None or contains in room)
    )


def demo_provider(
    world: DemoWorld,
    *,
    profile: str = "whereby-demo",
    clock: Clock = utcnow,
    latency_s: float = 0.0,
) -> WherebyProvider:
    """The real Whereby adapter wired to a fake API over ``world``."""
    fake = FakeWhereby(world, clock=clock, latency_s=latency_s)
    tag = hashlib.blake2b(world.identity.encode(), digest_size=4).hexdigest()
    return WherebyProvider(
        profile,
        api_key=DEMO_API_KEY,
        base_url=f"https://{tag}.{DEMO_HOST}/v1",
        transport=fake.transport(),
        clock=clock,
    )
