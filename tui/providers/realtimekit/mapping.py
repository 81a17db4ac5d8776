"""Cloudflare RealtimeKit records mapped to the unified models: one function per kind
(sessions, participants with their device and network, peer and client events, recordings,
chat/transcript/summary links), and the placeholder of each when a record is unreadable."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from roomscope.tui.models import (
    Artifact,
    DeviceInfo,
    Event,
    EventKind,
    NetworkInfo,
    Participant,
    Recording,
    Session,
    SessionStatus,
)
from roomscope.tui.providers.parsing import (
    as_utc,
    describe_validation_error,
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
from roomscope.tui.providers.realtimekit.payloads import (
    ClientEventRecord,
    LegacyDeviceInfo,
    LegacyIpInformation,
    LegacyPeerStats,
    ParticipantRecord,
    PeerEventRecord,
    PrecallNetwork,
    RecordingRecord,
    ReportBrowser,
    ReportDeviceInfo,
    ReportIpInformation,
    ReportPcMetadata,
    SessionRecord,
    read_section,
    usable_id,
)

PROVIDER = "realtimekit"
LABEL = "Cloudflare RealtimeKit"


# ---------------------------------------------------------------------------------------
# Sessions


SESSION_FIELDS = frozenset(
    {
        "id",
        "associated_id",
        "meeting_display_name",
        "status",
        "started_at",
        "ended_at",
        "live_participants",
        "max_concurrent_participants",
        "minutes_consumed",
    }
)


def session(record: SessionRecord, now: datetime, *, profile: str) -> Session:
    raw_status = (record.status or "").upper()
    status = {"LIVE": SessionStatus.LIVE, "ENDED": SessionStatus.ENDED}.get(raw_status, SessionStatus.UNKNOWN)
    started = as_utc(record.started_at)
    ended = as_utc(record.ended_at)
    if status is SessionStatus.LIVE:
        duration = seconds_between(started, ended or now)
    else:
        duration = seconds_between(started, ended)
    extra = extras(record.model_dump(mode="json"), set(SESSION_FIELDS))
    extra = {k: v for k, v in extra.items() if v not in (None, [], {})}
    if record.minutes_consumed is not None:
        extra["minutes_consumed (min)"] = record.minutes_consumed
    if status is SessionStatus.UNKNOWN and record.status is not None:
        extra["status"] = text(record.status)
    return Session(
        provider=PROVIDER,
        profile=profile,
        id=record.id,
        name=text(record.meeting_display_name) or "",
        room_id=text(record.associated_id),
        status=status,
        started_at=started,
        ended_at=ended,
        duration_s=duration,
        max_concurrent=record.max_concurrent_participants,
        live_participants=record.live_participants,
        extra=extra,
    )


def session_placeholder(index: int, raw: Any, reason: str, *, profile: str) -> Session:
    return placeholder(
        Session,
        raw,
        reason,
        fallback_id=f"(record {index + 1})",
        provider=PROVIDER,
        profile=profile,
        name=recover_name(raw, "meeting_display_name"),
    )


# ---------------------------------------------------------------------------------------
# Participants

PARTICIPANT_FIELDS = frozenset(
    {
        "id",
        "display_name",
        "user_id",
        "custom_participant_id",
        "preset_name",
        "role",
        "joined_at",
        "left_at",
        "duration",
        "peer_events",
        "peer_stats",
        "quality_stats",
        "peer_report",
        "session_id",
    }
)
DETAIL_FIELDS = PARTICIPANT_FIELDS | {"created_at", "updated_at"}
"""A participant body holds at least one of these (else it is not a participant)."""


def participant(
    session_id: str,
    record: ParticipantRecord,
    *,
    device: DeviceInfo | None = None,
    network: NetworkInfo | None = None,
) -> Participant:
    joined, left = as_utc(record.joined_at), as_utc(record.left_at)
    duration = record.duration * 60.0 if record.duration is not None else None
    if duration is None:
        duration = seconds_between(joined, left)
    peers = peer_ids(record)
    joins = [e for e in _peer_event_records(record) if e.event_name == "PEER_JOINING"]
    extra = extras(record.model_dump(mode="json"), set(PARTICIPANT_FIELDS))
    extra = {k: v for k, v in extra.items() if v not in (None, [], {})}
    if len(peers) > 1:
        extra["peer_ids"] = peers
    return Participant(
        provider=PROVIDER,
        session_id=session_id,
        id=record.id,
        name=text(record.display_name) or "",
        user_id=text(record.user_id),
        external_id=text(record.custom_participant_id),
        role=text(record.preset_name) or text(record.role),
        joined_at=joined,
        left_at=left,
        duration_s=round(duration, 3) if duration is not None else None,
        reconnects=max(0, len(joins) - 1) if record.peer_events is not None else None,
        device=device,
        network=network,
        extra=extra,
    )


def participant_placeholder(session_id: str, index: int, raw: Any, reason: str) -> Participant:
    return placeholder(
        Participant,
        raw,
        reason,
        fallback_id=f"(record {index + 1})",
        provider=PROVIDER,
        session_id=session_id,
        name=recover_name(raw, "display_name"),
    )


def _peer_event_records(record: ParticipantRecord) -> list[PeerEventRecord]:
    out = []
    for raw in record.peer_events or []:
        event = read_section(PeerEventRecord, raw)
        if event is not None:
            out.append(event)
    return sorted(out, key=lambda e: e.created_at)


def peer_ids(record: ParticipantRecord) -> list[str]:
    """The participant's peers (one per connection), oldest first; its id is the first.
    Peers of events whose time is unreadable come last; a peer id that is not a UUID
    (the peer-report path takes UUIDs only) is not a peer that can be asked about."""
    timed = [event.peer_id for event in _peer_event_records(record)]
    untimed = [raw.get("peer_id") for raw in record.peer_events or [] if isinstance(raw, Mapping)]
    peers = [record.id]
    for candidate in (*timed, *untimed):
        peer = usable_id(candidate)
        if peer is not None and peer not in peers:
            peers.append(peer)
    return peers


# device and network, one mapping per payload generation


def legacy_device(stats: LegacyPeerStats) -> DeviceInfo | None:
    info = read_section(LegacyDeviceInfo, stats.device_info)
    if info is None:
        return None
    sdk = " ".join(v for v in (info.sdk_name, info.sdk_version) if v) or None
    return DeviceInfo(
        browser=text(info.browser),
        browser_version=text(info.browser_version),
        os=text(info.os),
        os_version=text(info.os_version),
        device_type=None if info.is_mobile is None else ("mobile" if info.is_mobile else "desktop"),
        user_agent=text(info.user_agent),
        sdk=text(sdk),
    )


def _split_org(org: str | None) -> tuple[str | None, str | None]:
    """ipinfo-style ``"AS7922 Comcast Cable"`` -> (asn, name)."""
    if not org:
        return None, None
    match = re.match(r"^(AS\d+)\s+(.+)$", org.strip())
    return (match.group(1), match.group(2)) if match else (None, org)


def legacy_network(stats: LegacyPeerStats) -> NetworkInfo | None:
    ip = read_section(LegacyIpInformation, stats.ip_information)
    precall = read_section(PrecallNetwork, stats.precall_network_information)
    if ip is None and precall is None:
        return None
    asn, isp = _split_org(ip.org if ip else None)
    return NetworkInfo(
        isp=text(isp),
        asn=text(asn),
        ip=text(ip.ipv4) if ip else None,
        city=text(ip.city) if ip else None,
        region=text(ip.region) if ip else None,
        country=text(ip.country) if ip else None,
        connection_type=text(precall.effective_networktype) if precall else None,
    )


def report_device(metadata: Any) -> DeviceInfo | None:
    if not isinstance(metadata, Mapping):
        return None
    info = read_section(ReportDeviceInfo, metadata.get("device_info"))
    browser = read_section(ReportBrowser, metadata.get("browser_metadata"))
    if info is None and browser is None:
        return None
    sdk_parts = [metadata.get("sdk_name"), metadata.get("sdk_version")]
    sdk = " ".join(v for v in sdk_parts if isinstance(v, str) and v) or None
    mobile = info.is_mobile if info else None
    return DeviceInfo(
        browser=text(browser.browser) if browser else None,
        browser_version=text(browser.browser_version) if browser else None,
        os=text(info.os) if info else None,
        os_version=text(info.os_version) if info else None,
        device_type=None if mobile is None else ("mobile" if mobile else "desktop"),
        user_agent=text(browser.user_agent) if browser else None,
        sdk=text(sdk),
    )


def report_network(metadata: Any) -> NetworkInfo | None:
    if not isinstance(metadata, Mapping):
        return None
    ip = read_section(ReportIpInformation, metadata.get("ip_information"))
    connection = None
    pcs = metadata.get("pc_metadata")
    if isinstance(pcs, list):
        for raw in reversed(pcs):
            pc = read_section(ReportPcMetadata, raw)
            if pc is not None and pc.effective_network_type:
                connection = pc.effective_network_type
                break
    if ip is None and connection is None:
        return None
    asn = ip.asn.asn if ip and ip.asn else None
    isp = ip.asn.name if ip and ip.asn else None
    if ip is not None and (asn is None or isp is None):
        org_asn, org_name = _split_org(ip.org)
        asn, isp = asn or org_asn, isp or org_name
    return NetworkInfo(
        isp=text(isp),
        asn=text(asn),
        ip=text(ip.ipv4) if ip else None,
        city=text(ip.city) if ip else None,
        region=text(ip.region) if ip else None,
        country=text(ip.country) if ip else None,
        connection_type=text(connection),
    )


# ---------------------------------------------------------------------------------------
# Events: peer lifecycle events and client-side events


def event_placeholder(session_id: str, raw: Any, index: int, exc: ValidationError) -> Event:
    who = recover_id(raw, "id")
    return placeholder(
        Event,
        raw,
        f"participant {describe_validation_error(exc)}",
        id_keys=(),
        fallback_id=f"{who or f'(record {index + 1})'}:events",
        provider=PROVIDER,
        session_id=session_id,
        participant_id=who,
    )


def events_of(session_id: str, record: ParticipantRecord, raw_events: Any) -> list[Event]:
    name = text(record.display_name)
    events = parse_records(
        raw_events or [],
        PeerEventRecord,
        lambda e: peer_event(session_id, record.id, name, e),
        lambda i, r, why: placeholder(
            Event,
            r,
            why,
            fallback_id=f"{record.id}:peer-event:{i + 1}",
            provider=PROVIDER,
            session_id=session_id,
            participant_id=record.id,
            participant_name=name,
        ),
        provider=LABEL,
        what="peer events",
    )
    # The participant's first join is a join; its later peers joining are reconnects.
    joins = sorted(
        (e for e in events if e.kind is EventKind.JOIN and e.at is not None),
        key=lambda e: e.at or datetime.min.replace(tzinfo=UTC),
    )
    later = {id(e) for e in joins[1:]}
    return [e.model_copy(update={"kind": EventKind.RECONNECT}) if id(e) in later else e for e in events]


PEER_EVENT_KINDS = {
    "PEER_JOINING": EventKind.JOIN,
    "PEER_LEAVING": EventKind.LEAVE,
}


def peer_event(
    session_id: str, participant_id: str, participant_name: str | None, event: PeerEventRecord
) -> Event:
    kind = PEER_EVENT_KINDS.get(event.event_name, EventKind.OTHER)
    at = as_utc(event.created_at) or event.created_at
    detail = f"peer {event.peer_id}" if event.peer_id else ""
    extra = extras(
        event.model_dump(mode="json"), {"id", "event_name", "created_at", "participant_id", "session_id"}
    )
    return Event(
        provider=PROVIDER,
        session_id=session_id,
        id=text(event.id) or f"{event.peer_id or participant_id}:{event.event_name}:{iso(event.created_at)}",
        at=at,
        kind=kind,
        name=text(event.event_name) or "",
        participant_id=participant_id,
        participant_name=participant_name,
        level="info",
        detail=detail,
        extra={k: v for k, v in extra.items() if v is not None},
    )


# Client-side event names (undocumented): a best guess at the common ones, raw name kept.

_CLIENT_EVENT_KINDS: dict[str, EventKind] = {
    **dict.fromkeys(("audio_off", "audio_muted", "mic_off", "mute", "muted"), EventKind.MUTE),
    **dict.fromkeys(("audio_on", "audio_unmuted", "mic_on", "unmute", "unmuted"), EventKind.UNMUTE),
    **dict.fromkeys(("video_off", "video_muted", "camera_off"), EventKind.VIDEO_OFF),
    **dict.fromkeys(("video_on", "video_unmuted", "camera_on"), EventKind.VIDEO_ON),
    **dict.fromkeys(
        ("screenshare_on", "screenshare_start", "screenshare_started", "screen_share_started"),
        EventKind.SCREENSHARE_START,
    ),
    **dict.fromkeys(
        ("screenshare_off", "screenshare_stop", "screenshare_stopped", "screen_share_stopped"),
        EventKind.SCREENSHARE_STOP,
    ),
    **dict.fromkeys(("reconnect", "reconnected", "reconnecting", "ice_restart"), EventKind.RECONNECT),
}


def client_event_kind(name: str) -> EventKind:
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return _CLIENT_EVENT_KINDS.get(key, EventKind.OTHER)


def client_events_of(
    session_id: str, participant_id: str, name: str | None, peer: str, raw_events: Any
) -> list[Event]:
    return parse_records(
        raw_events,
        ClientEventRecord,
        lambda e: client_event(session_id, participant_id, name, peer, e),
        lambda i, r, why: placeholder(
            Event,
            r,
            why,
            id_keys=(),
            fallback_id=f"{peer}:client-event:{i + 1}",
            provider=PROVIDER,
            session_id=session_id,
            participant_id=participant_id,
            participant_name=name,
        ),
        provider=LABEL,
        what="client events",
    )


def client_event(
    session_id: str,
    participant_id: str,
    participant_name: str | None,
    peer: str,
    event: ClientEventRecord,
) -> Event:
    label = text(event.name or event.type) or "event"
    extra = extras(event.model_dump(mode="json"), {"timestamp", "name", "type"})
    return Event(
        provider=PROVIDER,
        session_id=session_id,
        id=f"{peer}:{label}:{iso(event.timestamp)}",
        at=as_utc(event.timestamp),
        kind=client_event_kind(label),
        name=label,
        participant_id=participant_id,
        participant_name=participant_name,
        level="info",
        detail=f"client event (peer {peer})",
        extra={"peer_id": peer, **extra},
    )


# ---------------------------------------------------------------------------------------
# Recordings and artifacts


def recording(session_id: str, record: RecordingRecord) -> Recording:
    started, stopped = as_utc(record.started_time), as_utc(record.stopped_time)
    duration = record.recording_duration
    if duration is None:
        duration = seconds_between(started, stopped)
    dumped = record.model_dump(mode="json")
    extra: dict[str, Any] = {
        key: jsonable(dumped[key])
        for key in (
            "invoked_time",
            "output_file_name",
            "audio_download_url",
            "start_reason",
            "stop_reason",
        )
        if dumped.get(key) is not None
    }
    if isinstance(record.meeting, dict):
        extra["meeting"] = {
            k: jsonable(record.meeting.get(k)) for k in ("id", "title") if k in record.meeting
        }
    if isinstance(record.storage_config, dict):
        # Only where it went: the config can carry passwords and keys.
        extra["storage"] = {
            k: jsonable(record.storage_config[k])
            for k in ("type", "bucket", "region", "path")
            if k in record.storage_config
        }
    return Recording(
        provider=PROVIDER,
        session_id=record.session_id or session_id,
        id=record.id,
        status=text(record.status),
        started_at=started,
        ended_at=stopped,
        duration_s=float(duration) if duration is not None else None,
        size_bytes=int(record.file_size) if record.file_size is not None else None,
        format=_extension(record.output_file_name) or _extension(record.download_url),
        url=record.download_url or None,
        url_expires_at=as_utc(record.download_url_expiry),
        extra=extra,
    )


def recording_placeholder(session_id: str, index: int, raw: Any, reason: str) -> Recording:
    return placeholder(
        Recording,
        raw,
        reason,
        fallback_id=f"(record {index + 1})",
        provider=PROVIDER,
        session_id=session_id,
    )


ARTIFACTS: tuple[tuple[str, str, str, str, str], ...] = (
    # kind, path, url field, expiry field, documented format
    ("chat", "chat", "chat_download_url", "chat_download_url_expiry", "csv"),
    ("transcript", "transcript", "transcript_download_url", "transcript_download_url_expiry", "csv"),
    ("summary", "summary", "summaryDownloadUrl", "summaryDownloadUrlExpiry", "txt"),
)


def artifact(
    session_id: str, kind: str, data: Mapping[str, Any], url_key: str, expiry_key: str, default_format: str
) -> Artifact:
    """One link of ``/sessions/{id}/chat|transcript|summary`` (``data`` is its answer)."""
    url = data.get(url_key)
    expiry_raw = data.get(expiry_key)
    expires = parse_time(expiry_raw)
    note = None
    if isinstance(expiry_raw, str) and expires is None:
        note = f"unreadable expiry {text(expiry_raw)!r}"
    if not isinstance(url, str) or not url:
        note = f"{LABEL} sent no {url_key}"
        url = None
    return Artifact(
        provider=PROVIDER,
        session_id=session_id,
        kind=kind,
        url=url,
        expires_at=expires,
        format=_extension(url) or default_format,
        note=note,
    )


def event_order(event: Event) -> tuple[datetime, str]:
    return (event.at or datetime.max.replace(tzinfo=UTC), event.id)


def _extension(name: str | None) -> str | None:
    """``mp4`` from ``x.mp4`` or ``https://host/x.mp4?sig=...``."""
    if not name:
        return None
    path = urlsplit(name).path if "://" in name else name
    leaf = path.rsplit("/", 1)[-1]
    if "." not in leaf:
        return None
    ext = leaf.rsplit(".", 1)[-1].lower()
    return ext if 1 <= len(ext) <= 5 and ext.isalnum() else None
