"""Quality samples of the fake RealtimeKit, built from ``DemoWorld.samples``.

Each world sample ``i`` (the 2 s interval after ``start + 2i``) becomes stream samples
stamped at the end of that interval (with a few ms of deterministic jitter), carrying
cumulative byte and packet counters whose growth over the interval reproduces the world's
bitrate and loss %, and the world's jitter, RTT and an E-model MOS as gauges. A stream
starts with a counters-only sample at the start of its first interval. A reconnect starts
a new peer, with new streams. Peer reports carry these samples; the legacy generation's
``quality_stats`` are derived from them.

Video producers carry ``quality_limitation_durations`` (cumulative seconds, growing by the
world's ``cpu_limited`` share of each interval) and ``quality_limitation_reason``;
consumers carry cumulative ``jitter_buffer_delay`` (seconds, twice the world's jitter per
emitted packet), ``jitter_buffer_emitted_count`` and, on audio, ``concealment_events``
(one per lost packet). Consumers name the sender's peer (``peer_id``), but their loss is
the participant's aggregate receive loss: per-sender loss is not modelled here.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from roomscope.tui.demo.world import DemoParticipant, DemoSamples, DemoSession, DemoWorld
from roomscope.tui.fakes.realtimekit.ids import derived_uuid, peer_id, unit
from roomscope.tui.providers.parsing import iso
from roomscope.tui.quality import mos_estimate

AUDIO_KBPS = 40.0
AUDIO_PPS = 50.0
VIDEO_PACKET_BYTES = 1100.0


def has_video(participant: DemoParticipant) -> bool:
    return participant.bitrate_base >= 100.0


@dataclass(frozen=True)
class Run:
    """Consecutive connected world samples ``first..last`` of one peer (connection ``k``)."""

    k: int
    first: int
    last: int


def runs(samples: DemoSamples, participant: DemoParticipant) -> list[Run]:
    values = samples.series.get("rtt", [])
    out: list[Run] = []
    start: int | None = None
    for i, value in enumerate([*values, None]):
        if value is not None and start is None:
            start = i
        elif value is None and start is not None:
            at = samples.start + timedelta(seconds=start * samples.interval_s)
            k = max((n for n, iv in enumerate(participant.intervals) if iv.join <= at), default=0)
            out.append(Run(k, start, i - 1))
            start = None
    return out


class StreamWriter:
    """Cumulative counters of one stream, written as RealtimeKit samples."""

    def __init__(self, ids: dict[str, Any], direction: str, audio: bool) -> None:
        self.ids = ids
        self.direction = direction
        self.audio = audio
        self.bytes = 0.0
        self.packets = 0
        self.lost = 0
        self.frames = 0.0
        self.limited = {"bandwidth": 0.0, "cpu": 0.0, "none": 0.0, "other": 0.0}
        self.delay = 0.0
        self.emitted = 0
        self.concealed = 0
        self.samples: list[dict[str, Any]] = []

    def baseline(self, at: datetime) -> None:
        counters = ("bytes_sent", "packets_sent") if self.direction == "send" else ("bytes_received",)
        sample: dict[str, Any] = {"timestamp": iso(at), **self.ids, "packets_lost": 0}
        for key in counters:
            sample[key] = 0
        if self.direction == "recv":
            sample["packets_received"] = 0
        self.samples.append(sample)

    def add(self, at: datetime, dt: float, kbps: float, loss_pct: float, gauges: dict[str, Any]) -> None:
        chunk = kbps * 1000.0 / 8.0 * dt
        self.bytes += chunk
        packets = round(AUDIO_PPS * dt) if self.audio else max(1, round(chunk / VIDEO_PACKET_BYTES))
        lost = min(packets, round(loss_pct * packets / 100.0))
        self.packets += packets
        self.lost += lost
        sample: dict[str, Any] = {"timestamp": iso(at), **self.ids}
        if self.direction == "send":
            sample.update(bytes_sent=round(self.bytes), packets_sent=self.packets, packets_lost=self.lost)
        else:
            received = self.packets - self.lost
            sample.update(bytes_received=round(self.bytes), packets_received=received, packets_lost=self.lost)
            self.emitted += packets - lost
            self.delay += (packets - lost) * 2.0 * float(gauges.get("jitter") or 0.0) / 1000.0
            sample.update(jitter_buffer_delay=round(self.delay, 4), jitter_buffer_emitted_count=self.emitted)
            if self.audio:
                self.concealed += lost
                sample["concealment_events"] = self.concealed
        cpu = gauges.pop("cpu_limited", None)
        if cpu is not None:
            share = min(1.0, max(0.0, float(cpu) / 100.0))
            self.limited["cpu"] += share * dt
            self.limited["none"] += (1.0 - share) * dt
            sample["quality_limitation_durations"] = {k: round(v, 3) for k, v in self.limited.items()}
            sample["quality_limitation_reason"] = "cpu" if share >= 0.5 else "none"
        fps = gauges.get("frames_per_second")
        if fps is not None:
            self.frames += fps * dt
            key = "frames_encoded" if self.direction == "send" else "frames_decoded"
            sample[key] = round(self.frames)
        sample.update(gauges)
        self.samples.append(sample)


@dataclass
class PeerQuality:
    """Everything a peer's quality report (or legacy quality_stats entry) needs."""

    streams: dict[str, list[StreamWriter]]
    rows: list[dict[str, float]]
    """Per written sample: the world's values (for summaries)."""
    first: datetime | None
    last: datetime | None


def _tick(samples: DemoSamples, p: DemoParticipant, i: int) -> datetime:
    """When world sample ``i``'s interval starts, give or take up to 90 ms."""
    jitter_ms = round(unit("tick", p.id, i) * 180.0) - 90
    return samples.start + timedelta(seconds=i * samples.interval_s, milliseconds=jitter_ms)


def peer_quality(world: DemoWorld, s: DemoSession, p: DemoParticipant, k: int, now: datetime) -> PeerQuality:
    """Streams of connection ``k``: audio/video producers and consumers (one consumer
    per remote participant, up to two per medium)."""
    samples = world.samples(s, p, now)
    series = samples.series
    peer = peer_id(p, k)
    video = has_video(p)
    others = [q for q in world.participants(s) if q.id != p.id][:2]
    remotes = [q.id for q in others] or [derived_uuid("remote", s.id)]
    streams: dict[str, list[StreamWriter]] = {
        "audio_producer": [_writer(peer, "send", "audio", None, "0")],
        "audio_consumer": [_writer(peer, "recv", "audio", r, str(2 + n)) for n, r in enumerate(remotes)],
    }
    if video:
        streams["video_producer"] = [_writer(peer, "send", "video", None, "1")]
        streams["video_consumer"] = [
            _writer(peer, "recv", "video", r, str(4 + n)) for n, r in enumerate(remotes)
        ]
    rows: list[dict[str, float]] = []
    first = last = None
    nominal_recv = min(6000.0, p.bitrate_base * 0.8 * min(max(1, s.participant_count - 1), 6))
    for run in runs(samples, p):
        if run.k != k:
            continue
        begin = _tick(samples, p, run.first)
        first = first or begin
        for writers in streams.values():
            for writer in writers:
                writer.baseline(begin)
        for i in range(run.first, run.last + 1):
            start, end = _tick(samples, p, i), _tick(samples, p, i + 1)
            last = end
            dt = (end - start).total_seconds()
            # A run holds connected samples only: every series has a value at i.
            ls, lr, bs, br, jit, rtt = (
                float(series[key][i] or 0.0)
                for key in (
                    "packet_loss_send",
                    "packet_loss_recv",
                    "bitrate_send",
                    "bitrate_recv",
                    "jitter",
                    "rtt",
                )
            )
            mos = round(mos_estimate(rtt, jit, max(ls, lr)), 2)
            rows.append({"loss_send": ls, "loss_recv": lr, "rtt": rtt, "jitter": jit, "mos": mos})
            audio_send = min(AUDIO_KBPS, bs * 0.5) if video else bs
            audio_recv = min(AUDIO_KBPS * len(remotes), br * 0.5) if video else br
            send_fps = round(min(30.0, 30.0 * bs / p.bitrate_base), 1)
            recv_fps = round(min(30.0, 30.0 * br / nominal_recv), 1)
            cpu_values = samples.video.get("cpu_limited") or []
            cpu = cpu_values[i] if i < len(cpu_values) else None
            audio_gauges = {"jitter": jit, "mos_quality": mos}
            video_gauges: dict[str, Any] = {"jitter": round(jit * 0.8, 1), "mos_quality": mos}
            size = {"frame_width": 1280, "frame_height": 720}
            if send_fps < 20:
                size = {"frame_width": 640, "frame_height": 360}
            streams["audio_producer"][0].add(end, dt, audio_send, ls, {**audio_gauges, "rtt": rtt})
            for writer in streams["audio_consumer"]:
                writer.add(end, dt, audio_recv / len(remotes), lr, dict(audio_gauges))
            if video:
                streams["video_producer"][0].add(
                    end,
                    dt,
                    bs - audio_send,
                    ls,
                    {
                        **video_gauges,
                        **size,
                        "rtt": rtt,
                        "frames_per_second": send_fps,
                        "cpu_limited": cpu if cpu is not None else 0.0,
                    },
                )
                for writer in streams["video_consumer"]:
                    writer.add(
                        end,
                        dt,
                        (br - audio_recv) / len(remotes),
                        lr,
                        {**video_gauges, **size, "frames_per_second": recv_fps, "frames_dropped": 0},
                    )
    return PeerQuality(streams, rows, first, last)


def _writer(peer: str, direction: str, media: str, remote: str | None, mid: str) -> StreamWriter:
    ssrc = int(unit("ssrc", peer, media, remote) * 2**31)
    ids: dict[str, Any] = {"mid": mid, "ssrc": ssrc}
    if direction == "send":
        ids["producer_id"] = derived_uuid("producer", peer, media)
    else:
        ids["consumer_id"] = derived_uuid("consumer", peer, media, remote)
        ids["producer_id"] = derived_uuid("producer", remote, media)
        ids["peer_id"] = remote
    return StreamWriter(ids, direction, media == "audio")


def _distribution(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {
        "avg": round(statistics.fmean(ordered), 3),
        "p50": pct(0.5),
        "p75": pct(0.75),
        "p90": pct(0.9),
    }


def _fractions(values: Sequence[float], marks: Sequence[float], suffix: str) -> dict[str, float]:
    out = {"avg": round(statistics.fmean(values), 3)}
    for mark in marks:
        out[f"{mark:g}{suffix}_or_greater_event_fraction"] = round(
            sum(1 for v in values if v >= mark) / len(values), 4
        )
    return out


def cumulative(rows: list[dict[str, float]], direction: str, video: bool) -> dict[str, Any]:
    if not rows:
        return {}
    loss = [r["loss_send" if direction == "send" else "loss_recv"] for r in rows]
    out: dict[str, Any] = {
        "packet_loss": _fractions(loss, (5, 10, 25, 50), ""),
        "quality_mos": _distribution([r["mos"] for r in rows]),
    }
    if direction == "send":
        out["rtt"] = _fractions([r["rtt"] for r in rows], (100, 250, 500), "ms")
    else:
        out["jitter_buffer_delay"] = _fractions([r["jitter"] * 2 for r in rows], (100, 250, 500), "ms")
    if video:
        out["frame_per_second"] = _distribution([30.0])
    return out


def report_quality(peer: PeerQuality) -> dict[str, Any]:
    """``peer_report.quality`` of one peer (from :func:`peer_quality`)."""
    quality: dict[str, Any] = {}
    for name in ("audio_producer", "audio_consumer", "video_producer", "video_consumer"):
        writers = peer.streams.get(name, [])
        quality[name] = [sample for w in writers for sample in w.samples]
        if writers and peer.rows:
            direction = "send" if name.endswith("producer") else "recv"
            quality[f"{name}_cumulative"] = cumulative(peer.rows, direction, name.startswith("video"))
    for name in ("audio_producer", "audio_consumer", "video_producer", "video_consumer"):
        quality[f"screenshare_{name}"] = []
    return quality


def legacy_quality_stats(
    world: DemoWorld, s: DemoSession, p: DemoParticipant, now: datetime
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for k in range(len(p.intervals)):
        peer = peer_quality(world, s, p, k, now)
        if not peer.rows:
            continue
        consumer = peer.streams["audio_consumer"][0].samples
        audio = [
            {
                "timestamp": sample["timestamp"],
                "concealment_events": 0,
                "packets_lost": sample["packets_lost"] - before["packets_lost"],
                "jitter": sample["jitter"],
                "quality": sample["mos_quality"],
            }
            for before, sample in itertools.pairwise(consumer)
            if "jitter" in sample
        ]
        video_writer = peer.streams.get("video_producer", [])
        video = [
            {
                "timestamp": sample["timestamp"],
                "frame_width": sample["frame_width"],
                "frame_height": sample["frame_height"],
                "frames_dropped": 0,
                "frames_per_second": sample["frames_per_second"],
                "packets_lost": sample["packets_lost"] - before["packets_lost"],
                "jitter": sample["jitter"],
                "quality": sample["mos_quality"],
            }
            for writer in video_writer
            for before, sample in itertools.pairwise(writer.samples)
            if "jitter" in sample
        ]
        rows = peer.rows
        out.append(
            {
                "peer_id": peer_id(p, k),
                "start": iso(peer.first),
                "end": iso(peer.last),
                "audio_bandwidth": AUDIO_KBPS,
                "video_bandwidth": round(p.bitrate_base, 1) if has_video(p) else 0,
                "audio_packet_loss": round(statistics.fmean(r["loss_recv"] for r in rows), 3),
                "video_packet_loss": round(statistics.fmean(r["loss_recv"] for r in rows), 3)
                if has_video(p)
                else 0,
                "average_quality": round(statistics.fmean(r["mos"] for r in rows), 3),
                "audio_stats": audio,
                "video_stats": video,
            }
        )
    return out


def report_quality_stats(p: DemoParticipant, k: int, peer: PeerQuality) -> dict[str, Any]:
    """``quality_stats`` of a peer report, an object of totals: known from the SDK only
    (cloudflare-python ``session_get_participant_data_from_peer_id_response``)."""
    out: dict[str, Any] = {"peer_ids": [peer_id(p, k)]}
    for medium in ("audio", "video"):
        writers = peer.streams.get(f"{medium}_consumer", [])
        if writers:
            out[f"total_{medium}_packets"] = sum(w.packets for w in writers)
            out[f"total_{medium}_packets_lost"] = sum(w.lost for w in writers)
    if peer.rows:
        out["audio_bandwidth"] = round(AUDIO_KBPS)
        out["video_bandwidth"] = round(p.bitrate_base) if has_video(p) else 0
        out["average_quality"] = round(statistics.fmean(r["mos"] for r in peer.rows))
        out["start"], out["end"] = iso(peer.first), iso(peer.last)
    return out
