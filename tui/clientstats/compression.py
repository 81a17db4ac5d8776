"""Undo the compression an RTCStatsDump (fileFormat 3) may use.

The format (rtcstats/rtcstats, ``packages/rtcstats-server/docs/file-format.md``) lets a client
replace method names, statistic types and property names with numbers from fixed tables,
rename statistic ids to short numbers (references included, so nothing needs reversing),
and delta-compress getStats: a report carries only what changed, the common timestamp moves
to a top-level ``t``, a report left out is unchanged (and sampled at ``t``), and ``null``
marks a report that went away. Importers must accept compressed and plain dumps alike
(Chrome's built-in export writes plain full reports).

Only the table entries the reader uses are listed; other codes stay numbers and are ignored.
"""

from __future__ import annotations

from typing import Any

from roomscope.tui.clientstats.raw import KEPT_TYPES, QLD, as_number

METHODS: dict[str, str] = {
    "g": "getStats",
    "1": "getStats",
    "23": "onsignalingstatechange",
    "24": "oniceconnectionstatechange",
    "25": "onconnectionstatechange",
    "26": "onicegatheringstatechange",
    "36": "close",
    "39": "create",
}
"""Compressed method codes (as text) and their names."""

TYPES: dict[int, str] = {
    1: "inbound-rtp",
    2: "outbound-rtp",
    3: "remote-inbound-rtp",
    4: "remote-outbound-rtp",
    5: "transport",
    6: "candidate-pair",
    7: "local-candidate",
    8: "remote-candidate",
    9: "data-channel",
    10: "peer-connection",
    11: "certificate",
    12: "media-source",
    13: "media-playout",
    14: "codec",
}
"""Compressed statistic types."""

PROPERTIES: dict[str, str] = {
    "t": "timestamp",
    "5": "transportId",
    "10": "ssrc",
    "11": "kind",
    "14": "packetsReceived",
    "15": "packetsLost",
    "16": "jitter",
    "17": "trackIdentifier",
    "18": "mid",
    "19": "remoteId",
    "20": "framesDecoded",
    "23": "frameWidth",
    "24": "frameHeight",
    "25": "framesPerSecond",
    "32": "freezeCount",
    "33": "totalFreezesDuration",
    "41": "bytesReceived",
    "51": "totalSamplesReceived",
    "52": "concealedSamples",
    "74": "localId",
    "75": "roundTripTime",
    "77": "fractionLost",
    "79": "packetsSent",
    "80": "bytesSent",
    "82": "rid",
    "83": "encodingIndex",
    "91": "framesEncoded",
    "95": "qualityLimitationReason",
    "96": "qualityLimitationDurations",
    "116": "protocol",
    "118": "state",
    "123": "dtlsState",
    "124": "iceState",
    "125": "selectedCandidatePairId",
    "132": "selectedCandidatePairChanges",
    "136": "candidateType",
    "139": "relayProtocol",
    "145": "networkType",
    "148": "localCandidateId",
    "149": "remoteCandidateId",
    "150": "nominated",
    "152": "currentRoundTripTime",
    "153": "availableOutgoingBitrate",
}
"""Compressed property names (JSON object keys, so text)."""


def method_name(method: Any) -> str | None:
    """The method of a record (None when it is neither text nor a number)."""
    if isinstance(method, bool):
        return None
    if isinstance(method, int):
        return METHODS.get(str(method), str(method))
    if isinstance(method, str):
        return METHODS.get(method, method)
    return None


def _type(value: Any) -> Any:
    return TYPES.get(value, value) if isinstance(value, int) and not isinstance(value, bool) else value


def merge_stats(base: dict[str, dict[str, Any]], delta: dict[str, Any]) -> float | None:
    """Merge one (possibly compressed) getStats value into ``base``, the connection's
    state; return the top-level time when there is one. Statistics of types the result
    does not need are kept as a ``{"type": ...}`` stub only."""
    top_t = as_number(delta.get("t"))
    if top_t is None:
        top_t = as_number(delta.get("timestamp"))
    for stat_id, report in delta.items():
        if stat_id in ("t", "timestamp") and not isinstance(report, dict):
            continue
        if report is None:
            base.pop(stat_id, None)
            continue
        if not isinstance(report, dict):
            continue
        old = base.get(stat_id)
        stat_type = _type(report.get("type")) or (old.get("type") if old else None)
        if stat_type not in KEPT_TYPES:
            if old is None:
                base[stat_id] = {"type": stat_type}
            continue
        compressed = bool(report.keys() & PROPERTIES.keys())
        plain: dict[str, Any] = (
            {PROPERTIES.get(str(key), str(key)): value for key, value in report.items()}
            if compressed
            else report
        )
        plain["type"] = stat_type
        if old is None:
            base[stat_id] = plain
            if "timestamp" not in plain and top_t is not None:
                plain["timestamp"] = top_t
            continue
        if not compressed and "id" in plain and "timestamp" in plain:
            base[stat_id] = plain  # a whole report (Chrome's export; deltas drop "id") replaces the last
            continue
        before = old.get(QLD)
        old.update(plain)
        after = plain.get(QLD)
        if isinstance(before, dict) and isinstance(after, dict):
            old[QLD] = {**before, **after}  # a delta carries only the reasons that changed
        if "timestamp" not in plain and top_t is not None:
            old["timestamp"] = top_t
    if top_t is not None:
        for stat_id, report in base.items():
            if stat_id not in delta and report.get("type") in KEPT_TYPES:
                report["timestamp"] = top_t
    return top_t
