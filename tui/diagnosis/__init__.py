"""Triage: find what went wrong in a session, whose it was, and how we know.

The core of roomscope's diagnosis; it knows nothing of Textual, the store or the providers
(an import contract checks it) and reads only the unified models. One call::

    report = diagnose(session, participants, events, series_by_participant)
    report.summary            # '● 8/8 poor · shared 20:55'
    report.findings           # worst first, each with cause, windows, evidence, ruled-out
    report.verdicts           # one per participant, worst first

Modules: ``findings`` (the result types), ``catalogue`` (rule ids, thresholds, persistence),
``series`` (reading provider series safely; held breaches), ``rules`` (one function per
rule), ``bursts`` (the material between rules and findings), ``attribution`` (causes, in
the order of the triage notes' section 5), ``explain`` (the plain sentences), ``engine``
(``diagnose``).
"""

from roomscope.tui.diagnosis.catalogue import DIAGNOSIS_VERSION, RULE_IDS, RULES, RuleInfo, rule_info
from roomscope.tui.diagnosis.engine import diagnose
from roomscope.tui.diagnosis.findings import (
    CannotSay,
    Cause,
    Evidence,
    Finding,
    Pair,
    ParticipantVerdict,
    Person,
    ProviderScore,
    RuledOut,
    Sample,
    SessionDiagnosis,
    Severity,
    Unsaid,
    Window,
    format_window,
)

__all__ = [
    "DIAGNOSIS_VERSION",
    "RULES",
    "RULE_IDS",
    "CannotSay",
    "Cause",
    "Evidence",
    "Finding",
    "Pair",
    "ParticipantVerdict",
    "Person",
    "ProviderScore",
    "RuleInfo",
    "RuledOut",
    "Sample",
    "SessionDiagnosis",
    "Severity",
    "Unsaid",
    "Window",
    "diagnose",
    "format_window",
    "rule_info",
]
