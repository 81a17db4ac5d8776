"""Whereby (REST API v1, insights endpoints) behind the provider protocol.

Whereby has no global list of sessions: ``/insights/room-sessions`` needs a ``roomName``.
So the session list walks ``/insights/rooms`` (most recently used room first, when the API
accepts that sort) and, room by room, that room's sessions (newest first when accepted),
behind one opaque cursor that records where the walk stands: the rooms page, the current
room and that room's own cursor. The merged order is therefore *room by room*, not
globally newest first; every call makes a bounded number of requests.

Ids: ``Session.id`` is Whereby's ``roomSessionId`` (the id its dashboard, participants and
recordings use). Everything that needs the room learns it from the listings (remembered per
session id), from a composite ``"<roomName>|<roomSessionId>"`` id, or, as a last resort, by
probing rooms whose session dates can contain the session (see ``_find_session``).

Quality: ``/insights/participant`` gives four series (``packetLossSend``, ``packetLossRecv``,
``bitrateSend``, ``bitrateRecv``) every ``sampleRateMs``. The API spec states neither units
nor the element shape; the series are read defensively and labelled with the units the
Insights dashboard documentation uses (percent, bits per second) with
``unit_documented=False``.

Insights data lags real time by 10-15 minutes (Whereby's documentation).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.lru import LRU
from roomscope.tui.models import (
    DeviceInfo,
    Event,
    EventKind,
    Metric,
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
    NotFoundError,
    ProviderError,
    RateLimitedError,
    UnavailableError,
)
from roomscope.tui.providers.http import (
    BearerAuth,
    ErrorDetail,
    HttpClient,
    generic_error_detail,
    parse_rate_limit_reset,
)
from roomscope.tui.providers.parsing import (
    as_utc,
    extras,
    iso,
    jsonable,
    parse_records,
    parse_time,
    placeholder,
    recover_id,
    recover_name,
    seconds_between,
    text,
)

API_URL = "https://api.whereby.dev/v1"
MAX_LIMIT = 100
"""Every Whereby list takes ``limit`` 1-100."""
DEFAULT_SAMPLE_RATE_MS = 2000.0
"""The Insights dashboard documentation: values are captured every 2 seconds."""
ROOM_SORT = "lastSessionStartedAt:desc"
SESSION_SORT = "startedAt:desc"
RECORDING_SORT = "startDate:desc"
PARTICIPANT_SORT = "joinedAt:asc"
SLACK = timedelta(hours=1)
"""Tolerance when comparing session times with participant join times or room dates."""
MINUTES_NOTE = "Whereby minute totals are whole minutes, rounded up per connection."

SERIES: tuple[tuple[str, Metric, str], ...] = (
    ("packetLossSend", Metric.LOSS_SEND, "%"),
    ("packetLossRecv", Metric.LOSS_RECV, "%"),
    ("bitrateSend", Metric.BITRATE_SEND, "bps"),
    ("bitrateRecv", Metric.BITRATE_RECV, "bps"),
)
"""Series name, metric, and the unit the Insights dashboard documentation gives it."""


# ---------------------------------------------------------------------------------------
# Payload models (lenient: unknown fields kept, only what a record cannot live without is
# required)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class WbRoom(_Lenient):
    roomName: str = Field(min_length=1)
    createdAt: datetime | None = None
    endAt: datetime | None = None
    firstSessionStartedAt: datetime | None = None
    lastSessionStartedAt: datetime | None = None
    totalSessions: float | None = None


class WbRoomSession(_Lenient):
    roomSessionId: str = Field(min_length=1)
    roomName: str | None = None
    startedAt: datetime
    endedAt: datetime | None = None
    totalParticipantMinutes: float | None = None
    totalRecorderMinutes: float | None = None
    totalStreamerMinutes: float | None = None
    totalUniqueParticipants: int | None = None
    totalUniqueRecorders: int | None = None
    totalUniqueStreamers: int | None = None
    rating: float | None = None
    totalRatings: float | None = None


class WbParticipant(_Lenient):
    roomSessionId: str | None = None
    participantId: str = Field(min_length=1)
    deviceId: str | None = None
    userId: str | None = None
    roleName: str | None = None
    displayName: str | None = None
    joinedAt: datetime
    leftAt: datetime | None = None
    externalId: str | None = None
    rating: float | None = None
    tags: list[str] | None = None
    comment: str | None = None


class WbRecording(_Lenient):
    recordingId: str = Field(min_length=1)
    roomSessionId: str | None = None
    filename: str | None = None
    startDate: datetime | None = None
    endDate: datetime | None = None
    sizeInMegaBytes: float | None = None


ROOM_SESSION_FIELDS = set(WbRoomSession.model_fields)
PARTICIPANT_FIELDS = set(WbParticipant.model_fields)
RECORDING_FIELDS = set(WbRecording.model_fields)


# ---------------------------------------------------------------------------------------
# Errors


def whereby_error_detail(response: httpx.Response) -> ErrorDetail:
    """Whereby's 429 body is ``{"error": "...", "data": {"msLeft": <ms>}}``; 401 and 404 have
    no documented body. Validation failures from a mock (Prism) come as problem+json with a
    ``validation`` list, whose messages say more than its generic ``detail``."""
    message: str | None = None
    retry_after: float | None = None
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str) and error.strip():
            message = error.strip()
        data = body.get("data")
        if isinstance(data, dict):
            left = data.get("msLeft")
            if isinstance(left, (int, float)) and not isinstance(left, bool) and math.isfinite(left):
                retry_after = max(0.0, float(left) / 1000.0)
        validation = body.get("validation")
        if message is None and isinstance(validation, list):
            said = [
                v["message"]
                for v in validation[:3]
                if isinstance(v, dict) and isinstance(v.get("message"), str)
            ]
            if said:
                message = "; ".join(said)
    if message is None:
        message = generic_error_detail(response).message
    if retry_after is None and response.status_code == 429:
        # "a date": an HTTP date, ISO 8601 or Unix seconds/milliseconds
        retry_after = parse_rate_limit_reset(
            response.headers.get("x-ratelimit-reset"), epoch_above=1e8, milliseconds_above=1e11, dates=True
        )
    return ErrorDetail(message, retry_after)


# ---------------------------------------------------------------------------------------
# Small parsing helpers


def _whole(value: float | None) -> float | int | None:
    """A count as the API sent it: integral values stay integers."""
    return int(value) if value is not None and value.is_integer() else value


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


VALUE_KEYS = ("value", "v", "y", "val")
TIME_KEYS = ("timestamp", "timeStamp", "time", "t", "ts", "x", "at", "date")


@dataclass
class _Point:
    at: float | None
    """Seconds after the item's start when the sample carried its own time."""
    value: float | None


def _sample_point(element: Any, start: datetime) -> tuple[_Point, bool]:
    """One series element -> (point, readable). Plain numbers, numeric text, ``null`` (a gap),
    ``{value, timestamp}``-like objects and ``[time, value]`` pairs are understood. A relative
    time below 1e8 is taken as milliseconds after the item's start (``sampleRateMs`` is in ms)."""
    if element is None:
        return _Point(None, None), True
    raw_time: Any = None
    raw_value: Any = element
    if isinstance(element, Mapping):
        raw_value = next((element[k] for k in VALUE_KEYS if k in element), None)
        raw_time = next((element[k] for k in TIME_KEYS if k in element), None)
        if raw_value is None and not any(k in element for k in VALUE_KEYS):
            numbers = [v for k, v in element.items() if k not in TIME_KEYS and _number(v) is not None]
            if len(numbers) != 1:
                return _Point(None, None), False
            raw_value = numbers[0]
    elif isinstance(element, (list, tuple)):
        if len(element) == 1:
            raw_value = element[0]
        elif len(element) == 2:
            raw_time, raw_value = element
        else:
            return _Point(None, None), False
    if raw_value is None:
        at = _relative_time(raw_time, start)
        return _Point(at, None), True
    value = _number(raw_value)
    if value is None:
        return _Point(None, None), False
    return _Point(_relative_time(raw_time, start), value), True


def _relative_time(raw: Any, start: datetime) -> float | None:
    if raw is None:
        return None
    absolute = parse_time(raw, epochs=True)
    if absolute is not None:
        return (absolute - start).total_seconds()
    number = _number(raw)
    if number is not None and 0 <= number < 1e8:
        return number / 1000.0
    return None


BROWSERS: tuple[tuple[str, str], ...] = (
    ("Electron", r"Electron/([\d.]+)"),
    ("Edge", r"Edg(?:e|A|iOS)?/([\d.]+)"),
    ("Opera", r"OPR/([\d.]+)"),
    ("Samsung Internet", r"SamsungBrowser/([\d.]+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/([\d.]+)"),
    ("Chrome", r"(?:Chrome|CriOS)/([\d.]+)"),
    ("Safari", r"Version/([\d.]+).*Safari/"),
)


def parse_user_agent(agent: str | None) -> DeviceInfo | None:
    """Browser, OS and device type from a browser user agent (best effort; unknown parts stay
    None and the raw string is kept)."""
    ua = text(agent)
    if ua is None:
        return None
    browser = version = None
    for name, pattern in BROWSERS:
        found = re.search(pattern, ua)
        if found:
            browser, version = name, found.group(1)
            break
    os_name = os_version = None
    if found := re.search(r"iPhone OS ([\d_]+)", ua):
        os_name, os_version = "iOS", found.group(1).replace("_", ".")
    elif found := re.search(r"iPad.*? OS ([\d_]+)", ua):
        os_name, os_version = "iPadOS", found.group(1).replace("_", ".")
    elif found := re.search(r"Android ([\d.]+)", ua):
        os_name, os_version = "Android", found.group(1)
    elif found := re.search(r"Windows NT ([\d.]+)", ua):
        os_name, os_version = "Windows", found.group(1)
    elif found := re.search(r"Mac OS X ([\d_.]+)", ua):
        os_name, os_version = "macOS", found.group(1).replace("_", ".")
    elif "CrOS" in ua:
        os_name = "ChromeOS"
    elif "Ubuntu" in ua:
        os_name = "Ubuntu"
    elif "Linux" in ua:
        os_name = "Linux"
    if "iPad" in ua or ("Android" in ua and "Mobile" not in ua):
        kind: str | None = "tablet"
    elif "Mobi" in ua or "iPhone" in ua:
        kind = "mobile"
    elif os_name in ("Windows", "macOS", "Linux", "Ubuntu", "ChromeOS"):
        kind = "desktop"
    else:
        kind = None
    return DeviceInfo(
        browser=browser,
        browser_version=version,
        os=os_name,
        os_version=os_version,
        device_type=kind,
        user_agent=ua,
    )


EVENT_KINDS: tuple[tuple[EventKind, tuple[str, ...]], ...] = (
    (EventKind.RECONNECT, ("reconnect", "rejoin")),
    (EventKind.UNMUTE, ("unmute", "audio_on", "audioon", "mic_on", "micon", "audio_enabled")),
    (EventKind.MUTE, ("mute", "audio_off", "audiooff", "mic_off", "micoff", "audio_disabled")),
    (EventKind.VIDEO_ON, ("video_on", "videoon", "camera_on", "cameraon", "video_enabled")),
    (EventKind.VIDEO_OFF, ("video_off", "videooff", "camera_off", "cameraoff", "video_disabled")),
    (EventKind.SCREENSHARE_START, ("screenshare_start", "screenshare_started", "screen_share_start")),
    (EventKind.SCREENSHARE_STOP, ("screenshare_stop", "screenshare_stopped", "screen_share_stop")),
    (EventKind.RECORDING_START, ("recording_start", "recording_started")),
    (EventKind.RECORDING_STOP, ("recording_stop", "recording_stopped")),
    (EventKind.JOIN, ("join", "joined", "connect", "connected")),
    (EventKind.LEAVE, ("leave", "left", "disconnect", "disconnected")),
)
EVENT_NAME_KEYS = ("type", "name", "event", "eventName", "eventType", "action")
EVENT_TIME_KEYS = ("timestamp", "timeStamp", "time", "at", "createdAt", "date", "t")


def event_kind(name: str) -> EventKind:
    """Map an undocumented event name by keyword; anything unrecognised is OTHER."""
    key = re.sub(r"[\s.\-]+", "_", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name)).lower()
    for kind, words in EVENT_KINDS:
        if key in words:
            return kind
    return EventKind.OTHER


# ---------------------------------------------------------------------------------------
# Cursors


@dataclass
class _Walk:
    """Where the room-by-room session walk stands (the session list's opaque cursor)."""

    rooms_cursor: str | None = None
    """The API cursor that fetched the rooms page holding the current room (None: first)."""
    room_index: int = 0
    """Index of the current (or next) room in that page."""
    after: str | None = None
    """The last room finished, to find the place again if the rooms page moved."""
    room: str | None = None
    """The room being listed (None: pick the room at ``room_index``)."""
    sessions_cursor: str | None = None
    room_sort: bool = True
    session_sort: bool = True

    def encode(self) -> str:
        blob = {
            "v": 1,
            "rc": self.rooms_cursor,
            "ri": self.room_index,
            "ra": self.after,
            "rn": self.room,
            "sc": self.sessions_cursor,
            "rs": self.room_sort,
            "ss": self.session_sort,
        }
        raw = json.dumps(blob, separators=(",", ":"), ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> _Walk:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            blob = json.loads(raw)
            if not isinstance(blob, dict) or blob.get("v") != 1:
                raise ValueError("unknown cursor version")
            walk = cls(
                rooms_cursor=_opt_str(blob.get("rc")),
                room_index=int(blob.get("ri") or 0),
                after=_opt_str(blob.get("ra")),
                room=_opt_str(blob.get("rn")),
                sessions_cursor=_opt_str(blob.get("sc")),
                room_sort=bool(blob.get("rs")),
                session_sort=bool(blob.get("ss")),
            )
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise BadPayloadError(
                f"Not a Whereby session cursor: {cursor[:40]!r}", provider="whereby"
            ) from None
        if walk.room_index < 0:
            raise BadPayloadError(f"Not a Whereby session cursor: {cursor[:40]!r}", provider="whereby")
        return walk


def _bad_cursor(cursor: str) -> BadPayloadError:
    return BadPayloadError(f"Not a Whereby session cursor: {cursor[:40]!r}", provider="whereby")


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("cursor field is not text")
    return value


def _next_cursor(body: Mapping[str, Any]) -> str | None:
    """Whereby returns ``cursor: null`` (or leaves it out) on the last page."""
    cursor = body.get("cursor")
    if isinstance(cursor, str) and cursor.strip():
        return cursor
    return None


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.startswith("o") or not cursor[1:].isdigit():
        raise BadPayloadError(f"Not a Whereby list cursor: {cursor[:40]!r}", provider="whereby")
    return int(cursor[1:])


# ---------------------------------------------------------------------------------------
# Rooms pages


@dataclass
class _BadRoom:
    index: int
    raw: Any
    problem: str


@dataclass
class _RoomsPage:
    rooms: list[WbRoom | _BadRoom]
    next_cursor: str | None
    sorted: bool
    """The server accepted the "most recently used first" sort for this page."""
    fetched: float = 0.0


@dataclass
class _SortEvidence:
    """Whether a sort the spec does not list was seen to be honoured (None: not yet known)."""

    honoured: bool | None = None

    def observe(self, values: Iterable[datetime | None]) -> None:
        present = [v for v in values if v is not None]
        if len(present) < 2 or self.honoured is False:
            return
        if any(a < b for a, b in itertools.pairwise(present)):
            self.honoured = False
        elif any(a > b for a, b in itertools.pairwise(present)):
            self.honoured = True


# ---------------------------------------------------------------------------------------


class WherebyProvider(BaseProvider):
    name = "whereby"
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
        }
    )
    page_size = MAX_LIMIT
    newest_first = False
    """Sessions arrive room by room (each room newest first): the store sorts them."""
    missing: Mapping[Capability, str] = {
        Capability.ARTIFACTS: (
            "Whereby's insights API links no chat log, transcript or summary to a room session."
        ),
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
        self._room_order = _SortEvidence()
        self._session_order = _SortEvidence()
        self._recording_order = _SortEvidence()
        self._rooms: LRU[tuple[str | None, bool, datetime | None], _RoomsPage] = LRU(32)
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
    ) -> tuple[_RoomsPage, bool]:
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
        rooms: list[WbRoom | _BadRoom] = parse_records(
            self._results(body, "rooms"),
            WbRoom,
            _as_room,
            lambda index, item, problem: _BadRoom(index, item, problem),
            provider=self.name,
            what="rooms",
        )
        page = _RoomsPage(rooms, _next_cursor(body), used, time.monotonic())
        if used:
            self._room_order.observe(r.lastSessionStartedAt for r in rooms if isinstance(r, WbRoom))
        self._rooms.put((cursor, used, until), page)
        return page, True

    # -- sessions ------------------------------------------------------------------------

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        limit = max(1, min(limit, MAX_LIMIT))
        if cursor is None:
            walk = _Walk(room_sort=self._room_sort_ok, session_sort=self._session_sort_ok)
        else:
            walk = _Walk.decode(cursor)
        since = as_utc(query.since)
        until = as_utc(query.until)
        items: list[Session] = []
        budget = self.max_requests_per_page
        page: _RoomsPage | None = None
        visited: set[str | None] = set()
        while len(items) < limit and budget > 0:
            if walk.room is None:
                if page is None:
                    page, cost = await self._rooms_page(walk.rooms_cursor, walk.room_sort, until)
                    budget -= cost
                    visited.add(walk.rooms_cursor)
                    walk.room_sort = page.sorted
                    walk.room_index = _resume_index(page, walk)
                if walk.room_index >= len(page.rooms):
                    if page.next_cursor is None or page.next_cursor in visited:
                        return Page[Session](items=items, next_cursor=None)
                    walk = _Walk(
                        rooms_cursor=page.next_cursor,
                        room_sort=walk.room_sort,
                        session_sort=walk.session_sort,
                    )
                    page = None
                    continue
                room = page.rooms[walk.room_index]
                if isinstance(room, _BadRoom):
                    items.append(self._bad_room_session(room))
                    walk.after, walk.room_index = None, walk.room_index + 1
                    continue
                verdict = self._room_verdict(room, since, until, page.sorted)
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

    def _room_verdict(
        self, room: WbRoom, since: datetime | None, until: datetime | None, sorted_page: bool
    ) -> str:
        """ "list", "skip" (no session of this room can match) or "stop" (no later room can)."""
        last = as_utc(room.lastSessionStartedAt)
        first = as_utc(room.firstSessionStartedAt)
        if _no_sessions(room):
            return "skip"
        if since is not None and last is not None and last < since:
            return "stop" if sorted_page and self._room_order.honoured else "skip"
        if until is not None and first is not None and first > until:
            return "skip"
        return "list"

    async def _room_sessions_into(
        self,
        items: list[Session],
        walk: _Walk,
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
        sent, walk.sessions_cursor = walk.sessions_cursor, _next_cursor(body)
        early = past_since and used and self._session_order.honoured is True
        return walk.sessions_cursor is None or walk.sessions_cursor == sent or early

    def _parse_sessions(self, body: Mapping[str, Any], room: str | None) -> list[Session]:
        now = self.clock()
        sessions = parse_records(
            self._results(body, "room sessions"),
            WbRoomSession,
            lambda record: self._session(record, now, room),
            lambda index, raw, problem: self._bad_session(index, raw, problem, room),
            provider=self.name,
            what="room sessions",
        )
        for session in sessions:
            if session.room_name and session.problem is None:
                self._room_of.put(session.id, session.room_name)
                self._sessions.put(session.id, session)
        return sessions

    def _session(self, record: WbRoomSession, now: datetime, room: str | None) -> Session:
        """The one mapping from a Whereby room session to the unified Session."""
        started = as_utc(record.startedAt)
        ended = as_utc(record.endedAt)
        end_or_now = (ended or max(now, started)) if started else None
        raw = record.model_dump(mode="json")
        extra: dict[str, Any] = {
            "participant_minutes": _whole(record.totalParticipantMinutes),
            "recorder_minutes": _whole(record.totalRecorderMinutes),
            "streamer_minutes": _whole(record.totalStreamerMinutes),
            "minutes_note": MINUTES_NOTE,
            "unique_recorders": record.totalUniqueRecorders,
            "unique_streamers": record.totalUniqueStreamers,
        }
        if record.rating is not None or record.totalRatings is not None:
            extra["rating"] = record.rating
            extra["total_ratings"] = record.totalRatings
        extra.update(extras(raw, ROOM_SESSION_FIELDS))
        return Session(
            provider=self.name,
            profile=self.profile,
            id=record.roomSessionId,
            room_name=text(record.roomName) or room,
            status=SessionStatus.ENDED if ended is not None else SessionStatus.LIVE,
            started_at=started,
            ended_at=ended,
            duration_s=seconds_between(started, end_or_now),
            participant_count=record.totalUniqueParticipants,
            extra=extra,
        )

    def _bad_session(self, index: int, raw: Any, problem: str, room: str | None) -> Session:
        return placeholder(
            Session,
            raw,
            f"Whereby room session unreadable: {problem}",
            id_keys=("roomSessionId",),
            fallback_id=f"unreadable:{room or '?'}:{index}",
            keep_raw=True,
            provider=self.name,
            profile=self.profile,
            room_name=(text(recover_id(raw, "roomName")) or room),
        )

    def _bad_room_session(self, room: _BadRoom) -> Session:
        name = recover_id(room.raw, "roomName")
        return placeholder(
            Session,
            room.raw,
            f"Whereby room record unreadable, its sessions are not listed: {room.problem}",
            id_keys=(),
            fallback_id=f"unreadable-room:{name or room.index}",
            keep_raw=True,
            provider=self.name,
            profile=self.profile,
            room_name=text(name),
        )

    # -- one session ---------------------------------------------------------------------

    @staticmethod
    def _split(session_id: str) -> tuple[str | None, str]:
        """``"<roomName>|<roomSessionId>"`` or a bare ``roomSessionId``."""
        room, bar, sid = session_id.strip().rpartition("|")
        if bar and room and sid:
            return room, sid
        return None, session_id.strip()

    async def get_session(self, session_id: str) -> Session:
        named, sid = self._split(session_id)
        if not sid:
            raise NotFoundError("Whereby: an empty session id names no session.", provider=self.name)
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
            cursor = _next_cursor(body)
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
                if not isinstance(room, WbRoom) or (
                    room.totalSessions is not None and room.totalSessions <= 0
                ):
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
            lambda record: self._participant(record, sid, now),
            lambda index, raw, problem: self._bad_participant(index, raw, problem, sid),
            provider=self.name,
            what="participants",
        )
        return Page[Participant](items=items, next_cursor=_next_cursor(body))

    def _participant(self, record: WbParticipant, sid: str, now: datetime) -> Participant:
        """The one mapping from a Whereby participant (one connection) to the unified model."""
        joined = as_utc(record.joinedAt)
        left = as_utc(record.leftAt)
        extra: dict[str, Any] = {"device_id": text(record.deviceId)}
        if record.rating is not None or record.tags or record.comment:
            extra.update(
                {"rating": record.rating, "tags": jsonable(record.tags), "comment": text(record.comment)}
            )
        extra.update(extras(record.model_dump(mode="json"), PARTICIPANT_FIELDS))
        return Participant(
            provider=self.name,
            session_id=sid,
            id=record.participantId,
            name=text(record.displayName) or "",
            user_id=text(record.userId),
            external_id=text(record.externalId),
            role=text(record.roleName),
            joined_at=joined,
            left_at=left,
            duration_s=seconds_between(joined, (left or max(now, joined)) if joined else None),
            extra=extra,
        )

    def _bad_participant(self, index: int, raw: Any, problem: str, sid: str) -> Participant:
        return placeholder(
            Participant,
            raw,
            f"Whereby participant unreadable: {problem}",
            id_keys=("participantId",),
            fallback_id=f"unreadable:{index}",
            keep_raw=True,
            provider=self.name,
            session_id=sid,
            name=recover_name(raw, "displayName"),
        )

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
        first = details[0] if details else {}
        device = next(
            (parse_user_agent(d.get("userAgent")) for d in details if text(d.get("userAgent"))), None
        )
        detail_extra = {
            "user_role": text(first.get("userRole")),
            "sample_rate_ms": _number(first.get("sampleRateMs")),
            "detail_items": len(details),
        }
        if record is None:
            joined = parse_time(first.get("timeStamp"), epochs=True)
            return Participant(
                provider=self.name,
                session_id=sid,
                id=participant_id,
                name=text(first.get("displayName")) or "",
                role=text(first.get("userRole")),
                joined_at=joined,
                device=device,
                extra={**detail_extra, "note": "not in the session's participant list"},
            )
        return record.model_copy(update={"device": device, "extra": {**record.extra, **detail_extra}})

    # -- quality -------------------------------------------------------------------------

    async def get_quality(self, session_id: str, participant_id: str) -> list[QualitySeries]:
        _room, sid = self._split(session_id)
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
        offset = _offset(cursor)
        if participant_id is None:
            events = await self._session_timeline(sid, session_id)
        else:
            events = await self._participant_timeline(sid, participant_id)
        limit = max(1, limit)
        chunk = events[offset : offset + limit]
        more = offset + limit < len(events)
        return Page[Event](items=chunk, next_cursor=f"o{offset + limit}" if more else None, total=len(events))

    async def _session_timeline(self, sid: str, session_id: str) -> list[Event]:
        cached = self._timelines.get(sid)
        if cached is not None:
            return cached
        session = await self._known_session(sid, session_id)
        people = await self._all_participants(sid)
        events = session_timeline(session, people, provider=self.name)
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
            events.extend(_connection_events(record, sid, EventKind.JOIN, provider=self.name))
        for item_index, item in enumerate(details):
            events.extend(detail_events(item, sid, pid, item_index, provider=self.name))
        return _ordered(events)

    # -- recordings ----------------------------------------------------------------------

    async def list_recordings(self, session_id: str, cursor: str | None, limit: int) -> Page[Recording]:
        """``/recordings`` is listed per room; each recording names its ``roomSessionId``, which
        is what ties it to the session (newest first, stopping once recordings start well
        before the session did, when that order was seen to hold)."""
        _room, sid = self._split(session_id)
        session = await self._known_session(sid, session_id)
        api_cursor = _recordings_cursor(cursor)
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
                lambda record: self._recording(record, sid),
                lambda index, item, problem: self._bad_recording(index, item, problem),
                provider=self.name,
                what="recordings",
            )
            self._recording_order.observe(r.started_at for r in page if r.problem is None)
            items.extend(r for r in page if r.session_id == sid)
            sent, api_cursor = api_cursor, _next_cursor(body)
            if api_cursor == sent:
                api_cursor = None
            starts = [r.started_at for r in page if r.problem is None and r.started_at is not None]
            too_old = start is not None and bool(starts) and min(starts) < start - SLACK
            if api_cursor is None or (too_old and self._recording_order.honoured):
                return Page[Recording](items=items, next_cursor=None)
            if len(items) >= limit:
                break
        return Page[Recording](items=items, next_cursor=f"c{api_cursor}")

    def _recording(self, record: WbRecording, sid: str) -> Recording:
        """The one mapping from a Whereby recording to the unified model."""
        started = as_utc(record.startDate)
        ended = as_utc(record.endDate)
        size = record.sizeInMegaBytes
        filename = text(record.filename)
        extension = filename.rsplit(".", 1)[1].lower() if filename and "." in filename else None
        extra: dict[str, Any] = {"filename": filename, "size_megabytes": size}
        extra.update(extras(record.model_dump(mode="json"), RECORDING_FIELDS))
        return Recording(
            provider=self.name,
            session_id=record.roomSessionId or "",
            id=record.recordingId,
            started_at=started,
            ended_at=ended,
            duration_s=seconds_between(started, ended),
            size_bytes=round(size * 1_000_000) if size is not None and size >= 0 else None,
            format=extension if extension and len(extension) <= 8 else None,
            extra=extra,
        )

    def _bad_recording(self, index: int, raw: Any, problem: str) -> Recording:
        return placeholder(
            Recording,
            raw,
            f"Whereby recording unreadable: {problem}",
            id_keys=("recordingId",),
            fallback_id=f"unreadable:{index}",
            keep_raw=True,
            provider=self.name,
            session_id=recover_id(raw, "roomSessionId") or "",
        )


# ---------------------------------------------------------------------------------------
# Mapping helpers shared by the methods above (pure functions, easy to test)


def _as_room(room: WbRoom) -> WbRoom | _BadRoom:
    return room


def _no_sessions(room: WbRoom) -> bool:
    return room.totalSessions is not None and room.totalSessions <= 0


def _resume_index(page: _RoomsPage, walk: _Walk) -> int:
    """Where the walk continues in a (possibly re-fetched) rooms page: after the last finished
    room if it is still there, else at the recorded index."""
    if walk.after is not None:
        for index, room in enumerate(page.rooms):
            if isinstance(room, WbRoom) and room.roomName == walk.after:
                return index + 1
    return walk.room_index


def _recordings_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    if not cursor.startswith("c") or len(cursor) < 2:
        raise BadPayloadError(f"Not a Whereby recordings cursor: {cursor[:40]!r}", provider="whereby")
    return cursor[1:]


def quality_series(
    details: list[dict[str, Any]],
    sid: str,
    pid: str,
    fallback_start: datetime | None,
    *,
    provider: str = "whereby",
) -> list[QualitySeries]:
    """The four series of ``/insights/participant``, one per metric across all items.

    One item whose samples carry no times of their own -> a regular series (``interval_s``).
    Several items, or samples with their own times -> an irregular one (``offsets_s``), with a
    gap between items."""
    segments: list[tuple[datetime, float, dict[str, Any]]] = []
    for item in details:
        start = parse_time(item.get("timeStamp"), epochs=True) or fallback_start
        samples = item.get("samples")
        if not isinstance(samples, Mapping):
            continue
        if start is None:
            raise BadPayloadError(
                "Whereby sent quality samples without a usable start time (timeStamp).",
                provider=provider,
                field="timeStamp",
            )
        rate = _number(item.get("sampleRateMs"))
        rate_s = (rate if rate and rate > 0 else DEFAULT_SAMPLE_RATE_MS) / 1000.0
        segments.append((start, rate_s, dict(samples)))
    if not segments:
        return []
    origin = min(start for start, _r, _s in segments)
    out: list[QualitySeries] = []
    for key, metric, unit in SERIES:
        runs: list[list[tuple[float, float | None]]] = []
        timed = len(segments) > 1
        unreadable = 0
        for start, rate_s, samples in segments:
            raw = samples.get(key)
            if not isinstance(raw, list) or not raw:
                continue
            shift = (start - origin).total_seconds()
            run: list[tuple[float, float | None]] = []
            for index, element in enumerate(raw):
                point, readable = _sample_point(element, start)
                unreadable += not readable
                timed |= point.at is not None
                at = point.at if point.at is not None else index * rate_s
                run.append((shift + at, point.value))
            runs.append(sorted(run, key=lambda p: p[0]))
        if not runs:
            continue
        source = (
            f"Whereby /insights/participant samples.{key}; unit as the Insights dashboard documents it "
            "(the API does not state units)"
        )
        if unreadable:
            source += f"; {unreadable} unreadable sample(s) shown as gaps"

        def series(
            metric: Metric = metric, unit: str = unit, source: str = source, **shape: Any
        ) -> QualitySeries:
            return QualitySeries(
                provider=provider,
                session_id=sid,
                participant_id=pid,
                metric=metric,
                unit=unit,
                unit_documented=False,
                source=source,
                start=origin,
                **shape,
            )

        if not timed:
            out.append(series(interval_s=segments[0][1], values=[v for _t, v in runs[0]]))
            continue
        runs.sort(key=lambda r: r[0][0])
        points: list[tuple[float, float | None]] = []
        for run in runs:
            if points:
                points.append(((points[-1][0] + run[0][0]) / 2, None))  # a gap between items
            points.extend(run)
        out.append(series(offsets_s=[max(0.0, t) for t, _v in points], values=[v for _t, v in points]))
    return out


def detail_events(
    item: Mapping[str, Any], sid: str, pid: str, item_index: int, *, provider: str
) -> list[Event]:
    """The undocumented ``events`` of a participant detail item: objects with a name-like and a
    time-like field, or plain names, or an object of ``name -> time(s)``. The raw event is kept
    in ``extra``; names are mapped to kinds by keyword, else OTHER."""
    raw = item.get("events")
    entries: list[tuple[str | None, Any, Any]] = []
    if isinstance(raw, list):
        for entry in raw[:2000]:
            if isinstance(entry, Mapping):
                name = next((entry[k] for k in EVENT_NAME_KEYS if isinstance(entry.get(k), str)), None)
                when = next((entry[k] for k in EVENT_TIME_KEYS if k in entry), None)
                entries.append((name, when, entry))
            elif isinstance(entry, str):
                entries.append((entry, None, entry))
    elif isinstance(raw, Mapping):
        for name, value in list(raw.items())[:200]:
            times = value if isinstance(value, list) else [value]
            for when in times[:500]:
                entries.append((str(name), when, {str(name): when}))
    events: list[Event] = []
    for index, (name, when, original) in enumerate(entries):
        label = text(name) or "event"
        events.append(
            Event(
                provider=provider,
                session_id=sid,
                id=f"{pid}:detail:{item_index}:{index}",
                at=parse_time(when, epochs=True),
                kind=event_kind(label),
                name=label,
                participant_id=pid,
                participant_name=text(item.get("displayName")),
                detail="from the participant's insights events (format undocumented)",
                extra={"raw": jsonable(original)},
            )
        )
    return events


def _connection_events(
    participant: Participant, sid: str, join_kind: EventKind, *, provider: str
) -> list[Event]:
    if participant.problem is not None:
        return []
    source = "derived from the participant's joinedAt/leftAt"
    out = [
        Event(
            provider=provider,
            session_id=sid,
            id=f"{participant.id}:join",
            at=participant.joined_at,
            kind=join_kind,
            name="participant.rejoined" if join_kind is EventKind.RECONNECT else "participant.joined",
            participant_id=participant.id,
            participant_name=participant.name or None,
            detail=source,
        )
    ]
    if participant.left_at is not None:
        out.append(
            Event(
                provider=provider,
                session_id=sid,
                id=f"{participant.id}:leave",
                at=participant.left_at,
                kind=EventKind.LEAVE,
                name="participant.left",
                participant_id=participant.id,
                participant_name=participant.name or None,
                detail=source,
            )
        )
    return out


def session_timeline(session: Session, people: list[Participant], *, provider: str) -> list[Event]:
    """Session start/end and every connection's join/leave. A later connection of the same
    user (or device) is marked RECONNECT: Whereby gives a reconnecting user a new participant id."""
    events: list[Event] = []
    if session.started_at is not None:
        events.append(
            Event(
                provider=provider,
                session_id=session.id,
                id="session:start",
                at=session.started_at,
                kind=EventKind.SESSION_START,
                name="session.started",
                detail="the room session's startedAt",
            )
        )
    seen: set[str] = set()
    for participant in sorted(people, key=lambda p: (p.joined_at or datetime.min.replace(tzinfo=UTC), p.id)):
        who = participant.user_id or participant.extra.get("device_id")
        kind = EventKind.RECONNECT if isinstance(who, str) and who in seen else EventKind.JOIN
        if isinstance(who, str):
            seen.add(who)
        events.extend(_connection_events(participant, session.id, kind, provider=provider))
    if session.ended_at is not None:
        events.append(
            Event(
                provider=provider,
                session_id=session.id,
                id="session:end",
                at=session.ended_at,
                kind=EventKind.SESSION_END,
                name="session.ended",
                detail="the room session's endedAt",
            )
        )
    return _ordered(events)


def _ordered(events: list[Event]) -> list[Event]:
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(events, key=lambda e: (e.at or floor, e.id))
