"""Each reader on the real dumps in ../shared/samples/webrtc-stats, and the cross-check of the
totals against what rtcstats-server extracted from the same dump."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from roomscope.tui.clientstats import Direction, DumpFormat, PeerConnectionStats, TrackStats, detect_format
from tests.clientstats.support import SAMPLES, read, requires_samples

pytestmark = requires_samples

SFU = SAMPLES / "rtcstats" / "google-standard-stats-sfu.jsonl"
EXPECTED = SAMPLES / "rtcstats" / "google-standard-stats-sfu.expected.json"
UNITS = {"packets/s", "packets", "%", "ms", "kbps", "fps", "px", "freezes", "s"}


def _expected() -> dict[str, Any]:
    loaded: list[dict[str, Any]] = json.loads(EXPECTED.read_text(encoding="utf-8"))
    return loaded[0]


def _by_ssrc(pc: PeerConnectionStats, direction: Direction) -> dict[int, TrackStats]:
    return {t.ssrc: t for t in pc.tracks if t.direction is direction and t.ssrc is not None}


def test_the_sfu_dump_agrees_with_rtcstats_server_per_track() -> None:
    dump = read(SFU)
    expected = _expected()["features"]["aggregates"]["PC_0"]
    (pc,) = dump.peer_connections
    assert pc.id == "PC_0"
    for direction, key in ((Direction.INBOUND, "receiverTracks"), (Direction.OUTBOUND, "senderTracks")):
        ours = _by_ssrc(pc, direction)
        theirs = expected["tracks"][key]
        # rtcstats-server lists the tracks that carried packets.
        assert {t.ssrc for t in ours.values() if t.packets} == {t["ssrc"] for t in theirs}
        for track in theirs:
            mine = ours[track["ssrc"]]
            assert mine.kind == track["mediaType"]
            assert mine.packets == track["packets"]
            assert mine.packets_lost == track["packetsLost"]
            assert mine.loss_pct == pytest.approx(track["packetsLostPct"], abs=0.01)
            if direction is Direction.INBOUND and track["mediaType"] == "audio":
                assert mine.concealment_pct == pytest.approx(track["concealedPercentage"], abs=0.01)


def test_the_sfu_dump_agrees_with_rtcstats_server_per_connection() -> None:
    dump = read(SFU)
    expected = _expected()["features"]["aggregates"]["PC_0"]
    (pc,) = dump.peer_connections
    totals = expected["trackAggregates"]
    assert pc.packets_received == totals["totalPacketsReceived"]
    assert pc.packets_sent == totals["totalPacketsSent"]
    assert pc.packets_lost_received == totals["totalReceivedPacketsLost"]
    assert pc.packets_lost_sent == totals["totalSentPacketsLost"]
    assert pc.uses_relay is expected["usesRelay"] is False
    assert pc.ice_reconnects == expected["iceReconnects"] == 0
    pair = expected["candidatePairData"]
    (change,) = pc.pair_changes
    assert change.pair_id == pair["id"]
    assert change.local is not None and change.remote is not None
    assert change.local.type == pair["localCandidateType"]
    assert change.remote.type == pair["remoteCandidateType"]
    assert change.local.protocol == pair["localProtocol"]
    assert change.relay is pair["isUsingRelay"]
    assert dump.user_agent == _expected()["features"]["browserInfo"]["userAgent"]
    assert dump.browser == "Chrome 99.0.4844.51"


def test_the_sfu_dump_has_series_with_units() -> None:
    dump = read(SFU)
    assert dump.format is DumpFormat.RTCSTATS
    assert dump.version == "client protocol 3.1_STANDARD"
    assert dump.complete
    (pc,) = dump.peer_connections
    rtt = pc.get("rtt_ms")
    assert rtt is not None and rtt.unit == "ms" and 20 < (rtt.max() or 0) < 200
    names = {s.name for t in pc.tracks for s in t.series}
    assert {
        "packets_per_s",
        "loss_pct",
        "jitter_ms",
        "bitrate_kbps",
        "fps",
        "frame_height",
        "rtt_ms",
    } <= names
    assert {s.unit for t in pc.tracks for s in t.series} <= UNITS
    states = [(s.kind, s.state) for s in pc.state_changes]
    assert ("ice", "connected") in states and ("connection", "connected") in states


def test_chrome_over_a_turn_relay() -> None:
    dump = read(SAMPLES / "rtcstats" / "chrome-relay.jsonl")
    (pc,) = dump.peer_connections
    assert dump.browser == "Chrome 117.0.0.0"
    assert pc.uses_relay is True
    assert pc.uses_tcp is True  # the relay candidate reaches its TURN server over TLS
    (change,) = pc.pair_changes
    assert change.local is not None and change.local.relay_protocol == "tls"
    assert change.local.network_type == "wifi"
    video_out = next(t for t in pc.outbound() if t.kind == "video")
    limited = dict(video_out.quality_limitation_s)
    assert limited["bandwidth"] > 0
    assert {c.reason for c in video_out.limitation_changes} == {"none", "bandwidth"}
    freezes = [t.freeze_count for t in pc.inbound() if t.freeze_count]
    assert freezes and all(n > 0 for n in freezes)


def test_firefox_over_a_turn_relay() -> None:
    dump = read(SAMPLES / "rtcstats" / "firefox-relay.jsonl")
    (pc,) = dump.peer_connections
    assert dump.browser == "Firefox 118.0"
    assert pc.uses_relay is True  # Firefox flags the selected pair instead of naming it
    assert pc.state_changes[-1].state == "closed"
    assert all(t.packets is not None for t in pc.tracks)


def test_a_webrtc_internals_dump_without_peer_connections() -> None:
    dump = read(SAMPLES / "webrtc-internals" / "gumonly.json.gz")
    assert dump.format is DumpFormat.WEBRTC_INTERNALS
    assert dump.compressed
    assert dump.peer_connections == ()
    assert dump.browser == "Google Chrome 142.0.7426.0"
    assert dump.user_agent is not None and "Chrome/142" in dump.user_agent
    assert dump.complete


def test_the_format_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    misnamed = tmp_path / "dump.json.gz"
    shutil.copy(SFU, misnamed)
    assert detect_format(misnamed).format is DumpFormat.RTCSTATS
    plain = tmp_path / "stats.jsonl"
    plain.write_bytes(gzip.decompress((SAMPLES / "webrtc-internals" / "gumonly.json.gz").read_bytes()))
    assert detect_format(plain).format is DumpFormat.WEBRTC_INTERNALS
    assert read(plain).browser == "Google Chrome 142.0.7426.0"
