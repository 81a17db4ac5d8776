"""The shape of a diagnosis: its summary line, verdicts, order, and what it imports."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta, timezone
from pathlib import Path

from roomscope.tui.demo.unified import bundle
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.diagnosis import Cause, Severity, diagnose, format_window
from roomscope.tui.quality import Verdict
from tests.conftest import NOW
from tests.diagnosis.support import burst, healthy, run

ROOT = Path(__file__).resolve().parents[2]


def test_no_finding_on_a_clean_session() -> None:
    world = DemoWorld(seed=7, size=500, now=NOW)
    checked = 0
    for i in range(1, 400):
        s = world.session(i)
        if s.incident is not None or world.ended_at(s, NOW) is None:
            continue
        b = bundle(world, s, NOW)
        report = diagnose(b.session, b.participants, b.events, b.series)
        assert report.findings == (), (i, [f.explanation for f in report.findings])
        assert all(v.verdict is Verdict.GOOD for v in report.verdicts)
        assert report.summary == f"○ {len(b.participants)}/{len(b.participants)} good"
        checked += 1
        if checked == 25:
            break
    assert checked == 25


def test_findings_are_worst_first_and_verdicts_follow() -> None:
    report = run(
        {
            "a": healthy("a", jitter=burst(5.0, (10, 10, 24.0))),  # warn, early
            "b": healthy("b", rtt=burst(300.0, (0, 0, 0.0), (200, 20, 700.0))),  # poor, later
            "c": healthy("c"),
        }
    )
    assert [f.severity for f in report.findings] == [Severity.POOR, Severity.WARN]
    assert [v.participant.id for v in report.verdicts] == ["b", "a", "c"]
    assert [v.verdict for v in report.verdicts] == [Verdict.POOR, Verdict.FAIR, Verdict.GOOD]
    assert report.verdicts[0].reason == "poor: RTT > 400 ms · route"
    assert report.verdicts[1].reason == "fair: Jitter > 20 ms · own downlink"
    assert report.verdicts[0].finding_ids == (report.findings[0].id,)
    assert report.findings_for("a") == (report.findings[1],)
    assert (report.poor, report.fair, report.judged, report.worst) == (1, 1, 3, Verdict.POOR)
    assert report.summary.startswith("● 1/3 poor · route Person (RTT 700)")


def test_the_summary_and_windows_in_another_zone() -> None:
    report = run({"a": healthy("a", packet_loss_send=burst(0.4, (100, 10, 9.0))), "b": healthy("b")})
    plus_two = timezone(timedelta(hours=2))
    assert report.summary == "● 1/2 poor · uplink Person 09:03"
    assert report.summary_line(plus_two) == "● 1/2 poor · uplink Person 11:03"
    window = report.findings[0].windows[0]
    assert format_window(window) == "09:03:20–09:03:40 (20s)"
    assert format_window(window, plus_two) == "11:03:20–11:03:40 (20s)"


def test_a_fair_session_and_its_short_cause() -> None:
    report = run({"a": healthy("a", packet_loss_recv=burst(0.3, (100, 10, 3.0))), "b": healthy("b")})
    assert report.summary == "◐ 1/2 fair · downlink Person 09:03"
    (f,) = report.findings
    assert f.cause is Cause.DOWNLINK and f.severity is Severity.WARN


def test_the_diagnosis_imports_no_store_provider_cache_textual_or_http() -> None:
    code = (
        "import sys, roomscope.tui.diagnosis\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'httpx')"
        " or m.startswith(('roomscope.tui.store', 'roomscope.tui.providers', 'roomscope.tui.cache',"
        " 'roomscope.tui.demo', 'roomscope.screens', 'roomscope.widgets'))]\n"
        "print(sorted(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
