"""An incident bundle for a ticket: ``summary.md``, ``bundle.json`` and the quality samples
of the participants involved, one CSV each.

:func:`collect` reads what a bundle needs from the store (each session's participants and
diagnosis, the involved participants' series, the providers' caveats); :func:`write` writes
it into a new directory under the one given, all or nothing: the files go to a hidden
temporary directory beside it, which is renamed into place once every file is written (and
removed if anything fails). Nothing secret goes in: the data is what the providers sent
about sessions, and every file is passed through the process's redactor and scrubbed of the
values of every credential environment variable before it is written (tested with
real-looking tokens in the environment).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roomscope.tui import fmt
from roomscope.tui.incident import describe
from roomscope.tui.incident.output import iso
from roomscope.tui.incident.scan import WindowRow
from roomscope.tui.incident.window import IncidentWindow
from roomscope.tui.limits import BUNDLE_MAX_PARTICIPANTS
from roomscope.tui.output import csv_cell
from roomscope.tui.text import clean, inert_json

if TYPE_CHECKING:
    from roomscope.tui.models import Participant, QualitySeries, Session
    from roomscope.tui.store import Store

FORMAT = "roomscope-incident-bundle/1"


class BundleError(Exception):
    """The bundle could not be written; ``exit_code`` 5 (the place is unavailable)."""

    exit_code = 5


@dataclass
class Involved:
    """A participant a finding names, with their series (empty: none could be read)."""

    row: WindowRow
    participant: Participant
    series: list[QualitySeries]
    note: str = ""
    file: str = ""


@dataclass
class BundleData:
    title: str
    window: IncidentWindow | None
    rows: list[WindowRow]
    involved: list[Involved]
    caveats: list[str]
    commands: list[str]
    generated_at: datetime
    profiles: list[tuple[str, str]]
    """(profile, provider label)."""
    left_out: int = 0
    """Involved participants beyond ``BUNDLE_MAX_PARTICIPANTS`` (named in the summary)."""
    participants: dict[tuple[str, str], list[Participant]] = field(default_factory=dict)


async def collect(
    store: Store,
    rows: Sequence[WindowRow],
    window: IncidentWindow | None,
    now: datetime,
    *,
    title: str,
) -> BundleData:
    """What a bundle of ``rows`` (diagnosed sessions, worst first) holds."""
    from roomscope.tui.errors import Capability, ProviderError, missing

    participants: dict[tuple[str, str], list[Participant]] = {}
    candidates: list[tuple[WindowRow, Participant]] = []
    for row in rows:
        try:
            people = await store.participants(row.session)
        except ProviderError:
            people = []
        participants[row.key] = people
        diagnosis = row.diagnosis
        if diagnosis is None:
            continue
        named: set[str] = set()
        for finding in diagnosis.findings:
            if window is None or any(window.clip(w.start, w.end) for w in finding.windows):
                named |= finding.participant_ids
        candidates.extend((row, p) for p in people if p.id in named)
    kept = candidates[:BUNDLE_MAX_PARTICIPANTS]
    gate = asyncio.Semaphore(4)

    async def one(row: WindowRow, person: Participant) -> Involved:
        provider = store.provider(row.session.profile)
        if Capability.QUALITY not in provider.capabilities:
            return Involved(row, person, [], missing(provider, Capability.QUALITY) or "")
        async with gate:
            try:
                report = await store.quality(row.session, person.id)
            except ProviderError as exc:
                return Involved(row, person, [], str(exc))
        return Involved(row, person, [*report.series, *report.peers])

    involved = list(await asyncio.gather(*(one(r, p) for r, p in kept)))
    caveats: list[str] = []
    profiles: list[tuple[str, str]] = []
    for name in sorted({r.session.profile for r in rows}):
        provider = store.provider(name)
        profiles.append((name, provider.label))
        for capability in Capability:
            sentence = missing(provider, capability)
            if sentence and sentence not in caveats:
                caveats.append(sentence)
    return BundleData(
        title=title,
        window=window,
        rows=list(rows),
        involved=involved,
        caveats=caveats,
        commands=_commands(rows, window, involved, multi=len(store.providers) > 1),
        generated_at=now,
        profiles=profiles,
        left_out=max(0, len(candidates) - len(kept)),
        participants=participants,
    )


def whole_window(session: Session, now: datetime) -> IncidentWindow:
    """A window holding the whole of ``session`` (a session's bundle; until ``now`` while live)."""
    from datetime import timedelta

    from roomscope.tui.incident.scan import session_span

    span = session_span(session, now)
    start = span[0] if span is not None else now
    end = (span[1] if span is not None else None) or now
    if end <= start:
        end = start + timedelta(seconds=1)
    return IncidentWindow(start, end, "")


async def collect_session(store: Store, session: Session, now: datetime) -> BundleData | None:
    """What the bundle of one session holds: the session diagnosed, the participants its
    findings name (None: the session has no start time to place it, or is unreadable)."""
    from roomscope.tui.incident.scan import diagnose_rows, overlapping_row

    whole = whole_window(session, now)
    row = overlapping_row(session, whole, now)
    if row is None:
        return None
    rows = await diagnose_rows(store, [row], whole)
    return await collect(store, rows, None, now, title=session.title)


def _commands(
    rows: Sequence[WindowRow], window: IncidentWindow | None, involved: Sequence[Involved], *, multi: bool
) -> list[str]:
    def profile(row: WindowRow) -> str:
        return f" --profile {_shell(row.session.profile)}" if multi else ""

    out: list[str] = []
    if window is not None:
        out.append(f"roomscope window {window.as_argument()} --utc --json")
        out.append(f"roomscope groups --by isp --window {window.as_argument()} --utc")
        out.append(f"roomscope bundle --window {window.as_argument()} --utc")
    for row in rows[:5] if window is not None else rows:
        if row.diagnosis is not None and row.diagnosis.findings:
            out.append(f"roomscope session {_shell(row.session.id)}{profile(row)} --utc")
            if window is None:
                out.append(f"roomscope bundle {_shell(row.session.id)}{profile(row)} --utc")
    for item in involved[:5]:
        ids = f"{_shell(item.row.session.id)} {_shell(item.participant.id)}"
        out.append(f"roomscope quality {ids}{profile(item.row)} --csv")
    return out


_SAFE_ARG = re.compile(r"^[A-Za-z0-9._:@%+=,/|-]+$")


def _shell(text: str) -> str:
    """An argument a shell reads back as ``text``."""
    if _SAFE_ARG.match(text) and "|" not in text:
        return text
    return "'" + text.replace("'", "'\\''") + "'"


# ---------------------------------------------------------------------------------------
# The files


_SCRUB: list[Scrubber] = []
"""The scrubber of the bundle being written (secrets go before Markdown escapes a token's
characters, which would hide it from a scrub of the finished text)."""


def _md(text: object, limit: int = 200) -> str:
    """Provider text made one inert Markdown line: no secrets, no control characters, and
    nothing that Markdown, GitHub or Jira would read as markup, a link, HTML or a table border."""
    line = clean(text, limit)
    for scrub in _SCRUB:
        line = scrub(line)
    line = re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", line)
    return "\\" + line if line[:1] in ("#", "+", "-", "=") else line


def _when(moment: datetime | None, seconds: bool = True) -> str:
    return fmt.when(moment, seconds=seconds) if moment is not None else "—"


def summary_markdown(data: BundleData) -> str:
    from roomscope.tui.diagnosis import rule_info

    zone = fmt.zone_name(data.generated_at)
    lines: list[str] = [f"# Incident: {_md(data.title)}", ""]
    poor = sum(1 for r in data.rows if r.verdict.value == "poor")
    if data.window is not None:
        lines.append(f"**When:** {_md(describe.window_heading(data.window))}  ")
    else:
        row = data.rows[0]
        lines.append(f"**When:** {_when(row.start)} – {_when(row.end) if row.end else 'still live'} {zone}  ")
    lines.append(f"**Sessions:** {len(data.rows)} ({poor} with a poor participant)  ")
    lines.append("**Profiles:** " + ", ".join(f"{_md(p)} ({_md(label)})" for p, label in data.profiles))
    lines += ["", "## What happened", ""]
    shown = [r for r in data.rows if r.diagnosis is not None and r.diagnosis.findings] or data.rows[:1]
    for row in shown[:20]:
        top = row.diagnosis.top if row.diagnosis is not None else None
        why = f" — {_md(top.explanation, 400)}" if top is not None else ""
        lines.append(
            f"- **{_md(row.session.title)}** ({_md(row.session.profile)}, `{_md(row.session.id, 80)}`): "
            f"{_md(row.summary)}{why}"
        )
    if len(shown) > 20:
        lines.append(f"- … and {len(shown) - 20} more sessions with findings (bundle.json lists them all)")
    clean_count = sum(1 for r in data.rows if r.diagnosis is not None and not r.diagnosis.findings)
    if clean_count:
        lines.append(f"- {clean_count} other session(s) in the window had no finding.")
    lines += ["", "## Who", ""]
    if data.involved:
        lines.append("| Participant | Session | Verdict | Cause | Network | Device | Where |")
        lines.append("|---|---|---|---|---|---|---|")
        for item in data.involved:
            p = item.participant
            d = item.row.diagnosis
            verdict = d.verdict_of(p.id) if d is not None else None
            n, dev = p.network, p.device
            lines.append(
                "| "
                + " | ".join(
                    [
                        _md(p.title, 60),
                        _md(item.row.session.title, 60),
                        verdict.verdict.value if verdict else "unknown",
                        _md(verdict.reason if verdict else "", 120),
                        _md(
                            " · ".join(x for x in ((n.connection_type, n.isp, n.asn) if n else ()) if x)
                            or "—"
                        ),
                        _md(
                            " · ".join(
                                x for x in ((dev.browser, dev.os, dev.device_type) if dev else ()) if x
                            )
                            or "—"
                        ),
                        _md(", ".join(x for x in ((n.city, n.country) if n else ()) if x) or "—"),
                    ]
                )
                + " |"
            )
        if data.left_out:
            lines.append("")
            lines.append(
                f"{data.left_out} more participants were named by findings; bundle.json has the sessions."
            )
    else:
        lines.append("No participant was degraded.")
    lines += ["", "## Evidence", ""]
    rules: list[str] = []
    evidence = [
        (row, f)
        for row in data.rows
        if row.diagnosis is not None
        for f in row.diagnosis.findings
        if data.window is None or any(data.window.clip(w.start, w.end) for w in f.windows)
    ]
    if evidence:
        lines.append("| Session | Rule | Severity | Who | When | Peak | Cause |")
        lines.append("|---|---|---|---|---|---|---|")
        for row, f in evidence[:60]:
            if f.rule not in rules:
                rules.append(f.rule)
            who = ", ".join(p.name for p in f.who[:4]) + (f" +{len(f.who) - 4}" if len(f.who) > 4 else "")
            when = (
                f"{fmt.when(f.start, seconds=True, date=False)}–{fmt.when(f.end, seconds=True, date=False)}"
            )
            peak = f"{f.peak:g} {f.unit}".strip() if f.peak is not None else "—"
            cause = f.cause.words + (f" ({f.cause_of.name})" if f.cause_of else "")
            lines.append(
                f"| {_md(row.session.title, 60)} | {f.rule} | {f.severity.value} | {_md(who, 120)} | "
                f"{when} | {_md(peak)} | {_md(cause, 80)} |"
            )
        if len(evidence) > 60:
            lines.append(f"\n… {len(evidence) - 60} more findings in bundle.json.")
    else:
        lines.append("No finding in this window.")
    lines += ["", "## Thresholds used", ""]
    if rules:
        lines.append("| Rule | What | Warn | Poor | Persistence |")
        lines.append("|---|---|---|---|---|")
        for rule in rules:
            try:
                info = rule_info(rule)
            except StopIteration:
                continue
            cells = (info.id, _md(info.name), _md(info.warn), _md(info.poor), _md(info.persistence))
            lines.append("| " + " | ".join(cells) + " |")
    else:
        lines.append("No rule fired.")
    lines += ["", "## Data freshness and provider caveats", ""]
    lines.append(f"- Generated {_when(data.generated_at)} {zone} by roomscope {_version()}.")
    live = sum(1 for r in data.rows if r.end is None)
    lines.append(
        "- Ended sessions are final (cached for good); "
        + (
            f"{live} session(s) were still live and may have changed since."
            if live
            else "no session was live."
        )
    )
    for caveat in data.caveats:
        lines.append(f"- {_md(caveat, 400)}")
    for item in data.involved:
        if item.note:
            lines.append(f"- No samples for {_md(item.participant.title, 60)}: {_md(item.note, 300)}")
    lines += ["", "## Reproduce", "", "```sh", *data.commands, "```", ""]
    return "\n".join(lines)


def _version() -> str:
    from roomscope import __version__

    return __version__


def bundle_json(data: BundleData) -> dict[str, Any]:
    sessions = []
    for row in data.rows:
        body = describe.row_json(row)
        d = row.diagnosis
        body["findings"] = [
            {
                "id": f.id,
                "rule": f.rule,
                "title": f.title,
                "severity": f.severity.value,
                "cause": f.cause.value,
                "cause_of": {"id": f.cause_of.id, "name": f.cause_of.name} if f.cause_of else None,
                "who": [{"id": p.id, "name": p.name} for p in f.who],
                "windows": [{"start": iso(w.start), "end": iso(w.end)} for w in f.windows],
                "peak": f.peak,
                "unit": f.unit,
                "explanation": f.explanation,
                "ruled_out": [{"cause": r.cause.value, "reason": r.reason} for r in f.ruled_out],
                "evidence": [
                    {
                        "rule": e.rule,
                        "participant_id": e.participant.id,
                        "metric": e.metric,
                        "condition": e.condition,
                        "persistence": e.persistence,
                        "peak": e.peak,
                        "samples": len(e.values),
                    }
                    for e in f.evidence
                ],
            }
            for f in (d.findings if d is not None else ())
        ]
        body["verdicts"] = [
            {
                "participant_id": v.participant.id,
                "name": v.participant.name,
                "verdict": v.verdict.value,
                "reason": v.reason,
            }
            for v in (d.verdicts if d is not None else ())
        ]
        sessions.append(body)
    return {
        "format": FORMAT,
        "title": data.title,
        "generated_at": iso(data.generated_at),
        "roomscope": _version(),
        "window": describe.window_json(data.window) if data.window is not None else None,
        "profiles": [{"profile": p, "provider": label} for p, label in data.profiles],
        "sessions": sessions,
        "involved": [
            {
                "profile": item.row.session.profile,
                "session_id": item.row.session.id,
                "participant": item.participant.model_dump(mode="json", exclude={"extra"}),
                "quality_file": item.file or None,
                "note": item.note or None,
            }
            for item in data.involved
        ],
        "involved_left_out": data.left_out,
        "caveats": data.caveats,
        "commands": data.commands,
    }


def quality_csv(series: Sequence[QualitySeries]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "unit", "peer_id", "offset_s", "at", "value"])
    for s in series:
        start = s.start.timestamp()
        for i, value in enumerate(s.values):
            offset = s.offset(i)
            at = datetime.fromtimestamp(start + offset, UTC)
            writer.writerow(
                [csv_cell(x) for x in (s.metric.value, s.unit, s.peer_id, round(offset, 3), iso(at), value)]
            )
    return buffer.getvalue()


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:32] or "participant"


def default_name(data: BundleData) -> str:
    stamp = data.generated_at.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    if data.window is not None:
        return f"roomscope-incident-{data.window.start.astimezone(UTC):%Y%m%d-%H%M}-{stamp}"
    return f"roomscope-session-{_slug(data.rows[0].session.id)[:12]}-{stamp}"


class Scrubber:
    """Secrets out of a file's text: the process redactor's, and the value of every
    credential environment variable a provider reads."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        from roomscope.tui.providers.registry import PROVIDERS
        from roomscope.tui.redact import REDACTOR

        env = os.environ if environ is None else environ
        self.redactor = REDACTOR
        self.values = sorted(
            {
                env[spec.env]
                for info in PROVIDERS.values()
                for spec in info.credentials
                if spec.secret and len(env.get(spec.env, "")) >= 4
            },
            key=len,
            reverse=True,
        )

    def __call__(self, text: str) -> str:
        text = self.redactor(text)
        for value in self.values:
            text = text.replace(value, "***")
        return text

    def deep(self, value: Any) -> Any:
        """Every string inside ``value`` (dicts, lists) scrubbed."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self(str(k)): self.deep(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.deep(v) for v in value]
        return value


def write(data: BundleData, directory: Path, name: str | None = None) -> Path:
    """Write the bundle into a new directory under ``directory``; return its path. Raises
    :class:`BundleError` with one sentence; nothing is left behind when it does."""
    scrub = Scrubber()
    _SCRUB[:] = [scrub]
    try:
        return _write(data, directory, name, scrub)
    finally:
        _SCRUB.clear()


def _write(data: BundleData, directory: Path, name: str | None, scrub: Scrubber) -> Path:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".roomscope-bundle-", dir=directory))
    except OSError as exc:
        raise BundleError(f"cannot write a bundle in {directory}: {exc.strerror or exc}") from None
    try:
        quality_dir = tmp / "quality"
        for n, item in enumerate(data.involved, start=1):
            if not item.series:
                continue
            quality_dir.mkdir(exist_ok=True)
            item.file = f"quality/{n:02d}-{_slug(item.participant.title)}.csv"
            _put(tmp / item.file, scrub(quality_csv(item.series)))
        _put(tmp / "summary.md", scrub(summary_markdown(data)))
        body = inert_json(scrub.deep(bundle_json(data)), indent=2)
        json.loads(body)  # what is written parses back
        _put(tmp / "bundle.json", scrub(body) + "\n")
        final = directory / (name or default_name(data))
        suffix = 1
        while final.exists():
            suffix += 1
            final = directory / f"{name or default_name(data)}-{suffix}"
        os.rename(tmp, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BundleError(f"cannot write a bundle in {directory}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def default_directory() -> Path:
    """Where the TUI writes bundles: ``$ROOMSCOPE_BUNDLE_DIR``, else ``bundles`` in roomscope's
    user data directory."""
    override = os.environ.get("ROOMSCOPE_BUNDLE_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path("roomscope", appauthor=False) / "bundles"


def _put(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
