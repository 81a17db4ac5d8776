"""The one plain sentence each finding carries: what happened, and whose it was."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from roomscope.tui.diagnosis.bursts import Burst, Side
from roomscope.tui.diagnosis.findings import Cause, Person
from roomscope.tui.quality import format_duration

SHORT: dict[str, str] = {
    "packet_loss_send": "send loss",
    "packet_loss_recv": "receive loss",
    "jitter": "jitter",
    "rtt": "RTT",
    "mos": "MOS",
    "bitrate_send": "send bitrate",
    "bitrate_recv": "receive bitrate",
    "fps_send": "sent frame rate",
    "cpu_limited": "CPU limitation",
    "bandwidth_limited": "bandwidth limitation",
    "bwe_send": "bandwidth estimate",
    "freeze_recv": "video freeze",
    "reconnects": "reconnects",
}


def number(value: float, unit: str) -> str:
    """'12.5 %', '710 ms', '3.21', '96 kbps'."""
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "":
        return f"{value:.2f}"
    return f"{value:.0f} {unit}"


def _ranges(bursts: Sequence[Burst]) -> str:
    """'send loss 6.1–13.8 %, jitter 45–92 ms' over the bursts' peaks, per metric."""
    peaks: dict[str, list[float]] = defaultdict(list)
    units: dict[str, str] = {}
    for burst in bursts:
        if burst.side is Side.SCORE or burst.rule == "NET-SPIKE" or burst.peer is not None:
            continue
        peaks[burst.metric].append(burst.peak)
        units[burst.metric] = burst.unit
    parts = []
    for metric in SHORT:
        if metric not in peaks:
            continue
        low, high = min(peaks[metric]), max(peaks[metric])
        unit = units[metric]
        text = number(high, unit) if low == high else f"{number(low, unit).split()[0]}–{number(high, unit)}"
        parts.append(f"{SHORT[metric]} up to {text}")
    return ", ".join(parts)


def _path(connection: str | None) -> str:
    return f" ({connection})" if connection else ""


def sentence(
    *,
    rule: str,
    cause: Cause,
    cause_of: Person | None,
    primaries: Sequence[Burst],
    members: Sequence[Burst],
    connection: str | None = None,
    who_count: int = 1,
    present: int = 0,
) -> str:
    """The explanation of a finding made of ``primaries`` (its own bursts) and ``members``
    (every burst it speaks for, primaries included)."""
    first = primaries[0]
    name = cause_of.name if cause_of is not None else first.participant.name
    peaks = [b.peak for b in primaries]
    peak = max(peaks) if first.higher_is_worse else min(peaks)
    value = number(peak, first.unit)
    receivers = {
        b.participant.id for b in members if b.participant.id != first.participant.id and b.side is Side.DOWN
    }
    if rule == "SCORE-MOS":
        return _mos(name, value, first, _WHOSE.get(cause, "unknown").format(name=name))
    what = SHORT.get(first.metric, first.label)
    lasted = format_duration(first.duration_s)
    path = _path(connection)
    if cause is Cause.SHARED:
        degraded = _ranges(members)
        return (
            f"{who_count} of {max(present, who_count)} participants degraded at once"
            f"{': ' + degraded if degraded else ''}. Cause: shared (SFU, provider or region): every "
            "sender and every receiver at the same time, which no single uplink or downlink explains."
        )
    if cause is Cause.UPLINK:
        because = f"Cause: {name}'s uplink{path}."
        seen = f"; {len(receivers)} receiver(s) lost it too" if receivers else ""
        if rule == "NET-LOSS-DN":
            lost = f"{len(receivers) + 1} receivers lost up to {value} of {name}'s media"
            return f"{lost}, not the others'. {because}"
        if rule == "NET-NOMEDIA":
            return f"{name} sent no media for {lasted} while not muted. {because}"
        if rule == "NET-LOSS-UP":
            return f"{name} lost up to {value} of the packets it sent{seen}. {because}"
        return f"{name}'s {what} reached {value}{seen}. {because}"
    if cause is Cause.DOWNLINK:
        because = f"Cause: {name}'s downlink{path}."
        if rule == "NET-LOSS-DN":
            lost = f"{name} lost up to {value} of what it received"
            return f"{lost} while the senders' uplinks were clean. {because}"
        if rule == "NET-NOMEDIA":
            return f"{name} received no media for {lasted} while others sent. {because}"
        return f"{name}'s {what} reached {value}. {because}"
    if cause is Cause.ROUTE:
        return (
            f"{name}'s round trip reached {value} with clean loss and jitter. Cause: the route "
            f"(distance to the media server{', ' + connection if connection else ''})."
        )
    if cause is Cause.CONNECTIVITY:
        because = f"Cause: {name}'s connectivity{path}."
        if rule == "CON-CHURN":
            around = " with loss or jitter around the drops" if len(members) > len(primaries) else ""
            return f"{name} dropped and reconnected {peak:g} times{around}. {because}"
        if rule == "CON-SWITCH":
            how = "its network type changed" if peak >= 2.0 else "the selected candidate pair changed"
            return f"{name}'s path switched ({how}){_around(members, primaries)}. {because}"
        if rule == "CON-ICE":
            state = "failed" if peak >= 2.0 else "disconnected"
            return f"{name}'s ICE connection {state}{_around(members, primaries)}. {because}"
        if rule == "CON-RELAY":
            relayed = first.label.removeprefix("Path: ")
            return f"{name} was on a relayed or TCP path ({relayed}) in trouble. {because}"
        return f"{name}'s {what} reached {value} around a reconnect. {because}"
    if cause is Cause.DEVICE_CPU:
        fps = [b.peak for b in members if b.metric == "fps_send"]
        fell = f"; its frame rate fell to {min(fps):.0f} fps" if fps else ""
        return (
            f"{name}'s encoder was CPU-limited up to {value} of the time{fell}. Cause: {name}'s device CPU."
        )
    if cause is Cause.USER_ACTION:
        return f"{name} muted or turned the camera off. Cause: a user action."
    if rule == "OUT-VFREEZE":
        return (
            f"{name}'s received video froze up to {value} of the time; no network or CPU finding explains it."
        )
    return f"{name}: {first.label} {first.condition}, {'up' if first.higher_is_worse else 'down'} to {value}."


_WHOSE = {
    Cause.UPLINK: "{name}'s uplink",
    Cause.DOWNLINK: "{name}'s downlink",
    Cause.ROUTE: "the route",
    Cause.UNKNOWN: "unknown",
}


def _mos(name: str, value: str, burst: Burst, whose: str) -> str:
    why = f" ({burst.note})" if burst.note else ""
    return (
        f"{name}'s estimated MOS fell to {value} with no single metric over its threshold{why}. "
        f"Cause: {whose}."
    )


def _around(members: Sequence[Burst], primaries: Sequence[Burst]) -> str:
    return " with trouble around it" if len(members) > len(primaries) else ""
