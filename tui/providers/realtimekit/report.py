"""The parts of a RealtimeKit peer report that are not sample series, read for a triage:

* ``peer_stats``: the client's connection checks (``events[].metadata.connection_info``:
  location, IP and ASN, connectivity host/reflexive/relay, RTT, jitter, loss, throughput)
  and the pre-call network test (``precall_network_information``);
* ``quality_stats``: the totals (packets and packets lost per medium, bandwidth, average
  quality), an object in the peer report (a list of them in legacy participant details);
* ``quality.*_cumulative``: per-stream summaries (shares of samples with loss of at least
  5/10/25/50 %, MOS average and percentiles, RTT and jitter-buffer delay shares, video
  issues such as CPU or bandwidth limitation);
* ``metadata.candidate_pairs``: the ICE candidate pairs of the producing and consuming
  transports (candidate type and protocol: relayed through TURN, over TCP).

``peer_stats`` and ``quality_stats`` in the peer report are known from the SDK only
(cloudflare-python ``session_get_participant_data_from_peer_id_response``), not from the
reconstructed spec. Units of connection_info's RTT, jitter and throughput are not
documented: they are kept as reported, under names that say so. Every value is read
defensively: a number must be finite, a string is cleaned, anything else is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roomscope.tui.models import NetworkInfo
from roomscope.tui.providers.parsing import number
from roomscope.tui.providers.parsing import text as _text

STREAMS = (
    "audio_producer",
    "audio_consumer",
    "video_producer",
    "video_consumer",
    "screenshare_audio_producer",
    "screenshare_audio_consumer",
    "screenshare_video_producer",
    "screenshare_video_consumer",
)
AS_REPORTED = "as reported (unit undocumented)"


def _num(value: Any) -> float | None:
    found = number(value, "sample")
    return round(found, 6) if found is not None else None


def text(value: Any) -> str | None:
    """A provider string, cleaned; None for anything that is not a string."""
    return _text(value) if isinstance(value, str) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _numbers(raw: Any, depth: int = 0) -> dict[str, Any]:
    """The numeric leaves of a summary object (nested at most three deep), other values
    left out: a cumulative summary holds numbers only."""
    if not isinstance(raw, Mapping) or depth > 2:
        return {}
    out: dict[str, Any] = {}
    for key, value in list(raw.items())[:40]:
        name = text(key)
        if name is None:
            continue
        name = name[:60]
        if isinstance(value, Mapping):
            inner = _numbers(value, depth + 1)
            if inner:
                out[name] = inner
        else:
            found = _num(value)
            if found is not None:
                out[name] = found
    return out


def _dict(raw: Any, key: str) -> Mapping[str, Any]:
    value = raw.get(key) if isinstance(raw, Mapping) else None
    return value if isinstance(value, Mapping) else {}


# ---------------------------------------------------------------------------------------
# peer_stats: connection checks


def connection_infos(peer_stats: Any) -> list[Mapping[str, Any]]:
    """``connection_info`` of every ``peer_stats.events`` entry that has one, in order."""
    events = peer_stats.get("events") if isinstance(peer_stats, Mapping) else None
    out: list[Mapping[str, Any]] = []
    for event in events[:200] if isinstance(events, list) else []:
        info = _dict(_dict(event, "metadata"), "connection_info")
        if info:
            out.append(info)
    return out


def connection_summary(peer_stats: Any) -> dict[str, Any]:
    """The last connection check (location, connectivity, RTT, jitter, loss, throughput)
    and the pre-call network test, as reported."""
    out: dict[str, Any] = {}
    infos = connection_infos(peer_stats)
    if infos:
        info = infos[-1]
        check: dict[str, Any] = {}
        for key, name in (
            ("r_t_t", "rtt"),
            ("backend_r_t_t", "backend_rtt"),
            ("jitter", "jitter"),
            ("fractional_loss", "fractional_loss"),
            ("throughput", "throughput"),
        ):
            found = _num(info.get(key))
            if found is not None:
                check[name] = found
        kind = text(info.get("effective_network_type"))
        if kind:
            check["effective_network_type"] = kind[:40]
        connectivity = {
            k: v
            for k in ("host", "reflexive", "relay")
            if (v := _flag(_dict(info, "connectivity").get(k))) is not None
        }
        turn = _flag(info.get("turn_connectivity"))
        if turn is not None:
            connectivity["turn"] = turn
        if connectivity:
            check["connectivity"] = connectivity
        coords = _dict(_dict(info, "location"), "coords")
        lat, lon = _num(coords.get("latitude")), _num(coords.get("longitude"))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            check["location"] = f"{lat:.4f},{lon:.4f}"
        if check:
            check["units"] = AS_REPORTED
            check["checks"] = len(infos)
            out["connection"] = check
    precall = _dict(peer_stats, "precall_network_information")
    test: dict[str, Any] = {}
    for key in ("rtt", "backend_rtt", "jitter", "fractional_loss", "throughput"):
        found = _num(precall.get(key))
        if found is not None:
            test[key] = found
    for key in ("turn_connectivity", "relay_connectivity", "reflexive_connectivity"):
        flag = _flag(precall.get(key))
        if flag is not None:
            test[key] = flag
    if test:
        test["units"] = AS_REPORTED
        out["precall_network"] = test
    return out


def connection_network(peer_stats: Any) -> NetworkInfo | None:
    """Where the client was, from ``peer_stats``: its ``ip_information`` or the last
    connection check's ``ip_details`` (None when neither says anything)."""
    ip = _dict(peer_stats, "ip_information")
    infos = connection_infos(peer_stats)
    details = _dict(infos[-1], "ip_details") if infos else {}
    kind = text(infos[-1].get("effective_network_type")) if infos else None
    if not kind:
        kind = text(_dict(peer_stats, "precall_network_information").get("effective_networktype"))
    org = text(ip.get("org"))
    asn = text(_dict(ip, "asn").get("asn")) or text(_dict(details, "asn").get("asn"))
    isp = None
    if org:
        head, _, tail = org.partition(" ")
        if head.upper().startswith("AS") and head[2:].isdigit() and tail.strip():
            asn, isp = asn or head, tail.strip()
        else:
            isp = org
    found = NetworkInfo(
        isp=text(isp),
        asn=text(asn),
        ip=text(ip.get("ipv4")) or text(details.get("ip")),
        city=text(ip.get("city")) or text(details.get("city")),
        region=text(ip.get("region")) or text(details.get("region")),
        country=text(ip.get("country")) or text(details.get("country")),
        connection_type=text(kind),
    )
    return found if any(v is not None for v in found.model_dump().values()) else None


def merge_network(first: NetworkInfo | None, second: NetworkInfo | None) -> NetworkInfo | None:
    """``first`` with its gaps filled from ``second``."""
    if first is None or second is None:
        return first or second
    ours, theirs = first.model_dump(), second.model_dump()
    return NetworkInfo(**{k: ours[k] if ours[k] is not None else theirs[k] for k in ours})


# ---------------------------------------------------------------------------------------
# quality_stats: totals


def quality_totals(raw: Any) -> list[dict[str, Any]]:
    """Each ``quality_stats`` entry's totals (an object in the peer report, a list of them
    in legacy details), with the loss share per medium worked out."""
    entries = raw if isinstance(raw, list) else [raw]
    out: list[dict[str, Any]] = []
    for entry in entries[:20]:
        if not isinstance(entry, Mapping):
            continue
        totals: dict[str, Any] = {}
        for key in (
            "total_audio_packets",
            "total_audio_packets_lost",
            "total_video_packets",
            "total_video_packets_lost",
            "audio_bandwidth",
            "video_bandwidth",
            "audio_packet_loss",
            "video_packet_loss",
            "average_quality",
        ):
            found = _num(entry.get(key))
            if found is not None:
                totals[key] = found
        for medium in ("audio", "video"):
            sent = number(entry.get(f"total_{medium}_packets"), "count")
            lost = number(entry.get(f"total_{medium}_packets_lost"), "count")
            if sent is not None and lost is not None and sent > 0 and 0 <= lost <= sent:
                totals[f"{medium}_loss_pct"] = round(100.0 * lost / sent, 3)
        for key in ("start", "end", "first_audio_packet_received", "last_audio_packet_received"):
            value = text(entry.get(key))
            if value:
                totals[key] = value[:40]
        peer = text(entry.get("peer_id"))
        if peer:
            totals["peer_id"] = peer[:64]
        if totals:
            out.append(totals)
    return out


# ---------------------------------------------------------------------------------------
# quality.*_cumulative: per-stream summaries


def cumulative_summaries(quality: Any) -> dict[str, dict[str, Any]]:
    """``{stream: summary}`` of every ``<stream>_cumulative`` object with numbers in it."""
    if not isinstance(quality, Mapping):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for stream in STREAMS:
        summary = _numbers(quality.get(f"{stream}_cumulative"))
        if summary:
            out[stream] = summary
    return out


def video_issues(summaries: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """The video send issues in words a triage reads: the share of samples limited by CPU
    or bandwidth, with no video, at a poor resolution (producers), lagging (consumers)."""
    out: dict[str, float] = {}
    for stream in ("video_producer", "video_consumer"):
        issues = summaries.get(stream, {}).get("issues")
        if not isinstance(issues, Mapping):
            continue
        for key, value in issues.items():
            if isinstance(value, float | int) and 0 <= value <= 1:
                side = "send" if stream.endswith("producer") else "receive"
                out[f"{side} {key.removesuffix('_fraction').replace('_', ' ')}"] = round(float(value), 4)
    return out


# ---------------------------------------------------------------------------------------
# metadata.candidate_pairs: how the media went


def _pair(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        return None
    out: dict[str, Any] = {}
    for side in ("local", "remote"):
        kind = text(raw.get(f"{side}_candidate_type"))
        protocol = text(raw.get(f"{side}_candidate_protocol"))
        if kind:
            out[f"{side}_type"] = kind[:20].lower()
        if protocol:
            out[f"{side}_protocol"] = protocol[:10].lower()
    network = text(raw.get("local_candidate_network_type"))
    if network:
        out["network_type"] = network[:20]
    for key in ("current_round_trip_time", "available_outgoing_bitrate", "available_incoming_bitrate"):
        found = _num(raw.get(key))
        if found is not None:
            out[key] = found
    return out or None


def candidate_pairs(metadata: Any) -> dict[str, Any]:
    """The nominated (else the last) candidate pair of each transport, and whether the media
    went through a TURN relay or over TCP."""
    pairs = _dict(metadata, "candidate_pairs")
    out: dict[str, Any] = {}
    for transport in ("producing_transport", "consuming_transport"):
        listed = pairs.get(transport)
        if not isinstance(listed, list):
            continue
        readable = [p for p in listed[:50] if isinstance(p, Mapping)]
        if not readable:
            continue
        chosen = next((p for p in reversed(readable) if p.get("nominated") is True), readable[-1])
        pair = _pair(chosen)
        if pair:
            out[transport.removesuffix("_transport")] = pair
    if out:
        kinds = {p.get("local_type") for p in out.values()} | {p.get("remote_type") for p in out.values()}
        protocols = {p.get("local_protocol") for p in out.values()}
        out["relayed"] = "relay" in kinds
        out["tcp"] = "tcp" in protocols
    return out
