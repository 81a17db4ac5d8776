"""What Cloudflare RealtimeKit sends, as lenient payload models, and how a record is read
field by field so that one unreadable field costs that field, not the record.

The models keep unknown fields and make optional everything that may be missing, but a
timestamp must be an ISO string and an id a non-empty string. The API types every session,
participant and peer id in a path as a UUID (:func:`usable_id`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError

from roomscope.tui.providers.parsing import (
    ByteValue,
    Count,
    CountValue,
    Minutes,
    Sample,
    Seconds,
    describe_validation_error,
)

log = logging.getLogger("roomscope.realtimekit")

M = TypeVar("M", bound=BaseModel)


def _iso_only(value: Any) -> Any:
    """Timestamps arrive as ISO 8601 strings; numbers are not silently read as epochs."""
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp string, got {type(value).__name__}")
    return value


IsoTime = Annotated[datetime, BeforeValidator(_iso_only)]
Id = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow")


class SessionRecord(_Payload):
    id: Id
    started_at: IsoTime
    associated_id: str | None = None
    meeting_display_name: str | None = None
    status: str | None = None
    type: str | None = None
    created_at: IsoTime | None = None
    ended_at: IsoTime | None = None
    updated_at: IsoTime | None = None
    live_participants: Count = None
    max_concurrent_participants: Count = None
    minutes_consumed: Minutes = None
    organization_id: str | None = None


class PeerEventRecord(_Payload):
    event_name: str
    created_at: IsoTime
    id: str | None = None
    peer_id: str | None = None
    updated_at: IsoTime | None = None
    minutes_consumed: Minutes = None
    preset_view_type: str | None = None
    participant_id: str | None = None
    session_id: str | None = None
    socket_session_id: str | None = None


class ParticipantRecord(_Payload):
    id: Id
    display_name: str | None = None
    user_id: str | None = None
    custom_participant_id: str | None = None
    preset_name: str | None = None
    role: str | None = None
    joined_at: IsoTime | None = None
    left_at: IsoTime | None = None
    duration: Seconds = None
    created_at: IsoTime | None = None
    updated_at: IsoTime | None = None
    session_id: str | None = None
    peer_events: list[Any] | None = None


class LegacyDeviceInfo(_Payload):
    browser: str | None = None
    browser_version: str | None = None
    engine: str | None = None
    os: str | None = None
    os_version: str | None = None
    is_mobile: bool | None = None
    user_agent: str | None = None
    sdk_name: str | None = None
    sdk_version: str | None = None


class LegacyIpInformation(_Payload):
    city: str | None = None
    region: str | None = None
    country: str | None = None
    ipv4: str | None = None
    org: str | None = None


class PrecallNetwork(_Payload):
    effective_networktype: str | None = None


class ClientEventRecord(_Payload):
    """``peer_stats.events`` (legacy: ``type``) and ``peer_report.metadata.events`` (``name``)."""

    timestamp: IsoTime
    type: str | None = None
    name: str | None = None


class LegacyPeerStats(_Payload):
    device_info: dict[str, Any] | None = None
    ip_information: dict[str, Any] | None = None
    precall_network_information: dict[str, Any] | None = None
    events: list[Any] | None = None


class LegacyParticipantDetail(ParticipantRecord):
    peer_stats: dict[str, Any] | None = None
    quality_stats: list[Any] | None = None


class LegacySample(_Payload):
    timestamp: IsoTime
    jitter: Sample = None
    quality: Sample = None
    packets_lost: CountValue = None
    frames_per_second: Sample = None


class LegacyQualityStat(_Payload):
    peer_id: str | None = None
    audio_stats: list[Any] | None = None
    video_stats: list[Any] | None = None


class ReportDeviceInfo(_Payload):
    os: str | None = None
    os_version: str | None = None
    is_mobile: bool | None = None


class ReportBrowser(_Payload):
    browser: str | None = None
    browser_version: str | None = None
    user_agent: str | None = None


class ReportAsn(_Payload):
    asn: str | None = None
    name: str | None = None


class ReportIpInformation(_Payload):
    asn: ReportAsn | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    ipv4: str | None = None
    org: str | None = None


class ReportPcMetadata(_Payload):
    effective_network_type: str | None = None


class MediaSample(_Payload):
    """One sample of one stream in ``peer_report.quality``. Counters are cumulative."""

    timestamp: IsoTime
    bytes_sent: ByteValue = None
    bytes_received: ByteValue = None
    packets_sent: CountValue = None
    packets_received: CountValue = None
    packets_lost: CountValue = None
    jitter: Sample = None
    rtt: Sample = None
    mos_quality: Sample = None
    frames_per_second: Sample = None
    producer_id: str | None = None
    consumer_id: str | None = None
    peer_id: str | None = None
    """On a consumer: the peer whose media it receives (the sender)."""
    mid: str | None = None
    ssrc: int | str | None = None
    jitter_buffer_delay: Sample = None
    jitter_buffer_emitted_count: CountValue = None
    concealment_events: CountValue = None
    quality_limitation_reason: str | None = None
    quality_limitation_durations: dict[str, Any] | None = None


class RecordingRecord(_Payload):
    id: Id
    session_id: str | None = None
    status: str | None = None
    invoked_time: IsoTime | None = None
    started_time: IsoTime | None = None
    stopped_time: IsoTime | None = None
    recording_duration: Seconds = None
    file_size: ByteValue = None
    download_url: str | None = None
    download_url_expiry: IsoTime | None = None
    audio_download_url: str | None = None
    output_file_name: str | None = None
    meeting: dict[str, Any] | None = None
    storage_config: dict[str, Any] | None = None


def field_problem(error: Mapping[str, Any]) -> str:
    """'joined_at: Input should be a valid datetime ... (got 'string')' for one error."""
    where = ".".join(str(part) for part in error.get("loc", ())) or "record"
    value = error.get("input")
    shown = ""
    if isinstance(value, (str, int, float, bool)) or value is None:
        said = repr(value)
        shown = f" (got {said[:40]}{'…' if len(said) > 40 else ''})"
    return f"{where}: {error.get('msg', 'invalid')}{shown}"


def read_lenient(model: type[M], raw: Any) -> tuple[M | None, list[str]]:
    """Validate ``raw`` field by field: a field that does not validate is left out (and
    described) so the rest of the record is still read. None when ``raw`` is not an object
    or a required field is missing or unreadable."""
    if not isinstance(raw, Mapping):
        return None, [f"record: expected an object, got {type(raw).__name__}"]
    fields = dict(raw)
    problems: list[str] = []
    while True:
        try:
            return model.model_validate(fields), problems
        except ValidationError as exc:
            bad: dict[str, str] = {}
            for error in exc.errors(include_url=False):
                loc = error.get("loc") or ()
                name = str(loc[0]) if loc else ""
                required = model.model_fields.get(name)
                if name not in fields or (required is not None and required.is_required()):
                    return None, [*problems, field_problem(error)]
                bad.setdefault(name, field_problem(error))
            if not bad:
                return None, [*problems, describe_validation_error(exc)]
            for name, problem in bad.items():
                del fields[name]
                problems.append(problem)


def read_section(model: type[M], raw: Any) -> M | None:
    """An optional sub-object: unreadable means absent, never a failed record. Fields that
    do not validate are left out; the rest is kept."""
    if not isinstance(raw, Mapping):
        return None
    record, problems = read_lenient(model, raw)
    if problems:
        log.debug("realtimekit: %s: %s", model.__name__, "; ".join(problems))
    return record


def summarize(problems: Sequence[str]) -> str | None:
    """The first problem in full, the others by field name."""
    if not problems:
        return None
    others = [p.split(":", 1)[0] for p in problems[1:]]
    return problems[0] + (f" (+{len(others)} more: {', '.join(others)})" if others else "")


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def looks_like_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def usable_id(value: Any) -> str | None:
    """An id the API can be asked about: the spec types every session, participant and
    peer id in a path as ``format: uuid`` (and the participant id is the first peer id)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if looks_like_uuid(value) else None
