"""Findings and triage matches as output: JSON records, CSV rows and table rows.

Times in records are ISO 8601 in UTC ('...Z'); table cells are in the shown zone (the
header names it). A finding's bursts stay separate in JSON; in a table, several add up and
say so ('3 bursts, 3m40s in all, first at 21:58:52').
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roomscope.tui import fmt, present

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import Evidence, Finding, Person, Window
    from roomscope.tui.symptoms import Match


def _person(person: Person | None) -> dict[str, str] | None:
    return None if person is None else {"id": person.id, "name": person.name}


def _window(window: Window) -> dict[str, Any]:
    return {"start": fmt.iso(window.start), "end": fmt.iso(window.end), "duration_s": window.duration_s}


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {
        "rule": evidence.rule,
        "participant": _person(evidence.participant),
        "peer": _person(evidence.peer),
        "metric": evidence.metric,
        "label": evidence.label,
        "unit": evidence.unit,
        "condition": evidence.condition,
        "persistence": evidence.persistence,
        "peak": evidence.peak,
        "caveat": evidence.caveat or None,
        "samples": [{"at": fmt.iso(s.at), "value": s.value} for s in evidence.samples],
    }


FINDING_FIELDS = (
    "id",
    "rule",
    "title",
    "severity",
    "cause",
    "cause_of",
    "who",
    "pairs",
    "start",
    "end",
    "duration_s",
    "bursts",
    "windows",
    "peak",
    "unit",
    "explanation",
    "evidence",
    "ruled_out",
)


def finding_record(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "rule": finding.rule,
        "title": finding.title,
        "severity": finding.severity.value,
        "cause": finding.cause.value,
        "cause_of": _person(finding.cause_of),
        "who": [_person(p) for p in finding.who],
        "pairs": [{"sender": _person(p.sender), "receiver": _person(p.receiver)} for p in finding.pairs],
        "start": fmt.iso(finding.start),
        "end": fmt.iso(finding.end),
        "duration_s": finding.duration_s,
        "bursts": len(finding.windows),
        "windows": [_window(w) for w in finding.windows],
        "peak": finding.peak,
        "unit": finding.unit,
        "explanation": finding.explanation,
        "evidence": [_evidence(e) for e in finding.evidence],
        "ruled_out": [{"cause": r.cause.value, "reason": r.reason} for r in finding.ruled_out],
    }


FINDING_CSV_HEADER = (
    "id",
    "rule",
    "severity",
    "cause",
    "cause_of",
    "who",
    "start",
    "end",
    "duration_s",
    "bursts",
    "peak",
    "unit",
    "explanation",
)


def finding_csv_row(finding: Finding) -> list[Any]:
    return [
        finding.id,
        finding.rule,
        finding.severity.value,
        finding.cause.value,
        finding.cause_of.name if finding.cause_of else None,
        "; ".join(p.name for p in finding.who),
        fmt.iso(finding.start),
        fmt.iso(finding.end),
        finding.duration_s,
        len(finding.windows),
        finding.peak,
        finding.unit,
        finding.explanation,
    ]


def cause_words(finding: Finding) -> str:
    """'uplink of Jamal García', 'shared', 'device CPU of Quentin'."""
    words = finding.cause.words
    return f"{words} of {finding.cause_of.name}" if finding.cause_of is not None else words


def who_words(finding: Finding) -> str:
    """'Carmen Okafor', 'Ana, Ben and 6 more'."""
    names = [p.name for p in finding.who]
    if len(names) <= 2:
        return ", ".join(names) or "—"
    return f"{names[0]}, {names[1]} and {len(names) - 2} more"


def when_words(windows: tuple[Window, ...] | list[Window]) -> str:
    return present.bursts([(w.start, w.end) for w in windows])


def finding_table_header() -> list[str]:
    return ["SEVERITY", "RULE", "CAUSE", "WHO", f"WHEN ({fmt.zone()})", "WHY"]


def finding_table_row(finding: Finding) -> list[str]:
    return [
        finding.severity.value,
        finding.rule,
        cause_words(finding),
        who_words(finding),
        when_words(finding.windows),
        finding.explanation,
    ]


MATCH_FIELDS = (
    "rank",
    "score",
    "session_id",
    "session",
    "profile",
    "provider",
    "session_start",
    "participant",
    "start",
    "end",
    "rule",
    "severity",
    "cause",
    "cause_of",
    "why",
    "explanation",
    "finding",
)


def match_record(rank: int, match: Match) -> dict[str, Any]:
    session = match.session
    return {
        "rank": rank,
        "score": match.score,
        "session_id": session.id,
        "session": session.title,
        "profile": session.profile,
        "provider": session.provider,
        "session_start": fmt.iso(session.started_at),
        "participant": _person(match.person),
        "start": fmt.iso(match.window.start),
        "end": fmt.iso(match.window.end),
        "rule": match.finding.rule,
        "severity": match.finding.severity.value,
        "cause": match.finding.cause.value,
        "cause_of": _person(match.finding.cause_of),
        "why": match.why,
        "explanation": match.finding.explanation,
        "finding": match.finding.id,
    }


MATCH_CSV_HEADER = (
    "rank",
    "score",
    "session_id",
    "session",
    "profile",
    "session_start",
    "participant",
    "participant_id",
    "start",
    "end",
    "rule",
    "severity",
    "cause",
    "cause_of",
    "why",
    "explanation",
)


def match_csv_row(rank: int, match: Match) -> list[Any]:
    finding = match.finding
    return [
        rank,
        match.score,
        match.session.id,
        match.session.title,
        match.session.profile,
        fmt.iso(match.session.started_at),
        match.person.name if match.person else None,
        match.person.id if match.person else None,
        fmt.iso(match.window.start),
        fmt.iso(match.window.end),
        finding.rule,
        finding.severity.value,
        finding.cause.value,
        finding.cause_of.name if finding.cause_of else None,
        match.why,
        finding.explanation,
    ]


def match_table_header(multi: bool) -> list[str]:
    return [
        "#",
        *(["PROFILE"] if multi else []),
        "SESSION",
        "WHO",
        f"WHEN ({fmt.zone()})",
        "RULE",
        "CAUSE",
        "SESSION ID",
        "WHY",
    ]


def match_table_row(rank: int, match: Match, multi: bool) -> list[str]:
    return [
        str(rank),
        *([match.session.profile] if multi else []),
        f"{match.session.title} {fmt.when(match.session.started_at)}",
        match.person.name if match.person else "—",
        when_words([match.window]),
        f"{match.finding.severity.value} {match.finding.rule}",
        cause_words(match.finding),
        match.session.id,
        match.why,
    ]
