"""Cloudflare RealtimeKit (formerly Dyte): sessions, participants, peer events, recordings,
chat/transcript/summary links and per-peer call quality.

Every path lives under ``/accounts/{account_id}/realtime/kit/{app_id}`` of the Cloudflare
API and is read with a Bearer API token. Success bodies are ``{success, data, paging?}``;
lists page with ``page_no``/``per_page`` and report ``paging.total_count`` (top-level on
``/sessions``, inside ``data`` on ``/participants``: both places are read everywhere).

Two generations of quality data exist and both are read:

* current: ``/sessions/peer-report/{peer_id}`` holds per-stream samples with cumulative
  byte and packet counters; loss % and bitrate are computed from counter deltas between a
  stream's consecutive samples, jitter/RTT/MOS/fps are taken as reported;
* legacy (Dyte v2, Cloudflare until May 2026): ``quality_stats`` in the participant
  details, with jitter, a ``quality`` score and fps per sample, and no counters (so no
  loss % or bitrate).

Neither the sample interval nor the units are documented: series use each sample's own
timestamp (``offsets_s``) and every guessed unit is flagged ``unit_documented=False``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import logging
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.models import (
    Artifact,
    DeviceInfo,
    Event,
    EventKind,
    Metric,
    NetworkInfo,
    Page,
    Participant,
    QualitySeries,
    Recording,
    Session,
    SessionQuery,
    SessionStatus,
    SortKey,
)
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
    generic_error_detail,
    parse_rate_limit_reset,
)
from roomscope.tui.providers.parsing import (
    as_utc,
    describe_validation_error,
    extras,
    iso,
    jsonable,
    parse_one,
    parse_records,
    parse_time,
    placeholder,
    recover_id,
    recover_name,
    seconds_between,
    text,
)

log = logging.getLogger("roomscope.realtimekit")

API_BASE = "https://api.cloudflare.com/client/v4"
MAX_PER_PAGE = 100
"""The API documents no maximum ``per_page``; roomscope never asks for more than this."""
MAX_PEERS = 10
"""Peers (connections) of one participant whose reports are fetched for its quality."""
TICK_S = 0.25
"""Samples of different streams closer than this belong to the same reporting tick."""
GAP_FACTOR = 3.0
"""A pause longer than this many typical sample steps is shown as a gap."""
RECORDING_SLACK = timedelta(minutes=1)
"""Widening of a session's time window when looking for its recordings."""

M = TypeVar("M", bound=BaseModel)


# ---------------------------------------------------------------------------------------
# Payload models: lenient (unknown fields kept, everything optional that may be missing),
# but a timestamp must be an ISO string and an id a non-empty string.


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
    live_participants: int | None = None
    max_concurrent_participants: int | None = None
    minutes_consumed: float | None = None
    organization_id: str | None = None


class PeerEventRecord(_Payload):
    event_name: str
    created_at: IsoTime
    id: str | None = None
    peer_id: str | None = None
    updated_at: IsoTime | None = None
    minutes_consumed: float | None = None
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
    duration: float | None = None
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
    jitter: float | None = None
    quality: float | None = None
    packets_lost: float | None = None
    frames_per_second: float | None = None


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
    bytes_sent: float | None = None
    bytes_received: float | None = None
    packets_sent: float | None = None
    packets_received: float | None = None
    packets_lost: float | None = None
    jitter: float | None = None
    rtt: float | None = None
    mos_quality: float | None = None
    frames_per_second: float | None = None
    producer_id: str | None = None
    consumer_id: str | None = None
    mid: str | None = None
    ssrc: int | str | None = None


class RecordingRecord(_Payload):
    id: Id
    session_id: str | None = None
    status: str | None = None
    invoked_time: IsoTime | None = None
    started_time: IsoTime | None = None
    stopped_time: IsoTime | None = None
    recording_duration: float | None = None
    file_size: float | None = None
    download_url: str | None = None
    download_url_expiry: IsoTime | None = None
    audio_download_url: str | None = None
    output_file_name: str | None = None
    meeting: dict[str, Any] | None = None
    storage_config: dict[str, Any] | None = None


def _field_problem(error: Mapping[str, Any]) -> str:
    """'joined_at: Input should be a valid datetime ... (got 'string')' for one error."""
    where = ".".join(str(part) for part in error.get("loc", ())) or "record"
    value = error.get("input")
    shown = ""
    if isinstance(value, (str, int, float, bool)) or value is None:
        said = repr(value)
        shown = f" (got {said[:40]}{'…' if len(said) > 40 else ''})"
    return f"{where}: {error.get('msg', 'invalid')}{shown}"


def _lenient(model: type[M], raw: Any) -> tuple[M | None, list[str]]:
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
                    return None, [*problems, _field_problem(error)]
                bad.setdefault(name, _field_problem(error))
            if not bad:
                return None, [*problems, describe_validation_error(exc)]
            for name, problem in bad.items():
                del fields[name]
                problems.append(problem)


def _section(model: type[M], raw: Any) -> M | None:
    """An optional sub-object: unreadable means absent, never a failed record. Fields that
    do not validate are left out; the rest is kept."""
    if not isinstance(raw, Mapping):
        return None
    record, problems = _lenient(model, raw)
    if problems:
        log.debug("realtimekit: %s: %s", model.__name__, "; ".join(problems))
    return record


def _summary(problems: Sequence[str]) -> str | None:
    """The first problem in full, the others by field name."""
    if not problems:
        return None
    others = [p.split(":", 1)[0] for p in problems[1:]]
    return problems[0] + (f" (+{len(others)} more: {', '.join(others)})" if others else "")


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _looks_like_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def _usable_id(value: Any) -> str | None:
    """An id the API can be asked about: the spec types every session, participant and
    peer id in a path as ``format: uuid`` (and the participant id is the first peer id)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if _looks_like_uuid(value) else None


# ---------------------------------------------------------------------------------------
# Errors


def error_detail(response: httpx.Response) -> ErrorDetail:
    """RealtimeKit's ``{success:false, error:{code,message}}`` and the Cloudflare gateway's
    ``{success:false, errors:[{code,message}], messages, result:null}``; 429 hints from
    the ``Ratelimit`` header."""
    retry = parse_rate_limit_reset(response.headers.get("ratelimit"), fields=True)
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    return ErrorDetail(failure_message(body) or generic_error_detail(response).message, retry)


def failure_message(body: Any) -> str | None:
    """The message of either failure envelope (gateway codes kept: they are searchable)."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str) and error["message"].strip():
        return str(error["message"]).strip()
    errors = body.get("errors")
    parts: list[str] = []
    for item in errors[:3] if isinstance(errors, list) else []:
        if isinstance(item, dict) and isinstance(item.get("message"), str) and item["message"].strip():
            code = item.get("code")
            parts.append(item["message"].strip() + (f" (code {code})" if isinstance(code, int) else ""))
    return "; ".join(parts) or None


# ---------------------------------------------------------------------------------------
# Cursors (opaque to everyone else)


def _page_cursor(page_no: int, per_page: int) -> str:
    return f"{page_no}:{per_page}"


def _read_page_cursor(cursor: str | None, limit: int) -> tuple[int, int]:
    if cursor is None:
        return 1, max(1, min(limit, MAX_PER_PAGE))
    page, _, size = cursor.partition(":")
    try:
        page_no, per_page = int(page), int(size)
    except ValueError:
        raise BadPayloadError(
            f"Not a Cloudflare RealtimeKit cursor: {cursor[:40]!r}", provider="realtimekit"
        ) from None
    if page_no < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadPayloadError(f"Not a Cloudflare RealtimeKit cursor: {cursor[:40]!r}", provider="realtimekit")
    return page_no, per_page


def _blob_cursor(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def _read_blob_cursor(cursor: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        raise BadPayloadError(f"Not a Cloudflare RealtimeKit cursor: {cursor[:40]!r}", provider="realtimekit")
    return value


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


# ---------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------
# Quality: per-stream samples -> one series per metric


STREAM_DIRECTIONS: dict[str, str] = {
    "audio_producer": "send",
    "video_producer": "send",
    "screenshare_audio_producer": "send",
    "screenshare_video_producer": "send",
    "audio_consumer": "recv",
    "video_consumer": "recv",
    "screenshare_audio_consumer": "recv",
    "screenshare_video_consumer": "recv",
}


@dataclass
class _Point:
    """What one stream said at one moment: rates over the interval ending here, gauges."""

    at: datetime
    stream: str
    direction: str
    kbps: float | None = None
    lost: float | None = None
    expected: float | None = None
    jitter: float | None = None
    rtt: float | None = None
    mos: float | None = None
    fps: float | None = None

    def empty(self) -> bool:
        return all(v is None for v in (self.kbps, self.expected, self.jitter, self.rtt, self.mos, self.fps))


def _delta(before: float | None, after: float | None) -> float | None:
    """Growth of a cumulative counter; None when unknown or when the counter restarted."""
    if before is None or after is None or after < before:
        return None
    return after - before


def stream_points(stream: str, samples: Iterable[MediaSample], peer: str) -> list[_Point]:
    """Points of one ``peer_report.quality`` stream list. Samples are grouped by the
    producer/consumer they describe; counters are differenced within a group."""
    direction = STREAM_DIRECTIONS[stream]
    groups: dict[str, list[MediaSample]] = defaultdict(list)
    for sample in samples:
        key = sample.producer_id if direction == "send" else sample.consumer_id
        key = key or sample.producer_id or (str(sample.ssrc) if sample.ssrc is not None else sample.mid)
        groups[f"{peer}/{key or '-'}"].append(sample)
    out: list[_Point] = []
    for group in groups.values():
        group.sort(key=lambda s: s.timestamp)
        previous: MediaSample | None = None
        for sample in group:
            at = as_utc(sample.timestamp) or sample.timestamp
            point = _Point(
                at=at,
                stream=stream,
                direction=direction,
                jitter=sample.jitter,
                rtt=sample.rtt,
                mos=sample.mos_quality,
                fps=sample.frames_per_second,
            )
            if previous is not None:
                dt = (sample.timestamp - previous.timestamp).total_seconds()
                if dt > 0:
                    if direction == "send":
                        sent = _delta(previous.bytes_sent, sample.bytes_sent)
                        packets = _delta(previous.packets_sent, sample.packets_sent)
                        lost = _delta(previous.packets_lost, sample.packets_lost)
                        expected = packets
                    else:
                        sent = _delta(previous.bytes_received, sample.bytes_received)
                        packets = _delta(previous.packets_received, sample.packets_received)
                        lost = _delta(previous.packets_lost, sample.packets_lost)
                        expected = packets + lost if packets is not None and lost is not None else None
                    if sent is not None:
                        point.kbps = sent * 8.0 / dt / 1000.0
                    if lost is not None and expected:
                        point.lost, point.expected = min(lost, expected), expected
            if not point.empty():
                out.append(point)
            previous = sample
    return out


@dataclass
class _Unread:
    """What of one participant's quality samples could not be read, for the series'
    ``source``: samples dropped (not an object, or no readable timestamp: a sample with
    no time cannot be placed) and values left out of the samples that were kept."""

    samples: int = 0
    values: int = 0

    def read(self, model: type[M], raw: Any) -> M | None:
        record, problems = _lenient(model, raw)
        if record is None:
            self.samples += 1
            log.debug("realtimekit: dropping a %s: %s", model.__name__, "; ".join(problems))
        else:
            self.values += len(problems)
        return record

    def note(self) -> str:
        parts = []
        if self.samples:
            plural = "s" if self.samples != 1 else ""
            parts.append(f"{self.samples} unreadable sample{plural} dropped (no readable timestamp)")
        if self.values:
            parts.append(f"{self.values} unreadable value{'s' if self.values != 1 else ''} ignored")
        return "; ".join(parts)


def legacy_points(stat: LegacyQualityStat, peer: str, unread: _Unread | None = None) -> list[_Point]:
    """Points of one legacy ``quality_stats`` entry: gauges only (no counters)."""
    unread = unread if unread is not None else _Unread()
    out: list[_Point] = []
    for stream, raw_samples in (("audio", stat.audio_stats), ("video", stat.video_stats)):
        for raw in raw_samples or []:
            sample = unread.read(LegacySample, raw)
            if sample is None:
                continue
            out.append(
                _Point(
                    at=as_utc(sample.timestamp) or sample.timestamp,
                    stream=f"legacy_{stream}",
                    direction="legacy",
                    jitter=sample.jitter,
                    mos=sample.quality,
                    fps=sample.frames_per_second if stream == "video" else None,
                )
            )
    return [p for p in out if not p.empty()]


def _ticks(points: Sequence[_Point]) -> list[list[_Point]]:
    ordered = sorted(points, key=lambda p: p.at)
    ticks: list[list[_Point]] = []
    for point in ordered:
        if ticks and (point.at - ticks[-1][0].at).total_seconds() <= TICK_S:
            ticks[-1].append(point)
        else:
            ticks.append([point])
    return ticks


def _loss(points: Iterable[_Point], direction: str) -> float | None:
    lost = expected = 0.0
    for p in points:
        if p.direction == direction and p.lost is not None and p.expected:
            lost += p.lost
            expected += p.expected
    return round(100.0 * lost / expected, 3) if expected > 0 else None


def _rate(points: Iterable[_Point], direction: str) -> float | None:
    rates = [p.kbps for p in points if p.direction == direction and p.kbps is not None]
    return round(sum(rates), 1) if rates else None


def _pick(values: Iterable[float | None], reducer: Callable[[list[float]], float]) -> float | None:
    present = [v for v in values if v is not None]
    return round(reducer(present), 3) if present else None


@dataclass(frozen=True)
class _MetricSpec:
    metric: Metric
    unit: str
    documented: bool
    source: str
    value: Callable[[list[_Point]], float | None]


def _fps_spec(points: Sequence[_Point], generation: str) -> _MetricSpec:
    if generation == "legacy":
        return _MetricSpec(
            Metric.FPS,
            "fps",
            True,
            "legacy quality_stats video_stats frames_per_second",
            lambda tick: _pick((p.fps for p in tick), max),
        )
    if any(p.stream == "video_producer" and p.fps is not None for p in points):
        return _MetricSpec(
            Metric.FPS,
            "fps",
            True,
            "peer-report video_producer frames_per_second (sent)",
            lambda tick: _pick((p.fps for p in tick if p.stream == "video_producer"), max),
        )
    return _MetricSpec(
        Metric.FPS,
        "fps",
        True,
        "peer-report video_consumer frames_per_second (received, mean of streams)",
        lambda tick: _pick((p.fps for p in tick if p.stream == "video_consumer"), statistics.fmean),
    )


def _metric_specs(points: Sequence[_Point], generation: str) -> list[_MetricSpec]:
    fps = _fps_spec(points, generation)
    if generation == "legacy":
        return [
            _MetricSpec(
                Metric.JITTER,
                "ms",
                False,
                "legacy quality_stats audio/video jitter (worst stream; unit undocumented, taken as ms)",
                lambda tick: _pick((p.jitter for p in tick), max),
            ),
            _MetricSpec(
                Metric.MOS,
                "",
                False,
                "legacy quality_stats quality (worst stream; scale undocumented, read as MOS 1-5)",
                lambda tick: _pick((p.mos for p in tick), min),
            ),
            fps,
        ]
    return [
        _MetricSpec(
            Metric.LOSS_SEND,
            "%",
            True,
            "peer-report producers: Δpackets_lost / Δpackets_sent (cumulative counters)",
            lambda tick: _loss(tick, "send"),
        ),
        _MetricSpec(
            Metric.LOSS_RECV,
            "%",
            True,
            "peer-report consumers: Δpackets_lost / (Δpackets_received + Δpackets_lost)",
            lambda tick: _loss(tick, "recv"),
        ),
        _MetricSpec(
            Metric.BITRATE_SEND,
            "kbps",
            True,
            "peer-report producers: Δbytes_sent over Δtimestamp, all streams summed",
            lambda tick: _rate(tick, "send"),
        ),
        _MetricSpec(
            Metric.BITRATE_RECV,
            "kbps",
            True,
            "peer-report consumers: Δbytes_received over Δtimestamp, all streams summed",
            lambda tick: _rate(tick, "recv"),
        ),
        _MetricSpec(
            Metric.JITTER,
            "ms",
            False,
            "peer-report jitter (worst stream; unit undocumented, taken as ms)",
            lambda tick: _pick((p.jitter for p in tick), max),
        ),
        _MetricSpec(
            Metric.RTT,
            "ms",
            False,
            "peer-report producer rtt (worst stream; ms inferred from the cumulative thresholds)",
            lambda tick: _pick((p.rtt for p in tick), max),
        ),
        _MetricSpec(
            Metric.MOS,
            "",
            False,
            "peer-report mos_quality (worst stream; scale undocumented)",
            lambda tick: _pick((p.mos for p in tick), min),
        ),
        fps,
    ]


def build_series(
    points: Sequence[_Point],
    *,
    start: datetime,
    generation: str,
    provider: str,
    session_id: str,
    participant_id: str,
    note: str = "",
) -> list[QualitySeries]:
    """One irregular series per metric that has any value. Pauses much longer than the
    typical sample step (a reconnect) get a ``None`` so charts show the gap. ``note``
    (what could not be read) is added to every series' ``source``."""
    ticks = _ticks(points)
    if not ticks:
        return []
    offsets = [round((tick[0].at - start).total_seconds(), 3) for tick in ticks]
    steps = [b - a for a, b in itertools.pairwise(offsets) if b > a]
    typical = statistics.median(steps) if steps else 0.0
    out: list[QualitySeries] = []
    for spec in _metric_specs(points, generation):
        values = [spec.value(tick) for tick in ticks]
        if (
            spec.metric is Metric.MOS
            and generation == "legacy"
            and any(v is not None and not 0.0 <= v <= 5.0 for v in values)
        ):
            continue  # not a 1-5 score after all: showing it as MOS would mislead
        if all(v is None for v in values):
            continue
        times: list[float] = []
        shown: list[float | None] = []
        for i, (offset, value) in enumerate(zip(offsets, values, strict=True)):
            if i and typical > 0 and offset - offsets[i - 1] > GAP_FACTOR * typical:
                times.append(round(offsets[i - 1] + typical, 3))
                shown.append(None)
            times.append(offset)
            shown.append(value)
        out.append(
            QualitySeries(
                provider=provider,
                session_id=session_id,
                participant_id=participant_id,
                metric=spec.metric,
                unit=spec.unit,
                unit_documented=spec.documented,
                source=f"{spec.source}; {note}" if note else spec.source,
                start=start,
                offsets_s=times,
                values=shown,
            )
        )
    return out


# ---------------------------------------------------------------------------------------
# The provider


class RealtimeKitProvider(BaseProvider):
    name = "realtimekit"
    label = "Cloudflare RealtimeKit"
    capabilities = frozenset(
        {
            Capability.PARTICIPANTS,
            Capability.EVENTS,
            Capability.PARTICIPANT_EVENTS,
            Capability.RECORDINGS,
            Capability.QUALITY,
            Capability.ARTIFACTS,
            Capability.DEVICE_INFO,
            Capability.NETWORK_INFO,
            Capability.SEEK,
            Capability.TOTAL,
            Capability.STATUS_FILTER,
            Capability.TIME_FILTER,
            Capability.TEXT_SEARCH,
        }
    )
    sort_keys = frozenset({SortKey.START})
    page_size = 50
    missing: Mapping[Capability, str] = {}

    def __init__(
        self,
        profile: str,
        *,
        api_token: str,
        account_id: str,
        app_id: str,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utcnow,
        **http_options: Any,
    ) -> None:
        super().__init__(profile)
        missing = [
            label
            for label, value in (
                ("an API token (CLOUDFLARE_API_TOKEN)", api_token),
                ("an account id (CLOUDFLARE_ACCOUNT_ID)", account_id),
                ("an app id (REALTIMEKIT_APP_ID)", app_id),
            )
            if not (value or "").strip()
        ]
        if missing:
            raise AuthError(f"{self.label} needs {', '.join(missing)}.", provider=self.name)
        self.account_id = account_id.strip()
        self.app_id = app_id.strip()
        self.base_url = (base_url or API_BASE).rstrip("/")
        self.clock = clock
        self.prefix = (
            f"/accounts/{quote(self.account_id, safe='')}/realtime/kit/{quote(self.app_id, safe='')}"
        )
        self.http = HttpClient(
            provider=self.name,
            label=self.label,
            base_url=self.base_url,
            auth=BearerAuth(api_token.strip()),
            transport=transport,
            error_detail=error_detail,
            **http_options,
        )

    @property
    def identity(self) -> str:
        return f"{self.name}:{self.profile}:{self.base_url}:{self.account_id}:{self.app_id}"

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- plumbing ------------------------------------------------------------------------

    def _path(self, *parts: str) -> str:
        return self.prefix + "".join("/" + quote(part, safe="") for part in parts)

    async def _get(self, parts: Sequence[str], params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET and check the ``{success, data}`` envelope; returns the whole body."""
        body = await self.http.get_json(self._path(*parts), params)
        what = "/".join(parts[:1]) or "response"
        if not isinstance(body, dict):
            raise BadPayloadError(
                f"{self.label} sent a {type(body).__name__} for {what}, not an object.",
                provider=self.name,
                field="body",
            )
        if body.get("success") is False:
            said = failure_message(body) or "no reason given"
            raise ProviderError(f"{self.label} reported a failure: {said}", provider=self.name)
        return body

    def _data(self, body: dict[str, Any], what: str) -> dict[str, Any]:
        data = body.get("data")
        if not isinstance(data, dict):
            raise BadPayloadError(
                f"{self.label} sent an unreadable {what}: 'data' is "
                f"{type(data).__name__ if data is not None else 'missing'}, not an object.",
                provider=self.name,
                field="data",
            )
        return data

    def _list(self, data: dict[str, Any], key: str, what: str) -> Any:
        if key not in data:
            raise BadPayloadError(
                f"{self.label} sent an unreadable {what} page: 'data.{key}' is missing.",
                provider=self.name,
                field=f"data.{key}",
            )
        return data[key]

    @staticmethod
    def _total(*holders: Any) -> int | None:
        """``paging.total_count`` from the first holder that has a ``paging`` object."""
        for holder in holders:
            paging = holder.get("paging") if isinstance(holder, dict) else None
            if isinstance(paging, dict):
                return _int(paging.get("total_count"))
        return None

    @staticmethod
    def _next(page_no: int, per_page: int, count: int, total: int | None) -> str | None:
        """The next page's cursor: while the pages so far hold fewer than ``total_count``
        records (the same test as ``end_offset < total_count``), or, with no total, while
        pages come back full."""
        if count == 0:
            return None
        more = page_no * per_page < total if total is not None else count >= per_page
        return _page_cursor(page_no + 1, per_page) if more else None

    # -- sessions ------------------------------------------------------------------------

    def page_cursor(self, query: SessionQuery, offset: int, limit: int) -> str | None:
        per_page = max(1, min(limit, MAX_PER_PAGE))
        return _page_cursor(offset // per_page + 1, per_page) if offset > 0 else None

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        page_no, per_page = _read_page_cursor(cursor, limit)
        ascending = query.sort is SortKey.START and not query.descending
        params: dict[str, Any] = {
            "page_no": page_no,
            "per_page": per_page,
            "sort_by": "createdAt",
            "sort_order": "ASC" if ascending else "DESC",
        }
        if query.status in (SessionStatus.LIVE, SessionStatus.ENDED):
            params["status"] = "LIVE" if query.status is SessionStatus.LIVE else "ENDED"
        if query.since is not None:
            params["start_time"] = iso(query.since)
        if query.until is not None:
            params["end_time"] = iso(query.until)
        if query.text.strip():
            params["search"] = query.text.strip()
        body = await self._get(["sessions"], params)
        data = self._data(body, "session list")
        raw = self._list(data, "sessions", "session list")
        now = self.clock()
        items = parse_records(
            raw,
            SessionRecord,
            lambda record: self._session(record, now),
            self._session_placeholder,
            provider=self.label,
            what="sessions",
        )
        total = self._total(body, data)
        next_cursor = self._next(page_no, per_page, len(raw), total)
        if query.status is SessionStatus.UNKNOWN:
            # The API filters on LIVE/ENDED only; sessions in any other state are picked here.
            items = [s for s in items if s.status is SessionStatus.UNKNOWN]
            total = None
        return Page[Session](items=items, next_cursor=next_cursor, total=total)

    async def get_session(self, session_id: str) -> Session:
        body = await self._get(["sessions", session_id])
        data = self._data(body, "session")
        # Current spec: the session is ``data``; older versions wrap it as ``data.session``.
        raw = data["session"] if isinstance(data.get("session"), dict) else data
        if recover_id(raw, "id") is None:  # not a session record at all
            parse_one(raw, SessionRecord, provider=self.label, what="session")
        try:
            record = SessionRecord.model_validate(raw)
        except ValidationError as exc:
            # As in the list: an unreadable field (the spec types every timestamp as a plain
            # string) marks the session instead of hiding its participants, events and
            # recordings. It keeps the id it was asked for.
            placeholder = self._session_placeholder(0, raw, describe_validation_error(exc))
            return placeholder.model_copy(update={"id": session_id})
        return self._session(record, self.clock())

    _SESSION_FIELDS = frozenset(
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

    def _session(self, record: SessionRecord, now: datetime) -> Session:
        raw_status = (record.status or "").upper()
        status = {"LIVE": SessionStatus.LIVE, "ENDED": SessionStatus.ENDED}.get(
            raw_status, SessionStatus.UNKNOWN
        )
        started = as_utc(record.started_at)
        ended = as_utc(record.ended_at)
        if status is SessionStatus.LIVE:
            duration = seconds_between(started, ended or now)
        else:
            duration = seconds_between(started, ended)
        extra = extras(record.model_dump(mode="json"), set(self._SESSION_FIELDS))
        extra = {k: v for k, v in extra.items() if v not in (None, [], {})}
        if record.minutes_consumed is not None:
            extra["minutes_consumed (min)"] = record.minutes_consumed
        if status is SessionStatus.UNKNOWN and record.status is not None:
            extra["status"] = text(record.status)
        return Session(
            provider=self.name,
            profile=self.profile,
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

    def _session_placeholder(self, index: int, raw: Any, reason: str) -> Session:
        return placeholder(
            Session,
            raw,
            reason,
            fallback_id=f"(record {index + 1})",
            provider=self.name,
            profile=self.profile,
            name=recover_name(raw, "meeting_display_name"),
        )

    # -- participants --------------------------------------------------------------------

    async def list_participants(self, session_id: str, cursor: str | None, limit: int) -> Page[Participant]:
        page_no, per_page = _read_page_cursor(cursor, limit)
        body, data, raw = await self._participants_page(session_id, page_no, per_page)
        items = parse_records(
            raw,
            ParticipantRecord,
            lambda record: self._participant(session_id, record),
            lambda i, r, why: self._participant_placeholder(session_id, i, r, why),
            provider=self.label,
            what="participants",
        )
        total = self._total(data, body)
        return Page[Participant](
            items=items, next_cursor=self._next(page_no, per_page, len(raw), total), total=total
        )

    async def _participants_page(
        self, session_id: str, page_no: int, per_page: int
    ) -> tuple[dict[str, Any], dict[str, Any], Any]:
        params = {
            "page_no": page_no,
            "per_page": per_page,
            "sort_by": "joinedAt",
            "sort_order": "ASC",
            "include_peer_events": True,
        }
        body = await self._get(["sessions", session_id, "participants"], params)
        data = self._data(body, "participant list")
        return body, data, self._list(data, "participants", "participant list")

    async def _participant_detail(
        self, session_id: str, participant_id: str
    ) -> tuple[LegacyParticipantDetail, str | None]:
        """The participant's details and what of them could not be read (None: all).

        Read field by field: an unreadable field (the spec types every timestamp as a
        plain string) is left out and named, never costing the participant. An id that
        is no use for asking about its peer (not a UUID) is replaced by the id asked for.
        Only a body that is not a participant at all is a BadPayloadError."""
        body = await self._get(
            ["sessions", session_id, "participants", participant_id], {"include_peer_events": True}
        )
        data = self._data(body, "participant")
        raw = data.get("participant", data)
        if not isinstance(raw, Mapping) or not raw.keys() & self._DETAIL_FIELDS:
            if isinstance(raw, Mapping):
                shape = "an object with no participant field"
            else:
                shape = "null" if raw is None else type(raw).__name__
            raise BadPayloadError(
                f"{self.label} sent an unreadable participant: 'data.participant' is {shape}.",
                provider=self.name,
                field="data.participant",
            )
        fields = dict(raw)
        problems: list[str] = []
        given = fields.get("id")
        if _usable_id(given) is None and not (isinstance(given, str) and given.strip() == participant_id):
            problems.append(
                _field_problem({"loc": ("id",), "msg": "not a usable participant id", "input": given})
                + ", showing the id asked for"
            )
            fields["id"] = participant_id
        record, unread = _lenient(LegacyParticipantDetail, fields)
        if record is None:  # (only the id is required, and it is set: not expected)
            raise BadPayloadError(
                f"{self.label} sent an unreadable participant: {_summary(unread)}",
                provider=self.name,
                field="data.participant",
            )
        return record, _summary([*problems, *unread])

    async def _peer_report(
        self, peer_id: str, session_id: str, section: str | None = None
    ) -> dict[str, Any] | None:
        """``data.participant`` of a peer report; None when the API has none (404) or it
        belongs to another session."""
        try:
            body = await self._get(
                ["sessions", "peer-report", peer_id], {"filters": section} if section else None
            )
        except NotFoundError:
            return None
        data = self._data(body, "peer report")
        participant = data.get("participant")
        if not isinstance(participant, dict):
            return None
        owner = _usable_id(participant.get("session_id"))  # an unreadable owner proves nothing
        if owner is not None and owner.lower() != session_id.strip().lower():
            return None
        return participant

    async def get_participant(self, session_id: str, participant_id: str) -> Participant:
        detail, problem = await self._participant_detail(session_id, participant_id)
        stats = _section(LegacyPeerStats, detail.peer_stats)
        if stats is not None and (stats.device_info or stats.ip_information):
            device, network = self._legacy_device(stats), self._legacy_network(stats)
            more = {"precall_network": jsonable(stats.precall_network_information)}
        else:
            metadata = await self._report_metadata(detail.id, session_id)
            device, network = self._report_device(metadata), self._report_network(metadata)
            more = {
                key: jsonable(metadata[key])
                for key in ("sdk_type", "room_view_type", "native_metadata")
                if metadata.get(key) not in (None, "", {})
            }
        base = self._participant(session_id, detail, device=device, network=network)
        extra = {**base.extra, **{k: v for k, v in more.items() if v is not None}}
        return base.model_copy(update={"extra": extra, "problem": problem})

    _METADATA_SECTIONS = ("device_info", "ip_information", "precall_network_information")

    async def _report_metadata(self, peer: str, session_id: str) -> dict[str, Any]:
        """The metadata sections of a peer report that describe device and network, each
        asked for with the (single-valued) ``filters`` so no quality samples come along."""
        reports = await asyncio.gather(
            *(self._peer_report(peer, session_id, section) for section in self._METADATA_SECTIONS)
        )
        merged: dict[str, Any] = {}
        for report in reports:
            metadata = ((report or {}).get("peer_report") or {}).get("metadata")
            if isinstance(metadata, dict):
                merged.update(metadata)
        return merged

    _PARTICIPANT_FIELDS = frozenset(
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
    _DETAIL_FIELDS = _PARTICIPANT_FIELDS | {"created_at", "updated_at"}
    """A participant body holds at least one of these (else it is not a participant)."""

    def _participant(
        self,
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
        peers = self._peer_ids(record)
        joins = [e for e in self._peer_event_records(record) if e.event_name == "PEER_JOINING"]
        extra = extras(record.model_dump(mode="json"), set(self._PARTICIPANT_FIELDS))
        extra = {k: v for k, v in extra.items() if v not in (None, [], {})}
        if len(peers) > 1:
            extra["peer_ids"] = peers
        return Participant(
            provider=self.name,
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

    def _participant_placeholder(self, session_id: str, index: int, raw: Any, reason: str) -> Participant:
        return placeholder(
            Participant,
            raw,
            reason,
            fallback_id=f"(record {index + 1})",
            provider=self.name,
            session_id=session_id,
            name=recover_name(raw, "display_name"),
        )

    @staticmethod
    def _peer_event_records(record: ParticipantRecord) -> list[PeerEventRecord]:
        out = []
        for raw in record.peer_events or []:
            event = _section(PeerEventRecord, raw)
            if event is not None:
                out.append(event)
        return sorted(out, key=lambda e: e.created_at)

    def _peer_ids(self, record: ParticipantRecord) -> list[str]:
        """The participant's peers (one per connection), oldest first; its id is the first.
        Peers of events whose time is unreadable come last; a peer id that is not a UUID
        (the peer-report path takes UUIDs only) is not a peer that can be asked about."""
        timed = [event.peer_id for event in self._peer_event_records(record)]
        untimed = [raw.get("peer_id") for raw in record.peer_events or [] if isinstance(raw, Mapping)]
        peers = [record.id]
        for candidate in (*timed, *untimed):
            peer = _usable_id(candidate)
            if peer is not None and peer not in peers:
                peers.append(peer)
        return peers

    # device and network, one mapping per payload generation

    @staticmethod
    def _legacy_device(stats: LegacyPeerStats) -> DeviceInfo | None:
        info = _section(LegacyDeviceInfo, stats.device_info)
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

    @staticmethod
    def _split_org(org: str | None) -> tuple[str | None, str | None]:
        """ipinfo-style ``"AS7922 Comcast Cable"`` -> (asn, name)."""
        if not org:
            return None, None
        match = re.match(r"^(AS\d+)\s+(.+)$", org.strip())
        return (match.group(1), match.group(2)) if match else (None, org)

    def _legacy_network(self, stats: LegacyPeerStats) -> NetworkInfo | None:
        ip = _section(LegacyIpInformation, stats.ip_information)
        precall = _section(PrecallNetwork, stats.precall_network_information)
        if ip is None and precall is None:
            return None
        asn, isp = self._split_org(ip.org if ip else None)
        return NetworkInfo(
            isp=text(isp),
            asn=text(asn),
            ip=text(ip.ipv4) if ip else None,
            city=text(ip.city) if ip else None,
            region=text(ip.region) if ip else None,
            country=text(ip.country) if ip else None,
            connection_type=text(precall.effective_networktype) if precall else None,
        )

    @staticmethod
    def _report_device(metadata: Any) -> DeviceInfo | None:
        if not isinstance(metadata, Mapping):
            return None
        info = _section(ReportDeviceInfo, metadata.get("device_info"))
        browser = _section(ReportBrowser, metadata.get("browser_metadata"))
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

    def _report_network(self, metadata: Any) -> NetworkInfo | None:
        if not isinstance(metadata, Mapping):
            return None
        ip = _section(ReportIpInformation, metadata.get("ip_information"))
        connection = None
        pcs = metadata.get("pc_metadata")
        if isinstance(pcs, list):
            for raw in reversed(pcs):
                pc = _section(ReportPcMetadata, raw)
                if pc is not None and pc.effective_network_type:
                    connection = pc.effective_network_type
                    break
        if ip is None and connection is None:
            return None
        asn = ip.asn.asn if ip and ip.asn else None
        isp = ip.asn.name if ip and ip.asn else None
        if ip is not None and (asn is None or isp is None):
            org_asn, org_name = self._split_org(ip.org)
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

    # -- events --------------------------------------------------------------------------

    async def list_events(
        self,
        session_id: str,
        cursor: str | None,
        limit: int,
        participant_id: str | None = None,
    ) -> Page[Event]:
        """Peer lifecycle events (PEER_CREATED/JOINING/LEAVING) of every participant, one
        participant page per event page; for one participant, also its client events."""
        if participant_id is not None:
            detail, _problem = await self._participant_detail(session_id, participant_id)
            events = self._events_of(session_id, detail, detail.peer_events)
            client = await self._client_events(session_id, detail)
            return Page[Event](items=sorted([*events, *client], key=_event_order), total=None)
        page_no, per_page = _read_page_cursor(cursor, limit)
        body, data, raw = await self._participants_page(session_id, page_no, per_page)
        if not isinstance(raw, list):
            raise BadPayloadError(
                f"{self.label}: expected a list of participants, got {type(raw).__name__}.",
                provider=self.name,
                field="data.participants",
            )
        items: list[Event] = []
        for index, raw_participant in enumerate(raw):
            try:
                record = ParticipantRecord.model_validate(raw_participant)
            except ValidationError as exc:
                items.append(self._event_placeholder(session_id, raw_participant, index, exc))
                continue
            items.extend(self._events_of(session_id, record, record.peer_events))
        return Page[Event](
            items=sorted(items, key=_event_order),
            next_cursor=self._next(page_no, per_page, len(raw), self._total(data, body)),
        )

    def _event_placeholder(self, session_id: str, raw: Any, index: int, exc: ValidationError) -> Event:
        who = recover_id(raw, "id")
        return placeholder(
            Event,
            raw,
            f"participant {describe_validation_error(exc)}",
            id_keys=(),
            fallback_id=f"{who or f'(record {index + 1})'}:events",
            provider=self.name,
            session_id=session_id,
            participant_id=who,
        )

    def _events_of(self, session_id: str, record: ParticipantRecord, raw_events: Any) -> list[Event]:
        name = text(record.display_name)
        events = parse_records(
            raw_events or [],
            PeerEventRecord,
            lambda e: self._peer_event(session_id, record.id, name, e),
            lambda i, r, why: placeholder(
                Event,
                r,
                why,
                fallback_id=f"{record.id}:peer-event:{i + 1}",
                provider=self.name,
                session_id=session_id,
                participant_id=record.id,
                participant_name=name,
            ),
            provider=self.label,
            what="peer events",
        )
        # The participant's first join is a join; its later peers joining are reconnects.
        joins = sorted(
            (e for e in events if e.kind is EventKind.JOIN and e.at is not None),
            key=lambda e: e.at or datetime.min.replace(tzinfo=UTC),
        )
        later = {id(e) for e in joins[1:]}
        return [e.model_copy(update={"kind": EventKind.RECONNECT}) if id(e) in later else e for e in events]

    _PEER_EVENT_KINDS = {
        "PEER_JOINING": EventKind.JOIN,
        "PEER_LEAVING": EventKind.LEAVE,
    }

    def _peer_event(
        self, session_id: str, participant_id: str, participant_name: str | None, event: PeerEventRecord
    ) -> Event:
        kind = self._PEER_EVENT_KINDS.get(event.event_name, EventKind.OTHER)
        at = as_utc(event.created_at) or event.created_at
        detail = f"peer {event.peer_id}" if event.peer_id else ""
        extra = extras(
            event.model_dump(mode="json"), {"id", "event_name", "created_at", "participant_id", "session_id"}
        )
        return Event(
            provider=self.name,
            session_id=session_id,
            id=text(event.id)
            or f"{event.peer_id or participant_id}:{event.event_name}:{iso(event.created_at)}",
            at=at,
            kind=kind,
            name=text(event.event_name) or "",
            participant_id=participant_id,
            participant_name=participant_name,
            level="info",
            detail=detail,
            extra={k: v for k, v in extra.items() if v is not None},
        )

    async def _client_events(self, session_id: str, detail: LegacyParticipantDetail) -> list[Event]:
        """Client-side events: legacy ``peer_stats.events`` when the details carry them,
        otherwise ``peer_report.metadata.events`` of each of the participant's peers."""
        name = text(detail.display_name)
        stats = _section(LegacyPeerStats, detail.peer_stats)
        if stats is not None and stats.events is not None:
            sources: list[tuple[str, Any]] = [(detail.id, stats.events)]
        else:
            peers = self._peer_ids(detail)[:MAX_PEERS]
            reports = await asyncio.gather(*(self._peer_report(p, session_id, "events") for p in peers))
            sources = []
            for peer, report in zip(peers, reports, strict=True):
                metadata = ((report or {}).get("peer_report") or {}).get("metadata")
                if isinstance(metadata, dict) and isinstance(metadata.get("events"), list):
                    sources.append((peer, metadata["events"]))
        out: list[Event] = []
        for peer, raw_events in sources:
            out.extend(self._client_events_of(session_id, detail.id, name, peer, raw_events))
        return out

    def _client_events_of(
        self, session_id: str, participant_id: str, name: str | None, peer: str, raw_events: Any
    ) -> list[Event]:
        return parse_records(
            raw_events,
            ClientEventRecord,
            lambda e: self._client_event(session_id, participant_id, name, peer, e),
            lambda i, r, why: placeholder(
                Event,
                r,
                why,
                id_keys=(),
                fallback_id=f"{peer}:client-event:{i + 1}",
                provider=self.name,
                session_id=session_id,
                participant_id=participant_id,
                participant_name=name,
            ),
            provider=self.label,
            what="client events",
        )

    def _client_event(
        self,
        session_id: str,
        participant_id: str,
        participant_name: str | None,
        peer: str,
        event: ClientEventRecord,
    ) -> Event:
        label = text(event.name or event.type) or "event"
        extra = extras(event.model_dump(mode="json"), {"timestamp", "name", "type"})
        return Event(
            provider=self.name,
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

    # -- recordings ----------------------------------------------------------------------

    async def list_recordings(self, session_id: str, cursor: str | None, limit: int) -> Page[Recording]:
        """``/recordings`` has no session filter: ask for the session's meeting within the
        session's time window (widened by a minute), keep the records whose
        ``session_id`` is this session."""
        if cursor is None:
            session = await self.get_session(session_id)
            window: dict[str, Any] = {"p": 1, "n": max(1, min(limit, MAX_PER_PAGE))}
            if session.room_id and _looks_like_uuid(session.room_id):
                window["m"] = session.room_id
            if session.started_at is not None:
                window["s"] = iso(session.started_at - RECORDING_SLACK)
            if session.ended_at is not None:
                window["e"] = iso(session.ended_at + RECORDING_SLACK)
        else:
            window = _read_blob_cursor(cursor)
        page_no, per_page = _int(window.get("p")), _int(window.get("n"))
        if page_no is None or per_page is None or page_no < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise BadPayloadError("Not a Cloudflare RealtimeKit recordings cursor.", provider=self.name)
        params: dict[str, Any] = {
            "page_no": page_no,
            "per_page": per_page,
            "sort_by": "invokedTime",
            "sort_order": "ASC",
            "meeting_id": window.get("m"),
            "start_time": window.get("s"),
            "end_time": window.get("e"),
        }
        body = await self._get(["recordings"], params)
        raw = body.get("data")
        items = parse_records(
            raw,
            RecordingRecord,
            lambda r: self._recording(session_id, r),
            lambda i, r, why: placeholder(
                Recording,
                r,
                why,
                fallback_id=f"(record {i + 1})",
                provider=self.name,
                session_id=session_id,
            ),
            provider=self.label,
            what="recordings",
        )
        mine = [r for r in items if r.session_id == session_id or r.problem is not None]
        more = self._next(page_no, per_page, len(items), self._total(body))
        return Page[Recording](
            items=mine,
            next_cursor=_blob_cursor({**window, "p": page_no + 1}) if more else None,
        )

    def _recording(self, session_id: str, record: RecordingRecord) -> Recording:
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
            provider=self.name,
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

    # -- artifacts -----------------------------------------------------------------------

    _ARTIFACTS: tuple[tuple[str, str, str, str, str], ...] = (
        # kind, path, url field, expiry field, documented format
        ("chat", "chat", "chat_download_url", "chat_download_url_expiry", "csv"),
        ("transcript", "transcript", "transcript_download_url", "transcript_download_url_expiry", "csv"),
        ("summary", "summary", "summaryDownloadUrl", "summaryDownloadUrlExpiry", "txt"),
    )

    async def list_artifacts(self, session_id: str) -> list[Artifact]:
        """Chat (CSV), transcript and summary links; a 404 for one means it does not exist."""
        answers = await asyncio.gather(
            *(self._get(["sessions", session_id, path]) for _k, path, *_ in self._ARTIFACTS),
            return_exceptions=True,
        )
        out: list[Artifact] = []
        for (kind, _path, url_key, expiry_key, default_format), answer in zip(
            self._ARTIFACTS, answers, strict=True
        ):
            if isinstance(answer, NotFoundError):
                continue
            if isinstance(answer, BaseException):
                raise answer
            data = self._data(answer, f"{kind} link")
            url = data.get(url_key)
            expiry_raw = data.get(expiry_key)
            expires = parse_time(expiry_raw)
            note = None
            if isinstance(expiry_raw, str) and expires is None:
                note = f"unreadable expiry {text(expiry_raw)!r}"
            if not isinstance(url, str) or not url:
                note = f"{self.label} sent no {url_key}"
                url = None
            out.append(
                Artifact(
                    provider=self.name,
                    session_id=session_id,
                    kind=kind,
                    url=url,
                    expires_at=expires,
                    format=_extension(url) or default_format,
                    note=note,
                )
            )
        return out

    # -- quality -------------------------------------------------------------------------

    async def get_quality(self, session_id: str, participant_id: str) -> list[QualitySeries]:
        """Peer reports first (one per peer of the participant), legacy ``quality_stats``
        from the participant details when there is no report with samples."""
        detail, _problem = await self._participant_detail(session_id, participant_id)
        peers = self._peer_ids(detail)[:MAX_PEERS]
        legacy = [s for s in (_section(LegacyQualityStat, raw) for raw in detail.quality_stats or []) if s]
        unread = _Unread()
        points: list[_Point] = []
        firsts: list[datetime] = []
        reports = [await self._peer_report(peers[0], session_id, "quality_stats")]
        if reports[0] is not None or not legacy:
            # (a 404 for the participant's own peer next to legacy data: no peer reports here)
            reports += await asyncio.gather(
                *(self._peer_report(peer, session_id, "quality_stats") for peer in peers[1:])
            )
        for peer, report in zip(peers, reports, strict=False):
            quality = ((report or {}).get("peer_report") or {}).get("quality")
            if isinstance(quality, dict):
                found, first = self._report_points(quality, peer, unread)
                points.extend(found)
                firsts.extend([first] if first is not None else [])
        generation = "peer-report"
        if not points:
            generation, firsts, unread = "legacy", [], _Unread()
            for stat in legacy:
                points.extend(legacy_points(stat, _usable_id(stat.peer_id) or detail.id, unread))
        if not points:
            if unread.samples:
                log.debug("realtimekit: no quality samples for %s: %s", participant_id, unread.note())
            return []
        # The series starts at the first sample, counters-only baselines included.
        start = min([p.at for p in points] + firsts)
        return build_series(
            points,
            start=start,
            generation=generation,
            provider=self.name,
            session_id=session_id,
            participant_id=participant_id,
            note=unread.note(),
        )

    @staticmethod
    def _report_points(
        quality: dict[str, Any], peer: str, unread: _Unread
    ) -> tuple[list[_Point], datetime | None]:
        """Points of every stream of one peer report, and its earliest sample time."""
        points: list[_Point] = []
        first: datetime | None = None
        for stream in STREAM_DIRECTIONS:
            raw_samples = quality.get(stream)
            if not isinstance(raw_samples, list):
                continue
            samples = [s for s in (unread.read(MediaSample, raw) for raw in raw_samples) if s is not None]
            if samples:
                earliest = as_utc(min(s.timestamp for s in samples))
                first = earliest if first is None or (earliest and earliest < first) else first
            points.extend(stream_points(stream, samples, peer))
        return points, first

    # -- check ---------------------------------------------------------------------------

    async def check(self) -> str:
        body = await self._get(["sessions"], {"page_no": 1, "per_page": 1})
        data = self._data(body, "session list")
        total = self._total(body, data)
        count = f"{total:,} sessions" if total is not None else "sessions readable"
        return f"{self.label} app {self.app_id} (account {self.account_id}): {count}"


def _event_order(event: Event) -> tuple[datetime, str]:
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
