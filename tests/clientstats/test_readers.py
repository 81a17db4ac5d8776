"""Each reader on small synthetic calls: the same call written in every format reads the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from roomscope.tui.clientstats import ClientDump, Direction, PeerConnectionStats, TrackStats
from tests.clientstats import synth
from tests.clientstats.support import read

FORMATS = sorted(synth.WRITERS)
UNITS = {"packets/s", "packets", "%", "ms", "kbps", "fps", "px", "freezes", "s"}


def _read(tmp_path: Path, fmt: str, call: synth.Call) -> ClientDump:
    return read(synth.WRITERS[fmt](tmp_path, call))


def _track(pc: PeerConnectionStats, direction: Direction, kind: str) -> TrackStats:
    return next(t for t in pc.tracks if t.direction is direction and t.kind == kind)


def _value_at(track: TrackStats | PeerConnectionStats, name: str, at_ms: float) -> float | None:
    series = track.get(name)
    assert series is not None, name
    return next(v for t, v in series.points() if abs(t - at_ms) < 1.0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_plain_call(tmp_path: Path, fmt: str) -> None:
    dump = _read(tmp_path, fmt, synth.call(polls=11))
    assert dump.complete, dump.skipped
    (pc,) = dump.peer_connections
    audio_in = _track(pc, Direction.INBOUND, "audio")
    assert audio_in.packets == 500
    assert audio_in.packets_lost == 5
    assert audio_in.loss_pct == pytest.approx(5 / 505 * 100)
    assert audio_in.counter_resets == 0
    assert audio_in.concealment_pct == pytest.approx(1.0)
    loss = audio_in.get("loss_pct")
    assert loss is not None and loss.max() == pytest.approx(1 / 51 * 100)
    assert _value_at(audio_in, "bitrate_kbps", synth.T0 + 5000) == pytest.approx(40.0)
    assert _value_at(audio_in, "jitter_ms", synth.T0 + 5000) == pytest.approx(12.0)
    assert _value_at(audio_in, "packets_per_s", synth.T0 + 5000) == pytest.approx(50.0)
    video_in = _track(pc, Direction.INBOUND, "video")
    assert video_in.packets == 1000 and video_in.packets_lost == 0
    assert _value_at(video_in, "fps", synth.T0 + 5000) == 30
    assert _value_at(video_in, "frame_height", synth.T0 + 5000) == 360
    audio_out = _track(pc, Direction.OUTBOUND, "audio")
    assert audio_out.packets == 500
    assert audio_out.packets_lost == 2  # as the receiver reported
    assert audio_out.loss_pct == pytest.approx(2 / 500 * 100)
    assert _value_at(audio_out, "rtt_ms", synth.T0 + 4900) == pytest.approx(40.0)
    assert _value_at(pc, "rtt_ms", synth.T0 + 5000) == pytest.approx(50.0)
    assert _value_at(pc, "available_outgoing_kbps", synth.T0 + 5000) == pytest.approx(1500.0)
    (change,) = pc.pair_changes
    assert change.local is not None and change.local.type == "host" and change.local.network_type == "wifi"
    assert change.remote is not None and change.remote.type == "srflx"
    assert pc.uses_relay is False and pc.uses_tcp is False
    assert pc.selected_pair_changes == 0 and pc.network_switches == 0 and pc.ice_reconnects == 0
    assert [(s.kind, s.state) for s in pc.state_changes if s.kind == "ice"] == [
        ("ice", "checking"),
        ("ice", "connected"),
    ]
    assert {s.unit for t in pc.tracks for s in t.series} <= UNITS
    assert pc.first_ms is not None and pc.first_ms <= synth.T0
    assert dump.browser is not None and "Chrome" in dump.browser and "142" in dump.browser


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_counter_reset_is_a_gap_and_totals_sum_over_it(tmp_path: Path, fmt: str) -> None:
    dump = _read(tmp_path, fmt, synth.call(polls=11, reset_at=5))
    (pc,) = dump.peer_connections
    audio_in = _track(pc, Direction.INBOUND, "audio")
    assert audio_in.counter_resets == 1
    assert audio_in.packets == 200 + 250  # 4 s before the reset, 5 s after
    assert audio_in.packets_lost == 2 + 2
    assert _value_at(audio_in, "packets_per_s", synth.T0 + 5000) is None
    assert _value_at(audio_in, "packets_per_s", synth.T0 + 6000) == pytest.approx(50.0)
    assert _value_at(audio_in, "bitrate_kbps", synth.T0 + 5000) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_property_that_appears_late_keeps_its_times(tmp_path: Path, fmt: str) -> None:
    dump = _read(tmp_path, fmt, synth.call(polls=10, late_size_from=4))
    (pc,) = dump.peer_connections
    video_in = _track(pc, Direction.INBOUND, "video")
    width = video_in.get("frame_width")
    assert width is not None
    present = list(width.present())
    assert present[0][0] == pytest.approx(synth.T0 + 4000)
    assert len(present) == 6
    assert _value_at(video_in, "frame_width", synth.T0 + 3000) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_peer_connections(tmp_path: Path, fmt: str) -> None:
    dump = _read(tmp_path, fmt, synth.call(polls=6, pcs=2))
    assert [pc.id for pc in dump.peer_connections] == ["PC_0", "PC_1"]
    ssrcs = sorted(t.ssrc or 0 for pc in dump.peer_connections for t in pc.inbound())
    assert ssrcs == [111, 112, 222, 223]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_relay_pair(tmp_path: Path, fmt: str) -> None:
    dump = _read(tmp_path, fmt, synth.call(polls=5, relay=True))
    (pc,) = dump.peer_connections
    assert pc.uses_relay is True
    assert pc.uses_tcp is True
    (change,) = pc.pair_changes
    assert change.relay and change.tcp
    assert change.local is not None and change.local.relay_protocol == "tls"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_network_switch(tmp_path: Path, fmt: str) -> None:
    dump = _read(tmp_path, fmt, synth.call(polls=11, switch_at=5))
    (pc,) = dump.peer_connections
    assert pc.selected_pair_changes == 1
    assert pc.network_switches == 1
    assert pc.ice_reconnects == 1
    first, second = pc.pair_changes
    assert first.local is not None and first.local.network_type == "wifi"
    assert second.local is not None and second.local.network_type == "cellular"
    assert second.at_ms == pytest.approx(synth.T0 + 5000)
    assert _value_at(pc, "rtt_ms", synth.T0 + 4000) == pytest.approx(50.0)
    assert _value_at(pc, "rtt_ms", synth.T0 + 6000) == pytest.approx(120.0)
    assert _value_at(pc, "available_outgoing_kbps", synth.T0 + 6000) == pytest.approx(800.0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_cpu_limitation(tmp_path: Path, fmt: str) -> None:
    dump = _read(tmp_path, fmt, synth.call(polls=11, cpu_from=4))
    (pc,) = dump.peer_connections
    video_out = _track(pc, Direction.OUTBOUND, "video")
    assert [(c.reason, c.at_ms) for c in video_out.limitation_changes] == [
        ("none", synth.T0),
        ("cpu", synth.T0 + 4000),
    ]
    limited = dict(video_out.quality_limitation_s)
    assert limited["cpu"] == pytest.approx(6.0)
    assert limited["bandwidth"] == 0.0
    assert _value_at(video_out, "quality_limited_cpu_pct", synth.T0 + 3000) == 0.0
    assert _value_at(video_out, "quality_limited_cpu_pct", synth.T0 + 8000) == pytest.approx(100.0)
    assert _value_at(video_out, "fps", synth.T0 + 8000) == 15
    assert _value_at(video_out, "frame_height", synth.T0 + 8000) == 360


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_freeze(tmp_path: Path, fmt: str) -> None:
    dump = _read(tmp_path, fmt, synth.call(polls=10, freeze_at=6))
    (pc,) = dump.peer_connections
    video_in = _track(pc, Direction.INBOUND, "video")
    assert video_in.freeze_count == 1
    assert video_in.total_freezes_duration_s == pytest.approx(0.5)
    assert _value_at(video_in, "freezes", synth.T0 + 6000) == 1
    assert _value_at(video_in, "freeze_duration_s", synth.T0 + 6000) == pytest.approx(0.5)
    assert _value_at(video_in, "freezes", synth.T0 + 7000) == 0


def test_webrtc_internals_keeps_only_the_last_1000_samples(tmp_path: Path) -> None:
    call = synth.call(polls=1010)
    dump = read(synth.write_internals(tmp_path / "long.txt", call))
    (pc,) = dump.peer_connections
    assert pc.stats_truncated
    assert any("1,000" in s.why and "start of the call" in s.why for s in dump.skipped)
    audio_in = _track(pc, Direction.INBOUND, "audio")
    assert audio_in.first_ms == pytest.approx(synth.T0 + 10 * 1000)
    assert audio_in.packets == 50 * 1009  # the counters still count from the start
    # The same call over rtcstats is whole, and so is a call of exactly 1,000 samples.
    whole = read(synth.write_rtcstats(tmp_path / "long.jsonl", call))
    assert not whole.peer_connections[0].stats_truncated
    full = read(synth.write_internals(tmp_path / "full.txt", synth.call(polls=1000)))
    assert not full.peer_connections[0].stats_truncated
    assert full.complete


def test_webrtc_internals_before_chrome_117_spaces_samples_evenly(tmp_path: Path) -> None:
    dump = read(synth.write_internals(tmp_path / "old.txt", synth.call(polls=6), timestamps=False))
    assert "before Chrome 117" in dump.version
    (pc,) = dump.peer_connections
    audio_in = _track(pc, Direction.INBOUND, "audio")
    assert audio_in.packets == 250
    packets = audio_in.get("packets_per_s")
    assert packets is not None
    assert [t for t, _ in packets.present()] == pytest.approx([synth.T0 + i * 1000 for i in range(1, 6)])


def test_webrtc_internals_versions_and_computed_series(tmp_path: Path) -> None:
    dump = read(synth.write_internals(tmp_path / "new.txt", synth.call(polls=3)))
    assert dump.version == "per-report timestamps (Chrome 117 or later)"
    assert dump.browser == "Google Chrome 142.0.7426.0"
    assert dump.complete  # "[bytesReceived_in_bits/s]" series are known and left aside
    assert dump.peer_connections[0].url == "https://meet.example/room"


def test_a_compressed_rtcstats_dump_and_a_plain_one_read_the_same(tmp_path: Path) -> None:
    call = synth.call(polls=8, switch_at=4, cpu_from=2)
    plain = read(synth.write_rtcstats_dump(tmp_path / "plain", call))
    packed = read(synth.write_rtcstats_dump(tmp_path / "packed", call, compress=True))
    assert packed.version == plain.version == "fileFormat 3"

    def summary(dump: ClientDump) -> list[tuple[object, ...]]:
        out: list[tuple[object, ...]] = []
        for pc in dump.peer_connections:
            for t in pc.tracks:
                out.append((t.direction, t.kind, t.ssrc, t.packets, t.packets_lost, t.quality_limitation_s))
                out.extend((s.name, tuple(s.to_list())) for s in t.series)
            out.append((pc.selected_pair_changes, pc.network_switches, pc.ice_reconnects))
        return out

    assert summary(packed) == summary(plain)
