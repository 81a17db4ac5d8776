"""The rules: stable ids, what each reads, its thresholds and persistence, what it can blame.

Metric thresholds are ``roomscope.tui.quality.THRESHOLDS`` (one home for them); the numbers
defined here are the rule parameters that are not a per-metric threshold (baseline factors,
counts, durations). ``RULES`` is the list the README, the help and a ``rule:`` filter use.
"""

from __future__ import annotations

from dataclasses import dataclass

from roomscope.tui.diagnosis.findings import Cause
from roomscope.tui.quality import HOLD_COUNT, HOLD_WINDOW, THRESHOLDS

DIAGNOSIS_VERSION = 2
"""Bumped whenever a rule, a threshold or the result's shape changes: cached diagnoses of an
older version are computed again."""

HELD = f"{HOLD_COUNT} of {HOLD_WINDOW} consecutive samples"
"""The persistence every threshold rule uses (``roomscope.tui.quality.held_mask``)."""

MIN_PRESENCE_S = 30.0
"""A participant present for less than this gets no verdict (too little to judge)."""
SPIKE_BASELINE_S = 5.0
"""NET-SPIKE's baseline: the median of the samples in the first seconds (at least 3)."""
SPIKE_RTT = (3.0, 5.0)
"""NET-SPIKE: RTT at warn/poor times its baseline ..."""
SPIKE_RTT_FLOOR_MS = 150.0
"""... and at least this many ms (a spike from 12 to 40 ms is no trouble)."""
SPIKE_JITTER = (4.0, 8.0)
SPIKE_JITTER_FLOOR_MS = 15.0
NOMEDIA_KBPS = 1.0
"""NET-NOMEDIA: a bitrate below this is no media."""
NOMEDIA_POOR_S = 5.0
"""NET-NOMEDIA is poor when media stays away this long (warn from the held samples on)."""
CHURN = (2, 4)
"""CON-CHURN: reconnects at warn/poor."""
CHURN_CLUSTER_S = 300.0
"""Drops less than this apart are one burst of churn."""
RECONNECT_NEAR_S = 30.0
"""Trouble this close to one of a participant's drops or rejoins is blamed on the drop."""
MOS_MIN_S = 30.0
"""SCORE-MOS needs a held breach this long (an estimate from a few samples misleads)."""
SHARED_MIN = 3
"""SHARED needs at least this many participants degraded at once (or every one present) ..."""
SHARED_SHARE = 0.5
"""... and more than this share of those present."""
OVERLAP_SHARE = 0.5
"""A burst belongs to a shared window when at least this share of it lies inside."""
RELAY_WORDS = ("relay", "turn", "tcp", "tls")
"""Connection types or candidate types that mean a relayed or TCP path."""
ICE_DISCONNECTED = 1.0
"""CON-ICE: an ``ice_state`` sample at this level is a disconnection (warn) ..."""
ICE_FAILED = 2.0
"""... and at this one a failure (poor)."""
NETWORK_CHANGED = 2.0
"""CON-SWITCH: a ``path_switch`` sample at this level changed the network type (poor)."""


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    reads: str
    """The metric(s) or data the rule reads."""
    warn: str
    poor: str
    persistence: str
    causes: tuple[Cause, ...]
    """The causes its findings can carry."""
    symptoms: tuple[str, ...] = ()
    """Symptom words that this rule explains ('choppy', 'lag' ...)."""


def _limit(metric: str, level: str) -> str:
    threshold = THRESHOLDS[metric]
    value = threshold.poor if level == "poor" else threshold.fair
    return threshold.condition(value) if value is not None else "—"


RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        "NET-LOSS-DN",
        "Inbound packet loss",
        "packet_loss_recv (aggregate, and per sender where given)",
        _limit("packet_loss_recv", "fair"),
        _limit("packet_loss_recv", "poor"),
        HELD,
        (Cause.DOWNLINK, Cause.UPLINK, Cause.SHARED, Cause.CONNECTIVITY),
        ("choppy",),
    ),
    RuleInfo(
        "NET-LOSS-UP",
        "Outbound packet loss",
        "packet_loss_send",
        _limit("packet_loss_send", "fair"),
        _limit("packet_loss_send", "poor"),
        HELD,
        (Cause.UPLINK, Cause.SHARED, Cause.CONNECTIVITY),
        ("choppy",),
    ),
    RuleInfo(
        "NET-JIT",
        "High jitter",
        "jitter",
        _limit("jitter", "fair"),
        _limit("jitter", "poor"),
        HELD,
        (Cause.DOWNLINK, Cause.SHARED, Cause.CONNECTIVITY),
        ("robotic",),
    ),
    RuleInfo(
        "NET-RTT",
        "High round trip",
        "rtt",
        _limit("rtt", "fair"),
        _limit("rtt", "poor"),
        HELD,
        (Cause.ROUTE, Cause.SHARED, Cause.CONNECTIVITY, Cause.DOWNLINK, Cause.UPLINK),
        ("lag",),
    ),
    RuleInfo(
        "NET-SPIKE",
        "Spike against the participant's own start",
        "rtt, jitter vs the median of the first 5 s",
        f"RTT ≥ {SPIKE_RTT[0]:g}× (≥ {SPIKE_RTT_FLOOR_MS:g} ms); jitter ≥ {SPIKE_JITTER[0]:g}× "
        f"(≥ {SPIKE_JITTER_FLOOR_MS:g} ms)",
        f"RTT ≥ {SPIKE_RTT[1]:g}×; jitter ≥ {SPIKE_JITTER[1]:g}×",
        HELD,
        (Cause.ROUTE, Cause.DOWNLINK, Cause.SHARED, Cause.CONNECTIVITY),
        ("lag", "robotic"),
    ),
    RuleInfo(
        "NET-BWE",
        "Low bandwidth estimate",
        "bwe_send",
        _limit("bwe_send", "fair"),
        _limit("bwe_send", "poor"),
        HELD,
        (Cause.UPLINK, Cause.SHARED),
        ("blurry",),
    ),
    RuleInfo(
        "NET-BWLIM",
        "Bandwidth-limited encoder",
        "bandwidth_limited (% of the interval)",
        _limit("bandwidth_limited", "fair"),
        _limit("bandwidth_limited", "poor"),
        HELD,
        (Cause.UPLINK, Cause.SHARED),
        ("blurry",),
    ),
    RuleInfo(
        "NET-NOMEDIA",
        "Media stopped",
        "bitrate_recv, bitrate_send (flat while connected and not muted)",
        f"< {NOMEDIA_KBPS:g} kbps",
        f"< {NOMEDIA_KBPS:g} kbps for {NOMEDIA_POOR_S:g} s",
        HELD,
        (Cause.UPLINK, Cause.DOWNLINK, Cause.SHARED),
        ("frozen", "can't hear"),
    ),
    RuleInfo(
        "CON-CHURN",
        "Rejoin churn",
        "reconnect events, participant reconnects",
        f"≥ {CHURN[0]} reconnects",
        f"≥ {CHURN[1]} reconnects",
        f"drops less than {CHURN_CLUSTER_S / 60:g} min apart form one burst",
        (Cause.CONNECTIVITY, Cause.SHARED),
        ("dropped",),
    ),
    RuleInfo(
        "CON-RELAY",
        "Relayed or TCP path",
        "connection or candidate type (relay, TURN, TCP, TLS), or relay_path (client statistics)",
        "present, with trouble",
        "—",
        "the participant's whole presence",
        (Cause.CONNECTIVITY,),
        ("lag", "dropped"),
    ),
    RuleInfo(
        "CON-SWITCH",
        "Network switch",
        "path_switch (selected candidate-pair changes, from client statistics)",
        "≥ 1 change of the selected pair",
        "the network type changed (wifi → cellular ...)",
        "each change",
        (Cause.CONNECTIVITY,),
        ("dropped", "frozen"),
    ),
    RuleInfo(
        "CON-ICE",
        "ICE disconnected or failed",
        "ice_state (from client statistics)",
        "disconnected",
        "failed",
        "from the change until ICE is connected again",
        (Cause.CONNECTIVITY,),
        ("dropped", "frozen"),
    ),
    RuleInfo(
        "CPU-ENC",
        "Encoder CPU-limited",
        "cpu_limited (% of the interval), fps_send as evidence",
        _limit("cpu_limited", "fair"),
        _limit("cpu_limited", "poor"),
        HELD,
        (Cause.DEVICE_CPU,),
        ("blurry", "frozen"),
    ),
    RuleInfo(
        "OUT-VFREEZE",
        "Video freeze",
        "freeze_recv (% of the interval)",
        _limit("freeze_recv", "fair"),
        _limit("freeze_recv", "poor"),
        HELD,
        (Cause.UPLINK, Cause.DOWNLINK, Cause.DEVICE_CPU, Cause.SHARED, Cause.UNKNOWN),
        ("frozen",),
    ),
    RuleInfo(
        "SCORE-MOS",
        "Low estimated MOS",
        "MOS estimated from RTT, jitter and loss (E-model)",
        _limit("mos", "fair"),
        _limit("mos", "poor"),
        f"{HELD}, for at least {MOS_MIN_S:g} s; only where no other rule explains it",
        (Cause.ROUTE, Cause.DOWNLINK, Cause.UPLINK),
        ("choppy", "robotic", "lag"),
    ),
    RuleInfo(
        "SCORE-PROV",
        "Provider score disagrees",
        "the provider's own MOS vs roomscope's verdict",
        "any disagreement",
        "—",
        f"the provider's score read with the MOS thresholds, {HELD}",
        (Cause.UNKNOWN,),
    ),
    RuleInfo(
        "SHARED",
        "Most participants degraded at once",
        "every network rule above, across participants",
        f"≥ {SHARED_MIN} participants and > {SHARED_SHARE:.0%} of those present (or all of 2)",
        "worst of the members",
        "the time their held breaches overlap",
        (Cause.SHARED,),
        ("choppy", "robotic", "lag", "frozen", "dropped"),
    ),
)

RULE_IDS: frozenset[str] = frozenset(r.id for r in RULES)


def rule_info(rule_id: str) -> RuleInfo:
    return next(r for r in RULES if r.id == rule_id)
