"""The rules: each reads one participant's data and reports its held breaches as bursts.

A rule applies to whatever data exists: a metric the provider does not give yields no
burst here (the engine says which rules could not judge). Every rule is registered in
``PARTICIPANT_RULES`` under its stable id (``catalogue.RULES`` describes them); SHARED is
found by attribution, SCORE-PROV by the engine (both need every participant).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from roomscope.tui.diagnosis import catalogue as cat
from roomscope.tui.diagnosis.bursts import NETWORK_SIDES, Burst, Side, Subject
from roomscope.tui.diagnosis.findings import CannotSay, Person, Severity, Unsaid
from roomscope.tui.diagnosis.series import Clean, breaches, held_from, within
from roomscope.tui.models import Metric, QualitySeries
from roomscope.tui.quality import THRESHOLDS, Threshold, mos_estimate, mos_values

Rule = Callable[[Subject, Mapping[str, Person]], list[Burst]]


def _bursts(
    rule: str,
    subject: Subject,
    clean: Clean,
    side: Side,
    warn: float | None,
    poor: float | None,
    *,
    threshold: Threshold,
    peer: Person | None = None,
    condition: str | None = None,
    persistence: str = cat.HELD,
) -> list[Burst]:
    """One burst per held stretch at ``warn`` (or ``poor`` alone), poor where the poor
    level also held inside it."""
    worse = threshold.higher_is_worse
    base = warn if warn is not None else poor
    if base is None:
        return []
    hits = breaches(clean, base, worse)
    spans = held_from(hits)
    if not spans:
        return []
    poor_spans: list[tuple[int, int]] = []
    if poor is not None and warn is not None:
        values = clean.values
        if worse:
            poor_spans = held_from([i for i in hits if (values[i] or 0.0) > poor])
        else:
            poor_spans = held_from([i for i in hits if (values[i] or 0.0) < poor])
    if condition is None:
        condition = threshold.condition(base)
        if poor is not None and warn is not None:
            condition += f" (poor {threshold.condition(poor)})"
    out: list[Burst] = []
    for span in spans:
        a, b = span
        inside = within(hits, span)
        if not inside:
            continue
        found = [float(clean.values[i] or 0.0) for i in inside]
        is_poor = warn is None or any(pa <= b and a <= pb for pa, pb in poor_spans)
        start = clean.time(a)
        end = max(clean.time(b) + clean.step, start + 1.0)
        out.append(
            Burst(
                rule=rule,
                participant=subject.person,
                side=side,
                metric=clean.metric,
                label=threshold.label,
                unit=clean.unit,
                condition=condition,
                persistence=persistence,
                start=start,
                end=end,
                severity=Severity.POOR if is_poor else Severity.WARN,
                peak=max(found) if worse else min(found),
                times=clean.times(inside),
                values=found,
                peer=peer,
                higher_is_worse=worse,
                caveat=clean.caveat,
            )
        )
    return out


def _by_threshold(rule: str, metric: Metric, side: Side) -> Rule:
    threshold = THRESHOLDS[metric.value]

    def apply(subject: Subject, people: Mapping[str, Person]) -> list[Burst]:
        out: list[Burst] = []
        for clean in subject.get(metric):
            out += _bursts(rule, subject, clean, side, threshold.fair, threshold.poor, threshold=threshold)
        return out

    apply.__doc__ = f"{rule}: {threshold.label}, the thresholds of roomscope.tui.quality."
    return apply


net_loss_up = _by_threshold("NET-LOSS-UP", Metric.LOSS_SEND, Side.UP)
net_jit = _by_threshold("NET-JIT", Metric.JITTER, Side.DOWN)
net_rtt = _by_threshold("NET-RTT", Metric.RTT, Side.RTT)
net_bwe = _by_threshold("NET-BWE", Metric.BWE, Side.UP)
net_bwlim = _by_threshold("NET-BWLIM", Metric.BW_LIMITED, Side.UP)
out_vfreeze = _by_threshold("OUT-VFREEZE", Metric.FREEZE, Side.SYMPTOM)


def net_loss_dn(subject: Subject, people: Mapping[str, Person]) -> list[Burst]:
    """NET-LOSS-DN: the aggregate receive loss, and each sender's where given."""
    threshold = THRESHOLDS[Metric.LOSS_RECV.value]
    out: list[Burst] = []
    for clean in subject.get(Metric.LOSS_RECV):
        out += _bursts(
            "NET-LOSS-DN", subject, clean, Side.DOWN, threshold.fair, threshold.poor, threshold=threshold
        )
    for clean in subject.pairs(Metric.LOSS_RECV):
        peer = people.get(clean.peer_id or "") or Person(clean.peer_id or "?", clean.peer_id or "?")
        out += _bursts(
            "NET-LOSS-DN",
            subject,
            clean,
            Side.DOWN,
            threshold.fair,
            threshold.poor,
            threshold=threshold,
            peer=peer,
        )
    return out


def _baseline(clean: Clean) -> float | None:
    """The median of the first ``SPIKE_BASELINE_S`` seconds of samples (at least 3)."""
    picked: list[float] = []
    first: float | None = None
    for i, v in enumerate(clean.values):
        if v is None:
            continue
        t = clean.time(i)
        if first is None:
            first = t
        if len(picked) >= 3 and t - first > cat.SPIKE_BASELINE_S:
            break
        picked.append(v)
    if len(picked) < 3:
        return None
    return statistics.median(picked)


def net_spike(subject: Subject, people: Mapping[str, Person]) -> list[Burst]:
    """NET-SPIKE: RTT or jitter far above the participant's own start."""
    out: list[Burst] = []
    for metric, side, (warn_x, poor_x), floor in (
        (Metric.RTT, Side.RTT, cat.SPIKE_RTT, cat.SPIKE_RTT_FLOOR_MS),
        (Metric.JITTER, Side.DOWN, cat.SPIKE_JITTER, cat.SPIKE_JITTER_FLOOR_MS),
    ):
        threshold = THRESHOLDS[metric.value]
        for clean in subject.get(metric):
            base = _baseline(clean)
            if base is None or base <= 0:
                continue
            warn, poor = max(warn_x * base, floor), max(poor_x * base, floor)
            out += _bursts(
                "NET-SPIKE",
                subject,
                clean,
                side,
                warn,
                poor,
                threshold=threshold,
                condition=(
                    f"≥ {warn_x:g}× its first {cat.SPIKE_BASELINE_S:g} s ({base:.0f} {clean.unit}) "
                    f"and > {floor:g} {clean.unit}"
                ),
            )
    return out


def net_nomedia(subject: Subject, people: Mapping[str, Person]) -> list[Burst]:
    """NET-NOMEDIA: bitrate flat at (near) zero while connected; muted senders are exempt."""
    out: list[Burst] = []
    for metric, side in ((Metric.BITRATE_RECV, Side.MEDIA_DOWN), (Metric.BITRATE_SEND, Side.MEDIA_UP)):
        threshold = THRESHOLDS[metric.value]
        for clean in subject.get(metric):
            found = _bursts(
                "NET-NOMEDIA",
                subject,
                clean,
                side,
                None,
                cat.NOMEDIA_KBPS,
                threshold=Threshold(threshold.label, "kbps", None, None, higher_is_worse=False),
            )
            for burst in found:
                if side is Side.MEDIA_UP and subject.is_muted(burst.start, burst.end):
                    subject.notes.append(
                        CannotSay(
                            Unsaid.MUTED,
                            "no media sent while muted or with the camera off: not a fault",
                            subject.person,
                            "NET-NOMEDIA",
                            metric.value,
                        )
                    )
                    continue
                if burst.duration_s < cat.NOMEDIA_POOR_S:
                    burst.severity = Severity.WARN
                out.append(burst)
    return out


def con_churn(subject: Subject, people: Mapping[str, Person]) -> list[Burst]:
    """CON-CHURN: repeated reconnects; drops less than ``CHURN_CLUSTER_S`` apart are one burst."""
    count = max(len(subject.drops), subject.reconnects)
    if count < cat.CHURN[0]:
        return []
    severity = Severity.POOR if count >= cat.CHURN[1] else Severity.WARN
    clusters: list[list[tuple[float, float]]] = []
    for drop in sorted(subject.drops):
        if clusters and drop[0] - clusters[-1][-1][1] < cat.CHURN_CLUSTER_S:
            clusters[-1].append(drop)
        else:
            clusters.append([drop])
    if not clusters and subject.present:
        clusters = [[(subject.present[0][0], subject.present[-1][1])]]
    out: list[Burst] = []
    for cluster in clusters:
        out.append(
            Burst(
                rule="CON-CHURN",
                participant=subject.person,
                side=Side.CHURN,
                metric="reconnects",
                label="Reconnects",
                unit="",
                condition=f"≥ {cat.CHURN[0]} reconnects (poor ≥ {cat.CHURN[1]})",
                persistence=cat.rule_info("CON-CHURN").persistence,
                start=cluster[0][0],
                end=max(cluster[-1][1], cluster[0][0] + 1.0),
                severity=severity,
                peak=float(count),
                times=[left for left, _back in cluster] if subject.drops else [],
                values=[back - left for left, back in cluster] if subject.drops else [],
            )
        )
    return out


def _relayed_from_series(subject: Subject) -> tuple[str, list[float]]:
    """What the ``relay_path`` series say ('relayed or TCP (source)', or ''), and when the
    selected pair became relayed or TCP."""
    for clean in subject.get(Metric.RELAY):
        times = [clean.time(i) for i, v in enumerate(clean.values) if v is not None and v >= 1.0]
        if times:
            return f"relayed or TCP ({clean.source or 'client statistics'})", times
    return "", []


def con_relay(subject: Subject, people: Mapping[str, Person]) -> list[Burst]:
    """CON-RELAY: a relayed or TCP path, as the provider says it or as the client's
    selected candidate pair shows it (attribution keeps it only when there is trouble)."""
    relay, times = subject.relay, list[float]()
    if not relay:
        relay, times = _relayed_from_series(subject)
    if not relay or not subject.present:
        return []
    return [
        Burst(
            rule="CON-RELAY",
            participant=subject.person,
            side=Side.RELAY,
            metric="connection" if subject.relay else Metric.RELAY.value,
            label=f"Path: {relay}",
            unit="",
            condition="relayed (TURN) or TCP/TLS",
            persistence=cat.rule_info("CON-RELAY").persistence,
            start=subject.present[0][0],
            end=subject.present[-1][1],
            severity=Severity.WARN,
            peak=1.0,
            times=times,
            values=[1.0] * len(times),
        )
    ]


def _connectivity_burst(
    rule: str, subject: Subject, metric: Metric, condition: str, start: float, end: float, peak: float
) -> Burst:
    """A connectivity burst (cause X); the span is also a drop, so trouble around it is
    attributed to it (the triage notes' step 7: a pair or ICE change at the interval start)."""
    subject.drops.append((start, end))
    return Burst(
        rule=rule,
        participant=subject.person,
        side=Side.CHURN,
        metric=metric.value,
        label=THRESHOLDS[metric.value].label,
        unit="",
        condition=condition,
        persistence=cat.rule_info(rule).persistence,
        start=start,
        end=max(end, start + 1.0),
        severity=Severity.POOR
        if peak >= (cat.NETWORK_CHANGED if rule == "CON-SWITCH" else cat.ICE_FAILED)
        else Severity.WARN,
        peak=peak,
        times=[start],
        values=[peak],
    )


def con_switch(subject: Subject, people: Mapping[str, Person]) -> list[Burst]:
    """CON-SWITCH: the selected candidate pair changed (poor when the network type did)."""
    out: list[Burst] = []
    for clean in subject.get(Metric.PATH_SWITCH):
        for i, value in enumerate(clean.values):
            if value is None or value < 1.0:
                continue
            t = clean.time(i)
            condition = "selected pair changed" + (
                " to another network type" if value >= cat.NETWORK_CHANGED else ""
            )
            out.append(_connectivity_burst("CON-SWITCH", subject, Metric.PATH_SWITCH, condition, t, t, value))
    return out


def con_ice(subject: Subject, people: Mapping[str, Person]) -> list[Burst]:
    """CON-ICE: ICE disconnected (warn) or failed (poor), until it is connected again."""
    out: list[Burst] = []
    for clean in subject.get(Metric.ICE_STATE):
        values = clean.values
        i = 0
        while i < len(values):
            value = values[i]
            if value is None or value < cat.ICE_DISCONNECTED:
                i += 1
                continue
            j = i
            worst = value
            while j + 1 < len(values) and (values[j + 1] or 0.0) >= cat.ICE_DISCONNECTED:
                j += 1
                worst = max(worst, values[j] or 0.0)
            end = clean.time(j + 1) if j + 1 < len(values) else clean.end
            condition = "ICE failed" if worst >= cat.ICE_FAILED else "ICE disconnected"
            out.append(
                _connectivity_burst(
                    "CON-ICE", subject, Metric.ICE_STATE, condition, clean.time(i), end, worst
                )
            )
            i = j + 1
    return out


def cpu_enc(subject: Subject, people: Mapping[str, Person]) -> list[Burst]:
    """CPU-ENC: the encoder CPU-limited; the sent frame rate's fall is kept as evidence."""
    threshold = THRESHOLDS[Metric.CPU_LIMITED.value]
    out: list[Burst] = []
    for clean in subject.get(Metric.CPU_LIMITED):
        out += _bursts(
            "CPU-ENC", subject, clean, Side.CPU, threshold.fair, threshold.poor, threshold=threshold
        )
    if not out:
        return out
    fps_threshold = THRESHOLDS[Metric.FPS_SEND.value]
    for clean in subject.get(Metric.FPS_SEND):
        typical = statistics.median(v for v in clean.values if v is not None)
        level = typical / 2
        for burst in _bursts(
            "CPU-ENC",
            subject,
            clean,
            Side.CPU,
            None,
            level,
            threshold=fps_threshold,
            condition=f"< half its median ({typical:.0f} fps)",
        ):
            if any(burst.overlaps(b.start, b.end) for b in out if b.metric == Metric.CPU_LIMITED):
                burst.severity = Severity.WARN
                out.append(burst)
    return out


def _as_series(clean: Clean) -> QualitySeries:
    """A ``QualitySeries`` view of ``clean`` for ``roomscope.tui.quality`` (not validated)."""
    return QualitySeries.model_construct(
        provider="",
        session_id="",
        participant_id=clean.participant_id,
        metric=Metric(clean.metric),
        unit=clean.unit,
        unit_documented=True,
        source=clean.source,
        start=datetime.fromtimestamp(clean.t0, UTC),
        interval_s=clean.step or None,
        offsets_s=clean.offsets,
        values=clean.values,
        peer_id=None,
        extra={},
    )


def score_mos(subject: Subject, people: Mapping[str, Person]) -> list[Burst]:
    """SCORE-MOS: the E-model estimate, only where no other network rule explains it."""
    if any(b.side in NETWORK_SIDES for b in subject.found):
        return []  # the estimate would only restate those findings
    rtt = subject.first(Metric.RTT)
    if rtt is None:
        return []
    jitter = subject.first(Metric.JITTER)
    losses = [c for c in (subject.first(Metric.LOSS_SEND), subject.first(Metric.LOSS_RECV)) if c]
    threshold = THRESHOLDS[Metric.MOS.value]
    fair = threshold.fair or 0.0
    worst_loss = max((c.high for c in losses), default=0.0)
    if mos_estimate(rtt.high, jitter.high if jitter else 0.0, worst_loss) >= fair:
        return []  # even the worst of every metric at once keeps MOS fair: nothing to find
    values = mos_values(
        _as_series(rtt), _as_series(jitter) if jitter else None, [_as_series(c) for c in losses]
    )
    kept = [v for v in values if v is not None]
    if not kept:
        return []
    mos = Clean(
        participant_id=rtt.participant_id,
        metric=Metric.MOS.value,
        peer_id=None,
        unit="",
        t0=rtt.t0,
        step=rtt.step,
        offsets=rtt.offsets,
        values=values,
        low=min(kept),
        high=max(kept),
        caveat=rtt.caveat,
        source="estimated (E-model from RTT, jitter, loss)",
    )
    out = []
    for burst in _bursts(
        "SCORE-MOS",
        subject,
        mos,
        Side.SCORE,
        threshold.fair,
        threshold.poor,
        threshold=threshold,
        persistence=cat.rule_info("SCORE-MOS").persistence,
    ):
        if burst.duration_s >= cat.MOS_MIN_S:
            burst.label = "MOS (estimated)"
            out.append(burst)
    return out


PARTICIPANT_RULES: tuple[tuple[str, Rule], ...] = (
    ("NET-LOSS-UP", net_loss_up),
    ("NET-LOSS-DN", net_loss_dn),
    ("NET-JIT", net_jit),
    ("NET-RTT", net_rtt),
    ("NET-SPIKE", net_spike),
    ("NET-BWE", net_bwe),
    ("NET-BWLIM", net_bwlim),
    ("NET-NOMEDIA", net_nomedia),
    ("CON-CHURN", con_churn),
    ("CON-RELAY", con_relay),
    ("CON-SWITCH", con_switch),
    ("CON-ICE", con_ice),
    ("CPU-ENC", cpu_enc),
    ("OUT-VFREEZE", out_vfreeze),
    ("SCORE-MOS", score_mos),
)
"""In the order they run (SCORE-MOS last: it reads what the others found)."""

NEEDS: dict[str, tuple[Metric, ...]] = {
    "NET-LOSS-UP": (Metric.LOSS_SEND,),
    "NET-LOSS-DN": (Metric.LOSS_RECV,),
    "NET-JIT": (Metric.JITTER,),
    "NET-RTT": (Metric.RTT,),
    "NET-SPIKE": (Metric.RTT, Metric.JITTER),
    "NET-BWE": (Metric.BWE,),
    "NET-BWLIM": (Metric.BW_LIMITED,),
    "NET-NOMEDIA": (Metric.BITRATE_RECV, Metric.BITRATE_SEND),
    "CPU-ENC": (Metric.CPU_LIMITED,),
    "OUT-VFREEZE": (Metric.FREEZE,),
    "SCORE-MOS": (Metric.RTT,),
}
"""The metrics a rule reads (any one is enough); without them it cannot say."""
