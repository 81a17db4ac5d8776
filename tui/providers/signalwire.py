"""SignalWire Video: room sessions, members, events and recordings over the REST API.

* Base URL ``https://{space}.signalwire.com``; every path starts with ``/api/video/``.
* Auth: HTTP Basic, user = project id, password = API token (Video scope).
* Lists answer ``{"links": {"self", "first", "next"?, "prev"?}, "data": [...]}``. The next
  page is addressed by the ``page_token``/``page_number``/``page_size`` carried in the
  absolute ``links.next`` URL; roomscope copies those three values into its cursor and
  asks the configured base URL again, so credentials never go to a host named in a
  link. Paging stops when ``next`` is missing or names the page just read. There are no
  totals and no direct page access.
* Durations are seconds. Status ``in-progress``/``completed``.
* Errors: ``{"error": "<reason phrase>"}`` (400/401/403/404/500) and
  ``{"errors": [{"type", "code", "message", "attribute", "url"}]}`` (422).
* No quality samples, devices or networks: members carry a name and join/leave times.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.lru import LRU
from roomscope.tui.models import (
    Event,
    EventKind,
    Page,
    Participant,
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
    NotFoundError,
    ProviderError,
    UnsupportedError,
)
from roomscope.tui.providers.http import (
    BasicAuth,
    ErrorDetail,
    HttpClient,
    generic_error_detail,
    response_json,
)
from roomscope.tui.providers.order import OrderCheck, newest_first
from roomscope.tui.providers.parsing import (
    Bytes,
    Count,
    Seconds,
    Time,
    as_utc,
    describe_validation_error,
    extras,
    jsonable,
    mark_replaced,
    parse_records,
    placeholder,
    seconds_between,
    text,
)

M = TypeVar("M", bound=BaseModel)

API = "/api/video"
MAX_PAGE_SIZE = 1000
MEDIA_TTL_S = 900
"""Seconds the recording links asked for stay valid (the API's default)."""
PAGING_KEYS = ("page_number", "page_size", "page_token")

STATUS_IN = {"in-progress": SessionStatus.LIVE, "completed": SessionStatus.ENDED}
STATUS_OUT = {SessionStatus.LIVE: "in-progress", SessionStatus.ENDED: "completed"}

_SPACE_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::\d{1,5})?$")


def space_base_url(space: str) -> str:
    """``example``, ``example.signalwire.com`` or ``https://example.signalwire.com[/...]``
    -> ``https://example.signalwire.com``."""
    value = space.strip().rstrip("/")
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc or not _HOST.match(parts.netloc):
            raise ProviderError(
                f"SignalWire Video: {space!r} is not a space URL (expected https://<space>.signalwire.com).",
                provider="signalwire",
            )
        return f"{parts.scheme}://{parts.netloc}"
    if "." in value and _HOST.match(value):
        return f"https://{value}"
    if _SPACE_LABEL.match(value):
        return f"https://{value}.signalwire.com"
    raise ProviderError(
        f"SignalWire Video: {space!r} is not a space name (expected e.g. 'example' or "
        "'example.signalwire.com'; set SIGNALWIRE_SPACE).",
        provider="signalwire",
    )


# ---------------------------------------------------------------------------------------
# Error bodies


def signalwire_error_detail(response: httpx.Response) -> ErrorDetail:
    """``{"error": "Not Found"}`` or ``{"errors": [{"message", "attribute", ...}]}``."""
    try:
        body = response_json(response)
    except ValueError:
        return generic_error_detail(response)
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            parts: list[str] = []
            for item in errors[:3]:
                if not isinstance(item, dict):
                    continue
                message = text(item.get("message")) or text(item.get("code")) or text(item.get("type"))
                if not message:
                    continue
                attribute = text(item.get("attribute"))
                if attribute and attribute not in message:
                    message = f"{message} ({attribute})"
                parts.append(message)
            if parts:
                return ErrorDetail("; ".join(parts))
        error = body.get("error")
        if isinstance(error, str) and error.strip():
            return ErrorDetail(error.strip())
    return generic_error_detail(response)


# ---------------------------------------------------------------------------------------
# Payload models (lenient: unknown fields allowed, nearly everything optional)


Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


class SwRoomSession(_Record):
    """``Video.RoomSession`` (list) and ``Video.RoomSessionSummary`` (single GET)."""

    id: Id
    room_id: str | None = None
    name: str | None = None
    display_name: str | None = None
    status: str | None = None
    start_time: Time = None
    end_time: Time = None
    duration: Seconds = None
    max_members: Count = None
    created_at: Time = None
    updated_at: Time = None


class SwMember(_Record):
    id: Id
    room_session_id: str | None = None
    name: str | None = None
    join_time: Time = None
    leave_time: Time = None
    duration: Seconds = None
    cost_in_dollars: float | None = None


class SwEvent(_Record):
    id: Id
    name: str | None = None
    level: str | None = None
    payload: dict[str, Any] | None = None
    created_at: Time = None
    room_id: str | None = None
    room_session_id: str | None = None
    room_participant_id: str | None = None
    room_recording_id: str | None = None


class SwRecording(_Record):
    id: Id
    room_session_id: str | None = None
    status: str | None = None
    started_at: Time = None
    finished_at: Time = None
    duration: Seconds = None
    size_in_bytes: Bytes = None
    format: str | None = None
    uri: str | None = None
    cost_in_dollars: float | None = None
    created_at: Time = None
    updated_at: Time = None


SESSION_MAPPED = {"id", "name", "display_name", "room_id", "status", "start_time", "end_time", "duration"}
MEMBER_MAPPED = {"id", "room_session_id", "name", "join_time", "leave_time", "duration"}
EVENT_MAPPED = {"id", "name", "level", "created_at", "room_session_id", "room_participant_id", "project_id"}
RECORDING_MAPPED = {
    "id",
    "room_session_id",
    "status",
    "started_at",
    "finished_at",
    "duration",
    "size_in_bytes",
    "format",
    "uri",
}


def _dump(record: BaseModel) -> dict[str, Any]:
    """The fields the record carried (declared and extra) as JSON-safe values."""
    dumped: dict[str, Any] = record.model_dump(mode="json", exclude_unset=True)
    return dumped


def _seconds(value: float | None) -> float | None:
    return None if value is None else max(0.0, float(value))


def _fallback_id(index: int, raw: Any) -> str:
    """A stable id for an unreadable record with no usable id of its own."""
    digest = hashlib.blake2b(
        json.dumps(jsonable(raw), sort_keys=True, default=str).encode(), digest_size=6
    ).hexdigest()
    return f"unreadable-{index}-{digest}"


# ---------------------------------------------------------------------------------------
# Events: SignalWire event names -> EventKind

_NAMED_KINDS: dict[str, EventKind] = {
    "room.started": EventKind.SESSION_START,
    "room_session.started": EventKind.SESSION_START,
    "session.started": EventKind.SESSION_START,
    "room.ended": EventKind.SESSION_END,
    "room_session.ended": EventKind.SESSION_END,
    "session.ended": EventKind.SESSION_END,
    "member.joined": EventKind.JOIN,
    "member.left": EventKind.LEAVE,
    "recording.started": EventKind.RECORDING_START,
    "recording.ended": EventKind.RECORDING_STOP,
    "recording.stopped": EventKind.RECORDING_STOP,
    "recording.completed": EventKind.RECORDING_STOP,
}


def _member_of(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    member = payload.get("member")
    return member if isinstance(member, Mapping) else payload


def _muted_change(payload: Mapping[str, Any], name: str) -> EventKind | None:
    """MUTE/UNMUTE/VIDEO_OFF/VIDEO_ON from a member update's payload.

    Read in order: the fields the update names (``updated: ["audio_muted"]``), then
    ``audio_muted``/``video_muted`` booleans, then ``muted``/``unmuted`` flags; a sub-event
    name (``member.updated.audio_muted``) says which field to read."""
    member = _member_of(payload)
    lowered = name.lower().replace("audiomuted", "audio_muted").replace("videomuted", "video_muted")
    updated = member.get("updated")
    fields: list[str] = []
    if "audio_muted" in lowered:
        fields.append("audio_muted")
    if "video_muted" in lowered:
        fields.append("video_muted")
    if isinstance(updated, list):
        fields.extend(str(f) for f in updated if f in ("audio_muted", "video_muted"))
    fields.extend(("audio_muted", "video_muted"))
    for field in fields:
        value = member.get(field)
        if isinstance(value, bool):
            if field == "audio_muted":
                return EventKind.MUTE if value else EventKind.UNMUTE
            return EventKind.VIDEO_OFF if value else EventKind.VIDEO_ON
    for source in (member, payload):
        if source.get("muted") is True or source.get("unmuted") is False:
            return EventKind.MUTE
        if source.get("unmuted") is True or source.get("muted") is False:
            return EventKind.UNMUTE
    return None


def event_kind(name: str, payload: Mapping[str, Any]) -> EventKind:
    """The unified kind of a SignalWire event name (unknown names are OTHER)."""
    key = name.strip().lower()
    kind = _NAMED_KINDS.get(key)
    member = _member_of(payload)
    is_screen = str(member.get("type", "")).lower() == "screen"
    if kind is EventKind.JOIN and is_screen:
        return EventKind.SCREENSHARE_START
    if kind is EventKind.LEAVE and is_screen:
        return EventKind.SCREENSHARE_STOP
    if kind is not None:
        return kind
    if key.startswith("member.updated"):
        return _muted_change(payload, key) or EventKind.OTHER
    return EventKind.OTHER


def _event_detail(kind: EventKind, payload: Mapping[str, Any], recording_id: str | None) -> str:
    for key in ("reason", "message", "detail", "description"):
        value = text(payload.get(key))
        if value:
            return value
    if kind in (EventKind.RECORDING_START, EventKind.RECORDING_STOP) and recording_id:
        return f"recording {recording_id}"
    return ""


# ---------------------------------------------------------------------------------------
# Cursors: the paging values of ``links.next``, base64'd


def encode_cursor(paging: Mapping[str, str]) -> str:
    blob = json.dumps({k: paging[k] for k in PAGING_KEYS if k in paging}, separators=(",", ":"))
    return base64.urlsafe_b64encode(blob.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, str]:
    problem = BadPayloadError(
        "SignalWire Video: this page cursor was not made by roomscope's SignalWire adapter.",
        provider="signalwire",
        field="cursor",
    )
    if len(cursor) > 8000:
        raise problem
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise problem from None
    if not isinstance(value, dict) or not value or any(k not in PAGING_KEYS for k in value):
        raise problem
    if not all(isinstance(v, str) for v in value.values()):
        raise problem
    return {str(k): str(v) for k, v in value.items()}


# ---------------------------------------------------------------------------------------


class SignalWireProvider(BaseProvider):
    name = "signalwire"
    label = "SignalWire Video"
    capabilities = frozenset(
        {
            Capability.PARTICIPANTS,
            Capability.EVENTS,
            Capability.RECORDINGS,
            Capability.STATUS_FILTER,
        }
    )
    page_size = 100
    missing: Mapping[Capability, str] = {
        Capability.QUALITY: (
            "SignalWire Video has no per-participant quality samples in its REST API; a session's "
            "'quality' and 'fps' are its configured resolution and frame rate, not measurements."
        ),
        Capability.DEVICE_INFO: (
            "SignalWire Video members carry only a name and join/leave times: no browser, OS or device."
        ),
        Capability.NETWORK_INFO: ("SignalWire Video reports no network, IP address or location for members."),
        Capability.ARTIFACTS: (
            "SignalWire Video's REST API has no chat logs, transcripts or summaries for room sessions."
        ),
        Capability.PARTICIPANT_EVENTS: (
            "SignalWire Video lists events per room session only; roomscope picks one member's "
            "events out of the session's timeline."
        ),
        Capability.SEEK: (
            "SignalWire Video pages with page tokens from each page's 'next' link, so pages load in order."
        ),
        Capability.TOTAL: "SignalWire Video does not report how many room sessions a list holds.",
        Capability.TIME_FILTER: (
            "SignalWire Video cannot filter room sessions by time; roomscope filters the loaded pages."
        ),
        Capability.TEXT_SEARCH: (
            "SignalWire Video only matches a substring of the room name (room_name_matches), not ids "
            "or display names; roomscope filters the loaded pages."
        ),
    }

    def __init__(
        self,
        profile: str,
        *,
        space: str | None = None,
        project_id: str,
        token: str,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utcnow,
        **http_options: Any,
    ) -> None:
        super().__init__(profile)
        project_id = (project_id or "").strip()
        token = (token or "").strip()
        if not project_id or not token:
            raise AuthError(
                "SignalWire Video needs a project id and an API token "
                "(SIGNALWIRE_PROJECT_ID and SIGNALWIRE_API_TOKEN).",
                provider=self.name,
            )
        if base_url:
            root = base_url.strip().rstrip("/")
        elif space:
            root = space_base_url(space)
        else:
            raise ProviderError(
                "SignalWire Video needs the space name (SIGNALWIRE_SPACE, e.g. 'example' for "
                "example.signalwire.com).",
                provider=self.name,
            )
        self.base_url = root
        self.project_id = project_id
        self.clock = clock
        self._http = HttpClient(
            provider=self.name,
            label=self.label,
            base_url=root,
            auth=BasicAuth(project_id, token),
            transport=transport,
            error_detail=signalwire_error_detail,
            **http_options,
        )
        self._order = OrderCheck()
        self._members: LRU[str, frozenset[str]] = LRU(64)
        """Room session id -> its member ids (for attributing events)."""
        self._unattributed: LRU[str, str] = LRU(256)
        """Room session id -> why its events cannot be attributed to members."""
        self._attributed: LRU[str, tuple[bool, bool, bool]] = LRU(64)
        """Room session id -> (an event was read, one named a participant, one named a
        member) so far in the walk of its events for one participant's timeline."""

    @property
    def identity(self) -> str:
        return f"{self.name}:{self.profile}:{self.base_url}:{self.project_id}"

    @property
    def requests(self) -> int:
        """How many HTTP requests were sent (tests count them)."""
        return self._http.requests

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- paging --------------------------------------------------------------------------

    @staticmethod
    def _limit(limit: int) -> int:
        return max(1, min(int(limit), MAX_PAGE_SIZE))

    def _params(
        self, filters: list[tuple[str, str]], cursor: str | None, limit: int
    ) -> tuple[list[tuple[str, str]], dict[str, str]]:
        paging = {"page_size": str(self._limit(limit))}
        if cursor is not None:
            paging.update(decode_cursor(cursor))
        params = list(filters) + [(k, paging[k]) for k in PAGING_KEYS if k in paging]
        return params, paging

    def _next_cursor(self, links: Mapping[str, Any], sent: Mapping[str, str]) -> str | None:
        """The cursor of ``links.next``: its paging values, or None on the last page."""
        link = links.get("next")
        if link is None or link == "":
            return None
        if not isinstance(link, str):
            raise BadPayloadError(
                f"{self.label} sent a 'links.next' that is not a URL ({type(link).__name__}).",
                provider=self.name,
                field="links.next",
            )
        if link == links.get("self"):
            return None
        query = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
        paging = {k: query[k] for k in PAGING_KEYS if query.get(k)}
        if "page_token" not in paging and "page_number" not in paging:
            return None
        following = {**sent, **paging}
        if following == dict(sent):
            return None
        return encode_cursor(paging)

    async def _list(
        self, path: str, filters: list[tuple[str, str]], cursor: str | None, limit: int, what: str
    ) -> tuple[list[Any], str | None]:
        params, paging = self._params(filters, cursor, limit)
        body = await self._http.get_json(path, params)
        if not isinstance(body, dict):
            raise BadPayloadError(
                f"{self.label} sent {type(body).__name__} instead of a list of {what}.",
                provider=self.name,
                field="data",
            )
        data = body.get("data")
        if not isinstance(data, list):
            raise BadPayloadError(
                f"{self.label}: expected a list of {what} in 'data', got {type(data).__name__}.",
                provider=self.name,
                field="data",
            )
        links = body.get("links")
        if links is None:
            links = {}
        if not isinstance(links, dict):
            raise BadPayloadError(
                f"{self.label} sent 'links' that is not an object.", provider=self.name, field="links"
            )
        return data, self._next_cursor(links, paging)

    def _session_path(self, session_id: str, tail: str = "") -> str:
        return f"{API}/room_sessions/{self._http.segment(session_id, 'room session id')}{tail}"

    async def _session_list(
        self, session_id: str, tail: str, filters: list[tuple[str, str]], cursor: str | None, limit: int
    ) -> tuple[list[Any], str | None]:
        path = self._session_path(session_id, tail)  # a bad id is not a 404: checked first
        try:
            return await self._list(path, filters, cursor, limit, tail[1:])
        except NotFoundError as exc:
            raise self._no_session(session_id, exc) from None

    def _no_session(self, session_id: str, exc: NotFoundError) -> NotFoundError:
        return NotFoundError(
            f"{self.label} has no room session {session_id!r} in this project (404).",
            provider=self.name,
            status=exc.status,
        )

    # -- sessions ------------------------------------------------------------------------

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        filters: list[tuple[str, str]] = []
        wanted = query.status
        if wanted in STATUS_OUT:
            filters.append(("status", STATUS_OUT[wanted]))
        raw, next_cursor = await self._list(f"{API}/room_sessions", filters, cursor, limit, "room sessions")
        items = parse_records(
            raw, SwRoomSession, self._session, self._session_placeholder, provider=self.name, what="sessions"
        )
        if self._order.violated(cursor, items, next_cursor):
            # The API documents no order: newest first is what it does in practice.
            items = newest_first(items)
            self.newest_first = False
            self.notice(
                "SignalWire Video listed room sessions in another order than newest first; this "
                "page was sorted here, and lists are now read whole and sorted locally."
            )
        if wanted is SessionStatus.UNKNOWN:
            # The API filters only in-progress/completed; anything else is picked here.
            items = [s for s in items if s.status is SessionStatus.UNKNOWN]
        return Page[Session](items=items, next_cursor=next_cursor)

    async def get_session(self, session_id: str) -> Session:
        path = self._session_path(session_id)  # a bad id is not a 404: checked first
        try:
            body = await self._http.get_json(path)
        except NotFoundError as exc:
            raise self._no_session(session_id, exc) from None
        return mark_replaced(body, self._session(self._one(body, SwRoomSession, "room session")))

    def _one(self, body: Any, model: type[M], what: str) -> M:
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            reason = describe_validation_error(exc)
            raise BadPayloadError(
                f"{self.label} sent an unreadable {what}: {reason}",
                provider=self.name,
                field=reason.split(":")[0],
            ) from None

    def _session(self, raw: SwRoomSession) -> Session:
        """``Video.RoomSession``/``RoomSessionSummary`` -> Session (the one place)."""
        status = STATUS_IN.get(raw.status or "", SessionStatus.UNKNOWN)
        started = as_utc(raw.start_time)
        ended = as_utc(raw.end_time)
        duration = _seconds(raw.duration)
        if duration is None:
            until = ended or (self.clock() if status is SessionStatus.LIVE else None)
            duration = seconds_between(started, until)
        room_name = text(raw.name)
        extra = extras(_dump(raw), SESSION_MAPPED)
        if raw.status is not None and status is SessionStatus.UNKNOWN:
            extra["status"] = jsonable(raw.status)
        return Session(
            provider=self.name,
            profile=self.profile,
            id=text(raw.id) or raw.id,
            name=text(raw.display_name) or room_name or "",
            room_id=text(raw.room_id),
            room_name=room_name,
            status=status,
            started_at=started,
            ended_at=ended,
            duration_s=duration,
            extra=extra,
        )

    def _session_placeholder(self, index: int, raw: Any, reason: str) -> Session:
        return placeholder(
            Session,
            raw,
            reason,
            fallback_id=_fallback_id(index, raw),
            keep_raw=True,
            provider=self.name,
            profile=self.profile,
        )

    # -- members -------------------------------------------------------------------------

    async def list_participants(self, session_id: str, cursor: str | None, limit: int) -> Page[Participant]:
        raw, next_cursor = await self._session_list(session_id, "/members", [], cursor, limit)

        def convert(member: SwMember) -> Participant:
            return self._participant(session_id, member)

        def unreadable(index: int, item: Any, reason: str) -> Participant:
            return placeholder(
                Participant,
                item,
                reason,
                fallback_id=_fallback_id(index, item),
                keep_raw=True,
                provider=self.name,
                session_id=session_id,
            )

        items = parse_records(raw, SwMember, convert, unreadable, provider=self.name, what="members")
        return Page[Participant](items=items, next_cursor=next_cursor)

    def _participant(self, session_id: str, raw: SwMember) -> Participant:
        """``Video.RoomSessionMember`` -> Participant (the one place). A member is one
        connection: a person who rejoins comes back as a new member."""
        joined = as_utc(raw.join_time)
        left = as_utc(raw.leave_time)
        duration = _seconds(raw.duration)
        if duration is None and joined is not None:
            duration = seconds_between(joined, left or self.clock())
        return Participant(
            provider=self.name,
            session_id=session_id,
            id=text(raw.id) or raw.id,
            name=text(raw.name) or "",
            joined_at=joined,
            left_at=left,
            duration_s=duration,
            extra=extras(_dump(raw), MEMBER_MAPPED),
        )

    # -- events --------------------------------------------------------------------------

    async def list_events(
        self,
        session_id: str,
        cursor: str | None,
        limit: int,
        participant_id: str | None = None,
    ) -> Page[Event]:
        raw, next_cursor = await self._session_list(session_id, "/events", [], cursor, limit)

        def convert(event: SwEvent) -> Event:
            return self._event(session_id, event)

        def unreadable(index: int, item: Any, reason: str) -> Event:
            return placeholder(
                Event,
                item,
                reason,
                fallback_id=_fallback_id(index, item),
                keep_raw=True,
                provider=self.name,
                session_id=session_id,
            )

        items = parse_records(raw, SwEvent, convert, unreadable, provider=self.name, what="events")
        unattributed = await self._check_attribution(session_id, cursor, items, next_cursor)
        if participant_id is not None:
            if unattributed is not None:
                raise UnsupportedError(
                    unattributed, provider=self.name, capability=Capability.PARTICIPANT_EVENTS
                )
            items = [e for e in items if e.participant_id == participant_id]
        return Page[Event](items=items, next_cursor=next_cursor)

    async def _member_ids(self, session_id: str) -> frozenset[str]:
        """The session's member ids (cached); empty when it has more than one page of
        1,000 members (then no event is judged unattributable)."""
        known = self._members.get(session_id)
        if known is None:
            raw, more = await self._session_list(session_id, "/members", [], None, MAX_PAGE_SIZE)
            known = frozenset(
                str(item["id"]).strip() for item in raw if isinstance(item, Mapping) and item.get("id")
            )
            known = frozenset() if more is not None else known
            self._members.put(session_id, known)
        return known

    def unattributed(self, session_id: str) -> str | None:
        """Why this room session's events cannot be laid at its members' doors (None: they
        can, or it is not known yet): a caller that picks one member's events out of the
        session's list shows this instead of an empty timeline."""
        return self._unattributed.get(session_id)

    async def _check_attribution(
        self, session_id: str, cursor: str | None, items: list[Event], next_cursor: str | None
    ) -> str | None:
        """Events are matched to members by ``room_participant_id`` = member id, which the
        spec does not promise. When no event of the session names one of its members, a
        participant's timeline would be empty for a reason that is not "nothing happened".
        Judged on the first page when its events name participants who are not members,
        else once the last page is read; the sentence is remembered (:meth:`unattributed`)
        and noticed."""
        so_far = self._attributed.get(session_id) if cursor is not None else None
        seen, named, matched = so_far or (False, False, False)
        ids = {e.participant_id for e in items if e.participant_id}
        last = next_cursor is None
        members = await self._member_ids(session_id) if ids or (last and (seen or items)) else frozenset()
        seen, named, matched = seen or bool(items), named or bool(ids), matched or bool(ids & members)
        self._attributed.put(session_id, (seen, named, matched))
        if matched:
            self._unattributed.pop(session_id)
        early = cursor is None and named
        if not (members and seen and not matched and (early or last)):
            return None
        sentence = (
            f"{self.label}: none of room session {session_id}'s events names one of its members "
            "(events are matched to members by room_participant_id, which the API does not "
            "promise to be the member id), so its events could not be attributed to members; "
            "the session's event list shows them all."
        )
        self._unattributed.put(session_id, sentence)
        self.notice(sentence)
        return sentence

    def _event(self, session_id: str, raw: SwEvent) -> Event:
        """``Video.RoomSessionEvent`` -> Event (the one place)."""
        payload: Mapping[str, Any] = raw.payload or {}
        name = text(raw.name) or ""
        kind = event_kind(name, payload)
        member = _member_of(payload)
        participant_id = text(raw.room_participant_id)
        if participant_id is None and member is not payload:
            participant_id = text(member.get("parent_id")) or text(member.get("id"))
        participant_name = text(member.get("name")) if member is not payload else None
        return Event(
            provider=self.name,
            session_id=session_id,
            id=text(raw.id) or raw.id,
            at=as_utc(raw.created_at),
            kind=kind,
            name=name,
            participant_id=participant_id,
            participant_name=participant_name,
            level=text(raw.level),
            detail=_event_detail(kind, payload, text(raw.room_recording_id)),
            extra=extras(_dump(raw), EVENT_MAPPED),
        )

    # -- recordings ----------------------------------------------------------------------

    async def list_recordings(self, session_id: str, cursor: str | None, limit: int) -> Page[Recording]:
        filters = [("media_ttl", str(MEDIA_TTL_S))]
        asked_at = self.clock()
        raw, next_cursor = await self._session_list(session_id, "/recordings", filters, cursor, limit)

        def convert(recording: SwRecording) -> Recording:
            return self._recording(session_id, recording, asked_at)

        def unreadable(index: int, item: Any, reason: str) -> Recording:
            return placeholder(
                Recording,
                item,
                reason,
                fallback_id=_fallback_id(index, item),
                keep_raw=True,
                provider=self.name,
                session_id=session_id,
            )

        items = parse_records(raw, SwRecording, convert, unreadable, provider=self.name, what="recordings")
        return Page[Recording](items=items, next_cursor=next_cursor)

    def _recording(self, session_id: str, raw: SwRecording, asked_at: datetime) -> Recording:
        """``Video.RoomRecording`` -> Recording (the one place). ``uri`` is a temporary
        link valid for ``media_ttl`` seconds from the request."""
        started = as_utc(raw.started_at)
        ended = as_utc(raw.finished_at)
        duration = _seconds(raw.duration)
        if duration is None:
            duration = seconds_between(started, ended)
        url = raw.uri.strip() if raw.uri and raw.uri.strip() and len(raw.uri) <= 4000 else None
        return Recording(
            provider=self.name,
            session_id=session_id,
            id=text(raw.id) or raw.id,
            status=text(raw.status),
            started_at=started,
            ended_at=ended,
            duration_s=duration,
            size_bytes=raw.size_in_bytes if raw.size_in_bytes is None or raw.size_in_bytes >= 0 else None,
            format=text(raw.format),
            url=url,
            url_expires_at=asked_at + timedelta(seconds=MEDIA_TTL_S) if url else None,
            extra=extras(_dump(raw), RECORDING_MAPPED),
        )

    # -- check ---------------------------------------------------------------------------

    async def check(self) -> str:
        raw, _next = await self._list(f"{API}/room_sessions", [], None, 1, "room sessions")
        host = urlsplit(self.base_url).netloc or self.base_url
        latest = "no room sessions yet" if not raw else "room sessions readable"
        return f"{self.label} at {host}, project {self.project_id}: {latest}"
