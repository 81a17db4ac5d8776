"""Telnyx Rooms (Video) over its v2 REST API.

What the API offers, and how it maps:

* ``GET /room_sessions`` lists sessions newest first with page-number paging
  (``page[number]`` from 1, ``page[size]`` 1..250) and a ``meta`` block carrying
  ``total_pages``/``total_results``: pages can be addressed directly and the total is known
  (``SEEK`` + ``TOTAL``). The cursor is ``"<page number>:<page size>"``.
* ``filter[active]`` is the status filter (``STATUS_FILTER``).
* Sessions carry only ``room_id``; the room's ``unique_name`` comes from ``GET /rooms/{id}``,
  looked up at most :data:`ROOM_LOOKUPS_PER_PAGE` times per page and remembered (LRU).
* There is no duration field: it is ``ended_at - created_at``, or time elapsed so far for an
  active session. ``include_participants=true`` embeds the participants, which gives the
  participant count, how many are still present and the peak concurrency.
* Participants (``/room_sessions/{id}/participants``) have one free-text name, ``context``.
* Recordings come from ``/room_recordings?filter[session_id]=...``; ``duration_secs`` is
  seconds, ``size_mb`` is megabytes (taken as 10^6 bytes: the unit is not defined further).

Not declared, on purpose:

* ``TIME_FILTER``: Telnyx filters on whole dates (``filter[date_created_at][gte]=YYYY-MM-DD``,
  time zone unstated). Declaring it would stop the store's exact client-side filter, and
  trimming a day-granular page to the exact range would break page-number paging and
  totals. So the store filters on the exact start time.
* ``TEXT_SEARCH``: no free-text filter on sessions.
* Events, quality samples, device and network details, artifacts: the Rooms REST API has none.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.lru import LRU
from roomscope.tui.models import Page, Participant, Recording, Session, SessionQuery, SessionStatus, SortKey
from roomscope.tui.providers.base import (
    AuthError,
    BadPayloadError,
    BaseProvider,
    Capability,
    NotFoundError,
    ProviderError,
)
from roomscope.tui.providers.http import (
    BearerAuth,
    ErrorDetail,
    HttpClient,
    QueryParams,
    generic_error_detail,
    parse_rate_limit_reset,
    response_json,
)
from roomscope.tui.providers.order import OrderCheck, newest_first
from roomscope.tui.providers.parsing import (
    Count,
    Megabytes,
    Seconds,
    Time,
    as_utc,
    describe_validation_error,
    extras,
    parse_records,
    parse_time,
    placeholder,
    recover_id,
    seconds_between,
    text,
)

DEFAULT_BASE_URL = "https://api.telnyx.com/v2"
MAX_PAGE_SIZE = 250
"""The API's ``page[size]`` maximum (larger sizes are rejected with 4XX)."""
ROOM_LOOKUPS_PER_PAGE = 20
"""At most this many uncached ``/rooms/{id}`` requests while reading one page of sessions."""
ROOM_CACHE_SIZE = 2048
BYTES_PER_MB = 1_000_000
MAX_RESET_HINT_S = 3600.0
MAX_COUNT_PAGES = 40
"""When a session's embedded participants disagree with its participant list, at most this
many pages of the list (10,000 participants) are read to count them."""
COMPOSITIONS = "c:"
"""Cursor prefix of the compositions that follow a session's per-participant recordings."""


# ---------------------------------------------------------------------------------------
# Payload models: lenient (unknown fields kept, most fields optional).


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


class TelnyxParticipant(_Record):
    id: str
    session_id: str | None = None
    context: str | None = None
    joined_at: Time = None
    updated_at: Time = None
    left_at: Time = None
    record_type: str | None = None


class TelnyxSession(_Record):
    id: str
    room_id: str | None = None
    active: bool | None = None
    created_at: datetime
    updated_at: Time = None
    ended_at: Time = None
    participants: list[Any] | None = None
    record_type: str | None = None


class TelnyxRecording(_Record):
    id: str
    room_id: str | None = None
    session_id: str | None = None
    participant_id: str | None = None
    status: str | None = None
    type: str | None = None
    codec: str | None = None
    duration_secs: Seconds = None
    size_mb: Megabytes = None
    download_url: str | None = None
    started_at: Time = None
    ended_at: Time = None
    completed_at: Time = None
    created_at: Time = None
    updated_at: Time = None
    record_type: str | None = None


class TelnyxComposition(_Record):
    id: str
    room_id: str | None = None
    session_id: str | None = None
    status: str | None = None
    format: str | None = None
    resolution: str | None = None
    duration_secs: Seconds = None
    size_mb: Megabytes = None
    download_url: str | None = None
    started_at: Time = None
    ended_at: Time = None
    completed_at: Time = None
    created_at: Time = None
    updated_at: Time = None
    record_type: str | None = None


class TelnyxRoom(_Record):
    id: str
    unique_name: str | None = None
    max_participants: Count = None
    active_session_id: str | None = None


class TelnyxMeta(_Record):
    page_number: Count = None
    page_size: Count = None
    total_pages: Count = None
    total_results: Count = None


# ---------------------------------------------------------------------------------------
# Errors: three body shapes, and a reset header for 429.


def _describe_error(item: Mapping[str, Any]) -> str | None:
    """``title: detail (parameter x, code n)`` from one Telnyx error object."""
    title = text(item.get("title"))
    detail = text(item.get("detail"))
    if title and detail and title.casefold() not in detail.casefold():
        said = f"{title}: {detail}"
    else:
        said = detail or title or ""
    notes: list[str] = []
    source = item.get("source")
    if isinstance(source, Mapping):
        where = text(source.get("parameter")) or text(source.get("pointer"))
        if where:
            notes.append(f"parameter {where}" if source.get("parameter") else f"at {where}")
    code = item.get("code")
    if isinstance(code, (str, int)) and str(code).strip():
        notes.append(f"code {str(code).strip()[:20]}")
    if not said:
        return None
    return f"{said} ({', '.join(notes)})" if notes else said


def telnyx_message(body: Any) -> str | None:
    """The message of a Telnyx error body, in any of the shapes its video API uses:
    ``{"errors": [{code, title, detail, source, meta}]}`` (the platform), a single error
    object (the spec's 404) or ``{"message", "success"}`` (the spec's other 4XX)."""
    if not isinstance(body, Mapping):
        return text(body) if isinstance(body, str) else None
    errors = body.get("errors")
    if isinstance(errors, list):
        parts = [m for m in (_describe_error(e) for e in errors[:3] if isinstance(e, Mapping)) if m]
        if parts:
            return "; ".join(parts)
    if any(key in body for key in ("title", "detail", "code")):
        found = _describe_error(body)
        if found:
            return found
    message = text(body.get("message")) if isinstance(body.get("message"), str) else None
    if message:
        return message
    return None


def telnyx_error_detail(response: httpx.Response) -> ErrorDetail:
    try:
        body = response_json(response)
    except ValueError:
        return generic_error_detail(response)
    message = telnyx_message(body) or generic_error_detail(response).message
    retry = None
    if response.status_code == 429:
        # seconds until the window resets (an absolute Unix time is tolerated), capped
        retry = parse_rate_limit_reset(
            response.headers.get("x-ratelimit-reset"), negative=False, cap=MAX_RESET_HINT_S
        )
    return ErrorDetail(message, retry)


# ---------------------------------------------------------------------------------------
# Cursors


def encode_page(number: int, size: int) -> str:
    return f"{number}:{size}"


def decode_page(cursor: str) -> tuple[int, int]:
    number_text, sep, size_text = cursor.partition(":")
    try:
        number, size = int(number_text), int(size_text)
    except ValueError:
        number = size = 0
    if not sep or number < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise BadPayloadError(f"Not a Telnyx Rooms page cursor: {cursor[:40]!r}.", provider="telnyx")
    return number, size


def _clamp_size(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE_SIZE))


def _isoformat(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# ---------------------------------------------------------------------------------------


class TelnyxProvider(BaseProvider):
    name = "telnyx"
    label = "Telnyx Rooms"
    capabilities = frozenset(
        {
            Capability.PARTICIPANTS,
            Capability.RECORDINGS,
            Capability.SEEK,
            Capability.TOTAL,
            Capability.STATUS_FILTER,
        }
    )
    sort_keys: frozenset[SortKey] = frozenset()
    page_size = 50
    missing: Mapping[Capability, str] = {
        Capability.EVENTS: "Telnyx Rooms has no session event timeline in its REST API.",
        Capability.PARTICIPANT_EVENTS: "Telnyx Rooms has no per-participant events in its REST API.",
        Capability.QUALITY: "Telnyx Rooms has no per-participant quality samples in its REST API.",
        Capability.DEVICE_INFO: (
            "Telnyx Rooms does not report participants' devices or browsers; "
            "a participant has only the free-text context its client set."
        ),
        Capability.NETWORK_INFO: "Telnyx Rooms does not report participants' networks or locations.",
        Capability.ARTIFACTS: "Telnyx Rooms has no chat logs, transcripts or summaries in its REST API.",
        Capability.TIME_FILTER: (
            "Telnyx Rooms filters sessions by whole dates only; roomscope filters the loaded pages "
            "by exact start time instead."
        ),
        Capability.TEXT_SEARCH: (
            "Telnyx Rooms has no text search on sessions; roomscope filters the loaded pages."
        ),
    }

    room_lookups_per_page: int = ROOM_LOOKUPS_PER_PAGE

    def __init__(
        self,
        profile: str,
        *,
        api_key: str,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utcnow,
        **http_options: Any,
    ) -> None:
        super().__init__(profile)
        if not api_key or not api_key.strip():
            raise AuthError("Telnyx Rooms needs an API key (TELNYX_API_KEY).", provider=self.name)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.clock = clock
        self._key_tag = hashlib.blake2b(
            api_key.strip().encode(), digest_size=4, person=b"roomscope-key"
        ).hexdigest()
        http_options.setdefault("error_detail", telnyx_error_detail)
        self.http = HttpClient(
            provider=self.name,
            label=self.label,
            base_url=self.base_url,
            auth=BearerAuth(api_key.strip()),
            transport=transport,
            **http_options,
        )
        self._rooms: LRU[str, str | None] = LRU(ROOM_CACHE_SIZE)
        """Room id -> unique name (None: the room is gone)."""
        self._order = OrderCheck()

    @property
    def identity(self) -> str:
        # The key tag is a 32-bit keyed digest: it tells two keys (two accounts) apart in
        # the cache without revealing anything about either key.
        return f"telnyx:{self.profile}:{self.base_url}:key-{self._key_tag}"

    async def aclose(self) -> None:
        await self.http.aclose()

    def _session_path(self, session_id: str, tail: str = "") -> str:
        """A session's path; the id is checked first (it may come from the command line)."""
        return f"room_sessions/{self.http.segment(session_id, 'room session id')}{tail}"

    # -- envelopes -----------------------------------------------------------------------

    def _data(self, body: Any, what: str) -> Any:
        if not isinstance(body, Mapping) or "data" not in body:
            raise BadPayloadError(
                f"{self.label} sent a {what} response without a 'data' member.",
                provider=self.name,
                field="data",
            )
        return body["data"]

    def _meta(self, body: Mapping[str, Any]) -> TelnyxMeta | None:
        raw = body.get("meta")
        if raw is None:
            return None
        try:
            return TelnyxMeta.model_validate(raw)
        except ValidationError as exc:
            reason = describe_validation_error(exc)
            raise BadPayloadError(
                f"{self.label} sent unreadable paging information: meta.{reason}",
                provider=self.name,
                field="meta",
            ) from None

    async def _list(
        self, path: str, params: list[tuple[str, str | int | bool]], number: int, size: int, what: str
    ) -> tuple[Any, int | None, str | None]:
        """One page of a list: (raw records, total, next cursor)."""
        query: QueryParams = [*params, ("page[number]", number), ("page[size]", size)]
        body = await self.http.get_json(path, query)
        items = self._data(body, what)
        if not isinstance(items, list):
            raise BadPayloadError(
                f"{self.label}: expected a list of {what}, got {type(items).__name__}.",
                provider=self.name,
                field="data",
            )
        meta = self._meta(body)
        total = meta.total_results if meta is not None else None
        if meta is not None and meta.total_pages is not None:
            more = number < meta.total_pages
        elif total is not None:
            more = number * size < total
        else:
            more = len(items) >= size  # no paging information: a full page may have a successor
        more = more and bool(items)
        return items, total, encode_page(number + 1, size) if more else None

    # -- sessions ------------------------------------------------------------------------

    def page_cursor(self, query: SessionQuery, offset: int, limit: int) -> str | None:
        size = _clamp_size(limit)
        if offset <= 0:
            return None
        return encode_page(offset // size + 1, size)

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        number, size = decode_page(cursor) if cursor else (1, _clamp_size(limit))
        params: list[tuple[str, str | int | bool]] = [("include_participants", True)]
        if query.status is SessionStatus.LIVE:
            params.append(("filter[active]", True))
        elif query.status is SessionStatus.ENDED:
            params.append(("filter[active]", False))
        elif query.status is SessionStatus.UNKNOWN:
            # Every Telnyx session is active or not: none has an unknown status.
            return Page[Session](items=[], next_cursor=None, total=0)
        items, total, next_cursor = await self._list("room_sessions", params, number, size, "room sessions")
        rooms = await self._room_names(_room_ids(items))
        now = self.clock()
        sessions = parse_records(
            items,
            TelnyxSession,
            lambda s: self._session(s, now, rooms),
            lambda index, raw, problem: self._session_placeholder(raw, problem, f"{number}.{index + 1}"),
            provider=self.label,
            what="room sessions",
        )
        if self._order.violated(cursor, sessions, next_cursor):
            # The API documents no order: newest first is what it does in practice.
            sessions = newest_first(sessions)
            self.newest_first = False
            self.notice(
                "Telnyx Rooms listed room sessions in another order than newest first; this page "
                "was sorted here, and lists are now read whole and sorted locally."
            )
        return Page[Session](items=sessions, next_cursor=next_cursor, total=total)

    async def get_session(self, session_id: str) -> Session:
        body = await self.http.get_json(self._session_path(session_id), {"include_participants": True})
        raw = self._data(body, "room session")
        rooms = await self._room_names(_room_ids([raw]))
        now = self.clock()
        [session] = parse_records(
            [raw],
            TelnyxSession,
            lambda s: self._session(s, now, rooms),
            lambda _index, raw_item, problem: self._session_placeholder(raw_item, problem, "1"),
            provider=self.label,
            what="room session",
        )
        if session.problem is not None and recover_id(raw) is None:
            raise BadPayloadError(
                f"{self.label} sent an unreadable room session: {session.problem}",
                provider=self.name,
                field=session.problem.split(":")[0],
            )
        embedded = raw.get("participants") if isinstance(raw, Mapping) else None
        if session.problem is None and isinstance(embedded, list):
            session = await self._counted(session, len(embedded), now)
        return session

    async def _counted(self, session: Session, embedded: int, now: datetime) -> Session:
        """``include_participants`` has no documented cap: the session's embedded count is
        compared with its participant list's ``total_results`` (one request), and when they
        disagree the list is read to count, and the session says where its figures came from."""
        path = self._session_path(session.id, "/participants")
        items, total, next_cursor = await self._list(path, [], 1, MAX_PAGE_SIZE, "room participants")
        if total is None or total == embedded:
            return session
        spans = [_span(raw) for raw in items]
        number = 1
        while next_cursor is not None and number < MAX_COUNT_PAGES:
            number += 1
            more, _total, next_cursor = await self._list(path, [], number, MAX_PAGE_SIZE, "room participants")
            spans.extend(_span(raw) for raw in more)
        readable = [span for span in spans if span is not None]
        extra = {
            **session.extra,
            "participants_embedded": embedded,
            "participant_count_from": "participant list (include_participants returned fewer)"
            if total > embedded
            else "participant list (include_participants returned more)",
        }
        update: dict[str, Any] = {"participant_count": total, "extra": extra}
        if len(readable) == total:
            update["max_concurrent"] = _peak(readable, now)
            live = session.status is SessionStatus.LIVE
            update["live_participants"] = sum(1 for _j, left in readable if left is None) if live else 0
        else:
            update["max_concurrent"] = update["live_participants"] = None
        self.notice(
            f"Room session {session.id}: include_participants gave {embedded} participants, its "
            f"participant list {total}; the list's count is shown."
        )
        return session.model_copy(update=update)

    def _session(self, s: TelnyxSession, now: datetime, rooms: Mapping[str, str | None]) -> Session:
        """The one place a Telnyx room session becomes a unified Session."""
        started = as_utc(s.created_at)
        ended = as_utc(s.ended_at)
        updated = as_utc(s.updated_at)
        if s.active is True:
            status = SessionStatus.LIVE
        elif s.active is False:
            status = SessionStatus.ENDED
            ended = ended or updated  # an ended session is last updated when it ends
        else:
            status = SessionStatus.ENDED if ended else SessionStatus.UNKNOWN
        if status is SessionStatus.LIVE:
            duration = seconds_between(started, now)
        else:
            duration = seconds_between(started, ended)
        count = present = peak = None
        if s.participants is not None:
            count = len(s.participants)
            spans = [span for span in map(_span, s.participants) if span is not None]
            if len(spans) == count:  # every participant readable: the figures are exact
                peak = _peak(spans, now)
                live = status is SessionStatus.LIVE
                present = sum(1 for _joined, left in spans if left is None) if live else 0
        extra: dict[str, Any] = {}
        if updated is not None:
            extra["updated_at"] = _isoformat(updated)
        if s.active is False and s.ended_at is None and updated is not None:
            extra["ended_at_from"] = "updated_at"
        if s.record_type not in (None, "room_session"):
            extra["record_type"] = text(s.record_type)
        extra.update(extras(s.model_extra or {}, set()))
        return Session(
            provider=self.name,
            profile=self.profile,
            id=s.id,
            name="",
            room_id=s.room_id,
            room_name=rooms.get(s.room_id) if s.room_id else None,
            status=status,
            started_at=started,
            ended_at=ended,
            duration_s=duration,
            participant_count=count,
            max_concurrent=peak,
            live_participants=present,
            extra=extra,
        )

    def _session_placeholder(self, raw: Any, problem: str, where: str) -> Session:
        room = raw.get("room_id") if isinstance(raw, Mapping) else None
        return placeholder(
            Session,
            raw,
            problem,
            fallback_id=f"unreadable-{where}",
            provider=self.name,
            profile=self.profile,
            room_id=text(room) if isinstance(room, str) else None,
        )

    # -- rooms (names for sessions) ------------------------------------------------------

    async def _room_names(self, room_ids: Iterable[str]) -> dict[str, str | None]:
        """Room id -> unique name, from the cache or ``/rooms/{id}`` (a bounded number)."""
        wanted = list(dict.fromkeys(room_ids))
        unknown = [room for room in wanted if room not in self._rooms][: self.room_lookups_per_page]
        if unknown:
            results = await asyncio.gather(
                *(self._lookup_room(room) for room in unknown), return_exceptions=True
            )
            for room, result in zip(unknown, results, strict=True):
                if isinstance(result, NotFoundError):
                    self._rooms.put(room, None)  # deleted room: do not ask again
                elif isinstance(result, BaseException):
                    if not isinstance(result, (ProviderError, ValidationError)):
                        raise result
                    # Unreachable, rate limited, refused, unreadable: the session keeps its id.
                else:
                    self._rooms.put(room, result)
        out: dict[str, str | None] = {}
        for room in wanted:
            if room in self._rooms:
                out[room] = self._rooms.get(room)
        return out

    async def _lookup_room(self, room_id: str) -> str | None:
        body = await self.http.get_json(f"rooms/{self.http.segment(room_id, 'room id')}")
        room = TelnyxRoom.model_validate(self._data(body, "room"))
        return text(room.unique_name)

    # -- participants --------------------------------------------------------------------

    async def list_participants(self, session_id: str, cursor: str | None, limit: int) -> Page[Participant]:
        number, size = decode_page(cursor) if cursor else (1, _clamp_size(limit))
        items, total, next_cursor = await self._list(
            self._session_path(session_id, "/participants"), [], number, size, "room participants"
        )
        now = self.clock()
        participants = parse_records(
            items,
            TelnyxParticipant,
            lambda p: self._participant(p, session_id, now),
            lambda index, raw, problem: placeholder(
                Participant,
                raw,
                problem,
                fallback_id=f"unreadable-{number}.{index + 1}",
                provider=self.name,
                session_id=session_id,
            ),
            provider=self.label,
            what="room participants",
        )
        return Page[Participant](items=participants, next_cursor=next_cursor, total=total)

    async def get_participant(self, session_id: str, participant_id: str) -> Participant:
        """``/room_participants/{id}``: one request; a participant of another session is not
        this session's."""
        self.http.segment(session_id, "room session id")  # checked as in every other request
        path = f"room_participants/{self.http.segment(participant_id, 'room participant id')}"
        missing = NotFoundError(
            f"{self.label}: no participant {participant_id!r} in room session {session_id!r}.",
            provider=self.name,
            status=404,
        )
        try:
            body = await self.http.get_json(path)
        except NotFoundError:
            raise missing from None
        raw = self._data(body, "room participant")
        now = self.clock()
        [participant] = parse_records(
            [raw],
            TelnyxParticipant,
            lambda p: self._participant(p, session_id, now),
            lambda _index, item, problem: placeholder(
                Participant,
                item,
                problem,
                fallback_id=participant_id,
                provider=self.name,
                session_id=session_id,
            ),
            provider=self.label,
            what="room participant",
        )
        owner = raw.get("session_id") if isinstance(raw, Mapping) else None
        if isinstance(owner, str) and owner.strip() and owner.strip().lower() != session_id.strip().lower():
            raise missing
        return participant

    def _participant(self, p: TelnyxParticipant, session_id: str, now: datetime) -> Participant:
        """The one place a Telnyx room participant becomes a unified Participant."""
        joined = as_utc(p.joined_at)
        left = as_utc(p.left_at)
        extra: dict[str, Any] = {}
        if p.updated_at is not None:
            extra["updated_at"] = _isoformat(as_utc(p.updated_at))
        if p.session_id and p.session_id != session_id:
            extra["session_id"] = text(p.session_id)
        if p.record_type not in (None, "room_participant"):
            extra["record_type"] = text(p.record_type)
        extra.update(extras(p.model_extra or {}, set()))
        return Participant(
            provider=self.name,
            session_id=session_id,
            id=p.id,
            name=text(p.context) or "",
            joined_at=joined,
            left_at=left,
            duration_s=seconds_between(joined, left or now) if joined else None,
            extra=extra,
        )

    # -- recordings ----------------------------------------------------------------------

    async def list_recordings(self, session_id: str, cursor: str | None, limit: int) -> Page[Recording]:
        """The session's per-participant recordings (``/room_recordings``), then its
        compositions (``/room_compositions``: the recordings mixed into one video)."""
        self.http.segment(session_id, "room session id")  # checked as in every other request
        if cursor is not None and cursor.startswith(COMPOSITIONS):
            return await self._compositions(session_id, cursor.removeprefix(COMPOSITIONS), limit)
        number, size = decode_page(cursor) if cursor else (1, _clamp_size(limit))
        items, total, next_cursor = await self._list(
            "room_recordings", [("filter[session_id]", session_id)], number, size, "room recordings"
        )
        recordings = parse_records(
            items,
            TelnyxRecording,
            lambda r: self._recording(r, session_id),
            lambda index, raw, problem: placeholder(
                Recording,
                raw,
                problem,
                fallback_id=f"unreadable-{number}.{index + 1}",
                provider=self.name,
                session_id=session_id,
            ),
            provider=self.label,
            what="room recordings",
        )
        if next_cursor is not None:
            return Page[Recording](items=recordings, next_cursor=next_cursor, total=None)
        # The last page of recordings: the compositions follow on the same page.
        mixed = await self._compositions(session_id, encode_page(1, size), size)
        both = total + mixed.total if total is not None and mixed.total is not None else None
        return Page[Recording](items=recordings + mixed.items, next_cursor=mixed.next_cursor, total=both)

    async def _compositions(self, session_id: str, cursor: str, limit: int) -> Page[Recording]:
        number, size = decode_page(cursor) if cursor else (1, _clamp_size(limit))
        items, total, next_cursor = await self._list(
            "room_compositions", [("filter[session_id]", session_id)], number, size, "room compositions"
        )
        compositions = parse_records(
            items,
            TelnyxComposition,
            lambda c: self._composition(c, session_id),
            lambda index, raw, problem: placeholder(
                Recording,
                raw,
                problem,
                fallback_id=f"unreadable-composition-{number}.{index + 1}",
                provider=self.name,
                session_id=session_id,
            ),
            provider=self.label,
            what="room compositions",
        )
        return Page[Recording](
            items=compositions, next_cursor=COMPOSITIONS + next_cursor if next_cursor else None, total=total
        )

    def _composition(self, c: TelnyxComposition, session_id: str) -> Recording:
        """The one place a Telnyx room composition becomes a unified Recording (of no one
        participant: the session's media mixed)."""
        started, ended = as_utc(c.started_at), as_utc(c.ended_at)
        duration = c.duration_secs if c.duration_secs is not None else seconds_between(started, ended)
        size = None
        if c.size_mb is not None and math.isfinite(c.size_mb) and c.size_mb >= 0:
            size = round(c.size_mb * BYTES_PER_MB)
        extra: dict[str, Any] = {
            key: value
            for key, value in (
                ("kind", "composition"),
                ("resolution", text(c.resolution)),
                ("size_mb", c.size_mb),
                ("room_id", text(c.room_id)),
                ("completed_at", _isoformat(as_utc(c.completed_at))),
                ("created_at", _isoformat(as_utc(c.created_at))),
                ("record_type", text(c.record_type) if c.record_type != "composition" else None),
            )
            if value is not None
        }
        extra.update(extras(c.model_extra or {}, {"user_id", "video_layout", "webhook_event_url"}))
        return Recording(
            provider=self.name,
            session_id=session_id,
            id=c.id,
            status=text(c.status),
            started_at=started,
            ended_at=ended,
            duration_s=float(duration) if duration is not None and math.isfinite(duration) else None,
            size_bytes=size,
            format=text(c.format),
            url=text(c.download_url),
            extra=extra,
        )

    def _recording(self, r: TelnyxRecording, session_id: str) -> Recording:
        """The one place a Telnyx room recording becomes a unified Recording."""
        started = as_utc(r.started_at)
        ended = as_utc(r.ended_at)
        duration = r.duration_secs if r.duration_secs is not None else seconds_between(started, ended)
        size = None
        if r.size_mb is not None and math.isfinite(r.size_mb) and r.size_mb >= 0:
            size = round(r.size_mb * BYTES_PER_MB)
        extra: dict[str, Any] = {
            key: value
            for key, value in (
                ("type", text(r.type)),
                ("size_mb", r.size_mb),
                ("room_id", text(r.room_id)),
                ("completed_at", _isoformat(as_utc(r.completed_at))),
                ("created_at", _isoformat(as_utc(r.created_at))),
                ("updated_at", _isoformat(as_utc(r.updated_at))),
                ("record_type", text(r.record_type) if r.record_type != "room_recording" else None),
            )
            if value is not None
        }
        extra.update(extras(r.model_extra or {}, set()))
        return Recording(
            provider=self.name,
            session_id=session_id,
            id=r.id,
            status=text(r.status),
            started_at=started,
            ended_at=ended,
            duration_s=float(duration) if duration is not None and math.isfinite(duration) else None,
            size_bytes=size,
            format=text(r.codec),
            url=text(r.download_url),
            participant_id=text(r.participant_id),
            extra=extra,
        )

    # -- health --------------------------------------------------------------------------

    async def check(self) -> str:
        body = await self.http.get_json("room_sessions", [("page[number]", 1), ("page[size]", 1)])
        self._data(body, "room sessions")
        meta = self._meta(body)
        host = httpx.URL(self.base_url).host
        if meta is not None and meta.total_results is not None:
            return f"{self.label} at {host}: {meta.total_results:,} room sessions"
        return f"{self.label} at {host}: credentials accepted"


# ---------------------------------------------------------------------------------------
# Helpers on raw records


def _room_ids(items: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            room = item.get("room_id")
            if isinstance(room, str) and room.strip() and len(room) <= 200:
                out.append(room)
    return out


def _span(raw: Any) -> tuple[datetime, datetime | None] | None:
    """(joined, left or None) of an embedded participant, or None if unreadable."""
    if not isinstance(raw, Mapping):
        return None
    joined = parse_time(raw.get("joined_at"))
    if joined is None:
        return None
    return joined, parse_time(raw.get("left_at"))


def _peak(spans: list[tuple[datetime, datetime | None]], now: datetime) -> int:
    """Most participants present at once."""
    edges: list[tuple[datetime, int]] = []
    for joined, left in spans:
        end = left if left is not None else now
        if end < joined:
            continue
        edges.append((joined, 1))
        edges.append((end, -1))
    edges.sort(key=lambda edge: (edge[0], edge[1]))
    best = current = 0
    for _moment, delta in edges:
        current += delta
        best = max(best, current)
    return best
