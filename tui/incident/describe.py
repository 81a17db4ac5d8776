"""Incident data as plain values and words: the rows the headless output, the bundle and the
screens share (JSON-ready dicts, CSV cells, the one-line heading of a window)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from roomscope.tui import fmt, output
from roomscope.tui.incident.groups import Group
from roomscope.tui.incident.output import iso
from roomscope.tui.incident.scan import WindowRow
from roomscope.tui.incident.window import IncidentWindow

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.models import Session


def window_heading(window: IncidentWindow, count: int | None = None) -> str:
    """'2026-11-22 10:00–10:10 UTC (10m00s) · 12 sessions'."""
    start, end = fmt.local(window.start), fmt.local(window.end)
    same_day = start.date() == end.date()
    clock = "%H:%M:%S" if start.second or end.second else "%H:%M"
    tail = end.strftime(clock if same_day else f"%Y-%m-%d {clock}")
    zone = fmt.zone_name(window.end)
    text = f"{start.strftime(f'%Y-%m-%d {clock}')}–{tail} {zone} ({fmt.duration(window.duration_s)})"
    if count is not None:
        text += f" · {count:,} session{'s' if count != 1 else ''}"
    return text


def window_json(window: IncidentWindow) -> dict[str, Any]:
    return {
        "start": iso(window.start),
        "end": iso(window.end),
        "duration_s": window.duration_s,
        "asked": window.text,
        "zone": fmt.zone_name(window.end),
    }


def row_json(row: WindowRow) -> dict[str, Any]:
    s = row.session
    d = row.diagnosis
    return {
        "profile": s.profile,
        "provider": s.provider,
        "id": s.id,
        "name": s.title,
        "room": s.room_name,
        "status": s.status.value,
        "started_at": iso(row.start),
        "ended_at": iso(row.end),
        "verdict": row.verdict.value,
        "summary": row.summary,
        "participants": len(d.verdicts) if d is not None else s.participant_count,
        "poor": d.poor if d is not None else None,
        "fair": d.fair if d is not None else None,
        "degraded_s_in_window": round(row.degraded_s, 3),
        "top_finding": _top(row),
        "degraded": [
            {
                "participant_id": x.participant_id,
                "name": x.name,
                "start": iso(x.start),
                "end": iso(x.end),
                "verdict": x.verdict.value,
                "rule": x.rule,
                "cause": x.cause,
            }
            for x in row.stretches
        ],
        "shared": [{"start": iso(a), "end": iso(b)} for a, b in row.shared],
        "error": row.error,
    }


def _top(row: WindowRow) -> dict[str, Any] | None:
    top = row.diagnosis.top if row.diagnosis is not None else None
    if top is None:
        return None
    return {
        "rule": top.rule,
        "severity": top.severity.value,
        "cause": top.cause.value,
        "cause_of": top.cause_of.name if top.cause_of else None,
        "start": iso(top.start),
        "end": iso(top.end),
        "explanation": top.explanation,
    }


WINDOW_JSON_FIELDS = (
    "profile",
    "provider",
    "id",
    "name",
    "room",
    "status",
    "started_at",
    "ended_at",
    "verdict",
    "summary",
    "participants",
    "poor",
    "fair",
    "degraded_s_in_window",
    "top_finding",
    "degraded",
    "shared",
    "error",
)
"""The keys of :func:`row_json`, in order (what ``--fields`` may pick in JSON)."""


WINDOW_CSV_HEADER = (
    "profile",
    "provider",
    "id",
    "name",
    "room",
    "status",
    "started_at",
    "ended_at",
    "verdict",
    "participants",
    "poor",
    "fair",
    "degraded_s_in_window",
    "top_rule",
    "top_cause",
    "summary",
    "error",
)


def row_cells(row: WindowRow) -> list[Any]:
    body = row_json(row)
    top = body["top_finding"] or {}
    return [
        body["profile"],
        body["provider"],
        body["id"],
        body["name"],
        body["room"],
        body["status"],
        body["started_at"],
        body["ended_at"],
        body["verdict"],
        body["participants"],
        body["poor"],
        body["fair"],
        body["degraded_s_in_window"],
        top.get("rule"),
        top.get("cause"),
        body["summary"],
        body["error"],
    ]


def row_table(row: WindowRow, now: datetime, multi_profile: bool) -> list[str]:
    s = row.session
    people = len(row.diagnosis.verdicts) if row.diagnosis is not None else s.participant_count
    return [
        fmt.when(row.start, date=row.start.date() != now.date()),
        fmt.when(row.end, date=False) if row.end is not None else "live",
        *([s.profile] if multi_profile else []),
        s.title,
        "—" if people is None else str(people),
        row.summary or "…",
        fmt.duration(row.degraded_s) if row.degraded_s else "—",
        s.id,
    ]


def table_header(multi_profile: bool) -> list[str]:
    return [
        "START",
        "END",
        *(["PROFILE"] if multi_profile else []),
        "SESSION",
        "PEOPLE",
        "QUALITY",
        "DEGRADED",
        "ID",
    ]


def group_json(g: Group) -> dict[str, Any]:
    return {
        "by": g.dimension.value,
        "key": g.key,
        "label": g.label,
        "participants": g.participants,
        "degraded": g.degraded,
        "poor": g.poor,
        "share_degraded": round(g.share, 4),
        "score": round(g.score, 4),
        "sessions": g.sessions,
        "dominant_cause": g.cause or None,
        "dominant_cause_count": g.cause_count,
        "first_degraded": iso(g.first_degraded),
        "filter": g.filter_term(),
        "sentence": g.sentence(fmt.local(g.first_degraded or datetime.now().astimezone()).tzinfo),
    }


GROUP_JSON_FIELDS = (
    "by",
    "key",
    "label",
    "participants",
    "degraded",
    "poor",
    "share_degraded",
    "score",
    "sessions",
    "dominant_cause",
    "dominant_cause_count",
    "first_degraded",
    "filter",
    "sentence",
)
"""The keys of :func:`group_json`, in order."""


GROUP_CSV_HEADER = (
    "by",
    "label",
    "participants",
    "degraded",
    "poor",
    "share_degraded",
    "sessions",
    "dominant_cause",
    "dominant_cause_count",
    "first_degraded",
    "filter",
)


def group_cells(g: Group) -> list[Any]:
    body = group_json(g)
    return [body[k] for k in GROUP_CSV_HEADER]


def group_table(g: Group) -> list[str]:
    cause = ""
    if g.degraded and g.cause:
        cause = ("all " if g.cause_count == g.degraded else f"{g.cause_count}× ") + g.cause
    return [
        g.label,
        str(g.participants),
        str(g.degraded),
        f"{g.share:.0%}",
        cause or "—",
        fmt.when(g.first_degraded, date=False) if g.first_degraded else "—",
    ]


GROUP_TABLE_HEADER = ["GROUP", "PEOPLE", "DEGRADED", "SHARE", "DOMINANT CAUSE", "FROM"]


# ---------------------------------------------------------------------------------------
# The session list's rows (the TUI's export of the list as filtered)

SESSION_CSV_HEADER = (*output.SESSION_CSV_HEADER, "verdict", "poor", "fair", "quality")
"""The columns of ``roomscope sessions --csv``, then what the Quality column knows (empty
for a session not diagnosed yet)."""


def session_cells(session: Session, diagnosis: SessionDiagnosis | None) -> list[Any]:
    return [*output.session_csv_row(session), *_quality(diagnosis).values()]


def session_json(session: Session, diagnosis: SessionDiagnosis | None) -> dict[str, Any]:
    """The session as ``roomscope sessions --json`` writes it, with the Quality column's
    verdict, counts and words (None: not diagnosed yet)."""
    return {**session.model_dump(mode="json"), **_quality(diagnosis)}


def _quality(diagnosis: SessionDiagnosis | None) -> dict[str, Any]:
    if diagnosis is None:
        return {"verdict": None, "poor": None, "fair": None, "quality": None}
    return {
        "verdict": diagnosis.worst.value,
        "poor": diagnosis.poor,
        "fair": diagnosis.fair,
        "quality": diagnosis.summary_line(_zone(diagnosis)),
    }


def _zone(diagnosis: SessionDiagnosis) -> tzinfo:
    """The zone the UI shows the diagnosis' times in."""
    top = diagnosis.top
    zone = fmt.local(top.start).tzinfo if top is not None else None
    return zone or UTC
