"""Cloudflare RealtimeKit call quality: per-stream samples become one series per metric.

Two generations of quality data exist and both are read:

* current: ``/sessions/peer-report/{peer_id}`` holds per-stream samples with cumulative
  byte and packet counters; loss % and bitrate are computed from counter deltas between a
  stream's consecutive samples, jitter/RTT/MOS/fps are taken as reported;
* legacy (Dyte v2, Cloudflare until May 2026): ``quality_stats`` in the participant
  details, with jitter, a ``quality`` score and fps per sample, and no counters (so no
  loss % or bitrate).

Neither the sample interval nor the units are documented: series use each sample's own
timestamp (``offsets_s``) and every guessed unit is flagged ``unit_documented=False``.

Consumers name the peer whose media they receive (``peer_id``): receive loss is also
given per sender (``QualitySeries.peer_id`` = the sending participant), so a receive-side
problem can be laid at the sender's door. Video producers say why the encoder held back
(``quality_limitation_durations``/``quality_limitation_reason``): the CPU- and
bandwidth-limited share of each interval.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from roomscope.tui.models import Metric, QualitySeries
from roomscope.tui.providers.parsing import as_utc, number
from roomscope.tui.providers.realtimekit.payloads import (
    LegacyQualityStat,
    LegacySample,
    MediaSample,
    log,
    read_lenient,
    usable_id,
)

M = TypeVar("M", bound=BaseModel)

TICK_S = 0.25
"""Samples of different streams closer than this belong to the same reporting tick."""
GAP_FACTOR = 3.0
"""A pause longer than this many typical sample steps is shown as a gap."""


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
class Point:
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
    sender: str | None = None
    """On a receive stream: the sending peer."""
    cpu: float | None = None
    """Percent of the interval the video encoder was CPU-limited."""
    bw: float | None = None
    """Percent of the interval the video encoder was bandwidth-limited."""
    jbd_ms: float | None = None
    """Mean jitter-buffer delay over the interval (receive streams)."""
    concealed: float | None = None
    """Concealment events over the interval (receive audio)."""

    def empty(self) -> bool:
        return all(
            v is None
            for v in (self.kbps, self.expected, self.jitter, self.rtt, self.mos, self.fps, self.cpu, self.bw)
        )


def _delta(before: float | None, after: float | None) -> float | None:
    """Growth of a cumulative counter; None when unknown or when the counter restarted."""
    if before is None or after is None or after < before:
        return None
    return after - before


def _limited(previous: MediaSample, sample: MediaSample, dt: float) -> tuple[float | None, float | None]:
    """(CPU-limited %, bandwidth-limited %) of the interval: from the growth of
    ``quality_limitation_durations`` (seconds, as in WebRTC), else the current
    ``quality_limitation_reason`` taken to hold for the whole interval."""
    before, after = previous.quality_limitation_durations, sample.quality_limitation_durations
    if isinstance(before, dict) and isinstance(after, dict):
        shares: list[float | None] = []
        for reason in ("cpu", "bandwidth"):
            grown = _delta(number(before.get(reason), "seconds"), number(after.get(reason), "seconds"))
            shares.append(round(min(100.0, 100.0 * grown / dt), 1) if grown is not None else None)
        if any(v is not None for v in shares):
            return shares[0], shares[1]
    reason = (sample.quality_limitation_reason or "").strip().lower()
    if reason in ("none", "cpu", "bandwidth", "other"):
        return (100.0 if reason == "cpu" else 0.0), (100.0 if reason == "bandwidth" else 0.0)
    return None, None


def stream_points(stream: str, samples: Iterable[MediaSample], peer: str) -> list[Point]:
    """Points of one ``peer_report.quality`` stream list. Samples are grouped by the
    producer/consumer they describe; counters are differenced within a group."""
    direction = STREAM_DIRECTIONS[stream]
    groups: dict[str, list[MediaSample]] = defaultdict(list)
    for sample in samples:
        key = sample.producer_id if direction == "send" else sample.consumer_id
        key = key or sample.producer_id or (str(sample.ssrc) if sample.ssrc is not None else sample.mid)
        groups[f"{peer}/{key or '-'}"].append(sample)
    out: list[Point] = []
    for group in groups.values():
        group.sort(key=lambda s: s.timestamp)
        previous: MediaSample | None = None
        for sample in group:
            at = as_utc(sample.timestamp) or sample.timestamp
            point = Point(
                at=at,
                stream=stream,
                direction=direction,
                jitter=sample.jitter,
                rtt=sample.rtt,
                mos=sample.mos_quality,
                fps=sample.frames_per_second,
                sender=usable_id(sample.peer_id) if direction == "recv" else None,
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
                    if stream.endswith("video_producer"):
                        point.cpu, point.bw = _limited(previous, sample, dt)
                    if direction == "recv":
                        delay = _delta(previous.jitter_buffer_delay, sample.jitter_buffer_delay)
                        emitted = _delta(
                            previous.jitter_buffer_emitted_count, sample.jitter_buffer_emitted_count
                        )
                        if delay is not None and emitted:
                            point.jbd_ms = round(1000.0 * delay / emitted, 3)
                        point.concealed = _delta(previous.concealment_events, sample.concealment_events)
            if not point.empty():
                out.append(point)
            previous = sample
    return out


@dataclass
class Unread:
    """What of one participant's quality samples could not be read, for the series'
    ``source``: samples dropped (not an object, or no readable timestamp: a sample with
    no time cannot be placed) and values left out of the samples that were kept."""

    samples: int = 0
    values: int = 0

    def read(self, model: type[M], raw: Any) -> M | None:
        record, problems = read_lenient(model, raw)
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


def legacy_points(stat: LegacyQualityStat, peer: str, unread: Unread) -> list[Point]:
    """Points of one legacy ``quality_stats`` entry: gauges only (no counters)."""
    out: list[Point] = []
    for stream, raw_samples in (("audio", stat.audio_stats), ("video", stat.video_stats)):
        for raw in raw_samples or []:
            sample = unread.read(LegacySample, raw)
            if sample is None:
                continue
            out.append(
                Point(
                    at=as_utc(sample.timestamp) or sample.timestamp,
                    stream=f"legacy_{stream}",
                    direction="legacy",
                    jitter=sample.jitter,
                    mos=sample.quality,
                    fps=sample.frames_per_second if stream == "video" else None,
                )
            )
    return [p for p in out if not p.empty()]


def report_points(quality: dict[str, Any], peer: str, unread: Unread) -> tuple[list[Point], datetime | None]:
    """Points of every stream of one peer report, and its earliest sample time."""
    points: list[Point] = []
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


def _ticks(points: Sequence[Point]) -> list[list[Point]]:
    ordered = sorted(points, key=lambda p: p.at)
    ticks: list[list[Point]] = []
    for point in ordered:
        if ticks and (point.at - ticks[-1][0].at).total_seconds() <= TICK_S:
            ticks[-1].append(point)
        else:
            ticks.append([point])
    return ticks


def _loss(points: Iterable[Point], direction: str) -> float | None:
    lost = expected = 0.0
    for p in points:
        if p.direction == direction and p.lost is not None and p.expected:
            lost += p.lost
            expected += p.expected
    return round(100.0 * lost / expected, 3) if expected > 0 else None


def _rate(points: Iterable[Point], direction: str) -> float | None:
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
    value: Callable[[list[Point]], float | None]


def _fps_specs(generation: str) -> list[_MetricSpec]:
    if generation == "legacy":
        return [
            _MetricSpec(
                Metric.FPS,
                "fps",
                True,
                "legacy quality_stats video_stats frames_per_second",
                lambda tick: _pick((p.fps for p in tick), max),
            )
        ]
    return [
        _MetricSpec(
            Metric.FPS_SEND,
            "fps",
            True,
            "peer-report video_producer frames_per_second (sent)",
            lambda tick: _pick((p.fps for p in tick if p.stream == "video_producer"), max),
        ),
        _MetricSpec(
            Metric.FPS,
            "fps",
            True,
            "peer-report video_consumer frames_per_second (received, mean of streams)",
            lambda tick: _pick((p.fps for p in tick if p.stream == "video_consumer"), statistics.fmean),
        ),
        _MetricSpec(
            Metric.CPU_LIMITED,
            "%",
            False,
            "peer-report video_producer quality_limitation_durations.cpu growth over the interval "
            "(seconds as in WebRTC; else quality_limitation_reason)",
            lambda tick: _pick((p.cpu for p in tick), max),
        ),
        _MetricSpec(
            Metric.BW_LIMITED,
            "%",
            False,
            "peer-report video_producer quality_limitation_durations.bandwidth growth over the "
            "interval (seconds as in WebRTC; else quality_limitation_reason)",
            lambda tick: _pick((p.bw for p in tick), max),
        ),
    ]


def _metric_specs(generation: str) -> list[_MetricSpec]:
    fps = _fps_specs(generation)
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
            *fps,
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
        *fps,
    ]


def _sender_spec(sender: str) -> _MetricSpec:
    return _MetricSpec(
        Metric.LOSS_RECV,
        "%",
        True,
        f"peer-report consumers of peer {sender}'s media: "
        "Δpackets_lost / (Δpackets_received + Δpackets_lost)",
        lambda tick: _loss((p for p in tick if p.sender == sender), "recv"),
    )


def receive_extra(points: Iterable[Point]) -> dict[str, float]:
    """Jitter-buffer delay (mean of the intervals') and concealment events (total) of
    receive streams, for the receive series' ``extra``."""
    delays = [p.jbd_ms for p in points if p.direction == "recv" and p.jbd_ms is not None]
    concealed = [p.concealed for p in points if p.direction == "recv" and p.concealed is not None]
    out: dict[str, float] = {}
    if delays:
        out["jitter_buffer_delay_ms_avg"] = round(statistics.fmean(delays), 3)
        out["jitter_buffer_delay_ms_max"] = round(max(delays), 3)
    if concealed:
        out["concealment_events"] = float(sum(concealed))
    return out


def build_series(
    points: Sequence[Point],
    *,
    start: datetime,
    generation: str,
    provider: str,
    session_id: str,
    participant_id: str,
    note: str = "",
    senders: Mapping[str, str] | None = None,
    extra: Mapping[Metric, Mapping[str, Any]] | None = None,
) -> list[QualitySeries]:
    """One irregular series per metric that has any value, and (peer-report generation)
    one receive-loss series per sending participant (``senders``: sending peer ->
    participant id; an unknown peer stands for itself). Pauses much longer than the
    typical sample step (a reconnect) get a ``None`` so charts show the gap. ``note``
    (what could not be read) is added to every series' ``source``; ``extra`` is added to
    the participant's own series of that metric."""
    base = {"provider": provider, "session_id": session_id, "participant_id": participant_id}
    own = _series(points, _metric_specs(generation), start, generation, base, note, extra or {})
    if generation == "legacy":
        return own
    by_sender: dict[str, list[Point]] = defaultdict(list)
    for point in points:
        if point.sender is not None:
            by_sender[point.sender].append(point)
    names = senders or {}
    pairs: list[QualitySeries] = []
    for sender, mine in sorted(by_sender.items()):
        who = names.get(sender, sender)
        if who == participant_id:
            continue  # its own media looped back: not a sender
        received = {Metric.LOSS_RECV: receive_extra(mine)}
        for series in _series(mine, [_sender_spec(sender)], start, generation, base, note, received):
            pairs.append(series.model_copy(update={"peer_id": who}))
    return own + pairs


def _series(
    points: Sequence[Point],
    specs: Sequence[_MetricSpec],
    start: datetime,
    generation: str,
    base: Mapping[str, str],
    note: str,
    extra: Mapping[Metric, Mapping[str, Any]],
) -> list[QualitySeries]:
    ticks = _ticks(points)
    if not ticks:
        return []
    offsets = [round((tick[0].at - start).total_seconds(), 3) for tick in ticks]
    steps = [b - a for a, b in itertools.pairwise(offsets) if b > a]
    typical = statistics.median(steps) if steps else 0.0
    out: list[QualitySeries] = []
    for spec in specs:
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
                provider=base["provider"],
                session_id=base["session_id"],
                participant_id=base["participant_id"],
                metric=spec.metric,
                unit=spec.unit,
                unit_documented=spec.documented,
                source=f"{spec.source}; {note}" if note else spec.source,
                start=start,
                offsets_s=times,
                values=shown,
                extra=dict(extra.get(spec.metric, {})),
            )
        )
    return out
