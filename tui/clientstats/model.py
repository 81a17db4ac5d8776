"""What a dump says, normalised: per peer connection and per track, series with their units.

Frozen dataclasses, standard library only. Times are milliseconds since the Unix epoch (as
in the dumps). A :class:`Series` keeps its samples in compact ``array('d')`` buffers (a long
call has hundreds of thousands of samples): NaN in ``values`` is a gap (no sample, a counter
reset, a value dropped as absurd). Counters from the dumps are turned into per-interval
values (rates, deltas, ratios) by :mod:`roomscope.tui.clientstats.rates`; the interval of a
sample is the time since the previous usable sample of the same statistic.

Units used: ``packets/s``, ``packets`` (per interval), ``%``, ``ms``, ``kbps``, ``fps``,
``px``, ``freezes`` (per interval), ``s`` (per interval).
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum


class DumpFormat(StrEnum):
    WEBRTC_INTERNALS = "webrtc-internals"
    """chrome://webrtc-internals "Create dump" (one JSON object)."""
    RTCSTATS = "rtcstats"
    """The rtcstats client protocol as rtcstats servers store it (one JSON array a line)."""
    RTCSTATS_DUMP = "rtcstats-dump"
    """``RTCStatsDump`` files, fileFormat 3: Chrome's built-in export and rtcstats-server v3."""

    @property
    def label(self) -> str:
        return {
            "webrtc-internals": "webrtc-internals dump",
            "rtcstats": "rtcstats dump",
            "rtcstats-dump": "RTCStatsDump",
        }[self.value]


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


NAN = math.nan


def _finite(value: float) -> bool:
    return value == value and value not in (math.inf, -math.inf)


@dataclass(frozen=True, eq=False, slots=True)
class Series:
    """One quantity over time. ``times_ms`` may be shared with other series of one statistic."""

    name: str
    unit: str
    times_ms: array[float]
    values: array[float]

    def __len__(self) -> int:
        return len(self.values)

    def points(self) -> Iterator[tuple[float, float | None]]:
        """Every sample with a usable time: ``(time, value or None for a gap)``."""
        for t, v in zip(self.times_ms, self.values, strict=True):
            if t == t:
                yield t, (v if _finite(v) else None)

    def present(self) -> Iterator[tuple[float, float]]:
        """The samples that have a value."""
        for t, v in zip(self.times_ms, self.values, strict=True):
            if t == t and _finite(v):
                yield t, v

    def to_list(self) -> list[float | None]:
        return [v for _, v in self.points()]

    def count(self) -> int:
        """How many samples have a value."""
        return sum(1 for _ in self.present())

    def last(self) -> float | None:
        for i in range(len(self.values) - 1, -1, -1):
            if self.times_ms[i] == self.times_ms[i] and _finite(self.values[i]):
                return self.values[i]
        return None

    def max(self) -> float | None:
        return max((v for _, v in self.present()), default=None)


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something in the dump that was not read, where it is, why, and how often."""

    where: str
    why: str
    count: int = 1

    def __str__(self) -> str:
        times = f" ({self.count} times)" if self.count > 1 else ""
        return f"{self.where}: {self.why}{times}"


@dataclass(frozen=True, slots=True)
class StateChange:
    """An ICE, connection, DTLS, signaling or gathering state the peer connection entered."""

    at_ms: float | None
    kind: str
    """``ice``, ``connection``, ``dtls``, ``signaling`` or ``ice-gathering``."""
    state: str


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    type: str | None
    """``host``, ``srflx``, ``prflx`` or ``relay``."""
    protocol: str | None
    """``udp`` or ``tcp`` (to the TURN server, for a relay candidate: see ``relay_protocol``)."""
    relay_protocol: str | None
    """How a relay candidate reaches its TURN server: ``udp``, ``tcp`` or ``tls``."""
    network_type: str | None
    """``wifi``, ``cellular``, ``ethernet``, ``vpn``... (Chrome only)."""

    @property
    def is_relay(self) -> bool:
        return self.type == "relay"

    @property
    def is_tcp(self) -> bool:
        return self.protocol == "tcp" or self.relay_protocol in ("tcp", "tls")


@dataclass(frozen=True, slots=True)
class PairChange:
    """The selected ICE candidate pair became ``pair_id`` at ``at_ms``."""

    at_ms: float
    pair_id: str
    local: Candidate | None
    remote: Candidate | None

    @property
    def relay(self) -> bool:
        return bool((self.local and self.local.is_relay) or (self.remote and self.remote.is_relay))

    @property
    def tcp(self) -> bool:
        return bool(self.local and self.local.is_tcp)


@dataclass(frozen=True, slots=True)
class LimitationChange:
    """The encoder's ``qualityLimitationReason`` became ``reason`` at ``at_ms``."""

    at_ms: float
    reason: str


@dataclass(frozen=True, eq=False, slots=True)
class TrackStats:
    """One RTP stream: inbound-rtp, or outbound-rtp with its remote-inbound-rtp (the send side).

    Totals are over the whole dump (counter resets summed over). ``packets_lost`` of an
    outbound stream is what the receiver reported (RTCP), ``loss_pct`` is lost over
    received + lost for inbound and lost over sent for outbound.
    """

    id: str
    direction: Direction
    kind: str
    """``audio``, ``video``, or ``""`` when the dump does not say."""
    ssrc: int | None
    track_identifier: str | None
    mid: str | None
    rid: str | None
    packets: int | None
    packets_lost: int | None
    loss_pct: float | None
    counter_resets: int
    freeze_count: int | None
    total_freezes_duration_s: float | None
    concealment_pct: float | None
    quality_limitation_s: tuple[tuple[str, float], ...]
    """Seconds the encoder spent in each ``qualityLimitationReason`` (outbound video)."""
    limitation_changes: tuple[LimitationChange, ...]
    series: tuple[Series, ...]
    first_ms: float | None
    last_ms: float | None

    def get(self, name: str) -> Series | None:
        return next((s for s in self.series if s.name == name), None)

    @property
    def label(self) -> str:
        ssrc = f" ssrc {self.ssrc}" if self.ssrc is not None else ""
        rid = f" rid {self.rid}" if self.rid else ""
        return f"{self.direction.value} {self.kind or 'media'}{ssrc}{rid}"


@dataclass(frozen=True, eq=False, slots=True)
class PeerConnectionStats:
    id: str
    url: str | None
    tracks: tuple[TrackStats, ...]
    series: tuple[Series, ...]
    """``rtt_ms`` (selected candidate pair) and ``available_outgoing_kbps``."""
    pair_changes: tuple[PairChange, ...]
    """The selected candidate pair over time (the first entry is the first selection)."""
    state_changes: tuple[StateChange, ...]
    ice_reconnects: int
    """Times ICE came back (connected/completed) after being disconnected or failed."""
    stats_truncated: bool
    """The dump kept only the last samples of this connection's statistics (webrtc-internals
    keeps 1,000 per series): the start of the call is missing."""
    first_ms: float | None
    last_ms: float | None

    def get(self, name: str) -> Series | None:
        return next((s for s in self.series if s.name == name), None)

    def inbound(self) -> tuple[TrackStats, ...]:
        return tuple(t for t in self.tracks if t.direction is Direction.INBOUND)

    def outbound(self) -> tuple[TrackStats, ...]:
        return tuple(t for t in self.tracks if t.direction is Direction.OUTBOUND)

    @property
    def selected_pair_changes(self) -> int:
        """Changes of the selected candidate pair after the first selection."""
        return max(0, len(self.pair_changes) - 1)

    @property
    def uses_relay(self) -> bool | None:
        """Whether a selected pair ever went through a TURN relay (None: no pair known)."""
        return any(c.relay for c in self.pair_changes) if self.pair_changes else None

    @property
    def uses_tcp(self) -> bool | None:
        """Whether a selected pair ever used TCP (directly, or to the TURN server)."""
        return any(c.tcp for c in self.pair_changes) if self.pair_changes else None

    @property
    def network_switches(self) -> int:
        """Changes of the local network type (wifi, cellular, ...) between selected pairs."""
        types = [c.local.network_type for c in self.pair_changes if c.local and c.local.network_type]
        return sum(1 for a, b in itertools.pairwise(types) if a != b)

    def _sum(self, direction: Direction, attr: str) -> int | None:
        values = [getattr(t, attr) for t in self.tracks if t.direction is direction]
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    @property
    def packets_received(self) -> int | None:
        return self._sum(Direction.INBOUND, "packets")

    @property
    def packets_sent(self) -> int | None:
        return self._sum(Direction.OUTBOUND, "packets")

    @property
    def packets_lost_received(self) -> int | None:
        """Packets lost on the way to this browser."""
        return self._sum(Direction.INBOUND, "packets_lost")

    @property
    def packets_lost_sent(self) -> int | None:
        """Packets this browser sent that the other end reported lost."""
        return self._sum(Direction.OUTBOUND, "packets_lost")


@dataclass(frozen=True, eq=False, slots=True)
class ClientDump:
    """Everything read from one dump, and what was skipped."""

    name: str
    """The file name (how messages and ``source`` labels call the dump)."""
    format: DumpFormat
    version: str
    """What the dump says of its own version, in words."""
    user_agent: str | None
    browser: str | None
    """Browser name and version, e.g. ``Chrome 142.0.7426.0``."""
    peer_connections: tuple[PeerConnectionStats, ...]
    skipped: tuple[Skipped, ...]
    compressed: bool
    bytes_read: int
    """Bytes of dump read (decompressed)."""

    @property
    def complete(self) -> bool:
        """Nothing was skipped."""
        return not self.skipped

    @property
    def first_ms(self) -> float | None:
        return min((p.first_ms for p in self.peer_connections if p.first_ms is not None), default=None)

    @property
    def last_ms(self) -> float | None:
        return max((p.last_ms for p in self.peer_connections if p.last_ms is not None), default=None)

    @property
    def source(self) -> str:
        """How a series from this dump names its source: ``webrtc-internals dump call.json``."""
        return f"{self.format.label} {self.name}"
