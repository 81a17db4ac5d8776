"""A dump as the participant's QualitySeries: one per metric, labelled with the dump."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roomscope.tui.clientstats.quality_series import to_quality_series
from roomscope.tui.kinds import Metric
from roomscope.tui.models import QualitySeries
from tests.clientstats import synth
from tests.clientstats.support import read


def _series(path: Path) -> dict[Metric, QualitySeries]:
    dump = read(path)
    out = to_quality_series(dump, provider="telnyx", session_id="s1", participant_id="p1")
    return {s.metric: s for s in out}


def test_every_metric_from_a_call(tmp_path: Path) -> None:
    series = _series(synth.write_internals(tmp_path / "call.txt", synth.call(polls=11)))
    assert set(series) == {
        Metric.LOSS_SEND,
        Metric.LOSS_RECV,
        Metric.BITRATE_SEND,
        Metric.BITRATE_RECV,
        Metric.JITTER,
        Metric.RTT,
        Metric.FPS,
        Metric.FPS_SEND,
        Metric.CPU_LIMITED,
        Metric.BW_LIMITED,
        Metric.BWE,
        Metric.FREEZE,
        Metric.CONCEALMENT,
        Metric.RELAY,
        Metric.ICE_STATE,
    }
    units = {metric: s.unit for metric, s in series.items()}
    assert units == {
        Metric.LOSS_SEND: "%",
        Metric.LOSS_RECV: "%",
        Metric.BITRATE_SEND: "kbps",
        Metric.BITRATE_RECV: "kbps",
        Metric.JITTER: "ms",
        Metric.RTT: "ms",
        Metric.FPS: "fps",
        Metric.FPS_SEND: "fps",
        Metric.CPU_LIMITED: "%",
        Metric.BW_LIMITED: "%",
        Metric.BWE: "kbps",
        Metric.FREEZE: "%",
        Metric.CONCEALMENT: "%",
        Metric.RELAY: "",
        Metric.ICE_STATE: "",
    }
    for s in series.values():
        assert (s.provider, s.session_id, s.participant_id) == ("telnyx", "s1", "p1")
        assert s.source == "webrtc-internals dump call.txt"
        assert s.offsets_s is not None and s.offsets_s == sorted(s.offsets_s)
        assert len(s.offsets_s) == len(s.values)
    recv = series[Metric.BITRATE_RECV]
    assert recv.start.timestamp() * 1000 == pytest.approx(synth.T0 + 1000)
    assert max(v for v in recv.values if v is not None) == pytest.approx(40 + 800)
    assert max(v for v in series[Metric.RTT].values if v is not None) == pytest.approx(50.0)
    assert series[Metric.RTT].extra["aggregate"] == "selected candidate pair (STUN)"
    assert max(v for v in series[Metric.JITTER].values if v is not None) == pytest.approx(12.0)
    assert max(v for v in series[Metric.FPS].values if v is not None) == 30
    assert max(v for v in series[Metric.FPS_SEND].values if v is not None) == 30
    assert max(v for v in series[Metric.BWE].values if v is not None) == pytest.approx(1500.0)
    assert max(v for v in series[Metric.CONCEALMENT].values if v is not None) == pytest.approx(1.0)
    assert set(series[Metric.RELAY].values) == {0.0}
    assert set(series[Metric.ICE_STATE].values) == {0.0}
    loss = [v for v in series[Metric.LOSS_RECV].values if v is not None]
    assert max(loss) == pytest.approx(1 / (50 + 100 + 1) * 100)


def test_two_peer_connections_add_up(tmp_path: Path) -> None:
    one = _series(synth.write_rtcstats(tmp_path / "one.jsonl", synth.call(polls=6)))
    two = _series(synth.write_rtcstats(tmp_path / "two.jsonl", synth.call(polls=6, pcs=2)))
    for metric in (Metric.BITRATE_SEND, Metric.BITRATE_RECV):
        single = [v for v in one[metric].values if v is not None]
        double = [v for v in two[metric].values if v is not None]
        assert double == pytest.approx([2 * v for v in single])
    assert two[Metric.RTT].values == one[Metric.RTT].values


def test_send_loss_is_what_the_receivers_reported(tmp_path: Path) -> None:
    series = _series(synth.write_rtcstats_dump(tmp_path / "dump", synth.call(polls=11), compress=True))
    loss = series[Metric.LOSS_SEND]
    assert loss.source == "RTCStatsDump dump"
    values = [v for v in loss.values if v is not None]
    assert max(values) == pytest.approx(1 / (50 + 90) * 100)
    assert min(values) == 0.0


def test_a_dump_without_peer_connections_has_no_series(tmp_path: Path) -> None:
    content = synth.internals_object(synth.call(polls=2))
    content["PeerConnections"] = {}
    path = tmp_path / "gum.txt"
    path.write_text(json.dumps(content))
    assert _series(path) == {}


def test_client_only_metrics_of_a_troubled_call(tmp_path: Path) -> None:
    troubled = synth.call(polls=12, relay=True, switch_at=6, cpu_from=3, freeze_at=8)
    series = _series(synth.write_internals(tmp_path / "bad.txt", troubled))
    cpu = [v for v in series[Metric.CPU_LIMITED].values if v is not None]
    assert cpu[:3] == [0.0, 0.0, 0.0] and max(cpu) == pytest.approx(100.0)
    assert max(v for v in series[Metric.FPS_SEND].values if v is not None) == 30
    assert min(v for v in series[Metric.FPS_SEND].values if v is not None) == 15
    freeze = [v for v in series[Metric.FREEZE].values if v is not None]
    assert max(freeze) == pytest.approx(50.0) and freeze.count(0.0) == len(freeze) - 1
    assert series[Metric.RELAY].values[0] == 1.0
    assert series[Metric.PATH_SWITCH].values == [2.0]
    assert series[Metric.PATH_SWITCH].start.timestamp() * 1000 == pytest.approx(synth.T0 + 6000)
    assert 1.0 in series[Metric.ICE_STATE].values and series[Metric.ICE_STATE].values[-1] == 0.0
