"""Turn what a reader kept (:mod:`roomscope.tui.clientstats.raw`) into the normalised result.

Per inbound-rtp stream: packets, loss, jitter, bitrate, frame rate and size, freezes,
concealment. Per outbound-rtp stream: packets, bitrate, frame rate and size, the encoder's
quality limitation, and the send side as the receiver reported it (the remote-inbound-rtp
whose ``localId`` is the stream: loss, jitter, RTT). Per peer connection: the selected
candidate pair over time (from ``transport.selectedCandidatePairId``, or the pair flagged
``selected`` as Firefox reports it), the RTT and available outgoing bitrate of whichever pair
was selected, and the state changes.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable

from roomscope.tui.clientstats import rates
from roomscope.tui.clientstats.model import (
    Candidate,
    ClientDump,
    Direction,
    DumpFormat,
    LimitationChange,
    PairChange,
    PeerConnectionStats,
    Series,
    StateChange,
    TrackStats,
)
from roomscope.tui.clientstats.raw import QLD, Collector, RawPeerConnection, RawStat
from roomscope.tui.text import clean

KBPS = 8.0 / 1000.0
"""Bytes per second to kilobits per second."""
LIMITATION_REASONS = ("cpu", "bandwidth", "other")
NO_PAIR = frozenset({"", "undefined", "null"})


def _col(stat: RawStat, prop: str) -> array[float]:
    found = stat.nums.get(prop)
    return found if found is not None else rates.empty(len(stat.times))


def _has(stat: RawStat, prop: str) -> bool:
    return prop in stat.nums


def _any(values: Iterable[float]) -> bool:
    return any(v == v for v in values)


def _static_text(stat: RawStat, *props: str) -> str | None:
    for prop in props:
        value = stat.static.get(prop)
        if value is not None and not isinstance(value, dict | list):
            text = clean(value, 80).strip('"')
            if text:
                return text
    return None


def _ssrc(stat: RawStat) -> int | None:
    value = stat.static.get("ssrc")
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _round(value: float | None) -> int | None:
    return None if value is None else round(value)


def _time_bounds(times: array[float]) -> tuple[float | None, float | None]:
    finite = [t for t in times if t == t]
    return (finite[0], finite[-1]) if finite else (None, None)


class _SeriesSet:
    def __init__(self) -> None:
        self.items: list[Series] = []

    def add(self, name: str, unit: str, times: array[float], values: array[float]) -> None:
        if _any(values):
            self.items.append(Series(name, unit, times, values))


def _inbound(stat: RawStat) -> TrackStats:
    t = stat.times
    kind = _static_text(stat, "kind", "mediaType") or ""
    out = _SeriesSet()
    received = rates.counted(t, _col(stat, "packetsReceived"))
    lost = rates.counted(t, _col(stat, "packetsLost"), signed=True)
    bitrate = rates.counted(t, _col(stat, "bytesReceived"), scale=KBPS)
    out.add("packets_per_s", "packets/s", t, received.per_second)
    out.add("received_packets", "packets", t, received.deltas)
    out.add("lost_packets", "packets", t, rates.clamp_min(lost.deltas))
    out.add("loss_pct", "%", t, rates.loss_pct(lost.deltas, received.deltas))
    out.add("jitter_ms", "ms", t, rates.scaled(_col(stat, "jitter"), 1000.0))
    out.add("bitrate_kbps", "kbps", t, bitrate.per_second)
    resets = set(received.resets) | set(bitrate.resets)
    freeze_count = freezes_s = concealment = None
    if kind != "audio":
        decoded = rates.counted(t, _col(stat, "framesDecoded"))
        out.add("fps", "fps", t, rates.or_else(_col(stat, "framesPerSecond"), decoded.per_second))
        out.add("frame_width", "px", t, _col(stat, "frameWidth"))
        out.add("frame_height", "px", t, _col(stat, "frameHeight"))
        freezes = rates.counted(t, _col(stat, "freezeCount"))
        duration = rates.counted(t, _col(stat, "totalFreezesDuration"))
        out.add("freezes", "freezes", t, freezes.deltas)
        out.add("freeze_duration_s", "s", t, duration.deltas)
        out.add("freeze_pct", "%", t, rates.share_of_interval_pct(t, duration.deltas))
        freeze_count = _round(freezes.total)
        freezes_s = duration.total
    if kind != "video" and _has(stat, "concealedSamples") and _has(stat, "totalSamplesReceived"):
        concealed = rates.counted(t, _col(stat, "concealedSamples"))
        samples = rates.counted(t, _col(stat, "totalSamplesReceived"))
        out.add("concealment_pct", "%", t, rates.ratio_pct(concealed.deltas, samples.deltas))
        if concealed.total is not None and samples.total:
            concealment = min(100.0, concealed.total / samples.total * 100.0)
    packets = _round(received.total)
    # A stream that restarted restarted all its counters: sum the loss count over the restarts.
    packets_lost = _round(rates.total(_col(stat, "packetsLost"), received.resets))
    loss = None
    if packets is not None and packets_lost is not None and packets + max(0, packets_lost) > 0:
        loss = max(0, packets_lost) / (packets + max(0, packets_lost)) * 100.0
    first, last = _time_bounds(t)
    return TrackStats(
        id=clean(stat.id, 80),
        direction=Direction.INBOUND,
        kind=kind,
        ssrc=_ssrc(stat),
        track_identifier=_static_text(stat, "trackIdentifier"),
        mid=_static_text(stat, "mid"),
        rid=None,
        packets=packets,
        packets_lost=packets_lost,
        loss_pct=loss,
        counter_resets=len(resets),
        freeze_count=freeze_count,
        total_freezes_duration_s=freezes_s,
        concealment_pct=concealment,
        quality_limitation_s=(),
        limitation_changes=(),
        series=tuple(out.items),
        first_ms=first,
        last_ms=last,
    )


def _remote_for(stat: RawStat, pc: RawPeerConnection) -> RawStat | None:
    remotes = [s for s in pc.stats.values() if s.type == "remote-inbound-rtp"]
    for remote in remotes:
        if remote.static.get("localId") == stat.id:
            return remote
    ssrc = _ssrc(stat)
    if ssrc is None:
        return None
    return next((r for r in remotes if _ssrc(r) == ssrc), None)


def _at(times: array[float], index: int) -> float | None:
    """The first usable time at or after ``index``."""
    for t in times[index:]:
        if t == t:
            return t
    return None


def _outbound(stat: RawStat, pc: RawPeerConnection) -> TrackStats:
    t = stat.times
    kind = _static_text(stat, "kind", "mediaType") or ""
    out = _SeriesSet()
    sent = rates.counted(t, _col(stat, "packetsSent"))
    bitrate = rates.counted(t, _col(stat, "bytesSent"), scale=KBPS)
    out.add("packets_per_s", "packets/s", t, sent.per_second)
    out.add("bitrate_kbps", "kbps", t, bitrate.per_second)
    resets = set(sent.resets) | set(bitrate.resets)
    limitation: list[tuple[str, float]] = []
    changes: list[LimitationChange] = []
    if kind != "audio":
        encoded = rates.counted(t, _col(stat, "framesEncoded"))
        out.add("fps", "fps", t, rates.or_else(_col(stat, "framesPerSecond"), encoded.per_second))
        out.add("frame_width", "px", t, _col(stat, "frameWidth"))
        out.add("frame_height", "px", t, _col(stat, "frameHeight"))
        for reason in LIMITATION_REASONS:
            seconds = rates.counted(t, _col(stat, f"{QLD}.{reason}"))
            out.add(f"quality_limited_{reason}_pct", "%", t, rates.share_of_interval_pct(t, seconds.deltas))
            if seconds.total is not None:
                limitation.append((reason, seconds.total))
        none_spent = rates.counted(t, _col(stat, f"{QLD}.none")).total
        if none_spent is not None:
            limitation.insert(0, ("none", none_spent))
        for index, reason in stat.texts.get("qualityLimitationReason", ()):
            at = _at(t, index)
            if at is not None:
                changes.append(LimitationChange(at, reason))
    packets = _round(sent.total)
    packets_lost: int | None = None
    loss: float | None = None
    remote = _remote_for(stat, pc)
    if remote is not None:
        rt = remote.times
        lost = rates.counted(rt, _col(remote, "packetsLost"), signed=True)
        sent_at = rates.as_of(t, _col(stat, "packetsSent"), rt)
        sent_in = rates.counted(rt, sent_at)
        lost_in = rates.clamp_min(lost.deltas)
        fraction = rates.scaled(_col(remote, "fractionLost"), 100.0)
        out.add("sent_packets", "packets", rt, sent_in.deltas)
        out.add("lost_packets", "packets", rt, lost_in)
        out.add("loss_pct", "%", rt, rates.or_else(rates.ratio_pct(lost_in, sent_in.deltas), fraction))
        out.add("jitter_ms", "ms", rt, rates.scaled(_col(remote, "jitter"), 1000.0))
        out.add("rtt_ms", "ms", rt, rates.scaled(_col(remote, "roundTripTime"), 1000.0))
        packets_lost = _round(lost.total)
        if packets and packets_lost is not None:
            loss = min(100.0, max(0, packets_lost) / packets * 100.0)
    first, last = _time_bounds(t)
    return TrackStats(
        id=clean(stat.id, 80),
        direction=Direction.OUTBOUND,
        kind=kind,
        ssrc=_ssrc(stat),
        track_identifier=None,
        mid=_static_text(stat, "mid"),
        rid=_static_text(stat, "rid"),
        packets=packets,
        packets_lost=packets_lost,
        loss_pct=loss,
        counter_resets=len(resets),
        freeze_count=None,
        total_freezes_duration_s=None,
        concealment_pct=None,
        quality_limitation_s=tuple(limitation),
        limitation_changes=tuple(changes),
        series=tuple(out.items),
        first_ms=first,
        last_ms=last,
    )


def _candidate(stat: RawStat | None) -> Candidate | None:
    if stat is None:
        return None

    def low(prop: str) -> str | None:
        value = _static_text(stat, prop)
        return value.lower() if value else None

    return Candidate(
        id=clean(stat.id, 80),
        type=low("candidateType"),
        protocol=low("protocol"),
        relay_protocol=low("relayProtocol"),
        network_type=low("networkType"),
    )


def _main_transport(pc: RawPeerConnection) -> RawStat | None:
    transports = [
        s for s in pc.stats.values() if s.type == "transport" and "selectedCandidatePairId" in s.texts
    ]
    if not transports:
        return None
    used: dict[str, int] = {}
    for s in pc.stats.values():
        if s.type in ("inbound-rtp", "outbound-rtp"):
            tid = s.static.get("transportId")
            if isinstance(tid, str):
                used[tid] = used.get(tid, 0) + 1
    return max(transports, key=lambda s: used.get(s.id, 0))


def _selection(pc: RawPeerConnection) -> list[tuple[float, str]]:
    """``(time, pair id)`` each time the selected candidate pair changed."""
    timeline: list[tuple[float, str]] = []
    transport = _main_transport(pc)
    pairs = {s.id: s for s in pc.stats.values() if s.type == "candidate-pair"}
    if transport is not None:
        for index, pair_id in transport.texts["selectedCandidatePairId"]:
            at = _at(transport.times, index)
            if at is not None:
                timeline.append((at, pair_id))
    else:
        flips: list[tuple[float, str, bool]] = []
        for pair in pairs.values():
            for index, value in pair.texts.get("selected", ()):
                at = _at(pair.times, index)
                if at is not None:
                    flips.append((at, pair.id, value == "true"))
        flips.sort(key=lambda f: f[0])
        current = ""
        for at, pair_id, on in flips:
            if on and pair_id != current:
                current = pair_id
                timeline.append((at, pair_id))
            elif not on and pair_id == current:
                current = ""
        if not flips:
            best = _busiest_nominated(pairs.values())
            if best is not None:
                first, _ = _time_bounds(best.times)
                if first is not None:
                    timeline.append((first, best.id))
    out: list[tuple[float, str]] = []
    for at, pair_id in timeline:
        if pair_id in NO_PAIR or (out and out[-1][1] == pair_id):
            continue
        out.append((at, pair_id))
    return out


def _busiest_nominated(pairs: Iterable[RawStat]) -> RawStat | None:
    best: RawStat | None = None
    best_bytes = -1.0
    for pair in pairs:
        states = pair.texts.get("state", [])
        nominated = pair.texts.get("nominated", [])
        if not states or states[-1][1] != "succeeded" or (nominated and nominated[-1][1] != "true"):
            continue
        sent = rates.total(_col(pair, "bytesSent")) or 0.0
        if sent > best_bytes:
            best, best_bytes = pair, sent
    return best


def _stitched(
    name: str,
    unit: str,
    prop: str,
    factor: float,
    timeline: list[tuple[float, str]],
    pc: RawPeerConnection,
) -> Series | None:
    """``prop`` of whichever candidate pair was selected at each time."""
    times = array("d")
    values = array("d")
    for k, (start, pair_id) in enumerate(timeline):
        end = timeline[k + 1][0] if k + 1 < len(timeline) else math.inf
        pair = pc.stats.get(pair_id)
        if pair is None or pair.type != "candidate-pair" or prop not in pair.nums:
            continue
        for t, v in zip(pair.times, pair.nums[prop], strict=True):
            if t == t and start <= t < end and (not times or t > times[-1]):
                times.append(t)
                values.append(v * factor)
    return Series(name, unit, times, values) if _any(values) else None


def _ice_reconnects(events: list[StateChange], pc: RawPeerConnection) -> int:
    states = [e.state for e in events if e.kind == "ice"]
    if not states:
        for stat in pc.stats.values():
            if stat.type == "transport" and "iceState" in stat.texts:
                states = [value for _, value in stat.texts["iceState"]]
                break
    count = 0
    down = False
    for state in states:
        if state in ("disconnected", "failed"):
            down = True
        elif state in ("connected", "completed") and down:
            count += 1
            down = False
    return count


def _peer_connection(pc: RawPeerConnection) -> PeerConnectionStats:
    tracks: list[TrackStats] = []
    for stat in pc.stats.values():
        if stat.type == "inbound-rtp":
            tracks.append(_inbound(stat))
        elif stat.type == "outbound-rtp":
            tracks.append(_outbound(stat, pc))
    tracks.sort(key=lambda tr: (tr.direction.value, tr.kind, tr.ssrc or 0, tr.id))
    timeline = _selection(pc)
    changes = []
    for at, pair_id in timeline:
        pair = pc.stats.get(pair_id)
        local = remote = None
        if pair is not None:
            local_id = pair.static.get("localCandidateId")
            remote_id = pair.static.get("remoteCandidateId")
            local = _candidate(pc.stats.get(local_id)) if isinstance(local_id, str) else None
            remote = _candidate(pc.stats.get(remote_id)) if isinstance(remote_id, str) else None
        changes.append(PairChange(at, clean(pair_id, 80), local, remote))
    series = [
        s
        for s in (
            _stitched("rtt_ms", "ms", "currentRoundTripTime", 1000.0, timeline, pc),
            _stitched("available_outgoing_kbps", "kbps", "availableOutgoingBitrate", 0.001, timeline, pc),
        )
        if s is not None
    ]
    firsts = [tr.first_ms for tr in tracks if tr.first_ms is not None]
    lasts = [tr.last_ms for tr in tracks if tr.last_ms is not None]
    for stat in pc.stats.values():
        first, last = _time_bounds(stat.times)
        if first is not None and last is not None:
            firsts.append(first)
            lasts.append(last)
    timed = [e.at_ms for e in pc.events if e.at_ms is not None]
    return PeerConnectionStats(
        id=clean(pc.id, 80),
        url=clean(pc.url, 200) if pc.url else None,
        tracks=tuple(tracks),
        series=tuple(series),
        pair_changes=tuple(changes),
        state_changes=tuple(pc.events),
        ice_reconnects=_ice_reconnects(pc.events, pc),
        stats_truncated=pc.stats_truncated,
        first_ms=min(firsts + timed, default=None),
        last_ms=max(lasts + timed, default=None),
    )


def build(
    collector: Collector, *, name: str, fmt: DumpFormat, compressed: bool, bytes_read: int
) -> ClientDump:
    """The normalised result of everything ``collector`` gathered."""
    pcs = tuple(_peer_connection(pc) for pc in collector.pcs.values() if pc.stats or pc.events)
    return ClientDump(
        name=name,
        format=fmt,
        version=collector.version,
        user_agent=collector.user_agent,
        browser=collector.browser,
        peer_connections=pcs,
        skipped=collector.notes.items(),
        compressed=compressed,
        bytes_read=bytes_read,
    )
