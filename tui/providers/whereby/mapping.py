"""Whereby records mapped to the unified models: one function per kind (room sessions,
participants, recordings, the events derived from them), and the placeholder of each when
a record is unreadable.

Ids: ``Session.id`` is Whereby's ``roomSessionId`` (the id its dashboard, participants and
recordings use). Whereby has no event list: a session's events are derived from its start
and end and its participants' joins and leaves; a participant's own events come from its
``/insights/participant`` items (format undocumented).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from roomscope.tui.models import Event, EventKind, Participant, Recording, Session, SessionStatus
from roomscope.tui.providers.parsing import (
    as_utc,
    extras,
    jsonable,
    number,
    parse_time,
    placeholder,
    recover_id,
    recover_name,
    seconds_between,
    text,
)
from roomscope.tui.providers.whereby.payloads import (
    PARTICIPANT_FIELDS,
    RECORDING_FIELDS,
    ROOM_SESSION_FIELDS,
    WbParticipant,
    WbRecording,
    WbRoomSession,
)
from roomscope.tui.providers.whereby.rooms import BadRoom
from roomscope.tui.providers.whereby.useragent import parse_user_agent

PROVIDER = "whereby"
MINUTES_NOTE = "Whereby minute totals are whole minutes, rounded up per connection."


def _whole(value: float | None) -> float | int | None:
    """A count as the API sent it: integral values stay integers."""
    return int(value) if value is not None and value.is_integer() else value


def session(record: WbRoomSession, now: datetime, room: str | None, *, profile: str) -> Session:
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
        provider=PROVIDER,
        profile=profile,
        id=record.roomSessionId,
        room_name=text(record.roomName) or room,
        status=SessionStatus.ENDED if ended is not None else SessionStatus.LIVE,
        started_at=started,
        ended_at=ended,
        duration_s=seconds_between(started, end_or_now),
        participant_count=record.totalUniqueParticipants,
        extra=extra,
    )


def session_placeholder(index: int, raw: Any, problem: str, room: str | None, *, profile: str) -> Session:
    return placeholder(
        Session,
        raw,
        f"Whereby room session unreadable: {problem}",
        id_keys=("roomSessionId",),
        fallback_id=f"unreadable:{room or '?'}:{index}",
        keep_raw=True,
        provider=PROVIDER,
        profile=profile,
        room_name=(text(recover_id(raw, "roomName")) or room),
    )


def bad_room_placeholder(room: BadRoom, *, profile: str) -> Session:
    name = recover_id(room.raw, "roomName")
    return placeholder(
        Session,
        room.raw,
        f"Whereby room record unreadable, its sessions are not listed: {room.problem}",
        id_keys=(),
        fallback_id=f"unreadable-room:{name or room.index}",
        keep_raw=True,
        provider=PROVIDER,
        profile=profile,
        room_name=text(name),
    )


def participant(record: WbParticipant, sid: str, now: datetime) -> Participant:
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
        provider=PROVIDER,
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


def participant_placeholder(index: int, raw: Any, problem: str, sid: str) -> Participant:
    return placeholder(
        Participant,
        raw,
        f"Whereby participant unreadable: {problem}",
        id_keys=("participantId",),
        fallback_id=f"unreadable:{index}",
        keep_raw=True,
        provider=PROVIDER,
        session_id=sid,
        name=recover_name(raw, "displayName"),
    )


def participant_from_details(
    sid: str, pid: str, record: Participant | None, details: list[dict[str, Any]]
) -> Participant:
    """The participant from its list record and its ``/insights/participant`` items (the
    device from the user agent; the items alone when the list does not hold it)."""
    first = details[0] if details else {}
    device = next((parse_user_agent(d.get("userAgent")) for d in details if text(d.get("userAgent"))), None)
    detail_extra = {
        "user_role": text(first.get("userRole")),
        "sample_rate_ms": number(first.get("sampleRateMs"), "interval_ms"),
        "detail_items": len(details),
    }
    if record is None:
        return Participant(
            provider=PROVIDER,
            session_id=sid,
            id=pid,
            name=text(first.get("displayName")) or "",
            role=text(first.get("userRole")),
            joined_at=parse_time(first.get("timeStamp"), epochs=True),
            device=device,
            extra={**detail_extra, "note": "not in the session's participant list"},
        )
    return record.model_copy(update={"device": device, "extra": {**record.extra, **detail_extra}})


def recording(record: WbRecording) -> Recording:
    """The one mapping from a Whereby recording to the unified model."""
    started = as_utc(record.startDate)
    ended = as_utc(record.endDate)
    size = record.sizeInMegaBytes
    filename = text(record.filename)
    ext = filename.rsplit(".", 1)[1].lower() if filename and "." in filename else None
    extra: dict[str, Any] = {"filename": filename, "size_megabytes": size}
    extra.update(extras(record.model_dump(mode="json"), RECORDING_FIELDS))
    return Recording(
        provider=PROVIDER,
        session_id=record.roomSessionId or "",
        id=record.recordingId,
        started_at=started,
        ended_at=ended,
        duration_s=seconds_between(started, ended),
        size_bytes=round(size * 1_000_000) if size is not None and size >= 0 else None,
        format=ext if ext and len(ext) <= 8 else None,
        extra=extra,
    )


def recording_placeholder(index: int, raw: Any, problem: str) -> Recording:
    return placeholder(
        Recording,
        raw,
        f"Whereby recording unreadable: {problem}",
        id_keys=("recordingId",),
        fallback_id=f"unreadable:{index}",
        keep_raw=True,
        provider=PROVIDER,
        session_id=recover_id(raw, "roomSessionId") or "",
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


def connection_events(
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
        events.extend(connection_events(participant, session.id, kind, provider=provider))
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
    return ordered(events)


def ordered(events: list[Event]) -> list[Event]:
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(events, key=lambda e: (e.at or floor, e.id))
