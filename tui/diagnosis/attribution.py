"""Who caused what: every burst gets a cause, or is folded into the burst that explains it.

The order follows section 5 of the triage notes, with two refinements that the data allows:

0. a spike folds into the threshold breach of the same metric it coincides with;
1. trouble around one of a participant's own drops or rejoins is its connectivity (X), and
   so is trouble on a relayed path that a relay explains;
2. a sender whose uplink is bad is the cause of the loss its receivers see (U): a receiver's
   loss that coincides with a sender's uplink loss (with per-pair data: that sender's) is
   folded into the sender's burst; per-pair loss of one sender seen by most of its receivers
   is that sender's uplink even when its own send loss is not reported;
3. the same interval degraded for most participants (``SHARED_MIN`` and more than
   ``SHARED_SHARE`` of those present, or every one of fewer), counting only trouble not
   explained by someone else's uplink, is shared (S): a session-level event that takes in
   every member's bursts;
4. a CPU-limited encoder is its device (C);
5. loss or jitter on one receiver only is its downlink (D);
6. high RTT with clean loss and jitter is the route; with loss or jitter it is the same
   trouble as that loss or jitter and folds into it;
7. an outcome (video freeze) folds into a sender's uplink or CPU trouble, or the receiver's
   downlink trouble, at the same time; a low estimated MOS is blamed on its costliest term.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from roomscope.tui.diagnosis import catalogue as cat
from roomscope.tui.diagnosis.bursts import NETWORK_SIDES, Burst, Side, Subject
from roomscope.tui.diagnosis.findings import Cause, RuledOut
from roomscope.tui.models import Metric
from roomscope.tui.quality import THRESHOLDS

MERGE_GAP_S = 10.0
"""Shared windows closer than this are one."""


@dataclass
class SharedEvent:
    windows: list[tuple[float, float]]
    members: set[str] = field(default_factory=set)
    present: int = 0
    """The most participants present at once during it."""
    senders: set[str] = field(default_factory=set)
    """Members whose uplink was degraded."""
    receivers: set[str] = field(default_factory=set)
    """Members whose downlink was degraded."""


def attribute(bursts: list[Burst], subjects: Mapping[str, Subject]) -> SharedEvent | None:
    """Give every burst a cause or an owner; return the shared event if there is one."""
    by_person: dict[str, list[Burst]] = defaultdict(list)
    for burst in bursts:
        by_person[burst.participant.id].append(burst)
    _fold_spikes(by_person)
    _connectivity(bursts, by_person, subjects)
    _uplinks_explain(bursts, subjects)
    shared = _shared(bursts, subjects)
    _the_rest(bursts, by_person, subjects)
    _rule_out(bursts, subjects, shared)
    return shared


def _fold_spikes(by_person: Mapping[str, list[Burst]]) -> None:
    for mine in by_person.values():
        for spike in (b for b in mine if b.rule == "NET-SPIKE"):
            rule = "NET-RTT" if spike.metric == Metric.RTT else "NET-JIT"
            host = _best(b for b in mine if b.rule == rule and b.overlaps(spike.start, spike.end))
            if host is not None:
                spike.owner = host


def _best(candidates: Iterable[Burst], start: float | None = None, end: float | None = None) -> Burst | None:
    """The candidate overlapping [start, end) most (or the longest), worst first."""
    found = list(candidates)
    if not found:
        return None

    def score(b: Burst) -> tuple[float, int]:
        overlap = b.overlap_s(start, end) if start is not None and end is not None else b.duration_s
        return overlap, b.severity.rank

    return max(found, key=score)


def _near_drop(burst: Burst, subject: Subject) -> bool:
    near = cat.RECONNECT_NEAR_S
    return any(burst.start <= back + near and burst.end >= left - near for left, back in subject.drops)


def _connectivity(
    bursts: list[Burst], by_person: Mapping[str, list[Burst]], subjects: Mapping[str, Subject]
) -> None:
    for burst in bursts:
        if burst.owner is not None or burst.side in (Side.CHURN, Side.RELAY, Side.PROVIDER, Side.CPU):
            continue
        # A pair's trouble may be either end's reconnect: the sender's first.
        ends = [burst.peer.id, burst.participant.id] if burst.peer is not None else [burst.participant.id]
        found = [subjects[pid] for pid in ends if pid in subjects]
        subject = next((s for s in found if s.drops and _near_drop(burst, s)), None)
        if subject is None:
            continue
        whose = subject.person.id
        burst.cause, burst.cause_of = Cause.CONNECTIVITY, subject.person
        burst.note = "around a reconnect"
        churn = [b for b in by_person.get(whose, []) if b.side is Side.CHURN]
        burst.owner = _best(churn, burst.start, burst.end)
        if burst.owner is not None:
            burst.cause = None  # the churn burst speaks for it
    for mine in by_person.values():
        relay = next((b for b in mine if b.side is Side.RELAY), None)
        if relay is None:
            continue
        for burst in mine:
            if burst.side is Side.RTT and burst.owner is None and burst.cause is None:
                burst.owner = relay


def _uplinks_explain(bursts: list[Burst], subjects: Mapping[str, Subject]) -> None:
    uplinks = [b for b in bursts if b.side is Side.UP and b.metric == Metric.LOSS_SEND]
    for burst in bursts:
        if burst.side is not Side.DOWN or burst.metric != Metric.LOSS_RECV or burst.owner is not None:
            continue
        if burst.cause is not None:
            continue
        candidates = [
            u
            for u in uplinks
            if u.participant.id != burst.participant.id
            and (burst.peer is None or u.participant.id == burst.peer.id)
            and u.overlaps(burst.start, burst.end)
        ]
        host = _best(candidates, burst.start, burst.end)
        if host is not None:
            burst.owner = host
    silent = [b for b in bursts if b.side is Side.MEDIA_UP]
    for burst in bursts:  # no media received while a sender sent none
        if burst.side is Side.MEDIA_DOWN and burst.owner is None and burst.cause is None:
            burst.owner = _best(
                (
                    b
                    for b in silent
                    if b.participant.id != burst.participant.id and b.overlaps(burst.start, burst.end)
                ),
                burst.start,
                burst.end,
            )
    _uplinks_from_pairs(bursts, subjects)


def _uplinks_from_pairs(bursts: list[Burst], subjects: Mapping[str, Subject]) -> None:
    """A sender whose media is lossy at most of its receivers, while those receivers get the
    other senders' media clean, has a bad uplink, even when its send loss is not reported."""
    loose = [
        b
        for b in bursts
        if b.peer is not None and b.side is Side.DOWN and b.owner is None and b.cause is None
    ]
    by_sender: dict[str, list[Burst]] = defaultdict(list)
    for burst in loose:
        assert burst.peer is not None
        by_sender[burst.peer.id].append(burst)
    for sender, found in by_sender.items():
        receivers_of = [s for s in subjects.values() if s.get(Metric.LOSS_RECV.value, sender)]
        for burst in sorted(found, key=lambda b: b.start):
            if burst.owner is not None:
                continue
            together = [b for b in found if b.overlaps(burst.start, burst.end)]
            hit = {b.participant.id for b in together}
            if len(hit) < 2 or len(hit) * 2 <= len(receivers_of):
                continue
            if not all(_clean_elsewhere(r, sender, burst, loose, subjects) for r in hit):
                continue  # the receivers lose others' media too: their downlinks, or shared
            burst.cause, burst.cause_of = Cause.UPLINK, burst.peer
            burst.note = f"seen by {len(hit)} of its {len(receivers_of)} receivers"
            for other in together:
                if other is not burst:
                    other.owner = burst


def _clean_elsewhere(
    receiver: str, sender: str, burst: Burst, loose: list[Burst], subjects: Mapping[str, Subject]
) -> bool:
    """Whether ``receiver`` got most other senders' media clean during ``burst``."""
    subject = subjects.get(receiver)
    others = [c for c in subject.pairs(Metric.LOSS_RECV.value) if c.peer_id != sender] if subject else []
    if not others:
        return True  # nothing to compare with
    lossy = {
        b.peer.id
        for b in loose
        if b.participant.id == receiver
        and b.peer is not None
        and b.peer.id != sender
        and b.overlaps(burst.start, burst.end)
    }
    return len(lossy) * 2 < len(others)


def _own_trouble(burst: Burst) -> bool:
    """Counts towards a shared event: network trouble not explained by another person."""
    if burst.side not in NETWORK_SIDES or not burst.kept:
        return False
    primary = burst.primary()
    if primary.participant.id != burst.participant.id:
        return False
    return primary.cause_of is None or primary.cause_of.id == burst.participant.id


def _merge(intervals: list[tuple[float, float]], gap: float = 0.0) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _shared(bursts: list[Burst], subjects: Mapping[str, Subject]) -> SharedEvent | None:
    trouble: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for burst in bursts:
        if _own_trouble(burst):
            trouble[burst.participant.id].append((burst.start, burst.end))
    if len(trouble) < 2:
        return None
    spans = {pid: _merge(found) for pid, found in trouble.items()}

    judged = [s for s in subjects.values() if s.series and s.present]
    cuts = sorted(
        {t for found in spans.values() for a, b in found for t in (a, b)}
        | {t for s in judged for a, b in s.present for t in (a, b)}
    )
    # Each stretch between two cuts: who is degraded, and whether that is most of those
    # present (loosely: two or more) or a shared event (strictly: SHARED_MIN or more). A
    # shared window is a run of loose stretches holding at least one strict one, so it
    # spans the event from its first moment even when people join during it.
    runs: list[list[tuple[float, float, set[str], int, bool]]] = [[]]
    for a, b in itertools.pairwise(cuts):
        mid = (a + b) / 2
        down = {pid for pid, found in spans.items() if any(x <= mid < y for x, y in found)}
        present = max(sum(1 for s in judged if s.present_at(mid)), len(down))
        most = len(down) >= 2 and len(down) > cat.SHARED_SHARE * present
        if not most:
            if runs[-1]:
                runs.append([])
            continue
        # Fewer people than SHARED_MIN: shared only when every one of them is in trouble.
        strict = len(down) >= cat.SHARED_MIN or len(down) == present
        runs[-1].append((a, b, down, present, strict))
    qualifying: list[tuple[float, float]] = []
    members: set[str] = set()
    most_present = 0
    for run in runs:
        if not any(strict for *_rest, strict in run):
            continue
        qualifying.append((run[0][0], run[-1][1]))
        for _a, _b, down, present, _strict in run:
            members |= down
            most_present = max(most_present, present)
    if not qualifying:
        return None
    event = SharedEvent(_merge(qualifying, MERGE_GAP_S), members, most_present)
    for burst in bursts:
        if burst.participant.id not in members or not burst.kept:
            continue
        inside = sum(burst.overlap_s(a, b) for a, b in event.windows)
        if inside <= 0 or inside < cat.OVERLAP_SHARE * max(burst.duration_s, 1e-9):
            continue
        burst.shared, burst.owner, burst.cause, burst.cause_of = 0, None, Cause.SHARED, None
        if burst.side is Side.UP:
            event.senders.add(burst.participant.id)
        elif burst.side is Side.DOWN:
            event.receivers.add(burst.participant.id)
    for burst in bursts:  # what folded into a member's burst goes with it
        if burst.shared is None and burst.primary().shared is not None:
            burst.cause = Cause.SHARED
    return event


def _the_rest(
    bursts: list[Burst], by_person: Mapping[str, list[Burst]], subjects: Mapping[str, Subject]
) -> None:
    order = (Side.CHURN, Side.UP, Side.CPU, Side.MEDIA_UP, Side.DOWN, Side.MEDIA_DOWN, Side.RTT)
    rank = {side: i for i, side in enumerate(order)}
    for burst in sorted(bursts, key=lambda b: rank.get(b.side, len(order))):
        if burst.owner is not None or burst.shared is not None or burst.cause is not None:
            continue
        me = burst.participant
        mine = by_person.get(me.id, [])
        if burst.side in (Side.CHURN, Side.RELAY):
            burst.cause, burst.cause_of = Cause.CONNECTIVITY, me
            if burst.side is Side.RELAY:  # a relayed path is news only when there is trouble
                burst.kept = any(b is not burst and b.kept for b in mine)
        elif burst.side in (Side.UP, Side.MEDIA_UP):
            burst.cause, burst.cause_of = Cause.UPLINK, me
        elif burst.side is Side.CPU:
            host = _best(
                b
                for b in mine
                if b is not burst and b.metric == Metric.CPU_LIMITED and b.overlaps(burst.start, burst.end)
            )
            if burst.metric != Metric.CPU_LIMITED and host is not None:
                burst.owner = host
            else:
                burst.cause, burst.cause_of = Cause.DEVICE_CPU, me
        elif burst.side is Side.DOWN:
            host = _best(
                b
                for b in mine
                if b is not burst
                and b.side is Side.DOWN
                and b.owner is None
                and b.peer is None
                and b.cause in (None, Cause.DOWNLINK)
                and b.overlaps(burst.start, burst.end)
                and (
                    burst.peer is not None
                    or (b.metric == Metric.LOSS_RECV and burst.metric != Metric.LOSS_RECV)
                )
            )
            if host is not None:
                burst.owner = host
            else:
                burst.cause, burst.cause_of = Cause.DOWNLINK, me
        elif burst.side is Side.MEDIA_DOWN:
            burst.cause, burst.cause_of = Cause.DOWNLINK, me
        elif burst.side is Side.RTT:
            host = _best(
                (
                    b
                    for b in mine
                    if b.side in (Side.UP, Side.DOWN)
                    and b.primary().participant.id == me.id
                    and b.overlaps(burst.start, burst.end)
                ),
                burst.start,
                burst.end,
            )
            if host is not None:
                burst.owner = host
            else:
                burst.cause, burst.cause_of = Cause.ROUTE, me
        elif burst.side is Side.SYMPTOM:
            host = _best(
                (
                    b
                    for b in bursts
                    if b.participant.id != me.id
                    and b.side in (Side.UP, Side.CPU)
                    and b.primary() is b
                    and (burst.peer is None or b.participant.id == burst.peer.id)
                    and b.overlaps(burst.start, burst.end)
                ),
                burst.start,
                burst.end,
            ) or _best(
                (b for b in mine if b.side is Side.DOWN and b.overlaps(burst.start, burst.end)),
                burst.start,
                burst.end,
            )
            if host is not None:
                burst.owner = host
            else:
                burst.cause, burst.cause_of = Cause.UNKNOWN, me
        elif burst.side is Side.SCORE:
            burst.cause, burst.note = _costliest(subjects.get(me.id), burst.start, burst.end)
            burst.cause_of = me
        else:
            burst.cause, burst.cause_of = Cause.UNKNOWN, me


def _avg(subject: Subject, metric: Metric, start: float, end: float) -> float:
    clean = subject.first(metric)
    if clean is None:
        return 0.0
    picked = [v for v in (clean.values[i] for i in clean.index_range(start, end)) if v is not None]
    return sum(picked) / len(picked) if picked else 0.0


def _costliest(subject: Subject | None, start: float, end: float) -> tuple[Cause, str]:
    """The E-model term that cost the most R points over [start, end)."""
    if subject is None:
        return Cause.UNKNOWN, ""
    rtt = _avg(subject, Metric.RTT, start, end)
    jitter = _avg(subject, Metric.JITTER, start, end)
    send = _avg(subject, Metric.LOSS_SEND, start, end)
    recv = _avg(subject, Metric.LOSS_RECV, start, end)
    latency = rtt + 2 * jitter + 10
    delay_cost = latency / 40 if latency < 160 else (latency - 120) / 10
    rtt_cost = delay_cost * (rtt + 10) / latency if latency else 0.0
    jitter_cost = delay_cost - rtt_cost
    loss_cost = 2.5 * max(send, recv)
    costs = {
        "rtt": (rtt_cost, Cause.ROUTE, f"RTT {rtt:.0f} ms cost most"),
        "jitter": (jitter_cost, Cause.DOWNLINK, f"jitter {jitter:.0f} ms cost most"),
        "loss": (
            loss_cost,
            Cause.UPLINK if send > recv else Cause.DOWNLINK,
            f"{'send' if send > recv else 'receive'} loss {max(send, recv):.1f} % cost most",
        ),
    }
    _cost, cause, words = max(costs.values(), key=lambda c: c[0])
    return cause, words


# ---------------------------------------------------------------------------------------
# What was ruled out


def _degraded_between(bursts: list[Burst], start: float, end: float) -> set[str]:
    return {b.participant.id for b in bursts if _own_trouble(b) and b.overlaps(start, end)}


def _present_between(subjects: Mapping[str, Subject], start: float, end: float) -> int:
    return sum(1 for s in subjects.values() if s.series and any(a < end and start < b for a, b in s.present))


def _worst(subjects: Iterable[Subject], metric: Metric, start: float, end: float) -> float | None:
    found = [
        w
        for s in subjects
        for c in s.get(metric.value)
        if (w := c.worst_between(start, end, THRESHOLDS[metric.value].higher_is_worse)) is not None
    ]
    return max(found) if found else None


def _rule_out(bursts: list[Burst], subjects: Mapping[str, Subject], shared: SharedEvent | None) -> None:
    for burst in bursts:
        if burst.owner is not None or burst.shared is not None or burst.cause is None:
            continue
        a, b = burst.start, burst.end
        me = burst.participant.id
        others = [s for pid, s in subjects.items() if pid != me]
        degraded = _degraded_between(bursts, a, b)
        present = max(_present_between(subjects, a, b), len(degraded), 1)
        alone = RuledOut(
            Cause.SHARED, f"{len(degraded)} of {present} participants degraded then, not most of them"
        )
        out: list[RuledOut] = []
        if burst.cause is Cause.UPLINK:
            receivers = {x.participant.id for x in bursts if x.primary() is burst and x is not burst}
            seen = f"; {len(receivers)} receiver(s) saw it" if receivers else ""
            if burst.peer is not None:
                out.append(RuledOut(Cause.DOWNLINK, f"its receivers lost its media, not the others'{seen}"))
            else:
                out.append(RuledOut(Cause.DOWNLINK, f"the loss is on what it sends{seen}"))
            out.append(alone)
        elif burst.cause is Cause.DOWNLINK:
            worst = _worst(others, Metric.LOSS_SEND, a, b)
            if worst is None:
                out.append(
                    RuledOut(Cause.UPLINK, "no sender's uplink loss was reported (cannot rule it out fully)")
                )
            else:
                out.append(
                    RuledOut(Cause.UPLINK, f"the senders' uplinks were clean (send loss ≤ {worst:.1f} %)")
                )
            out.append(alone)
        elif burst.cause is Cause.ROUTE:
            subject = subjects.get(me)
            loss = _worst([subject], Metric.LOSS_RECV, a, b) if subject else None
            jitter = _worst([subject], Metric.JITTER, a, b) if subject else None
            clean = ", ".join(
                text
                for text in (
                    f"loss ≤ {loss:.1f} %" if loss is not None else "",
                    f"jitter ≤ {jitter:.0f} ms" if jitter is not None else "",
                )
                if text
            )
            out.append(
                RuledOut(Cause.DOWNLINK, f"{clean or 'no loss or jitter trouble'} while the RTT was high")
            )
            out.append(alone)
        elif burst.cause is Cause.DEVICE_CPU:
            subject = subjects.get(me)
            loss = _worst([subject], Metric.LOSS_SEND, a, b) if subject else None
            words = f"send loss ≤ {loss:.1f} %" if loss is not None else "no uplink loss reported"
            out.append(RuledOut(Cause.UPLINK, f"{words}, the encoder named the CPU"))
            out.append(alone)
        elif burst.cause is Cause.CONNECTIVITY and burst.side is Side.CHURN:
            churned = sum(1 for s in subjects.values() if s.drops and s.person.id != me)
            out.append(RuledOut(Cause.SHARED, f"{churned} other participant(s) reconnected"))
        burst.ruled_out = out
    if shared is not None:
        shared_rule = [
            RuledOut(
                Cause.UPLINK, f"{len(shared.senders)} senders degraded at once: no one uplink explains it"
            ),
            RuledOut(Cause.DOWNLINK, f"{len(shared.receivers)} receivers degraded at once"),
        ]
        for burst in bursts:
            if burst.shared is not None:
                burst.ruled_out = shared_rule
