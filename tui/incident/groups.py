"""Degraded participants grouped by what they share: network, place, device, provider, room.

A :class:`Member` is one participant of one session with what grouping reads (network,
device, where, the session's profile and room) and their verdict (inside an incident window
when one is given). :func:`group` puts members into :class:`Group` values per
:class:`Dimension` and sorts them outlier first: by the lower bound of the share degraded
(Wilson, 95 %), so "9 of 11" comes above "1 of 1", which comes above "40 of 200"; then by
how many were degraded. Pure and fast: 10,000 members in a few milliseconds.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from roomscope.tui.quality import Verdict

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.incident.window import IncidentWindow
    from roomscope.tui.models import Participant, Session


class Dimension(StrEnum):
    """What participants are grouped by (``--by``)."""

    ISP = "isp"
    COUNTRY = "country"
    CITY = "city"
    CONNECTION = "connection"
    BROWSER = "browser"
    OS = "os"
    DEVICE = "device"
    PROFILE = "profile"
    ROOM = "room"

    @property
    def words(self) -> str:
        """'ISP/ASN', 'connection type' ..."""
        return _TITLES[self]

    @property
    def query_field(self) -> str | None:
        """The filter language's field for this dimension (None: none has it)."""
        return _QUERY_FIELDS.get(self)


_TITLES = {
    Dimension.ISP: "ISP/ASN",
    Dimension.COUNTRY: "country",
    Dimension.CITY: "city",
    Dimension.CONNECTION: "connection type",
    Dimension.BROWSER: "browser",
    Dimension.OS: "OS",
    Dimension.DEVICE: "device",
    Dimension.PROFILE: "provider/profile",
    Dimension.ROOM: "room",
}
_QUERY_FIELDS = {
    Dimension.ISP: "isp",
    Dimension.COUNTRY: "country",
    Dimension.CITY: "city",
    Dimension.CONNECTION: "net",
    Dimension.BROWSER: "browser",
    Dimension.OS: "os",
    Dimension.PROFILE: "profile",
    Dimension.ROOM: "room",
}
UNKNOWN = "(unknown)"


@dataclass(frozen=True)
class Member:
    """One participant of one session, as grouping reads them."""

    profile: str
    provider: str
    session_id: str
    session_title: str
    room: str
    participant_id: str
    name: str
    user_id: str
    isp: str
    asn: str
    country: str
    city: str
    connection: str
    browser: str
    os: str
    device: str
    verdict: Verdict
    cause: str
    """The cause of their worst finding, with its rule's name ('downlink: inbound packet loss');
    empty when they were not degraded."""
    degraded_from: datetime | None = None

    @property
    def degraded(self) -> bool:
        return self.verdict in (Verdict.POOR, Verdict.FAIR)

    def key(self, by: Dimension) -> tuple[str, str]:
        """(key, label) of this member's group along ``by``."""
        if by is Dimension.ISP:
            if not self.isp and not self.asn:
                return UNKNOWN, UNKNOWN
            asn = self.asn.upper() if self.asn else ""
            if asn and not asn.startswith("AS"):
                asn = f"AS{asn}"
            key = asn or self.isp.casefold()
            return key, " ".join(x for x in (asn, self.isp) if x)
        if by is Dimension.CITY:
            if not self.city:
                return UNKNOWN, UNKNOWN
            label = f"{self.city}, {self.country}" if self.country else self.city
            return label.casefold(), label
        value = {
            Dimension.COUNTRY: self.country,
            Dimension.CONNECTION: self.connection,
            Dimension.BROWSER: self.browser,
            Dimension.OS: self.os,
            Dimension.DEVICE: self.device,
            Dimension.PROFILE: f"{self.profile} ({self.provider})" if self.profile else self.provider,
            Dimension.ROOM: self.room,
        }[by]
        return (value.casefold(), value) if value else (UNKNOWN, UNKNOWN)


@dataclass(frozen=True)
class Group:
    dimension: Dimension
    key: str
    label: str
    participants: int
    degraded: int
    poor: int
    sessions: int
    cause: str
    """The most common cause among the degraded ('' when none was)."""
    cause_count: int
    first_degraded: datetime | None
    score: float
    """The lower bound of the share degraded (Wilson, 95 %): the sort key."""

    @property
    def share(self) -> float:
        return self.degraded / self.participants if self.participants else 0.0

    def sentence(self, tz: tzinfo | None = None) -> str:
        """'AS3320 Deutsche Telekom: 9 of 11 degraded, all downlink: inbound packet loss,
        from 10:02'."""
        text = f"{self.label}: {self.degraded} of {self.participants} degraded"
        if self.degraded and self.cause:
            many = "all" if self.cause_count == self.degraded else f"{self.cause_count} of them"
            text += f", {many} {self.cause}"
        if self.first_degraded is not None:
            at = self.first_degraded.astimezone(tz) if tz is not None else self.first_degraded.astimezone()
            text += f", from {at:%H:%M}"
        return text

    def filter_term(self) -> str | None:
        """This group as a term of the filter language (None: it has no field, or is unknown)."""
        field = self.dimension.query_field
        if field is None or self.key == UNKNOWN:
            return None
        value = self.label
        if self.dimension is Dimension.ISP:
            value = self.label.split(" ", 1)[0] if self.label.startswith("AS") else self.label
        elif self.dimension is Dimension.CITY:
            value = self.label.split(",", 1)[0]
        elif self.dimension is Dimension.PROFILE:
            value = self.label.split(" (", 1)[0]
        return f'{field}:"{value}"' if " " in value else f"{field}:{value}"


def wilson_low(hits: int, total: int, z: float = 1.96) -> float:
    """The lower bound of the Wilson score interval of ``hits`` of ``total``."""
    if total <= 0:
        return 0.0
    p = hits / total
    centre = p + z * z / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return (centre - spread) / (1 + z * z / total)


_RAW: dict[Dimension, Callable[[Member], tuple[str, ...]]] = {
    Dimension.ISP: attrgetter("isp", "asn"),
    Dimension.COUNTRY: attrgetter("country"),
    Dimension.CITY: attrgetter("city", "country"),
    Dimension.CONNECTION: attrgetter("connection"),
    Dimension.BROWSER: attrgetter("browser"),
    Dimension.OS: attrgetter("os"),
    Dimension.DEVICE: attrgetter("device"),
    Dimension.PROFILE: attrgetter("profile", "provider"),
    Dimension.ROOM: attrgetter("room"),
}
"""The fields a member's group along each dimension is made of (its key is worked out
once per distinct value, not once per member)."""


def group(members: Iterable[Member], by: Dimension) -> list[Group]:
    """``members`` grouped along ``by``, the outlier first."""
    raw_of = _RAW[by]
    named: dict[tuple[str, ...], tuple[str, str]] = {}
    # key -> [participants, degraded, poor, causes, sessions, first degraded]
    slots: dict[str, list[Any]] = {}
    labels: dict[str, str] = {}
    poor_verdict = Verdict.POOR
    for m in members:
        raw = raw_of(m)
        found = named.get(raw)
        if found is None:
            found = named[raw] = m.key(by)
        key = found[0]
        slot = slots.get(key)
        if slot is None:
            slot = slots[key] = [0, 0, 0, Counter(), set(), None]
            labels[key] = found[1]
        slot[0] += 1
        slot[4].add((m.profile, m.session_id))
        if m.verdict.rank >= 2:  # fair or poor: degraded
            slot[1] += 1
            if m.verdict is poor_verdict:
                slot[2] += 1
            if m.cause:
                slot[3][m.cause] += 1
            since = m.degraded_from
            if since is not None and (slot[5] is None or since < slot[5]):
                slot[5] = since
    groups: list[Group] = []
    for key, (total, degraded, poor, causes, sessions, first) in slots.items():
        top = causes.most_common(1)
        groups.append(
            Group(
                dimension=by,
                key=key,
                label=labels[key],
                participants=total,
                degraded=degraded,
                poor=poor,
                sessions=len(sessions),
                cause=top[0][0] if top else "",
                cause_count=top[0][1] if top else 0,
                first_degraded=first,
                score=wilson_low(degraded, total),
            )
        )
    groups.sort(key=lambda g: (-g.score, -g.degraded, -g.participants, g.label.casefold()))
    return groups


def members_of(
    session: Session,
    participants: Sequence[Participant],
    diagnosis: SessionDiagnosis | None,
    window: IncidentWindow | None = None,
) -> list[Member]:
    """The members of one session: with a window, only those present in it, and degraded
    only by findings that overlap it."""
    from roomscope.tui.diagnosis import rule_info

    out: list[Member] = []
    for p in participants:
        if p.problem:
            continue
        if window is not None and not window.overlaps(p.joined_at, p.left_at):
            continue
        verdict = Verdict.UNKNOWN
        cause = ""
        since: datetime | None = None
        if diagnosis is not None:
            judged = diagnosis.verdict_of(p.id)
            verdict = judged.verdict if judged is not None else Verdict.UNKNOWN
            findings = [f for f in diagnosis.findings_for(p.id) if p.id in {w.id for w in f.who}]
            if window is not None:
                findings = [f for f in findings if any(window.clip(w.start, w.end) for w in f.windows)]
                if verdict in (Verdict.POOR, Verdict.FAIR):
                    verdict = max(
                        (f.severity.verdict for f in findings), key=lambda v: v.rank, default=Verdict.GOOD
                    )
            if findings and verdict in (Verdict.POOR, Verdict.FAIR):
                worst = findings[0]
                try:
                    rule = rule_info(worst.rule).name.lower()
                except StopIteration:  # a rule of a newer diagnosis than this roomscope knows
                    rule = worst.rule
                cause = "shared" if worst.cause.value == "shared" else f"{worst.cause.words}: {rule}"
                since = min(f.start for f in findings)
        network, device = p.network, p.device
        out.append(
            Member(
                profile=session.profile,
                provider=session.provider,
                session_id=session.id,
                session_title=session.title,
                room=session.room_name or "",
                participant_id=p.id,
                name=p.title,
                user_id=p.user_id or p.external_id or "",
                isp=(network.isp or "") if network else "",
                asn=(network.asn or "") if network else "",
                country=(network.country or "") if network else "",
                city=(network.city or "") if network else "",
                connection=(network.connection_type or "") if network else "",
                browser=(device.browser or "") if device else "",
                os=(device.os or "") if device else "",
                device=(device.device_type or "") if device else "",
                verdict=verdict,
                cause=cause,
                degraded_from=since,
            )
        )
    return out
