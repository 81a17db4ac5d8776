"""The diagnosis on synthetic dumps: the findings each case must give, client-only rules
(CPU-ENC, OUT-VFREEZE, CON-RELAY, CON-SWITCH, CON-ICE) included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from roomscope.tui.clientstats.quality_series import to_quality_series
from roomscope.tui.diagnosis import Cause, SessionDiagnosis, Severity, diagnose
from roomscope.tui.models import Participant, Session, SessionStatus
from tests.clientstats import synth
from tests.clientstats.support import read

POLLS = 60
"""A minute at one poll a second: long enough for a verdict (30 s) and held breaches."""


def _diagnose(path: Path) -> SessionDiagnosis:
    dump = read(path)
    start = datetime.fromtimestamp(synth.T0 / 1000.0, UTC)
    end = datetime.fromtimestamp((synth.T0 + POLLS * 1000.0) / 1000.0, UTC)
    session = Session(
        provider="telnyx", profile="t", id="s1", status=SessionStatus.ENDED, started_at=start, ended_at=end
    )
    alice = Participant(
        provider="telnyx", session_id="s1", id="p1", name="Alice", joined_at=start, left_at=end
    )
    series = to_quality_series(dump, provider="telnyx", session_id="s1", participant_id="p1")
    return diagnose(session, [alice], [], {"p1": series})


def _rules(report: SessionDiagnosis) -> set[str]:
    return {f.rule for f in report.findings}


def _patched(troubled: synth.Call, change: Callable[[int, synth.Reports], None]) -> synth.Call:
    for polls in troubled.pcs.values():
        for i, poll in enumerate(polls):
            change(i, poll.reports)
    return troubled


@pytest.mark.parametrize(
    "case",
    [
        synth.call(POLLS),
        synth.call(POLLS, reset_at=20),
        synth.call(POLLS, late_size_from=30),
        synth.call(POLLS, pcs=2),
    ],
    ids=["clean", "counter-reset", "late-series", "two-connections"],
)
def test_a_clean_call_has_no_findings(tmp_path: Path, case: synth.Call) -> None:
    report = _diagnose(synth.write_internals(tmp_path / "call.txt", case))
    assert report.findings == ()
    (verdict,) = report.verdicts
    assert verdict.verdict.value == "good"


def test_cpu_limitation_is_cpu_enc(tmp_path: Path) -> None:
    def slower(i: int, reports: synth.Reports) -> None:
        if i >= 40:
            reports["OT01V444"]["framesPerSecond"] = 10

    call = _patched(synth.call(POLLS, cpu_from=40), slower)
    report = _diagnose(synth.write_rtcstats(tmp_path / "cpu.jsonl", call))
    (finding,) = report.findings
    assert finding.rule == "CPU-ENC"
    assert finding.severity is Severity.POOR and finding.cause is Cause.DEVICE_CPU
    assert finding.windows[0].start.timestamp() == pytest.approx(synth.T0 / 1000.0 + 41, abs=1.0)
    assert "frame rate fell to 10 fps" in finding.explanation


def test_a_long_freeze_is_out_vfreeze(tmp_path: Path) -> None:
    def freeze(i: int, reports: synth.Reports) -> None:
        if i >= 20:  # frozen 0.6 s of every second from poll 20
            reports["IT01V222"]["freezeCount"] = i - 19
            reports["IT01V222"]["totalFreezesDuration"] = 0.6 * (i - 19)

    call = _patched(synth.call(POLLS), freeze)
    report = _diagnose(synth.write_internals(tmp_path / "freeze.txt", call))
    (finding,) = report.findings
    assert finding.rule == "OUT-VFREEZE" and finding.severity is Severity.POOR
    assert finding.peak == pytest.approx(60.0)


def test_one_short_freeze_is_no_finding(tmp_path: Path) -> None:
    report = _diagnose(synth.write_internals(tmp_path / "blip.txt", synth.call(POLLS, freeze_at=30)))
    assert report.findings == ()


def test_a_relayed_path_in_trouble_is_con_relay(tmp_path: Path) -> None:
    def slow(i: int, reports: synth.Reports) -> None:
        reports["CP1_2"]["currentRoundTripTime"] = 0.45

    call = _patched(synth.call(POLLS, relay=True), slow)
    report = _diagnose(synth.write_internals(tmp_path / "relay.txt", call))
    (finding,) = report.findings
    assert finding.rule == "CON-RELAY" and finding.cause is Cause.CONNECTIVITY
    assert "relayed or TCP" in finding.explanation
    assert {e.rule for e in finding.evidence} == {"CON-RELAY", "NET-RTT"}


def test_a_relayed_path_without_trouble_is_no_finding(tmp_path: Path) -> None:
    report = _diagnose(synth.write_internals(tmp_path / "relay.txt", synth.call(POLLS, relay=True)))
    assert report.findings == ()


def test_a_network_switch_is_con_switch_and_con_ice(tmp_path: Path) -> None:
    report = _diagnose(synth.write_internals(tmp_path / "switch.txt", synth.call(POLLS, switch_at=30)))
    assert _rules(report) == {"CON-SWITCH", "CON-ICE"}
    switch = next(f for f in report.findings if f.rule == "CON-SWITCH")
    assert switch.severity is Severity.POOR  # wifi to cellular
    assert switch.cause is Cause.CONNECTIVITY and "network type changed" in switch.explanation
    assert switch.windows[0].start.timestamp() == pytest.approx(synth.T0 / 1000.0 + 30)
    ice = next(f for f in report.findings if f.rule == "CON-ICE")
    assert ice.severity is Severity.WARN and "disconnected" in ice.explanation
    assert ice.windows[0].start.timestamp() == pytest.approx(synth.T0 / 1000.0 + 30 - 0.6)


def test_loss_around_a_switch_is_blamed_on_it(tmp_path: Path) -> None:
    def lossy(i: int, reports: synth.Reports) -> None:
        if 30 <= i < 40:  # the receivers lose a tenth of the video sent after the switch
            reports["RIV444"]["packetsLost"] = 9 * (i - 29)
        elif i >= 40:
            reports["RIV444"]["packetsLost"] = 90

    call = _patched(synth.call(POLLS, switch_at=30), lossy)
    report = _diagnose(synth.write_internals(tmp_path / "switch.txt", call))
    assert "NET-LOSS-UP" not in _rules(report)
    switch = next(f for f in report.findings if f.rule in ("CON-SWITCH", "CON-ICE") and len(f.evidence) > 1)
    assert "NET-LOSS-UP" in {e.rule for e in switch.evidence}
