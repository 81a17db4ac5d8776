"""A dump as :class:`~roomscope.tui.models.QualitySeries`: one series per metric for the
participant whose browser wrote it.

A ``QualitySeries`` is one metric of one participant, so the tracks and peer connections of
the dump are combined. Samples of different tracks taken within ``BUCKET_MS`` of each other
(one getStats poll) are one sample of the participant:

* ``packet_loss_recv``: lost / (received + lost) over every inbound stream, per interval;
* ``packet_loss_send``: lost / sent over every outbound stream, as the receivers reported;
* ``jitter``: the worst inbound audio stream (every inbound stream when there is no audio);
* ``rtt``: the selected candidate pair's RTT (STUN), else the worst RTCP RTT of the outbound
  streams; the worst peer connection when there are several;
* ``bitrate_send`` / ``bitrate_recv``: the sum over the streams (kbps);
* ``fps``: the video it received, the highest frame rate of its inbound video streams;
* ``fps_send``: its own video, the highest frame rate of its outbound video streams;
* ``cpu_limited`` / ``bandwidth_limited``: the share of each interval its video encoder was
  limited by CPU or bandwidth (the worst outbound video stream);
* ``bwe_send``: the available outgoing bitrate of the selected candidate pair (the lowest
  peer connection);
* ``freeze_recv``: the share of each interval its received video was frozen (the worst
  inbound video stream); ``concealment_recv``: concealed audio samples (the worst stream);
* ``relay_path``, ``path_switch``, ``ice_state``: the selected candidate pair (relayed or TCP
  or not) at each change, each change after the first, the ICE connection state at each
  change; states hold until the next sample, which the series repeat at the dump's end.

The other series :class:`~roomscope.tui.clientstats.model.TrackStats` and
:class:`~roomscope.tui.clientstats.model.PeerConnectionStats` hold (resolution, packet
rates, freeze counts...) have no ``Metric`` and stay in the clientstats model.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from roomscope.tui.clientstats.model import ClientDump, Direction, PeerConnectionStats, Series, TrackStats
from roomscope.tui.kinds import Metric
from roomscope.tui.models import QualitySeries

BUCKET_MS = 500.0
"""Samples closer than this are one sample of the participant (one getStats poll)."""

Combine = Callable[[list[float]], float]


def _buckets(series: Iterable[Series]) -> list[float]:
    times = sorted({t for s in series for t, _ in s.present()})
    starts: list[float] = []
    for t in times:
        if not starts or t - starts[-1] > BUCKET_MS:
            starts.append(t)
    return starts


def _gather(series: Sequence[Series], starts: list[float]) -> list[list[float]]:
    found: list[list[float]] = [[] for _ in starts]
    for s in series:
        for t, v in s.present():
            index = bisect.bisect_right(starts, t) - 1
            if index >= 0:
                found[index].append(v)
    return found


def combined(series: Sequence[Series], combine: Combine) -> tuple[list[float], list[float | None]]:
    """``(times, values)``: the series merged sample by sample with ``combine``."""
    starts = _buckets(series)
    return starts, [combine(vs) if vs else None for vs in _gather(series, starts)]


def combined_ratio(
    parts: Sequence[Series], wholes: Sequence[Series]
) -> tuple[list[float], list[float | None]]:
    """``(times, values)``: sum(parts) / sum(wholes) * 100 per sample."""
    starts = _buckets([*parts, *wholes])
    part = _gather(parts, starts)
    whole = _gather(wholes, starts)
    values: list[float | None] = []
    for p, w in zip(part, whole, strict=True):
        total = sum(w)
        values.append(min(100.0, sum(p) / total * 100.0) if p and total > 0 else None)
    return starts, values


ICE_LEVELS = {
    "new": 0.0,
    "checking": 0.0,
    "connected": 0.0,
    "completed": 0.0,
    "disconnected": 1.0,
    "failed": 2.0,
}
"""``ice_state`` values (``closed`` ends the call: not a state the series keeps)."""

Shape = tuple[list[float], list[float | None]]


def _held_states(changes: list[tuple[float, float]], end_ms: float | None) -> Shape:
    """A state series from ``(time, state)`` changes, its last state repeated at ``end_ms``."""
    changes.sort(key=lambda c: c[0])
    times = [t for t, _ in changes]
    values: list[float | None] = [v for _, v in changes]
    if changes and end_ms is not None and end_ms > times[-1]:
        times.append(end_ms)
        values.append(values[-1])
    return times, values


def _relay_path(pcs: Sequence[PeerConnectionStats], end_ms: float | None) -> Shape:
    changes = [(c.at_ms, 1.0 if c.relay or c.tcp else 0.0) for pc in pcs for c in pc.pair_changes]
    return _held_states(changes, end_ms)


def _path_switches(pcs: Sequence[PeerConnectionStats]) -> Shape:
    found: list[tuple[float, float]] = []
    for pc in pcs:
        for before, after in zip(pc.pair_changes, pc.pair_changes[1:], strict=False):
            was = before.local.network_type if before.local else None
            now = after.local.network_type if after.local else None
            found.append((after.at_ms, 2.0 if was and now and was != now else 1.0))
    found.sort(key=lambda c: c[0])
    return [t for t, _ in found], [v for _, v in found]


def _ice_states(pcs: Sequence[PeerConnectionStats], end_ms: float | None) -> Shape:
    changes = [
        (e.at_ms, ICE_LEVELS[e.state])
        for pc in pcs
        for e in pc.state_changes
        if e.kind == "ice" and e.at_ms is not None and e.state in ICE_LEVELS
    ]
    return _held_states(changes, end_ms)


def _named(tracks: Iterable[TrackStats], name: str) -> list[Series]:
    return [s for t in tracks if (s := t.get(name)) is not None]


def _quality(
    dump: ClientDump,
    metric: Metric,
    unit: str,
    shape: Shape,
    how: str,
    *,
    provider: str,
    session_id: str,
    participant_id: str,
) -> QualitySeries | None:
    times, values = shape
    if not any(v is not None for v in values):
        return None
    start_ms = times[0]
    return QualitySeries(
        provider=provider,
        session_id=session_id,
        participant_id=participant_id,
        metric=metric,
        unit=unit,
        source=dump.source,
        start=datetime.fromtimestamp(start_ms / 1000.0, UTC),
        offsets_s=[(t - start_ms) / 1000.0 for t in times],
        values=values,
        extra={"aggregate": how, "dump_format": dump.format.value},
    )


def to_quality_series(
    dump: ClientDump, *, provider: str, session_id: str, participant_id: str
) -> list[QualitySeries]:
    """The participant-level series of ``dump`` (metrics the dump has no data for are left out)."""
    tracks = [t for pc in dump.peer_connections for t in pc.tracks]
    inbound = [t for t in tracks if t.direction is Direction.INBOUND]
    outbound = [t for t in tracks if t.direction is Direction.OUTBOUND]
    audio_in = [t for t in inbound if t.kind == "audio"] or inbound
    video_in = [t for t in inbound if t.kind == "video"]
    video_out = [t for t in outbound if t.kind == "video"]
    pcs = dump.peer_connections
    bwe = [s for pc in pcs if (s := pc.get("available_outgoing_kbps")) is not None]
    received_whole = _named(inbound, "received_packets") + _named(inbound, "lost_packets")
    pair_rtt = [s for pc in dump.peer_connections if (s := pc.get("rtt_ms")) is not None]
    rtt = pair_rtt or _named(outbound, "rtt_ms")
    plan: list[tuple[Metric, str, Shape, str]] = [
        (
            Metric.LOSS_SEND,
            "%",
            combined_ratio(_named(outbound, "lost_packets"), _named(outbound, "sent_packets")),
            "lost / sent over all outbound streams (as the receivers reported)",
        ),
        (
            Metric.LOSS_RECV,
            "%",
            combined_ratio(_named(inbound, "lost_packets"), received_whole),
            "lost / (received + lost) over all inbound streams",
        ),
        (
            Metric.BITRATE_SEND,
            "kbps",
            combined(_named(outbound, "bitrate_kbps"), sum),
            "sum of outbound streams",
        ),
        (
            Metric.BITRATE_RECV,
            "kbps",
            combined(_named(inbound, "bitrate_kbps"), sum),
            "sum of inbound streams",
        ),
        (Metric.JITTER, "ms", combined(_named(audio_in, "jitter_ms"), max), "worst inbound audio stream"),
        (
            Metric.RTT,
            "ms",
            combined(rtt, max),
            "selected candidate pair (STUN)" if pair_rtt else "worst outbound stream (RTCP)",
        ),
        (Metric.FPS, "fps", combined(_named(video_in, "fps"), max), "highest inbound video stream"),
        (Metric.FPS_SEND, "fps", combined(_named(video_out, "fps"), max), "highest outbound video stream"),
        (
            Metric.CPU_LIMITED,
            "%",
            combined(_named(video_out, "quality_limited_cpu_pct"), max),
            "worst outbound video stream (qualityLimitationDurations.cpu)",
        ),
        (
            Metric.BW_LIMITED,
            "%",
            combined(_named(video_out, "quality_limited_bandwidth_pct"), max),
            "worst outbound video stream (qualityLimitationDurations.bandwidth)",
        ),
        (
            Metric.BWE,
            "kbps",
            combined(bwe, min),
            "selected candidate pair's availableOutgoingBitrate (lowest connection)",
        ),
        (
            Metric.FREEZE,
            "%",
            combined(_named(video_in, "freeze_pct"), max),
            "worst inbound video stream (totalFreezesDuration per interval)",
        ),
        (
            Metric.CONCEALMENT,
            "%",
            combined(_named(audio_in, "concealment_pct"), max),
            "worst inbound audio stream (concealedSamples / totalSamplesReceived)",
        ),
        (
            Metric.RELAY,
            "",
            _relay_path(pcs, dump.last_ms),
            "selected candidate pair: 1 relayed (TURN) or TCP/TLS, 0 direct",
        ),
        (
            Metric.PATH_SWITCH,
            "",
            _path_switches(pcs),
            "selected candidate pair changes: 1, or 2 when the network type changed",
        ),
        (
            Metric.ICE_STATE,
            "",
            _ice_states(pcs, dump.last_ms),
            "ICE connection state: 0 connected, 1 disconnected, 2 failed",
        ),
    ]
    out = []
    for metric, unit, shape, how in plan:
        series = _quality(
            dump,
            metric,
            unit,
            shape,
            how,
            provider=provider,
            session_id=session_id,
            participant_id=participant_id,
        )
        if series is not None:
            out.append(series)
    return out
