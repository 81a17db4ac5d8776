"""Reading a large client-statistics dump: MB/s and peak RSS, for each dump format.

The parent writes one dump of ``--size-mb`` (50 by default) per format into a temporary
directory, then reads each in ``--runs`` fresh child processes with
``roomscope.tui.clientstats.read_dump``. The dumps look like a long, large meeting:

* ``webrtc-internals``: many peer-connection statistics with every property Chrome records
  (computed ``[...]`` series included), 1,000 samples each (webrtc-internals' cap);
* ``rtcstats``: the jitsi rtcstats protocol, delta-compressed getStats every second;
* ``rtcstats-dump``: Chrome's built-in RTCStatsDump export (full reports every second).

Figures, per format: read throughput (file bytes / wall time of ``read_dump``; median over
processes [min–max]) against >= 20 MB/s, and the peak RSS of the reading process (whole
process, interpreter included; ``ru_maxrss``) against 2x the file size. MB = 10^6 bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from _common import (
    ChildError,
    Figure,
    base_parser,
    child_result,
    command,
    emit,
    fmt_range,
    median,
    not_measured,
    progress,
    run_child,
)

FORMATS = ("webrtc-internals", "rtcstats", "rtcstats-dump")
TARGET_MBPS = 20.0
TARGET_RSS_RATIO = 2.0
MB = 1_000_000
START_MS = 1_790_000_000_000.0
"""The first sample of every generated dump (2026)."""

# ---------------------------------------------------------------------------------------
# What a stream of each kind reports: (property, kind, parameter). Counters grow by about
# ``parameter`` a second, gauges wander around it, constants repeat.

Spec = tuple[tuple[str, str, Any], ...]
INBOUND_VIDEO: Spec = (
    ("packetsReceived", "counter", 120),
    ("packetsLost", "counter", 0.3),
    ("packetsDiscarded", "counter", 0.01),
    ("fecPacketsReceived", "counter", 0),
    ("fecPacketsDiscarded", "counter", 0),
    ("bytesReceived", "counter", 140_000),
    ("headerBytesReceived", "counter", 3000),
    ("retransmittedPacketsReceived", "counter", 0.5),
    ("retransmittedBytesReceived", "counter", 500),
    ("lastPacketReceivedTimestamp", "clock", 0),
    ("jitter", "gauge", 0.012),
    ("jitterBufferDelay", "counter", 2.7),
    ("jitterBufferTargetDelay", "counter", 2.4),
    ("jitterBufferMinimumDelay", "counter", 2.1),
    ("jitterBufferEmittedCount", "counter", 30),
    ("framesReceived", "counter", 30),
    ("frameWidth", "const", 1280),
    ("frameHeight", "const", 720),
    ("framesPerSecond", "gauge", 30),
    ("framesDecoded", "counter", 30),
    ("keyFramesDecoded", "counter", 0.02),
    ("framesDropped", "counter", 0.05),
    ("totalDecodeTime", "counter", 0.09),
    ("totalProcessingDelay", "counter", 1.4),
    ("totalAssemblyTime", "counter", 0.2),
    ("framesAssembledFromMultiplePackets", "counter", 29),
    ("totalInterFrameDelay", "counter", 1.0),
    ("totalSquaredInterFrameDelay", "counter", 0.034),
    ("pauseCount", "counter", 0),
    ("totalPausesDuration", "counter", 0),
    ("freezeCount", "counter", 0.01),
    ("totalFreezesDuration", "counter", 0.004),
    ("firCount", "counter", 0),
    ("pliCount", "counter", 0.02),
    ("nackCount", "counter", 0.4),
    ("qpSum", "counter", 900),
    ("decoderImplementation", "const", "libvpx"),
    ("powerEfficientDecoder", "const", False),
    ("googTimingFrameInfo", "const", "1234567,1234589,1234590,1234600,1234612,1234613,1234620,1234700,1,0"),
    ("[packetsReceived/s]", "gauge", 120),
    ("[bytesReceived_in_bits/s]", "gauge", 1_120_000),
    ("[headerBytesReceived_in_bits/s]", "gauge", 24_000),
    ("[framesReceived/s]", "gauge", 30),
    ("[framesDecoded/s]", "gauge", 30),
    ("[keyFramesDecoded/s]", "gauge", 0.02),
    ("[totalDecodeTime/framesDecoded_in_ms]", "gauge", 3.1),
    ("[totalInterFrameDelay/framesDecoded_in_ms]", "gauge", 33.3),
    ("[jitterBufferDelay/jitterBufferEmittedCount_in_ms]", "gauge", 90.5),
    ("[totalProcessingDelay/framesDecoded_in_ms]", "gauge", 46.6),
    ("[qpSum/framesDecoded]", "gauge", 30.1),
)
INBOUND_AUDIO: Spec = (
    ("packetsReceived", "counter", 50),
    ("packetsLost", "counter", 0.2),
    ("packetsDiscarded", "counter", 0.01),
    ("bytesReceived", "counter", 4000),
    ("headerBytesReceived", "counter", 1200),
    ("lastPacketReceivedTimestamp", "clock", 0),
    ("jitter", "gauge", 0.008),
    ("jitterBufferDelay", "counter", 3400.0),
    ("jitterBufferTargetDelay", "counter", 3300.0),
    ("jitterBufferMinimumDelay", "counter", 3000.0),
    ("jitterBufferEmittedCount", "counter", 48000),
    ("totalSamplesReceived", "counter", 48000),
    ("concealedSamples", "counter", 120),
    ("silentConcealedSamples", "counter", 60),
    ("concealmentEvents", "counter", 0.2),
    ("insertedSamplesForDeceleration", "counter", 30),
    ("removedSamplesForAcceleration", "counter", 25),
    ("audioLevel", "gauge", 0.03),
    ("totalAudioEnergy", "counter", 0.0004),
    ("totalSamplesDuration", "counter", 1.0),
    ("totalProcessingDelay", "counter", 1.9),
    ("nackCount", "counter", 0),
    ("[packetsReceived/s]", "gauge", 50),
    ("[bytesReceived_in_bits/s]", "gauge", 32_000),
    ("[headerBytesReceived_in_bits/s]", "gauge", 9600),
    ("[concealedSamples/s]", "gauge", 120),
    ("[jitterBufferDelay/jitterBufferEmittedCount_in_ms]", "gauge", 70.8),
    ("[audioLevel in RTCAudioPlayoutStats]", "gauge", 0.03),
)
OUTBOUND_VIDEO: Spec = (
    ("packetsSent", "counter", 150),
    ("bytesSent", "counter", 160_000),
    ("headerBytesSent", "counter", 3600),
    ("retransmittedPacketsSent", "counter", 1),
    ("retransmittedBytesSent", "counter", 1000),
    ("targetBitrate", "gauge", 1_300_000),
    ("totalEncodedBytesTarget", "counter", 150_000),
    ("frameWidth", "const", 1280),
    ("frameHeight", "const", 720),
    ("framesPerSecond", "gauge", 30),
    ("framesSent", "counter", 30),
    ("hugeFramesSent", "counter", 0.01),
    ("framesEncoded", "counter", 30),
    ("keyFramesEncoded", "counter", 0.02),
    ("qpSum", "counter", 800),
    ("totalEncodeTime", "counter", 0.12),
    ("totalPacketSendDelay", "counter", 0.6),
    ("qualityLimitationReason", "const", "none"),
    ("qualityLimitationDurations", "limitation", 0),
    ("qualityLimitationResolutionChanges", "counter", 0),
    ("nackCount", "counter", 0.4),
    ("firCount", "counter", 0),
    ("pliCount", "counter", 0.02),
    ("encoderImplementation", "const", "libvpx"),
    ("powerEfficientEncoder", "const", False),
    ("active", "const", True),
    ("scalabilityMode", "const", "L1T3"),
    ("[packetsSent/s]", "gauge", 150),
    ("[bytesSent_in_bits/s]", "gauge", 1_280_000),
    ("[headerBytesSent_in_bits/s]", "gauge", 28_800),
    ("[framesEncoded/s]", "gauge", 30),
    ("[totalEncodeTime/framesEncoded_in_ms]", "gauge", 4.1),
    ("[totalPacketSendDelay/packetsSent_in_ms]", "gauge", 4.0),
    ("[qpSum/framesEncoded]", "gauge", 26.7),
)
REMOTE_INBOUND: Spec = (
    ("packetsLost", "counter", 0.3),
    ("jitter", "gauge", 0.004),
    ("roundTripTime", "gauge", 0.062),
    ("totalRoundTripTime", "counter", 0.062),
    ("fractionLost", "gauge", 0.002),
    ("roundTripTimeMeasurements", "counter", 1),
)
CANDIDATE_PAIR: Spec = (
    ("packetsSent", "counter", 600),
    ("packetsReceived", "counter", 2400),
    ("bytesSent", "counter", 700_000),
    ("bytesReceived", "counter", 3_000_000),
    ("totalRoundTripTime", "counter", 0.06),
    ("currentRoundTripTime", "gauge", 0.06),
    ("availableOutgoingBitrate", "gauge", 2_500_000),
    ("requestsReceived", "counter", 0.4),
    ("requestsSent", "counter", 0.4),
    ("responsesReceived", "counter", 0.4),
    ("responsesSent", "counter", 0.4),
    ("consentRequestsSent", "counter", 0.2),
    ("lastPacketReceivedTimestamp", "clock", 0),
    ("lastPacketSentTimestamp", "clock", 0),
    ("state", "const", "succeeded"),
    ("nominated", "const", True),
    ("[bytesReceived_in_bits/s]", "gauge", 24_000_000),
    ("[bytesSent_in_bits/s]", "gauge", 5_600_000),
)
TRANSPORT: Spec = (
    ("packetsSent", "counter", 600),
    ("packetsReceived", "counter", 2400),
    ("bytesSent", "counter", 700_000),
    ("bytesReceived", "counter", 3_000_000),
    ("selectedCandidatePairId", "const", "CPabc_def"),
    ("selectedCandidatePairChanges", "const", 1),
    ("iceState", "const", "connected"),
    ("dtlsState", "const", "connected"),
    ("dtlsRole", "const", "client"),
    ("tlsVersion", "const", "FEFD"),
    ("srtpCipher", "const", "AES_CM_128_HMAC_SHA1_80"),
)


def _stats(remotes: int) -> list[tuple[str, str, Spec, dict[str, Any]]]:
    """The statistics of one peer connection with ``remotes`` remote participants."""
    out: list[tuple[str, str, Spec, dict[str, Any]]] = [
        ("T01", "transport", TRANSPORT, {}),
        (
            "CPabc_def",
            "candidate-pair",
            CANDIDATE_PAIR,
            {"localCandidateId": "Iabc", "remoteCandidateId": "Idef"},
        ),
        (
            "OT01V1",
            "outbound-rtp",
            OUTBOUND_VIDEO,
            {"kind": "video", "ssrc": 1, "mid": "1", "transportId": "T01"},
        ),
        ("RIV1", "remote-inbound-rtp", REMOTE_INBOUND, {"kind": "video", "ssrc": 1, "localId": "OT01V1"}),
    ]
    for n in range(remotes):
        audio = {"kind": "audio", "ssrc": 1000 + n, "mid": f"a{n}", "transportId": "T01"}
        video = {"kind": "video", "ssrc": 5000 + n, "mid": f"v{n}", "transportId": "T01"}
        out.append((f"IT01A{1000 + n}", "inbound-rtp", INBOUND_AUDIO, audio))
        out.append((f"IT01V{5000 + n}", "inbound-rtp", INBOUND_VIDEO, video))
    return out


class _Values:
    """Deterministic, plausible values of one property over time."""

    def __init__(self, kind: str, parameter: Any, rng: random.Random) -> None:
        self.kind = kind
        self.parameter = parameter
        self.rng = rng
        self.total = 0.0
        self.limited = {"none": 0.0, "cpu": 0.0, "bandwidth": 0.0, "other": 0.0}

    def at(self, t_ms: float) -> Any:
        kind, p = self.kind, self.parameter
        if kind == "counter":
            self.total += p * self.rng.uniform(0.8, 1.2)
            return round(self.total, 3) if isinstance(p, float) else int(self.total)
        if kind == "gauge":
            value = p * self.rng.uniform(0.7, 1.3)
            return round(value, 6) if isinstance(p, float) and p < 10 else round(value, 2)
        if kind == "clock":
            return round(t_ms - self.rng.uniform(0, 20), 3)
        if kind == "limitation":
            self.limited["none"] = round(self.limited["none"] + 1.0, 3)
            return dict(self.limited)
        return p


def _report_stream(
    remotes: int, seconds: int, seed: int
) -> Iterator[tuple[float, dict[str, dict[str, Any]]]]:
    """One getStats result a second: ``(time, {id: report})``."""
    rng = random.Random(seed)
    stats = _stats(remotes)
    values = {(sid, prop): _Values(kind, p, rng) for sid, _, spec, _ in stats for prop, kind, p in spec}
    for i in range(seconds):
        t = START_MS + i * 1000.0 + rng.uniform(0, 5)
        reports: dict[str, dict[str, Any]] = {}
        for sid, stat_type, spec, static in stats:
            report: dict[str, Any] = {"id": sid, "timestamp": round(t, 3), "type": stat_type, **static}
            for prop, _, _ in spec:
                if not prop.startswith("["):
                    report[prop] = values[(sid, prop)].at(t)
            reports[sid] = report
        yield t, reports


# ---------------------------------------------------------------------------------------
# Writers


def _write_internals(out: TextIO, size: int) -> None:
    rng = random.Random(7)
    out.write('{\n "getUserMedia": [],\n "PeerConnections": {\n')
    written = 40
    pc = 0
    while written < size:
        if pc:
            out.write(",\n")
        out.write(f'  "1-{pc}": {{\n   "pid": 1,\n   "url": "https://meet.example/big",\n   "stats": {{\n')
        first = True
        for sid, stat_type, spec, static in _stats(remotes=6):
            times = [round(START_MS + i * 1000.0 + rng.uniform(0, 5), 3) for i in range(1000)]
            entries = [("timestamp", times)]
            for prop, kind, parameter in spec:
                maker = _Values(kind, parameter, rng)
                column = [maker.at(t) for t in times]
                if kind == "limitation":
                    column = [json.dumps(v) for v in column]
                entries.append((prop, column))
            entries += [(prop, [value] * 1000) for prop, value in static.items()]
            for prop, column in entries:
                entry = {
                    "startTime": "2026-09-21T13:33:20.000Z",
                    "endTime": "2026-09-21T13:49:59.000Z",
                    "statsType": stat_type,
                    "values": json.dumps(column),
                }
                text = f"{'' if first else ','}\n    {json.dumps(f'{sid}-{prop}')}: {json.dumps(entry)}"
                first = False
                out.write(text)
                written += len(text)
        log = [
            {"time": "x", "timestamp": START_MS, "type": "iceconnectionstatechange", "value": '"connected"'}
        ]
        out.write(f'\n   }},\n   "updateLog": {json.dumps(log)}\n  }}')
        pc += 1
    out.write('\n },\n "UserAgent": "Mozilla/5.0 Chrome/142.0.0.0"\n}\n')


def _write_rtcstats(out: TextIO, size: int) -> None:
    info = {"userAgent": "Mozilla/5.0 Chrome/142.0.0.0", "clientProtocol": "3.1_STANDARD"}
    out.write(json.dumps(["connectionInfo", None, info, START_MS]) + "\n")
    written = 0
    previous: dict[str, dict[str, Any]] = {}
    for t, reports in _report_stream(remotes=24, seconds=1_000_000, seed=11):
        delta: dict[str, Any] = {"timestamp": t}
        for sid, report in reports.items():
            old = previous.get(sid, {})
            changed = {k: v for k, v in report.items() if k != "id" and old.get(k) != v}
            changed["timestamp"] = 0
            delta[sid] = changed
        previous = reports
        line = json.dumps(["getstats", "PC_0", delta, t]) + "\n"
        out.write(line)
        written += len(line)
        if written >= size:
            break


def _write_rtcstats_dump(out: TextIO, size: int) -> None:
    out.write("RTCStatsDump\n" + json.dumps({"fileFormat": 3}) + "\n")
    clock = 0.0
    written = 0
    for t, reports in _report_stream(remotes=12, seconds=1_000_000, seed=13):
        line = json.dumps(["getStats", "1-0", reports, round(t - clock, 3)]) + "\n"
        clock = t
        out.write(line)
        written += len(line)
        if written >= size:
            break


WRITERS = {
    "webrtc-internals": _write_internals,
    "rtcstats": _write_rtcstats,
    "rtcstats-dump": _write_rtcstats_dump,
}


def write_dump(fmt: str, path: Path, size: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        WRITERS[fmt](out, size)


# ---------------------------------------------------------------------------------------
# Measurement


def _rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def measure(path: Path) -> dict[str, Any]:
    from roomscope.tui.clientstats import read_dump

    before = _rss_bytes()
    started = time.perf_counter()
    cpu_started = time.process_time()
    dump = read_dump(path)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak = _rss_bytes()
    tracks = sum(len(pc.tracks) for pc in dump.peer_connections)
    samples = sum(len(s) for pc in dump.peer_connections for t in pc.tracks for s in t.series)
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "bytes": path.stat().st_size,
        "rss_before": before,
        "rss_peak": peak,
        "tracks": tracks,
        "samples": samples,
        "skipped": len(dump.skipped),
    }


def main() -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--runs", type=int, default=3, help="fresh reading processes per format (default 3)")
    parser.add_argument(
        "--size-mb", type=float, default=50.0, help="size of each generated dump, MB (default 50)"
    )
    parser.add_argument(
        "--formats", default=",".join(FORMATS), help="comma-separated subset of: " + ", ".join(FORMATS)
    )
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_result(measure(Path(args.file)))
        return 0
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown format(s): {', '.join(sorted(unknown))}")
    size = int(args.size_mb * MB)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-clientstats-") as tmp:
        for fmt in formats:
            cmd = command(
                "clientstats.py", "--formats", fmt, "--size-mb", f"{args.size_mb:g}", "--runs", str(args.runs)
            )
            path = Path(tmp) / f"{fmt}.dump"
            progress(f"writing a {args.size_mb:g} MB {fmt} dump")
            write_dump(fmt, path, size)
            results: list[dict[str, Any]] = []
            try:
                for run in range(args.runs):
                    progress(f"reading it, process {run + 1} of {args.runs}")
                    results.append(run_child("clientstats.py", ["--file", str(path)], timeout=600.0))
            except ChildError as err:
                figures.append(not_measured(f"clientstats_{fmt}", str(err), cmd, f">= {TARGET_MBPS:g} MB/s"))
                path.unlink()
                continue
            path.unlink()
            file_mb = results[0]["bytes"] / MB
            speeds = [r["bytes"] / MB / r["seconds"] for r in results]
            cpu_speed = median([r["bytes"] / MB / r["cpu_seconds"] for r in results])
            peaks = [r["rss_peak"] / MB for r in results]
            speed = median(speeds)
            peak = max(peaks)
            detail = f"{results[0]['tracks']} tracks, {results[0]['samples']:,} samples kept"
            figures.append(
                Figure(
                    name=f"clientstats_{fmt}_read",
                    text=(
                        f"{speed:.1f} MB/s {fmt_range(speeds, unit='MB/s')} reading a {file_mb:.1f} MB dump "
                        f"({cpu_speed:.1f} MB/s of CPU time; {detail})"
                    ),
                    cmd=cmd,
                    target=f">= {TARGET_MBPS:g} MB/s",
                    met=speed >= TARGET_MBPS,
                    data={"mbps": speeds, "cpu_mbps": cpu_speed, "file_mb": file_mb},
                )
            )
            before = median([r["rss_before"] / MB for r in results])
            figures.append(
                Figure(
                    name=f"clientstats_{fmt}_rss",
                    text=(
                        f"peak RSS {peak:.0f} MB ({peak / file_mb:.2f}x the {file_mb:.1f} MB file; "
                        f"{before:.0f} MB before reading)"
                    ),
                    cmd=cmd,
                    target=f"<= {TARGET_RSS_RATIO:g}x file size",
                    met=peak <= TARGET_RSS_RATIO * file_mb,
                    data={"rss_peak_mb": peaks, "rss_before_mb": before, "file_mb": file_mb},
                )
            )
    emit(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
