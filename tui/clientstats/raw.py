"""The statistics a reader keeps while it streams a dump, and the notes on what it skipped.

Readers hand over either whole reports (rtcstats: one decompressed getStats result at a
time) or whole series (webrtc-internals). Only the statistic types and properties the
result needs are kept (``NUMERIC``, ``TEXT``, ``STATIC``), in ``array('d')`` buffers, one
per property, aligned with the statistic's sample times; NaN marks a missing value or an
unusable time. Absurd values are dropped here, each with a note: numbers that are not
finite, negative counters, times before 2000 or in the future, times that go backwards.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping
from typing import Any

from roomscope.tui.clientstats.model import Skipped, StateChange
from roomscope.tui.text import clean

NAN = math.nan
INF = math.inf
MIN_TIME_MS = 946_684_800_000.0
"""2000-01-01: an earlier sample time is absurd."""
FUTURE_SLACK_MS = 86_400_000.0
"""A sample time more than a day after now is absurd (clocks disagree, but not by a day)."""
MAX_NOTES = 200
"""Distinct skipped-item notes kept; the rest are counted in one last note."""

QLD = "qualityLimitationDurations"
QLD_REASONS = ("none", "cpu", "bandwidth", "other")

NUMERIC: dict[str, tuple[str, ...]] = {
    "inbound-rtp": (
        "packetsReceived",
        "packetsLost",
        "bytesReceived",
        "jitter",
        "framesPerSecond",
        "framesDecoded",
        "frameWidth",
        "frameHeight",
        "freezeCount",
        "totalFreezesDuration",
        "concealedSamples",
        "totalSamplesReceived",
    ),
    "outbound-rtp": (
        "packetsSent",
        "bytesSent",
        "framesPerSecond",
        "framesEncoded",
        "frameWidth",
        "frameHeight",
        *(f"{QLD}.{reason}" for reason in QLD_REASONS),
    ),
    "remote-inbound-rtp": ("packetsLost", "jitter", "roundTripTime", "fractionLost"),
    "candidate-pair": ("currentRoundTripTime", "availableOutgoingBitrate", "bytesSent", "bytesReceived"),
    "transport": ("selectedCandidatePairChanges",),
}
"""Numeric properties kept, by statistic type (``qualityLimitationDurations.cpu``: one key of
the object)."""
TEXT: dict[str, tuple[str, ...]] = {
    "outbound-rtp": ("qualityLimitationReason",),
    "candidate-pair": ("state", "selected", "nominated"),
    "transport": ("selectedCandidatePairId", "iceState", "dtlsState"),
}
"""Text properties kept as their changes over time."""
STATIC: dict[str, tuple[str, ...]] = {
    "inbound-rtp": ("kind", "mediaType", "ssrc", "trackIdentifier", "mid", "transportId"),
    "outbound-rtp": ("kind", "mediaType", "ssrc", "mid", "rid", "encodingIndex", "remoteId", "transportId"),
    "remote-inbound-rtp": ("kind", "mediaType", "ssrc", "localId"),
    "candidate-pair": ("localCandidateId", "remoteCandidateId", "transportId"),
    "local-candidate": ("candidateType", "protocol", "relayProtocol", "networkType"),
    "remote-candidate": ("candidateType", "protocol", "relayProtocol", "networkType"),
    "transport": (),
}
"""Properties that describe a statistic (the first value seen is kept)."""
AUDIO_ONLY = frozenset({"concealedSamples", "totalSamplesReceived"})
VIDEO_ONLY = frozenset(
    {"framesPerSecond", "framesDecoded", "framesEncoded", "frameWidth", "frameHeight", "freezeCount"}
    | {"totalFreezesDuration"}
    | {f"{QLD}.{reason}" for reason in QLD_REASONS}
)


def _row_props(stat_type: str, kind: Any) -> tuple[str, ...]:
    """The numeric properties one sample of a statistic holds (by type and media kind)."""
    props = NUMERIC[stat_type]
    if kind == "audio":
        return tuple(p for p in props if p not in VIDEO_ONLY)
    if kind == "video":
        return tuple(p for p in props if p not in AUDIO_ONLY)
    return props


KEPT_TYPES = frozenset(STATIC)
STATIC_ONLY = frozenset({"local-candidate", "remote-candidate"})
SIGNED = frozenset({"packetsLost"})
"""Properties that may be negative (``packetsLost`` counts duplicates against losses)."""
WANTED: dict[str, frozenset[str]] = {
    kind: frozenset(
        {p.split(".")[0] for p in NUMERIC.get(kind, ())} | set(TEXT.get(kind, ())) | set(STATIC.get(kind, ()))
    )
    for kind in KEPT_TYPES
}
"""Every property name a reader needs from a statistic of each type."""

STATE_EVENTS: dict[str, str] = {
    "iceconnectionstatechange": "ice",
    "connectionstatechange": "connection",
    "dtlsstatechange": "dtls",
    "signalingstatechange": "signaling",
    "icegatheringstatechange": "ice-gathering",
}
"""Trace events that carry a new state (names lower-cased, without a leading ``on``)."""


class Notes:
    """What was skipped, counted by place and reason."""

    def __init__(self, limit: int = MAX_NOTES) -> None:
        self._counts: dict[tuple[str, str], int] = {}
        self._limit = limit
        self._overflow = 0

    def add(self, where: str, why: str, count: int = 1) -> None:
        key = (where, why)
        if key in self._counts:
            self._counts[key] += count
        elif len(self._counts) < self._limit:
            self._counts[key] = count
        else:
            self._overflow += count

    def __len__(self) -> int:
        return len(self._counts) + (1 if self._overflow else 0)

    def items(self) -> tuple[Skipped, ...]:
        """The notes, places made safe to show (they hold keys and ids from the dump)."""
        out = [Skipped(clean(where, 160), why, count) for (where, why), count in self._counts.items()]
        if self._overflow:
            out.append(Skipped("(more)", "further items skipped for other reasons", self._overflow))
        return tuple(out)


def as_number(value: Any) -> float | None:
    """A JSON number as a float (booleans are not numbers); None for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def time_problem(t: float, now_ms: float) -> str | None:
    """Why ``t`` (ms since the epoch) is not a usable sample time, or None."""
    if t != t or t in (math.inf, -math.inf):
        return "sample time is not a finite number"
    if t < MIN_TIME_MS:
        return "sample time before the year 2000"
    if t > now_ms + FUTURE_SLACK_MS:
        return "sample time in the future"
    return None


def number(raw: Any, prop: str, where: str, notes: Notes) -> float:
    """``raw`` as a usable value of ``prop``, or NaN (with a note when it was absurd)."""
    kind = type(raw)
    if kind is float or kind is int:
        value = float(raw)
    else:
        notes.add(f"{where}.{prop}", "value is not a number")
        return NAN
    if value != value or value in (math.inf, -math.inf):
        notes.add(f"{where}.{prop}", "value is not a finite number (NaN or infinity)")
        return NAN
    if value < 0.0 and prop not in SIGNED:
        notes.add(f"{where}.{prop}", "negative value")
        return NAN
    return value


def numbers(values: list[Any], prop: str, where: str, notes: Notes) -> array[float]:
    """A whole series of ``prop`` as an array (NaN for nulls; absurd values dropped, noted)."""
    try:
        out = array("d", values)
    except TypeError:
        out = array("d", (NAN if v is None else number(v, prop, where, notes) for v in values))
        return out
    total = sum(out)
    if total != total or total in (math.inf, -math.inf) or (prop not in SIGNED and min(out, default=0) < 0):
        out = array("d", (number(v, prop, where, notes) for v in out))
    return out


def text(value: Any) -> str:
    """A text property's value as a short, clean string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1]  # webrtc-internals writes some values JSON-encoded ("\"stable\"")
    return clean(value, 120)


def text_runs(values: Iterable[Any], offset: int = 0) -> list[tuple[int, str]]:
    """The changes in a text series: ``(index + offset, value)`` where the value changes."""
    runs: list[tuple[int, str]] = []
    last: Any = None
    for index, value in enumerate(values):
        if value is None or value == last:
            continue
        last = value
        runs.append((index + offset, text(value)))
    return runs


class RawStat:
    """The kept samples of one statistic (one stats id) of one peer connection.

    Samples taken from whole reports are stored row by row (one ``extend`` per report, the
    hot path of line-based dumps) and split into columns when ``nums`` is first read.
    """

    __slots__ = (
        "_nums",
        "_qld_at",
        "_raw_texts",
        "_row_props",
        "_rows",
        "_static_seen",
        "id",
        "last_t",
        "static",
        "texts",
        "times",
        "type",
    )

    def __init__(self, stat_id: str, stat_type: str) -> None:
        self.id = stat_id
        self.type = stat_type
        self.times: array[float] = array("d")
        """Sample times (ms); NaN marks a sample whose time was unusable."""
        self._nums: dict[str, array[float]] = {}
        self.texts: dict[str, list[tuple[int, str]]] = {}
        """Text properties as ``(sample index, new value)`` changes."""
        self.static: dict[str, Any] = {}
        self.last_t = -math.inf
        self._static_seen = -1
        self._raw_texts: dict[str, Any] = {}
        self._row_props: tuple[str, ...] = ()
        self._qld_at: tuple[tuple[int, str], ...] = ()
        self._rows: array[float] | None = None

    @property
    def nums(self) -> dict[str, array[float]]:
        """Numeric properties, each as long as ``times`` (NaN: no value); a property that
        never had a value is absent."""
        rows = self._rows
        if rows is not None:
            self._rows = None
            width = len(self._row_props)
            for k, prop in enumerate(self._row_props):
                column = rows[k::width]
                if any(v == v for v in column):
                    self._nums[prop] = column
        return self._nums

    def keep_static(self, report: Mapping[str, Any]) -> None:
        wanted = STATIC[self.type]
        if len(self.static) < len(wanted) and len(report) != self._static_seen:
            self._static_seen = len(report)  # look again only when the report gains properties
            for prop in wanted:
                if prop not in self.static:
                    value = report.get(prop)
                    if value is not None:
                        self.static[prop] = value

    def add_report(self, t: float, report: Mapping[str, Any], where: str, notes: Notes) -> None:
        """Append one sample taken from a whole report."""
        self.keep_static(report)
        index = len(self.times)
        self.times.append(t)
        self.last_t = t
        rows = self._rows
        if rows is None:
            self._row_props = _row_props(self.type, report.get("kind") or report.get("mediaType"))
            self._qld_at = tuple(
                (k, prop[len(QLD) + 1 :]) for k, prop in enumerate(self._row_props) if prop.startswith(QLD)
            )
            rows = self._rows = array("d")
        props = self._row_props
        row: list[Any] = list(map(report.get, props))
        if self._qld_at:
            durations = report.get(QLD)
            for k, reason in self._qld_at:
                row[k] = durations.get(reason) if isinstance(durations, dict) else None
        missing = [k for k, v in enumerate(row) if v is None] if None in row else ()
        for k in missing:
            row[k] = 0.0
        values: array[float]
        try:
            values = array("d", row)
            total = sum(values)
            suspect = total != total or total == INF or min(values) < 0.0
        except TypeError:
            suspect = True
        if suspect:  # something is not a plain non-negative number: look at each value
            values = array(
                "d", (NAN if k in missing else number(v, props[k], where, notes) for k, v in enumerate(row))
            )
        for k in missing:
            values[k] = NAN
        rows.extend(values)
        for prop in TEXT.get(self.type, ()):
            raw = report.get(prop)
            if raw is None or raw == self._raw_texts.get(prop):
                continue
            self._raw_texts[prop] = raw
            runs = self.texts.setdefault(prop, [])
            value_text = text(raw)
            if not runs or runs[-1][1] != value_text:
                runs.append((index, value_text))


class RawPeerConnection:
    """Everything kept of one peer connection while reading."""

    def __init__(self, pc_id: str) -> None:
        self.id = pc_id
        self.url: str | None = None
        self.stats: dict[str, RawStat] = {}
        self.events: list[StateChange] = []
        self.stats_truncated = False

    def stat(self, stat_id: str, stat_type: str) -> RawStat:
        stat = self.stats.get(stat_id)
        if stat is None or stat.type != stat_type:
            stat = RawStat(stat_id, stat_type)
            self.stats[stat_id] = stat
        return stat

    def snapshot(
        self, reports: Mapping[str, Any], fallback_t: float | None, notes: Notes, now_ms: float
    ) -> None:
        """Take one sample of every kept statistic in a (decompressed) getStats result whose
        time moved on since its last sample."""
        for stat_id, report in reports.items():
            if not isinstance(report, dict):
                continue
            stat_type = report.get("type")
            if stat_type not in KEPT_TYPES:
                continue
            if stat_type in STATIC_ONLY:
                self.stat(stat_id, stat_type).keep_static(report)
                continue
            raw_t = report.get("timestamp")
            t = raw_t if type(raw_t) is float or type(raw_t) is int else None
            t = t or fallback_t
            if t is None:
                notes.add(f"{self.id}/{stat_id}", "report without a time")
                continue
            stat = self.stats.get(stat_id)
            if stat is not None and t <= stat.last_t:
                if t < stat.last_t:
                    notes.add(f"{self.id}/{stat_id}", "sample time goes backwards")
                continue
            if not MIN_TIME_MS <= t <= now_ms + FUTURE_SLACK_MS:
                notes.add(f"{self.id}/{stat_id}", time_problem(t, now_ms) or "unusable sample time")
                continue
            if stat is None or stat.type != stat_type:
                stat = self.stat(stat_id, stat_type)
            stat.add_report(t, report, f"{self.id}/{stat_id}", notes)

    def event(self, at_ms: float | None, name: str, value: Any) -> None:
        """Keep a trace event if it says a state changed."""
        key = name.lower()
        kind = STATE_EVENTS.get(key.removeprefix("on"))
        if kind is None:
            if key == "close":
                self.events.append(StateChange(at_ms, "connection", "closed"))
            return
        if isinstance(value, dict | list) or value is None:
            return
        state = text(value)
        if state:
            self.events.append(StateChange(at_ms, kind, state))


class Collector:
    """What a reader has gathered: the peer connections, the browser, the notes."""

    def __init__(self, notes: Notes, now_ms: float) -> None:
        self.notes = notes
        self.now_ms = now_ms
        self.pcs: dict[str, RawPeerConnection] = {}
        self.user_agent: str | None = None
        self.browser: str | None = None
        self.version = ""

    def pc(self, pc_id: str) -> RawPeerConnection:
        found = self.pcs.get(pc_id)
        if found is None:
            found = self.pcs[pc_id] = RawPeerConnection(pc_id)
        return found

    @property
    def read_anything(self) -> bool:
        return bool(self.pcs) or self.user_agent is not None
