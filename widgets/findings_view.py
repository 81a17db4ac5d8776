"""A session's findings, worst first: what went wrong, when, whose it was, and how we know.

Each finding is one entry of a list with a cursor: its severity and rule, its window(s)
(separate bursts stay separate), the cause sentence, who (the sender → receiver pairs where
known), the evidence (metric, threshold, persistence, peak) and what was ruled out. What the
diagnosis could not say closes the list. Enter (the screen's binding) opens the participant
of the highlighted finding at its start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from roomscope.tui import fmt, present
from roomscope.tui.diagnosis import CannotSay, Cause, Evidence, Finding, SessionDiagnosis
from roomscope.tui.diagnosis.explain import number
from roomscope.tui.quality import Verdict
from roomscope.tui.text import clean

StyleOf = Callable[[Verdict], str]
"""The style of a verdict in the current theme."""

MAX_PEAKS = 2
"""The worst series named per breached rule (the rest are counted)."""
MAX_NAMES = 4
LABEL_WIDTH = 10

IN_WINDOW = "◆ in the window"
"""The mark of a finding overlapping the incident window."""

_MARK = {Verdict.POOR: "●", Verdict.FAIR: "◐", Verdict.GOOD: "○", Verdict.UNKNOWN: "?"}


def _name(text: str) -> str:
    return clean(text, 60)


def _names(names: Sequence[str]) -> str:
    shown = [_name(n) for n in names[:MAX_NAMES]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def who_text(finding: Finding) -> str:
    """Who the finding is about: 'Farah Adeyemi → 6 receivers: Gustavo Khan, Hiro Chen, …'
    (a sender's media lost by its receivers), 'Carmen Okafor ← 5 senders: …' (a receiver
    losing everyone's media), or the people it is about."""
    if finding.pairs and finding.cause is not Cause.SHARED:
        by_receiver = finding.cause is Cause.DOWNLINK
        groups: dict[str, list[str]] = {}
        for pair in finding.pairs:
            near, far = (pair.receiver, pair.sender) if by_receiver else (pair.sender, pair.receiver)
            groups.setdefault(near.name, []).append(far.name)
        arrow, role = ("←", "sender") if by_receiver else ("→", "receiver")
        parts = []
        for name, others in groups.items():
            count = len(others)
            parts.append(f"{_name(name)} {arrow} {count} {role}{'s' if count != 1 else ''}: {_names(others)}")
        return "; ".join(parts)
    count = len(finding.who)
    names = _names([p.name for p in finding.who])
    return names if count <= 1 else f"{count} participants: {names}"


def _whose(evidence: Evidence) -> str:
    whose = _name(evidence.participant.name)
    return f"{whose} from {_name(evidence.peer.name)}" if evidence.peer is not None else whose


def evidence_lines(evidence: Sequence[Evidence]) -> list[str]:
    """One line per rule breached: the metric, its threshold and persistence, then the worst
    series' peaks: 'Packet loss (recv) > 2% (poor > 5%), 3 of 5 consecutive samples: peak
    24.0 % at Isabel Nakamura from Farah Adeyemi, 23.9 % at … and 10 more series'."""
    groups: dict[tuple[str, str, str], list[Evidence]] = {}
    for item in evidence:
        groups.setdefault((item.label, item.condition, item.persistence), []).append(item)
    lines = []
    for (label, condition, persistence), items in groups.items():
        lower_is_worse = items[0].metric in ("mos", "bwe_send", "fps_send")
        ranked = sorted(items, key=lambda e: e.peak if lower_is_worse else -e.peak)
        peaks = [f"{number(e.peak, e.unit)} at {_whose(e)}" for e in ranked[:MAX_PEAKS]]
        more = len(ranked) - len(peaks)
        samples = max(len(e.values) for e in items)
        tail = f" and {more} more series" if more > 0 else ""
        line = f"{label} {condition}, {persistence}: peak {', '.join(peaks)}{tail} (up to {samples} samples)"
        caveats = sorted({e.caveat for e in items if e.caveat})
        if caveats:
            line += "; " + "; ".join(caveats)
        lines.append(line)
    return lines


def windows_text(finding: Finding) -> str:
    return present.bursts([(w.start, w.end) for w in finding.windows])


def finding_text(finding: Finding, style_of: StyleOf, *, in_window: bool = False) -> Group:
    """The entry of one finding: a title line, then labelled lines that wrap under their
    label (cause, bursts, who, evidence, ruled out); ``in_window``: marked as overlapping
    the incident window the session was opened at."""
    verdict = finding.severity.verdict
    title = Text()
    title.append(f"{_MARK[verdict]} {verdict.value:<4}", style=style_of(verdict))
    title.append(f"  {finding.rule}", style="bold")
    title.append(f"  {clean(finding.title, 80)}  ")
    title.append(windows_text(finding), style="bold")
    if in_window:
        title.append(f"  {IN_WINDOW}", style="bold reverse")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=LABEL_WIDTH, style="dim", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")

    def line(label: str, body: str, body_style: str = "") -> None:
        grid.add_row(label, Text(clean(body, 600), style=body_style))

    line("Cause", finding.explanation)
    if len(finding.windows) > 1:
        bursts = " · ".join(
            f"{fmt.when(w.start, seconds=True, date=False)}–{fmt.when(w.end, seconds=True, date=False)}"
            f" ({fmt.duration(w.duration_s)})"
            for w in finding.windows
        )
        line("Bursts", bursts)
    line("Who", who_text(finding))
    for i, evidence in enumerate(evidence_lines(finding.evidence)):
        line("Evidence" if i == 0 else "", evidence)
    if finding.ruled_out:
        ruled = " · ".join(f"{r.cause.words}: {r.reason}" for r in finding.ruled_out)
        line("Ruled out", ruled, "dim")
    return Group(title, Padding(grid, (0, 0, 0, 2)))


def cannot_say_text(diagnosis: SessionDiagnosis) -> Text | None:
    """What the diagnosis could not judge, grouped (None: it could judge everything)."""
    notes: list[CannotSay] = list(diagnosis.notes)
    for verdict in diagnosis.verdicts:
        notes.extend(verdict.cannot_say)
    unknown = [v for v in diagnosis.verdicts if v.verdict is Verdict.UNKNOWN]
    if not notes and not unknown:
        return None
    text = Text()
    text.append("Cannot say\n", style="bold")
    for verdict in unknown:
        text.append(f"  {_name(verdict.participant.name)}: {clean(verdict.reason, 200)}\n", style="dim")
    details: dict[str, list[str]] = {}
    for note in notes:
        who = note.participant.name if note.participant is not None else ""
        details.setdefault(clean(note.detail, 200), []).append(who)
    for detail, people in details.items():
        named = [p for p in people if p]
        suffix = f" ({_names(named)})" if named else ""
        text.append(f"  {detail}{suffix}\n", style="dim")
    text.rstrip()
    return text


def overlaps(finding: Finding, window: tuple[datetime, datetime]) -> bool:
    """Whether a burst of ``finding`` overlaps ``window``."""
    start, end = window
    return any(w.start < end and w.end > start for w in finding.windows)


def summary_text(diagnosis: SessionDiagnosis, style_of: StyleOf) -> Text:
    """The note above the list: '● 7/7 poor · uplink Farah 04:38 · 1 finding, worst first'
    (the verdict in its own look)."""
    top = diagnosis.top
    zone = fmt.local(top.start).tzinfo if top is not None else None
    line = diagnosis.summary_line(zone or UTC)
    verdict, _sep, rest = line.partition(" · ")
    text = Text(clean(verdict, 200), style=style_of(diagnosis.worst))
    if rest:
        text.append(f" · {clean(rest, 200)}")
    count = len(diagnosis.findings)
    if not count:
        text.append(" · no findings")
        return text
    plural = "s" if count != 1 else ""
    text.append(f" · {count} finding{plural}, worst first")
    return text


class FindingsView(OptionList):
    """The findings list; ``findings[i]`` is the finding of option ``i``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="findings.down"),
        Binding("k", "cursor_up", "Up", show=False, id="findings.up"),
        Binding("g", "first", "Top", show=False, id="findings.top"),
        Binding("G", "last", "End", show=False, id="findings.bottom"),
    ]
    DEFAULT_CSS = """
    FindingsView { height: 1fr; border: none; padding: 0; }
    FindingsView:focus { border: none; }
    """

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.findings: list[Finding] = []
        self.in_window = 0
        """How many findings (the first ones) overlap the window given to :meth:`show`."""

    def show(
        self,
        diagnosis: SessionDiagnosis,
        style_of: StyleOf,
        *,
        window: tuple[datetime, datetime] | None = None,
    ) -> None:
        """List the findings of ``diagnosis`` (the highlighted one stays when it still is);
        with ``window``, those overlapping it first (worst first among them), marked."""
        kept = self.selected
        self.clear_options()
        findings = list(diagnosis.findings)
        inside = [f for f in findings if window is not None and overlaps(f, window)]
        first = {id(f) for f in inside}
        self.findings = inside + [f for f in findings if id(f) not in first]
        self.in_window = len(inside)
        options: list[Option | None] = []
        for n, finding in enumerate(self.findings):
            text = finding_text(finding, style_of, in_window=n < len(inside))
            options.append(Option(text, id=finding.id))
        notes = cannot_say_text(diagnosis)
        if notes is not None:
            options.append(Option(notes, id="cannot-say", disabled=True))
        options = [item for option in options for item in (option, None)][:-1]
        if options:
            self.add_options(options)
        if self.findings:
            chosen = kept.id if kept is not None and any(f.id == kept.id for f in self.findings) else None
            self.highlighted = self.get_option_index(chosen or self.findings[0].id)

    @property
    def selected(self) -> Finding | None:
        option = self.highlighted_option
        if option is None:
            return None
        return next((f for f in self.findings if f.id == option.id), None)
