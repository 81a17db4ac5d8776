"""Live mode on the session list: how often to refresh, and what is news.

Two parts, no Textual (the session list runs them):

- the pace: :func:`pace` gives each open profile's refresh interval from its provider's
  documented request budget (:data:`~roomscope.tui.scan.BUDGETS`) and what one refresh asks
  of it (the first page of the list, and every live session in view diagnosed again:
  :func:`~roomscope.tui.scan.requests_per_session`), planning to use at most
  ``LIVE_BUDGET_SHARE`` of the budget and never going below ``LIVE_MIN_REFRESH_S``; a
  provider without a documented budget gets a conservative default. A list merging several
  profiles refreshes at the pace of its slowest one (:class:`LivePace`).
- the news: :func:`new_poor_findings` compares two diagnoses of one live session and gives
  the poor findings the later one adds. A finding is known by its rule, its cause, whom it
  is about and when its burst started, so a finding that merely grows (a burst going on, a
  peak getting worse) is not new; a second burst of the same trouble is. :class:`LiveWatch`
  remembers what each session has shown and words each new finding for a notification.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from roomscope.tui.limits import (
    LIVE_BUDGET_SHARE,
    LIVE_DEMO_REFRESH_S,
    LIVE_MIN_REFRESH_S,
    LIVE_UNBUDGETED_REFRESH_S,
)
from roomscope.tui.text import clean

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import Finding, SessionDiagnosis, Window
    from roomscope.tui.models import Session
    from roomscope.tui.providers.base import Provider


# -- the pace ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfilePace:
    """One profile's refresh interval and why."""

    profile: str
    interval_s: float
    requests: int
    """What one refresh asks of the provider (the list's first page and the live sessions)."""
    why: str
    """'Whereby: 17 requests a refresh, half of 100 points per minute', 'no documented budget'."""


@dataclass(frozen=True)
class LivePace:
    """The interval of a list (its slowest profile's) and each profile's."""

    interval_s: float
    profiles: tuple[ProfilePace, ...]

    @property
    def slowest(self) -> ProfilePace | None:
        return max(self.profiles, key=lambda p: p.interval_s) if self.profiles else None

    @property
    def every(self) -> str:
        """'every 10s', 'every 2m05s' (for the status line)."""
        return f"every {seconds_text(self.interval_s)}"


def seconds_text(seconds: float) -> str:
    """'10s', '45s', '2m', '2m05s'."""
    total = max(0, math.ceil(seconds))
    if total < 60:
        return f"{total}s"
    minutes, rest = divmod(total, 60)
    return f"{minutes}m{rest:02d}s" if rest else f"{minutes}m"


def refresh_cost(provider: Provider, live_sessions: Sequence[Session], list_pages: int = 1) -> int:
    """The requests one refresh asks of ``provider``: ``list_pages`` pages of the list and each
    of its live sessions in view diagnosed again (their participants, events and quality)."""
    from roomscope.tui.scan import requests_per_session

    own = [s for s in live_sessions if s.profile == provider.profile]
    return max(1, list_pages) + sum(requests_per_session(provider, s.participant_count or 0) for s in own)


def profile_pace(
    provider: Provider, live_sessions: Sequence[Session], list_pages: int = 1, measured: int = 0
) -> ProfilePace:
    """How often live mode may refresh ``provider``'s part of the list. ``measured``: the
    requests the last refresh was seen to send (a list read room by room costs more than a
    page; several profiles' requests are not told apart): the larger figure counts."""
    from roomscope.tui.scan import BUDGETS

    cost = max(refresh_cost(provider, live_sessions, list_pages), measured)
    budget = BUDGETS.get(provider.name)
    if budget is None:
        if provider.name == "demo":
            why = f"{provider.label}: no request budget"
            return ProfilePace(provider.profile, LIVE_DEMO_REFRESH_S, cost, why)
        return ProfilePace(
            provider.profile,
            LIVE_UNBUDGETED_REFRESH_S,
            cost,
            f"{provider.label}: no documented request budget",
        )
    rate = budget.requests * LIVE_BUDGET_SHARE / budget.window_s  # requests a second
    interval = max(LIVE_MIN_REFRESH_S, cost / rate)
    share = f"{LIVE_BUDGET_SHARE:.0%}"
    why = f"{provider.label}: {cost} requests a refresh, {share} of {budget.note}"
    return ProfilePace(provider.profile, interval, cost, why)


def pace(
    providers: Sequence[Provider], live_sessions: Sequence[Session], list_pages: int = 1, measured: int = 0
) -> LivePace:
    """The refresh interval of a list over ``providers`` (merged: the slowest one's) with
    ``live_sessions`` in view (``measured``: as for :func:`profile_pace`)."""
    each = tuple(profile_pace(p, live_sessions, list_pages, measured) for p in providers)
    interval = max((p.interval_s for p in each), default=LIVE_MIN_REFRESH_S)
    return LivePace(interval, each)


def age_text(seconds: float) -> str:
    """How long ago the last refresh was, coarse enough that a status line saying it changes
    every 5 s at most (every 10 s past a minute, every minute past ten): 'just now', '10s
    ago', '1m20s ago', '12m ago'."""
    s = max(0, int(seconds))
    if s < 5:
        return "just now"
    if s < 60:
        return f"{s - s % 5}s ago"
    if s < 600:
        s -= s % 10
        return f"{s // 60}m{s % 60:02d}s ago" if s % 60 else f"{s // 60}m ago"
    if s < 3600:
        return f"{s // 60}m ago"
    return f"{s // 3600}h ago"


# -- the news ----------------------------------------------------------------------------------

FindingKey = tuple[str, str, str, datetime]
"""A poor finding's burst: (rule, cause, whom it is about, when the burst started)."""


def _whom(finding: Finding) -> str:
    if finding.cause_of is not None:
        return finding.cause_of.id
    if len(finding.who) == 1:
        return finding.who[0].id
    return "*"  # shared: everyone at once (who joins later does not make it another finding)


def poor_bursts(diagnosis: SessionDiagnosis | None) -> dict[FindingKey, tuple[Finding, Window]]:
    """Each burst of each poor finding of ``diagnosis``, by its key."""
    from roomscope.tui.diagnosis import Severity

    found: dict[FindingKey, tuple[Finding, Window]] = {}
    if diagnosis is None:
        return found
    for finding in diagnosis.findings:
        if finding.severity is not Severity.POOR:
            continue
        for window in finding.windows:
            key = (finding.rule, finding.cause.value, _whom(finding), window.start)
            found.setdefault(key, (finding, window))
    return found


def new_poor_findings(
    previous: SessionDiagnosis | None, current: SessionDiagnosis
) -> list[tuple[Finding, Window]]:
    """The poor findings (each with its burst) that ``current`` has and ``previous`` had not,
    oldest first. A finding that grows or worsens keeps its key and is not new; a warning
    that turns poor is; with no ``previous`` every poor finding is."""
    before = poor_bursts(previous)
    fresh = [(k, v) for k, v in poor_bursts(current).items() if k not in before]
    fresh.sort(key=lambda item: item[0][3])
    return [v for _k, v in fresh]


def finding_notice(session: Session, finding: Finding, window: Window, tz: tzinfo | None = UTC) -> str:
    """ "New poor finding — Room 'Weekly sync': Alice, downlink: inbound packet loss 14 %
    since 10:04" (provider strings made inert and cut short; ``tz`` None: the local zone)."""
    room = clean(session.room_name or session.title, 60)
    if finding.cause_of is not None:
        who = clean(finding.cause_of.name, 40)
    elif len(finding.who) == 1:
        who = clean(finding.who[0].name, 40)
    else:
        who = f"{len(finding.who)} people" if finding.who else "everyone"
    what = finding.title[:1].lower() + finding.title[1:]
    peak = ""
    if finding.peak is not None and math.isfinite(finding.peak):
        unit = clean(finding.unit, 10)
        number = f"{finding.peak:.0f}" if abs(finding.peak) >= 10 or unit == "ms" else f"{finding.peak:.1f}"
        peak = f" {number} {unit}".rstrip() if unit else f" {number}"
    at = window.start.astimezone(tz).strftime("%H:%M")
    return f"New poor finding — Room '{room}': {who}, {finding.cause.words}: {what}{peak} since {at}"


WATCHED = 1000
"""Sessions whose last diagnosis a watch keeps (the least recently seen are let go)."""


class LiveWatch:
    """What each live session's diagnoses have shown while live mode watched.

    The first diagnosis of a session seen is its baseline: what began before live mode
    started (``since``) is not news, what began after is. Every burst seen once is
    remembered, so a finding that flickers (gone at one refresh, back at the next) is told
    once."""

    def __init__(self, since: datetime) -> None:
        self.since = since
        self._previous: dict[tuple[str, str], SessionDiagnosis] = {}
        self._seen: dict[tuple[str, str], set[FindingKey]] = {}

    def observe(self, session: Session, diagnosis: SessionDiagnosis) -> list[tuple[Finding, Window]]:
        """The poor findings of ``diagnosis`` to tell about (each once)."""
        key = (session.profile, session.id)
        seen = self._seen.setdefault(key, set())
        previous = self._previous.get(key)
        news = [
            (f, w)
            for f, w in new_poor_findings(previous, diagnosis)
            if _key(f, w) not in seen and (previous is not None or w.start >= self.since)
        ]
        seen.update(poor_bursts(diagnosis))
        self._previous.pop(key, None)
        self._previous[key] = diagnosis  # the most recently seen last
        while len(self._previous) > WATCHED:
            oldest = next(iter(self._previous))
            del self._previous[oldest]
            self._seen.pop(oldest, None)
        return news

    def __len__(self) -> int:
        return len(self._previous)


def _key(finding: Finding, window: Window) -> FindingKey:
    return (finding.rule, finding.cause.value, _whom(finding), window.start)
