"""Client-side WebRTC statistics: read browser dumps into per-connection, per-track series.

Three formats, told apart by content (gzip accepted): the chrome://webrtc-internals "Create
dump" JSON, the rtcstats client protocol as rtcstats servers store it, and RTCStatsDump
(fileFormat 3, Chrome's built-in export). Readers stream: memory follows what is kept, not
the file size. Standard library only (the conversion to the domain model,
:mod:`roomscope.tui.clientstats.quality_series`, adds pydantic through the models).

    dump = read_dump("webrtc_internals_dump.txt")
    for pc in dump.peer_connections:
        for track in pc.tracks:
            track.label, track.packets, track.loss_pct, track.get("jitter_ms")
    dump.skipped  # what was not read, and why
"""

from roomscope.tui.clientstats.detect import Detected, detect_format
from roomscope.tui.clientstats.errors import (
    DumpError,
    DumpTooLargeError,
    NotADumpError,
    TruncatedDumpError,
    UnknownVersionError,
)
from roomscope.tui.clientstats.model import (
    Candidate,
    ClientDump,
    Direction,
    DumpFormat,
    LimitationChange,
    PairChange,
    PeerConnectionStats,
    Series,
    Skipped,
    StateChange,
    TrackStats,
)
from roomscope.tui.clientstats.read import read_dump
from roomscope.tui.clientstats.stream import ReadLimits

__all__ = [
    "Candidate",
    "ClientDump",
    "Detected",
    "Direction",
    "DumpError",
    "DumpFormat",
    "DumpTooLargeError",
    "LimitationChange",
    "NotADumpError",
    "PairChange",
    "PeerConnectionStats",
    "ReadLimits",
    "Series",
    "Skipped",
    "StateChange",
    "TrackStats",
    "TruncatedDumpError",
    "UnknownVersionError",
    "detect_format",
    "read_dump",
]
