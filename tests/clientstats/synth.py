"""Small synthetic calls, written out as dumps in each format the readers take.

A :class:`Call` is what a browser would have polled: per peer connection, a list of getStats
results (full reports) and the state events. :func:`call` builds one from a few knobs (a
counter reset, a late property, a relay pair, a network switch, CPU limitation, a freeze);
the ``write_*`` functions turn a call into a webrtc-internals dump, an rtcstats (jitsi) dump,
or an RTCStatsDump (plain, as Chrome writes it, or fully compressed, as rtcstats-js does).
"""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from roomscope.tui.clientstats.compression import PROPERTIES, TYPES

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC).timestamp() * 1000.0
"""The first poll of every synthetic call (an hour before the tests' fixed now)."""
CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
)
Reports = dict[str, dict[str, Any]]


@dataclass
class Poll:
    t: float
    reports: Reports


@dataclass
class Call:
    pcs: dict[str, list[Poll]] = field(default_factory=dict)
    events: dict[str, list[tuple[float, str, str]]] = field(default_factory=dict)
    """Per connection: ``(time, event name without "on", new state)``."""
    user_agent: str = CHROME_UA


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t / 1000.0, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def call(
    polls: int = 10,
    *,
    step_ms: float = 1000.0,
    start_ms: float = T0,
    pcs: int = 1,
    relay: bool = False,
    switch_at: int | None = None,
    reset_at: int | None = None,
    late_size_from: int | None = None,
    cpu_from: int | None = None,
    freeze_at: int | None = None,
) -> Call:
    """A call: per connection an inbound audio and video stream, an outbound audio and video
    stream with the receiver's reports, a candidate pair, a transport.

    Rates: inbound audio 50 packets/s (1 lost every 2 s, 100 bytes each), inbound video 100
    packets/s (1000 bytes each), outbound audio 50 packets/s (1 lost every 5 s), outbound
    video 90 packets/s. ``reset_at``: the inbound audio counters restart from zero at that
    poll. ``late_size_from``: inbound video frame size appears only from that poll.
    ``cpu_from``: outbound video is CPU-limited from that poll. ``freeze_at``: one 0.5 s
    inbound video freeze in that poll's interval. ``switch_at``: ICE disconnects just before
    that poll and reconnects on a cellular candidate pair.
    """
    out = Call()
    for n in range(pcs):
        pc_id = f"PC_{n}"
        history: list[Poll] = []
        limited = 0.0
        for i in range(polls):
            t = start_ms + i * step_ms
            a = i if reset_at is None or i < reset_at else i - reset_at
            switched = switch_at is not None and i >= switch_at
            if cpu_from is not None and i > cpu_from:
                limited += step_ms / 1000.0
            reports: Reports = {
                "IT01A111": {
                    "type": "inbound-rtp",
                    "timestamp": t,
                    "kind": "audio",
                    "ssrc": 111 + n,
                    "mid": "0",
                    "transportId": "T01",
                    "packetsReceived": 50 * a,
                    "packetsLost": a // 2,
                    "bytesReceived": 5000 * a,
                    "jitter": 0.012,
                    "concealedSamples": 480 * a,
                    "totalSamplesReceived": 48000 * a,
                },
                "IT01V222": {
                    "type": "inbound-rtp",
                    "timestamp": t,
                    "kind": "video",
                    "ssrc": 222 + n,
                    "mid": "1",
                    "transportId": "T01",
                    "packetsReceived": 100 * i,
                    "packetsLost": 0,
                    "bytesReceived": 100_000 * i,
                    "jitter": 0.02,
                    "framesPerSecond": 30,
                    "framesDecoded": 30 * i,
                    "freezeCount": 1 if freeze_at is not None and i >= freeze_at else 0,
                    "totalFreezesDuration": 0.5 if freeze_at is not None and i >= freeze_at else 0.0,
                },
                "OT01A333": {
                    "type": "outbound-rtp",
                    "timestamp": t,
                    "kind": "audio",
                    "ssrc": 333 + n,
                    "mid": "0",
                    "transportId": "T01",
                    "packetsSent": 50 * i,
                    "bytesSent": 5000 * i,
                },
                "RIA333": {
                    "type": "remote-inbound-rtp",
                    "timestamp": t - 100.0,
                    "kind": "audio",
                    "ssrc": 333 + n,
                    "localId": "OT01A333",
                    "packetsLost": i // 5,
                    "jitter": 0.005,
                    "roundTripTime": 0.04,
                    "fractionLost": 0.0,
                },
                "OT01V444": {
                    "type": "outbound-rtp",
                    "timestamp": t,
                    "kind": "video",
                    "ssrc": 444 + n,
                    "mid": "1",
                    "transportId": "T01",
                    "packetsSent": 90 * i,
                    "bytesSent": 99_000 * i,
                    "framesPerSecond": 15 if cpu_from is not None and i >= cpu_from else 30,
                    "framesEncoded": 30 * i,
                    "frameWidth": 640 if cpu_from is not None and i >= cpu_from else 1280,
                    "frameHeight": 360 if cpu_from is not None and i >= cpu_from else 720,
                    "qualityLimitationReason": "cpu" if cpu_from is not None and i >= cpu_from else "none",
                    "qualityLimitationDurations": {
                        "none": i * step_ms / 1000.0 - limited,
                        "cpu": limited,
                        "bandwidth": 0.0,
                        "other": 0.0,
                    },
                },
                "RIV444": {
                    "type": "remote-inbound-rtp",
                    "timestamp": t - 100.0,
                    "kind": "video",
                    "ssrc": 444 + n,
                    "localId": "OT01V444",
                    "packetsLost": 0,
                    "jitter": 0.003,
                    "roundTripTime": 0.05,
                },
                "I1": {
                    "type": "local-candidate",
                    "timestamp": t,
                    "candidateType": "relay" if relay else "host",
                    "protocol": "udp",
                    "networkType": "wifi",
                    **({"relayProtocol": "tls"} if relay else {}),
                },
                "I2": {
                    "type": "remote-candidate",
                    "timestamp": t,
                    "candidateType": "srflx",
                    "protocol": "udp",
                },
                "CP1_2": {
                    "type": "candidate-pair",
                    "timestamp": t,
                    "localCandidateId": "I1",
                    "remoteCandidateId": "I2",
                    "transportId": "T01",
                    "state": "failed" if switched else "succeeded",
                    "nominated": True,
                    "currentRoundTripTime": 0.05,
                    "availableOutgoingBitrate": 1_500_000,
                    "bytesSent": 100_000 * (min(i, switch_at) if switch_at is not None else i),
                    "bytesReceived": 100_000 * i,
                },
                "T01": {
                    "type": "transport",
                    "timestamp": t,
                    "selectedCandidatePairId": "CP3_2" if switched else "CP1_2",
                    "iceState": "connected",
                    "dtlsState": "connected",
                },
            }
            if late_size_from is None or i >= late_size_from:
                reports["IT01V222"]["frameWidth"] = 640
                reports["IT01V222"]["frameHeight"] = 360
            if switch_at is not None and i >= switch_at - 1:
                reports["I3"] = {
                    "type": "local-candidate",
                    "timestamp": t,
                    "candidateType": "host",
                    "protocol": "udp",
                    "networkType": "cellular",
                }
                reports["CP3_2"] = {
                    "type": "candidate-pair",
                    "timestamp": t,
                    "localCandidateId": "I3",
                    "remoteCandidateId": "I2",
                    "transportId": "T01",
                    "state": "succeeded",
                    "nominated": switched,
                    "currentRoundTripTime": 0.12,
                    "availableOutgoingBitrate": 800_000,
                    "bytesSent": 50_000 * max(0, i - switch_at),
                    "bytesReceived": 50_000 * max(0, i - switch_at),
                }
            history.append(Poll(t, reports))
        out.pcs[pc_id] = history
        events = [
            (start_ms - 400.0, "iceconnectionstatechange", "checking"),
            (start_ms - 300.0, "connectionstatechange", "connecting"),
            (start_ms - 200.0, "iceconnectionstatechange", "connected"),
            (start_ms - 100.0, "connectionstatechange", "connected"),
        ]
        if switch_at is not None:
            at = start_ms + switch_at * step_ms
            events += [
                (at - 600.0, "iceconnectionstatechange", "disconnected"),
                (at - 300.0, "iceconnectionstatechange", "connected"),
            ]
        out.events[pc_id] = events
    return out


def _write(path: Path, data: bytes, gz: bool) -> Path:
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


# ---------------------------------------------------------------------------------------
# webrtc-internals


def internals_object(
    synthetic: Call, *, timestamps: bool = True, max_samples: int = 1000, legacy_types: bool = False
) -> dict[str, Any]:
    connections: dict[str, Any] = {}
    for pc_id, polls in synthetic.pcs.items():
        series: dict[str, tuple[str, list[tuple[float, Any]]]] = {}
        for poll in polls:
            for stat_id, report in poll.reports.items():
                for prop, value in report.items():
                    if prop in ("id", "type") or (prop == "timestamp" and not timestamps):
                        continue
                    key = f"{stat_id}-{prop}"
                    encoded = json.dumps(value) if isinstance(value, dict) else value
                    stat_type = "ssrc" if legacy_types else report["type"]
                    series.setdefault(key, (stat_type, []))[1].append((poll.t, encoded))
                bits = report.get("bytesReceived")
                if bits is not None:  # a computed series, as webrtc-internals adds them
                    key = f"{stat_id}-[bytesReceived_in_bits/s]"
                    series.setdefault(key, ("ssrc" if legacy_types else report["type"], []))[1].append(
                        (poll.t, 0)
                    )
        stats = {}
        for key, (stat_type, points) in series.items():
            kept = points[-max_samples:]
            stats[key] = {
                "startTime": _iso(kept[0][0]),
                "endTime": _iso(kept[-1][0]),
                "statsType": stat_type,
                "values": json.dumps([v for _, v in kept]),
            }
        log = [
            {"time": _iso(t), "timestamp": t, "type": name, "value": json.dumps(value)}
            for t, name, value in synthetic.events.get(pc_id, [])
        ]
        connections[pc_id] = {
            "pid": 1,
            "constraints": "",
            "rtcConfiguration": "{ iceServers: [] }",
            "stats": stats,
            "updateLog": log,
            "url": "https://meet.example/room",
        }
    return {
        "getUserMedia": [],
        "PeerConnections": connections,
        "UserAgent": synthetic.user_agent,
        "UserAgentData": [{"brand": "Google Chrome", "version": "142.0.7426.0"}],
    }


def write_internals(path: Path, synthetic: Call, *, gz: bool = False, **options: Any) -> Path:
    text = json.dumps(internals_object(synthetic, **options), indent=1)
    return _write(path, text.encode(), gz)


# ---------------------------------------------------------------------------------------
# rtcstats (the jitsi/fippo server format)


def _records(synthetic: Call) -> list[tuple[float, int, list[Any]]]:
    """Every event and poll of the call as ``(time, order, [method, pc, value])``."""
    out: list[tuple[float, int, list[Any]]] = []
    for pc_id, events in synthetic.events.items():
        for t, name, value in events:
            out.append((t, 0, [name, pc_id, value]))
    for pc_id, polls in synthetic.pcs.items():
        for poll in polls:
            out.append((poll.t, 1, ["getStats", pc_id, poll.reports]))
    out.sort(key=lambda r: (r[0], r[1]))
    return out


def _legacy_delta(previous: Reports, reports: Reports, t: float) -> dict[str, Any]:
    delta: dict[str, Any] = {"timestamp": t}
    for stat_id, report in reports.items():
        old = previous.get(stat_id)
        changed = {k: v for k, v in report.items() if old is None or old.get(k) != v or k == "timestamp"}
        if changed.get("timestamp") == t:
            changed["timestamp"] = 0
        delta[stat_id] = changed
    return delta


def write_rtcstats(path: Path, synthetic: Call, *, gz: bool = False, protocol: str = "3.1_STANDARD") -> Path:
    start = min(poll.t for polls in synthetic.pcs.values() for poll in polls)
    info = {"userAgent": synthetic.user_agent, "clientProtocol": protocol, "statsFormat": "chrome_standard"}
    lines = [json.dumps(["connectionInfo", None, info, start - 1000.0])]
    for pc_id in synthetic.pcs:
        lines.append(json.dumps(["create", pc_id, {"iceServers": []}, start - 900.0]))
    previous: dict[str, Reports] = {}
    for t, _, (method, pc_id, value) in _records(synthetic):
        if method == "getStats":
            delta = _legacy_delta(previous.get(pc_id, {}), value, t)
            previous[pc_id] = copy.deepcopy(value)
            lines.append(json.dumps(["getstats", pc_id, delta, t]))
        else:
            lines.append(json.dumps(["on" + method, pc_id, value, t]))
    return _write(path, ("\n".join(lines) + "\n").encode(), gz)


# ---------------------------------------------------------------------------------------
# RTCStatsDump, fileFormat 3

_PROPERTY_CODES = {name: code for code, name in PROPERTIES.items()}
_TYPE_CODES = {name: code for code, name in TYPES.items()}
_METHOD_CODES = {
    "getStats": "g",
    "iceconnectionstatechange": 24,
    "connectionstatechange": 25,
}


def _compressed_delta(previous: Reports, reports: Reports, ids: dict[str, str]) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    for stat_id, report in reports.items():
        old = previous.get(stat_id)
        changed: dict[str, Any] = {}
        for key, value in report.items():
            before = old.get(key) if old else None
            if old is not None and before == value:
                continue
            if isinstance(value, dict) and isinstance(before, dict):
                value = {k: v for k, v in value.items() if before.get(k) != v}
            changed[key] = value
        if changed:
            delta[stat_id] = changed
    top = max((r["timestamp"] for r in delta.values() if "timestamp" in r), default=None)
    for stat_id in list(delta):
        if delta[stat_id].get("timestamp") == top:
            del delta[stat_id]["timestamp"]
            if not delta[stat_id]:
                del delta[stat_id]
    for stat_id in previous:
        if stat_id not in reports:
            delta[stat_id] = None
    out: dict[str, Any] = {}
    for stat_id, report in delta.items():
        short = ids.setdefault(stat_id, str(len(ids)))
        if report is None:
            out[short] = None
            continue
        renamed: dict[str, Any] = {}
        for key, value in report.items():
            if key.endswith("Id") and isinstance(value, str):
                value = ids.setdefault(value, str(len(ids)))
            if key == "type":
                value = _TYPE_CODES.get(value, value)
            renamed[_PROPERTY_CODES.get(key, key)] = value
        out[short] = renamed
    if top is not None:
        out["t"] = top
    return out


def write_rtcstats_dump(
    path: Path,
    synthetic: Call,
    *,
    compress: bool = False,
    gz: bool = False,
    file_format: int = 3,
    transform: Callable[[list[Any]], list[Any]] | None = None,
) -> Path:
    """``compress``: methods, types, properties and ids compressed, getStats as deltas (as
    rtcstats-js writes); else plain full reports as Chrome's built-in export writes them."""
    lines = ["RTCStatsDump", json.dumps({"fileFormat": file_format})]
    clock = 0.0

    def emit(record: list[Any], t: float) -> None:
        nonlocal clock
        record = [*record, t - clock]
        clock = t
        lines.append(json.dumps(transform(record) if transform else record))

    start = min(poll.t for polls in synthetic.pcs.values() for poll in polls)
    emit(
        ["create", None, {"userAgentData": {"brands": [{"brand": "Google Chrome", "version": "142"}]}}],
        start - 2000,
    )
    for pc_id in synthetic.pcs:
        emit(["create", pc_id, {"iceServers": []}, "https://meet.example/room"], start - 1000.0)
    previous: dict[str, Reports] = {}
    ids: dict[str, dict[str, str]] = {}
    for t, _, (method, pc_id, value) in _records(synthetic):
        if method == "getStats":
            if compress:
                delta = _compressed_delta(previous.get(pc_id, {}), value, ids.setdefault(pc_id, {}))
                previous[pc_id] = copy.deepcopy(value)
                emit([_METHOD_CODES["getStats"], pc_id, delta], t)
            else:
                full = {sid: {"id": sid, **report} for sid, report in value.items()}
                emit(["getStats", pc_id, full], t)
        elif compress:
            emit([_METHOD_CODES.get(method, "on" + method), pc_id, value], t)
        else:
            emit([method, pc_id, json.dumps(value)], t)  # Chrome writes the state JSON-encoded
    return _write(path, ("\n".join(lines) + "\n").encode(), gz)


WRITERS: dict[str, Callable[[Path, Call], Path]] = {
    "webrtc-internals": lambda path, c: write_internals(path / "webrtc_internals_dump.txt", c),
    "rtcstats": lambda path, c: write_rtcstats(path / "rtcstats.jsonl", c),
    "rtcstats-dump": lambda path, c: write_rtcstats_dump(path / "rtcstats_dump.gz", c, gz=True),
    "rtcstats-dump-compressed": lambda path, c: write_rtcstats_dump(path / "dump", c, compress=True),
}
"""One writer per format (and both RTCStatsDump flavours), for tests that run on every one."""
