"""A fake SignalWire Video REST API serving the demo world.

Paths (GET): ``/api/video/room_sessions`` (``status``, ``room_id``, ``room_name``,
``room_name_matches``), ``/api/video/room_sessions/{id}``, and its ``/members``,
``/events`` and ``/recordings`` (``media_ttl``). Bodies follow the spec's schemas exactly:
UUID ids, RFC 3339 timestamps in whole seconds with ``Z``, durations in seconds,
``{"links": {"self", "first", "next"?, "prev"?}, "data": [...]}`` lists whose links are
absolute URLs on the public space host carrying ``page_number``, ``page_size`` and
``page_token``. Errors: ``{"error": "<reason phrase>"}``, and 422
``{"errors": [{type, code, message, attribute, url}]}`` for bad parameters (page size
outside 1..1000, unknown status, ``page_number`` > 0 without a token, a foreign token).

How the demo world is shown:

* a session's ``name`` is its room name and ``display_name`` its title; sessions that
  have not started yet are not listed; newest first;
* members are per join, as SignalWire's are: a participant who reconnects appears once
  per connection (the first keeps the world's participant id, later ones get ids derived
  from it);
* events use SignalWire's names: ``room.started``/``room.ended``, ``member.joined``/
  ``member.left`` (a reconnect is a new member joining), ``member.updated`` with
  ``audio_muted`` for mute changes, screen shares as a ``screen`` member (``parent_id``
  = the sharer) joining and leaving, ``recording.started``/``recording.ended``. The
  world's quality alerts are left out: SignalWire reports no quality events;
* recordings carry a temporary ``uri`` only once completed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.demo.world import DemoEvent, DemoParticipant, DemoSession, DemoWorld, Interval
from roomscope.tui.fakes.common import FakeApi, Missing, json_response
from roomscope.tui.fakes.requests import BadParameter, basic, choice, integer, uuid_text
from roomscope.tui.providers.parsing import iso
from roomscope.tui.providers.signalwire import SignalWireProvider

DEMO_SPACE = "roomscope-demo"
DEMO_HOST = f"{DEMO_SPACE}.signalwire.com"
DEMO_PROJECT_ID = "3f1c2a4e-8b7d-4c6a-9e5f-2d1b0a9c8e7f"
DEMO_TOKEN = "PTdemo0c5e7a9b1d3f5e7a9b1d3f5e7a9b1d3f5e7a9b1d3f"

API = "/api/video"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
ERROR_DOCS = "https://signalwire.com/docs/apis/error-codes"
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}
_NAMESPACE = uuid.UUID("9a7c1f52-3d0e-4b8a-a1c6-5e2f7d9b4c30")

T = TypeVar("T")


class Invalid(Exception):
    """Raised by a route to answer 422 in SignalWire's shape."""

    def __init__(self, attribute: str, message: str, code: str = "invalid_parameter") -> None:
        super().__init__(message)
        self.attribute = attribute
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Member:
    """One connection of a participant (SignalWire members are per join)."""

    id: str
    participant: DemoParticipant
    interval: Interval
    ordinal: int


def member_id(participant: DemoParticipant, ordinal: int) -> str:
    """The member id of a participant's ``ordinal``-th join (the first is the world's id)."""
    if ordinal == 0:
        return participant.id
    return str(uuid.uuid5(_NAMESPACE, f"{participant.id}:{ordinal}"))


def screen_member_id(participant: DemoParticipant, at: datetime) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{participant.id}:screen:{int(at.timestamp())}"))


def _choice(seed: str, options: Sequence[T]) -> T:
    digest = hashlib.blake2b(seed.encode(), digest_size=2).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


class FakeSignalWire(FakeApi):
    name = "signalwire"

    def __init__(
        self,
        world: DemoWorld,
        *,
        clock: Clock = utcnow,
        latency_s: float = 0.0,
        project_id: str = DEMO_PROJECT_ID,
        token: str = DEMO_TOKEN,
        public_base: str = f"https://{DEMO_HOST}",
    ) -> None:
        super().__init__(world, clock=clock, latency_s=latency_s)
        self.project_id = project_id
        self.token = token
        self.public_base = public_base.rstrip("/")
        """Where the ``links`` point: the space's own host, whatever URL was asked."""

    # -- auth and errors -----------------------------------------------------------------

    def authorized(self, request: httpx.Request) -> bool:
        return basic(request) == (self.project_id, self.token)

    def error(self, request: httpx.Request, status: int, message: str) -> httpx.Response:
        return json_response(status, {"error": REASONS.get(status, "Bad Request")})

    @staticmethod
    def invalid(exc: Invalid) -> httpx.Response:
        return json_response(
            422,
            {
                "errors": [
                    {
                        "type": "validation_error",
                        "code": exc.code,
                        "message": exc.message,
                        "attribute": exc.attribute,
                        "url": ERROR_DOCS,
                    }
                ]
            },
        )

    # -- routing -------------------------------------------------------------------------

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.rstrip("/")
        if not path.startswith(API + "/room_sessions"):
            raise Missing(path)
        parts = path[len(API) + 1 :].split("/")
        try:
            if len(parts) == 1:
                return self.list_sessions(request)
            session = self.world.session(self.session_index(parts[1]))
            now = self.clock()
            if session.start > now:
                raise Missing(parts[1])
            if len(parts) == 2:
                return json_response(200, self.session_body(session, now, summary=True))
            if len(parts) == 3 and parts[2] == "members":
                return self.list_members(request, session, now)
            if len(parts) == 3 and parts[2] == "events":
                return self.list_events(request, session, now)
            if len(parts) == 3 and parts[2] == "recordings":
                return self.list_recordings(request, session, now)
        except Invalid as exc:
            return self.invalid(exc)
        except BadParameter as exc:
            return self.invalid(Invalid(exc.name, exc.message))
        raise Missing(path)

    # -- paging --------------------------------------------------------------------------

    @staticmethod
    def _fingerprint(path: str, filters: Sequence[tuple[str, str]]) -> str:
        blob = json.dumps([path, sorted(filters)])
        return hashlib.blake2b(blob.encode(), digest_size=6).hexdigest()

    @staticmethod
    def _token(start: int, fingerprint: str) -> str:
        blob = json.dumps({"s": start, "k": fingerprint}, separators=(",", ":"))
        return "PT" + base64.urlsafe_b64encode(blob.encode()).decode().rstrip("=")

    @staticmethod
    def _untoken(token: str, fingerprint: str) -> int:
        wrong = Invalid("page_token", "page_token is invalid or belongs to another query")
        if not token.startswith("PT"):
            raise wrong
        try:
            raw = token[2:]
            value = json.loads(base64.urlsafe_b64decode((raw + "=" * (-len(raw) % 4)).encode()))
        except (ValueError, UnicodeDecodeError):
            raise wrong from None
        if not isinstance(value, dict) or value.get("k") != fingerprint:
            raise wrong
        start = value.get("s")
        if not isinstance(start, int) or isinstance(start, bool) or start < 0:
            raise wrong
        return start

    def _page(
        self,
        request: httpx.Request,
        filters: list[tuple[str, str]],
        begin: int,
        end: int,
        item: Callable[[int], T],
        keep: Callable[[T], bool] | None,
        render: Callable[[T], dict[str, Any]],
    ) -> httpx.Response:
        """One page of positions ``begin..end-1`` (those ``keep`` accepts), with links."""
        path = request.url.path.rstrip("/")
        params = request.url.params
        size = integer(params, "page_size", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
        number = integer(params, "page_number", 0, minimum=0)
        token = request.url.params.get("page_token")
        fingerprint = self._fingerprint(path, filters)
        if number > 0 and not token:
            raise Invalid("page_token", "page_token is required when page_number is greater than 0")
        start = self._untoken(token, fingerprint) if token else begin
        start = max(start, begin)

        def accepted(position: int) -> T | None:
            value = item(position)
            return value if keep is None or keep(value) else None

        rows: list[dict[str, Any]] = []
        position = start
        while position < end and len(rows) < size:
            value = accepted(position)
            if value is not None:
                rows.append(render(value))
            position += 1
        more = any(accepted(p) is not None for p in range(position, end))
        back = start
        if number > 0:
            found = 0
            while back > begin and found < size:
                back -= 1
                if accepted(back) is not None:
                    found += 1

        def link(page_number: int | None, page_start: int | None) -> str:
            params: list[tuple[str, str | int]] = list(filters)
            if page_number:
                params.append(("page_number", page_number))
            params.append(("page_size", size))
            if page_number and page_start is not None:
                params.append(("page_token", self._token(page_start, fingerprint)))
            return f"{self.public_base}{path}?{urlencode(params)}"

        links = {"self": link(number, start if number else None), "first": link(None, None)}
        if more:
            links["next"] = link(number + 1, position)
        if number > 0:
            links["prev"] = link(number - 1, back if number - 1 else None)
        return json_response(200, {"links": links, "data": rows})

    # -- sessions ------------------------------------------------------------------------

    def list_sessions(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        filters: list[tuple[str, str]] = []
        status = choice(params, "status", ("in-progress", "completed"))
        if status is not None:
            filters.append(("status", status))
        room_id = uuid_text(params, "room_id")
        if room_id is not None:
            filters.append(("room_id", room_id))
        room_name = params.get("room_name")
        if room_name is not None:
            filters.append(("room_name", room_name))
        matches = params.get("room_name_matches")
        if matches is not None:
            filters.append(("room_name_matches", matches))
        world = self.world
        now = self.clock()
        begin = world.first_index_at_or_before(now)
        end = world.size
        if status == "in-progress":
            end = max(begin, min(world.live_horizon(now), world.size))
        needle = (matches or "").casefold()

        def keep(s: DemoSession) -> bool:
            if status is not None and world.is_live(s, now) != (status == "in-progress"):
                return False
            if room_id is not None and s.room_id != room_id.lower():
                return False
            if room_name is not None and s.room_name != room_name:
                return False
            return not needle or needle in s.room_name.casefold()

        return self._page(
            request,
            filters,
            begin,
            end,
            world.session,
            keep if filters else None,
            lambda s: self.session_body(s, now, summary=False),
        )

    def session_body(self, s: DemoSession, now: datetime, *, summary: bool) -> dict[str, Any]:
        """``Video.RoomSession`` (list) or ``Video.RoomSessionSummary`` (single GET)."""
        live = self.world.is_live(s, now)
        ended = self.world.ended_at(s, now)
        body: dict[str, Any] = {
            "id": s.id,
            "room_id": s.room_id,
            "name": s.room_name,
            "display_name": s.title,
            "max_members": s.max_members,
            "quality": _choice(f"q:{s.id}", ("720p", "720p", "1080p")),
            "fps": _choice(f"f:{s.id}", (20, 30)),
            "join_from": None,
            "join_until": None,
            "remove_at": None,
            "remove_after_seconds_elapsed": None,
            "layout": s.layout,
            "record_on_start": s.recorded,
            "tone_on_entry_and_exit": True,
            "room_join_video_off": False,
            "user_join_video_off": False,
            "locked": False,
            "start_time": iso(s.start, precision="s"),
            "end_time": iso(ended, precision="s"),
            "duration": int((ended - s.start).total_seconds()) if ended else None,
            "status": "in-progress" if live else "completed",
            "created_at": iso(s.start, precision="s"),
            "updated_at": iso(ended or s.start, precision="s"),
            "preview_url": None,
            "prioritize_handraise": False,
            "sync_audio_video": True,
        }
        if not summary:
            minutes = sum(
                (min(iv.leave, now) - iv.join).total_seconds() / 60
                for p in self.world.visible_participants(s, now)
                for iv in p.intervals
                if iv.join <= now
            )
            body["cost_in_dollars"] = round(minutes * 0.0035, 4)
            body["enable_room_previews"] = False
            body["locked_cover"] = ""
        return body

    # -- members -------------------------------------------------------------------------

    def members(self, s: DemoSession, now: datetime) -> list[Member]:
        out = [
            Member(member_id(p, k), p, iv, k)
            for p in self.world.participants(s)
            for k, iv in enumerate(p.intervals)
            if iv.join <= now
        ]
        out.sort(key=lambda m: (m.interval.join, m.participant.index, m.ordinal))
        return out

    def list_members(self, request: httpx.Request, s: DemoSession, now: datetime) -> httpx.Response:
        members = self.members(s, now)

        def render(m: Member) -> dict[str, Any]:
            gone = m.interval.leave <= now
            seconds = int((m.interval.leave - m.interval.join).total_seconds()) if gone else None
            return {
                "id": m.id,
                "room_session_id": s.id,
                "name": m.participant.name,
                "join_time": iso(m.interval.join, precision="s"),
                "leave_time": iso(m.interval.leave, precision="s") if gone else None,
                "duration": seconds,
                "cost_in_dollars": round((seconds or 0) / 60 * 0.0035, 4),
            }

        return self._page(request, [], 0, len(members), members.__getitem__, None, render)

    # -- events --------------------------------------------------------------------------

    def list_events(self, request: httpx.Request, s: DemoSession, now: datetime) -> httpx.Response:
        events = [e for e in self.world.events(s, now) if e.kind != "quality"]
        people = {p.id: p for p in self.world.participants(s)}
        screens: dict[str, str] = {}
        opened: dict[str, str] = {}
        for e in events:
            p = people.get(e.participant_id or "")
            if p is None:
                continue
            if e.kind == "screenshare_start":
                opened[p.id] = screens[e.id] = screen_member_id(p, e.at)
            elif e.kind == "screenshare_stop":
                screens[e.id] = opened.pop(p.id, "") or screen_member_id(p, e.at)
        return self._page(
            request,
            [],
            0,
            len(events),
            events.__getitem__,
            None,
            lambda e: self.event_body(s, e, people, screens),
        )

    @staticmethod
    def _member_at(p: DemoParticipant, at: datetime, kind: str) -> int:
        """Which of ``p``'s joins an event at ``at`` belongs to."""
        for k, iv in enumerate(p.intervals):
            if (kind in ("join", "reconnect") and iv.join == at) or (kind == "leave" and iv.leave == at):
                return k
        current = 0
        for k, iv in enumerate(p.intervals):
            if iv.join <= at:
                current = k
        return current

    def event_body(
        self,
        s: DemoSession,
        e: DemoEvent,
        people: dict[str, DemoParticipant],
        screens: dict[str, str],
    ) -> dict[str, Any]:
        """``Video.RoomSessionEvent`` for one world event (``screens``: event id -> the
        screen member a share start/stop belongs to)."""
        body: dict[str, Any] = {
            "id": e.id,
            "project_id": self.project_id,
            "room_id": s.room_id,
            "room_session_id": s.id,
            "level": "info",
            "name": "",
            "payload": {},
            "created_at": iso(e.at, precision="s"),
        }
        p = people.get(e.participant_id or "")
        if e.kind == "session_start":
            body["name"] = "room.started"
            body["payload"] = {"room_session": {"id": s.id, "name": s.room_name, "display_name": s.title}}
        elif e.kind == "session_end":
            body["name"] = "room.ended"
            body["payload"] = {
                "room_session": {"id": s.id, "name": s.room_name, "display_name": s.title},
                "reason": e.detail,
            }
        elif e.kind in ("recording_start", "recording_stop"):
            started = e.kind == "recording_start"
            body["name"] = "recording.started" if started else "recording.ended"
            body["room_recording_id"] = e.detail
            body["payload"] = {
                "recording": {"id": e.detail, "state": "recording" if started else "completed"}
            }
        elif p is not None:
            mid = member_id(p, self._member_at(p, e.at, e.kind))
            body["room_participant_id"] = mid
            member: dict[str, Any] = {"id": mid, "room_session_id": s.id, "name": p.name, "type": "member"}
            if e.kind in ("join", "reconnect"):
                body["name"] = "member.joined"
            elif e.kind == "leave":
                body["name"] = "member.left"
                body["payload"] = {"member": member, "reason": e.detail}
            elif e.kind in ("mute", "unmute"):
                body["name"] = "member.updated"
                member.update(audio_muted=e.kind == "mute", updated=["audio_muted"])
            elif e.kind in ("screenshare_start", "screenshare_stop"):
                body["name"] = "member.joined" if e.kind == "screenshare_start" else "member.left"
                member = {
                    "id": screens.get(e.id) or screen_member_id(p, e.at),
                    "room_session_id": s.id,
                    "name": f"{p.name} (screen)",
                    "type": "screen",
                    "parent_id": mid,
                }
            else:
                body["name"] = "member.updated"
            if not body["payload"]:
                body["payload"] = {"member": member}
        else:
            body["name"] = "room.updated"
            body["payload"] = {"reason": e.detail}
        return body

    # -- recordings ----------------------------------------------------------------------

    def list_recordings(self, request: httpx.Request, s: DemoSession, now: datetime) -> httpx.Response:
        ttl = integer(request.url.params, "media_ttl", 900, minimum=0)
        recordings = self.world.recordings(s, now)

        def render(index: int) -> dict[str, Any]:
            r = recordings[index]
            done = r.ended_at <= now
            seconds = int((r.ended_at - r.started_at).total_seconds()) if done else None
            return {
                "id": r.id,
                "room_session_id": s.id,
                "status": "completed" if done else "recording",
                "started_at": iso(r.started_at, precision="s"),
                "finished_at": iso(r.ended_at, precision="s") if done else None,
                "duration": seconds,
                "size_in_bytes": r.size_bytes if done else None,
                "format": "video/mp4",
                "cost_in_dollars": round((seconds or 0) / 60 * 0.004, 4),
                "uri": f"{r.url}?ttl={ttl}" if done else None,
                "created_at": iso(r.started_at, precision="s"),
                "updated_at": iso(r.ended_at if done else r.started_at, precision="s"),
            }

        filters = [("media_ttl", str(ttl))] if "media_ttl" in request.url.params else []
        return self._page(request, filters, 0, len(recordings), lambda i: i, None, render)


def demo_provider(
    world: DemoWorld,
    *,
    profile: str = "signalwire-demo",
    clock: Clock = utcnow,
    latency_s: float = 0.0,
) -> SignalWireProvider:
    """The real SignalWire adapter wired to a fake SignalWire serving ``world``."""
    fake = FakeSignalWire(world, clock=clock, latency_s=latency_s)
    return SignalWireProvider(
        profile,
        space=DEMO_SPACE,
        project_id=DEMO_PROJECT_ID,
        token=DEMO_TOKEN,
        transport=fake.transport(),
        clock=clock,
    )
