"""The ``roomscope`` command line: headless commands, formats, global options, exit codes.

In process through ``roomscope.tui.cli.main`` (the headless commands run on the suite's fixed clock),
and as a subprocess where the real process matters (a closed pipe, the installed script).
Data goes to stdout, diagnostics to stderr, and no failure shows a traceback.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from roomscope.tui import cli, sources
from roomscope.tui.demo.world import DemoWorld
from tests.conftest import NOW, fixed_now
from tests.support.cli import Run, runner


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run("sessions", "--json")``: roomscope.tui.cli.main in process, on the fixed clock."""
    return runner(capsys, monkeypatch)


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return DemoWorld(seed=7, size=500, now=NOW)


LOSS_SPIKE = 21  # "All-hands" (ended), 7 participants, one with a loss spike
RECORDED = 5  # "Onboarding" (ended, recorded), 2 participants


# ---------------------------------------------------------------------------------------
# sessions


def test_sessions_table(run: Run, world: DemoWorld) -> None:
    result = run("sessions", "--limit", "5")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["START", "(UTC)", "SESSION", "STATUS", "DURATION", "PEOPLE", "ID"]
    assert len(lines) == 6
    for line, index in zip(lines[1:], range(5), strict=True):
        session = world.session(index)
        assert session.id in line
        assert session.title in line
    assert "live" in lines[1] and "ended" in lines[2]
    assert result.err.strip() == "5 of 500 sessions"  # the count is a diagnostic, not data


def test_sessions_table_columns_line_up_with_wide_characters(run: Run, world: DemoWorld) -> None:
    from rich.cells import cell_len

    assert cell_len(world.session(43).title) > len(world.session(43).title)  # 주간 회의
    lines = run("sessions", "--limit", "52").out.splitlines()
    column = cell_len(lines[0][: lines[0].index("STATUS")])
    for line in lines[1:]:
        status = line.index(" live ") + 1 if " live " in line else line.index(" ended ") + 1
        assert cell_len(line[:status]) == column, line


def test_sessions_json(run: Run, world: DemoWorld) -> None:
    result = run("sessions", "--json", "--limit", "3")
    assert result.code == 0
    data = result.json()
    assert isinstance(data, list) and len(data) == 3
    assert [s["id"] for s in data] == [world.session(i).id for i in range(3)]
    first = data[0]
    for field in (
        "provider",
        "profile",
        "id",
        "name",
        "status",
        "started_at",
        "duration_s",
        "participant_count",
    ):
        assert field in first
    assert first["provider"] == "demo" and first["status"] == "live" and first["ended_at"] is None
    assert data[1]["status"] == "ended" and data[1]["ended_at"].endswith("Z")
    assert result.err == ""


def test_sessions_csv(run: Run, world: DemoWorld) -> None:
    result = run("sessions", "--csv", "--limit", "4")
    assert result.code == 0
    rows = result.csv()
    assert list(rows[0]) == [
        "id",
        "profile",
        "provider",
        "name",
        "room",
        "status",
        "started_at",
        "ended_at",
        "duration_s",
        "participants",
        "problem",
    ]
    assert [r["id"] for r in rows] == [world.session(i).id for i in range(4)]
    assert rows[0]["ended_at"] == "" and rows[1]["ended_at"].endswith("Z")
    assert int(rows[1]["participants"]) == 40


def test_sessions_since_status_limit(run: Run) -> None:
    result = run("sessions", "--since", "24h", "--status", "ended", "--limit", "5", "--json")
    assert result.code == 0
    data = result.json()
    assert isinstance(data, list) and len(data) == 5
    for session in data:
        assert session["status"] == "ended"
        started = session["started_at"].replace("Z", "+00:00")
        assert NOW - timedelta(hours=24) <= datetime.fromisoformat(started) <= NOW


def test_sessions_filter_and_inversion(run: Run) -> None:
    kept = run("sessions", "--filter", "standup", "--limit", "500", "--json").json()
    dropped = run("sessions", "--filter", "!standup", "--limit", "500", "--json").json()
    assert isinstance(kept, list) and isinstance(dropped, list)
    assert kept and all("standup" in f"{s['name']} {s['room_name']}".lower() for s in kept)
    assert len(kept) + len(dropped) == 500


def test_global_options_before_and_after_the_command(run: Run) -> None:
    before = run("--demo-latency", "0", "--demo-size", "500", "--utc", "sessions", "--json", fast=False)
    after = run("sessions", "--json", "--demo-latency", "0", "--demo-size", "500", "--utc", fast=False)
    mixed = run("--demo-size", "500", "sessions", "--demo-latency", "0", "--json", fast=False)
    assert before.code == after.code == mixed.code == 0
    assert before.json() == after.json() == mixed.json()
    other = run("sessions", "--json", "--demo-latency", "0", "--demo-size", "50", fast=False)
    assert other.json() != before.json()  # the option after the command really applied


# ---------------------------------------------------------------------------------------
# one session and what hangs off it


def test_session_table_and_json(run: Run, world: DemoWorld) -> None:
    session = world.session(LOSS_SPIKE)
    result = run("session", session.id)
    assert result.code == 0
    assert f"id           {session.id}" in result.out
    assert "name         All-hands" in result.out
    assert "status       ended" in result.out
    assert "participants 7" in result.out
    assert "Farah Adeyemi" in result.out
    data = run("session", session.id, "--json").json()
    assert isinstance(data, dict)
    assert data["id"] == session.id and data["status"] == "ended"
    assert len(data["participants"]) == 7
    assert {"id", "name", "role", "device", "network"} <= set(data["participants"][0])


def test_participants_all_formats(run: Run, world: DemoWorld) -> None:
    session = world.session(LOSS_SPIKE)
    people = world.participants(session)
    table = run("participants", session.id)
    assert table.code == 0
    assert table.out.splitlines()[0].split()[:5] == ["NAME", "ROLE", "JOINED", "(UTC)", "LEFT"]
    assert all(p.id in table.out for p in people)
    data = run("participants", session.id, "--json").json()
    assert isinstance(data, list) and [p["id"] for p in data] == [p.id for p in people]
    rows = run("participants", session.id, "--csv").csv()
    assert [r["id"] for r in rows] == [p.id for p in people]
    farah = next(r for r in rows if r["name"] == "Farah Adeyemi")
    demo = next(p for p in people if p.name == "Farah Adeyemi")
    assert farah["isp"] == demo.isp and farah["city"] == demo.city and farah["browser"] == demo.browser


def test_events_all_formats(run: Run, world: DemoWorld) -> None:
    session = world.session(LOSS_SPIKE)
    expected = world.events(session, NOW)
    table = run("events", session.id)
    assert table.code == 0
    assert table.out.splitlines()[0].split() == ["TIME", "(UTC)", "EVENT", "PARTICIPANT", "DETAIL"]
    assert len(table.out.splitlines()) == len(expected) + 1
    data = run("events", session.id, "--json").json()
    assert isinstance(data, list) and [e["id"] for e in data] == [e.id for e in expected]
    rows = run("events", session.id, "--csv").csv()
    assert rows[0]["kind"] == "session_start" and rows[-1]["kind"] == "session_end"
    farah = next(p for p in world.participants(session) if p.name == "Farah Adeyemi")
    mine = run("events", session.id, "--participant", farah.id, "--json").json()
    assert isinstance(mine, list) and mine
    assert {e["participant_id"] for e in mine} == {farah.id}


def test_artifacts_all_formats(run: Run, world: DemoWorld) -> None:
    session = world.session(RECORDED)
    data = run("artifacts", session.id, "--json").json()
    assert isinstance(data, list)
    kinds = {a["kind"]: a for a in data}
    assert {"transcript", "summary"} <= set(kinds)  # a recorded session left both
    assert kinds["transcript"]["url"].startswith("https://") and kinds["transcript"]["expires_at"]
    rows = run("artifacts", session.id, "--csv", "--fields", "kind,url").csv()
    assert [r["kind"] for r in rows] == [a["kind"] for a in data] and set(rows[0]) == {"kind", "url"}
    table = run("artifacts", session.id).out.splitlines()
    assert table[0].split()[:2] == ["KIND", "FORMAT"] and len(table) == len(data) + 1


def test_recordings_all_formats(run: Run, world: DemoWorld) -> None:
    session = world.session(RECORDED)
    expected = world.recordings(session, NOW)
    assert expected
    table = run("recordings", session.id)
    assert table.code == 0
    assert table.out.splitlines()[0].split() == [
        "STATUS",
        "STARTED",
        "(UTC)",
        "DURATION",
        "SIZE",
        "FORMAT",
        "ID",
    ]
    assert all(r.id in table.out for r in expected)
    data = run("recordings", session.id, "--json").json()
    assert isinstance(data, list) and [r["id"] for r in data] == [r.id for r in expected]
    assert data[0]["status"] == "completed" and data[0]["url"].startswith("https://")
    rows = run("recordings", session.id, "--csv").csv()
    assert rows[0]["format"] == "mp4" and int(rows[0]["size_bytes"]) == expected[0].size_bytes


def test_quality_all_formats(run: Run, world: DemoWorld) -> None:
    session = world.session(LOSS_SPIKE)
    farah = next(p for p in world.participants(session) if p.name == "Farah Adeyemi")
    table = run("quality", session.id, farah.id)
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0] == "verdict      poor: Packet loss (send) > 5% · 04:38:06–04:39:30 (1m24s) UTC"
    assert lines[1].split()[:3] == ["METRIC", "UNIT", "MIN"]
    assert lines[1].split()[-5:] == ["FAIR", "WHEN", "POOR", "WHEN", "VERDICT"]
    loss = next(line for line in lines if line.startswith("Packet loss (send)"))
    assert loss.split()[-2:] == ["5%", "poor"] and "  > 5%  " in loss  # the condition, not a label
    assert "  > 2%  " in loss  # the fair threshold beside the poor one
    assert next(line for line in lines if line.startswith("RTT")).split()[-3:-1] == ["400", "ms"]
    bitrate = next(line for line in lines if line.startswith("Bitrate (send)"))
    assert bitrate.split()[-3:] == ["—", "—", "—"]  # bitrate never sets a verdict

    data = run("quality", session.id, farah.id, "--json").json()
    assert isinstance(data, dict)
    assert data["verdict"] == "poor" and data["tripped_by"] == "packet_loss_send"
    metrics = data["metrics"]
    assert set(metrics) == {
        "packet_loss_send",
        "packet_loss_recv",
        "bitrate_send",
        "bitrate_recv",
        "jitter",
        "rtt",
        "mos",
        "fps_send",  # Farah sends video: its frame rate and CPU limitation are series too
        "cpu_limited",
    }
    loss_stats = metrics["packet_loss_send"]
    assert loss_stats["poor_threshold"] == 5.0 and loss_stats["verdict"] == "poor"
    assert loss_stats["min"] <= loss_stats["avg"] <= loss_stats["max"]
    assert metrics["bitrate_send"]["poor_threshold"] is None
    assert metrics["bitrate_send"]["verdict"] is None and loss_stats["fair_threshold"] == 2.0

    rows = run("quality", session.id, farah.id, "--csv").csv()
    assert list(rows[0]) == ["metric", "unit", "offset_s", "at", "value", "source", "peer_id"]
    sources = {r["metric"]: r["source"] for r in rows if not r["peer_id"]}
    assert sources["rtt"] == "" and sources["mos"].startswith("estimated")  # how each was made
    assert {r["metric"] for r in rows} >= {"packet_loss_send", "rtt", "mos"}
    assert rows[0]["offset_s"] == "0.0"


@pytest.mark.parametrize("name", ["telnyx", "signalwire", "whereby", "realtimekit"])
def test_demo_providers_list_sessions(run: Run, name: str) -> None:
    result = run("--demo-provider", name, "sessions", "--json", "--limit", "5")
    assert result.code == 0, result.err
    data = result.json()
    assert isinstance(data, list) and len(data) == 5
    assert {s["provider"] for s in data} == {name}
    assert {s["profile"] for s in data} == {f"{name}-demo"}
    starts = [s["started_at"] for s in data]
    assert starts == sorted(starts, reverse=True)


def test_telnyx_quality_is_a_missing_capability(run: Run) -> None:
    sessions = run("--demo-provider", "telnyx", "sessions", "--json", "--status", "ended", "--limit", "1")
    data = sessions.json()
    assert isinstance(data, list)
    session_id = data[0]["id"]
    people = run("--demo-provider", "telnyx", "participants", session_id, "--json").json()
    assert isinstance(people, list) and people
    result = run("--demo-provider", "telnyx", "quality", session_id, people[0]["id"])
    assert result.code == 8
    assert result.out == ""
    assert "Telnyx Rooms has no per-participant quality samples" in result.err


# ---------------------------------------------------------------------------------------
# cache and config


def test_cache_info_and_clear(run: Run, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    assert run("sessions", "--limit", "3", "--cache-dir", str(cache_dir)).code == 0
    info = run("cache", "info", "--cache-dir", str(cache_dir))
    assert info.code == 0
    lines = info.out.splitlines()
    column = lines[0].index(str(cache_dir))
    assert lines[0].startswith("path ")
    assert "sessions" in info.out and any(line.split() == ["profile", "demo", "1"] for line in lines)
    # every value starts in one column, whatever the label ('  participants', 'profile demo')
    assert all(line[column - 1] == " " and line[column] != " " for line in lines), info.out
    data = run("cache", "info", "--json", "--cache-dir", str(cache_dir)).json()
    assert isinstance(data, dict)
    assert data["entries"] >= 1 and data["persistent"] is True
    assert stat.S_IMODE(os.stat(data["path"]).st_mode) == 0o600
    first_screen = cache_dir / "roomscope-first-screen.json"
    first_screen.write_text("{}")  # the session list's first rows, kept by the TUI
    cleared = run("cache", "clear", "--cache-dir", str(cache_dir))
    assert not first_screen.exists()
    assert cleared.code == 0 and cleared.out == ""
    assert "removed" in cleared.err
    again = run("cache", "info", "--json", "--cache-dir", str(cache_dir)).json()
    assert isinstance(again, dict) and again["entries"] == 0


def test_cache_dir_from_the_environment(run: Run) -> None:
    assert run("sessions", "--limit", "1").code == 0
    data = run("cache", "info", "--json").json()
    assert isinstance(data, dict)
    assert data["path"].startswith(os.environ["ROOMSCOPE_CACHE_DIR"])


def test_config_path_init_check(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "conf" / "config.toml"
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    shown = run("config", "path")
    assert shown.code == 0 and shown.out.strip() == str(path)

    # no file: the demo profile, and it checks out
    checked = run("config", "check")
    assert checked.code == 0
    assert checked.out.strip().startswith("demo: ok: demo world")

    made = run("config", "init")
    assert made.code == 0 and made.out == ""
    assert "wrote an example configuration" in made.err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text()
    refused = run("config", "init")
    assert refused.code == 2
    assert "already exists; use --force" in refused.err
    assert path.read_text() == before
    assert run("config", "init", "--force").code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    sandbox = run("config", "check", "--profile", "sandbox")
    assert sandbox.code == 0
    assert sandbox.out.strip().startswith("sandbox: ok: demo world")
    everything = run("config", "check")  # the example's real providers lack their env vars
    assert everything.code == 2
    assert "sandbox: ok" in everything.out
    assert "telnyx: FAILED" in everything.out and "TELNYX_API_KEY is not set" in everything.out


# ---------------------------------------------------------------------------------------
# exit codes


def test_bad_argument_is_2(run: Run) -> None:
    result = run("sessions", "--limit", "many")
    assert result.code == 2
    assert "--limit: not a whole number: 'many'" in result.err
    assert result.out == ""
    assert run("no-such-command").code == 2
    assert run("sessions", "--status", "sleeping").code == 2


@pytest.mark.parametrize("size", ["0", "-3", "lots", "20000000"])
def test_bad_demo_size_is_2(run: Run, size: str) -> None:
    result = run("sessions", "--demo-size", size, fast=False)
    assert result.code == 2
    assert "--demo-size" in result.err


def test_unknown_session_is_3(run: Run) -> None:
    result = run("session", "00000000-0000-4000-8000-000000000000")
    assert result.code == 3
    assert "No session with id '00000000-0000-4000-8000-000000000000'." in result.err
    assert result.out == ""
    assert run("events", "nope", "--json").code == 3


def test_offline_with_an_empty_cache_is_5(run: Run, tmp_path: Path) -> None:
    result = run("--offline", "sessions", "--cache-dir", str(tmp_path / "empty"))
    assert result.code == 5
    assert "Not in the cache, and roomscope is offline (--offline)." in result.err
    assert result.out == ""


def test_offline_serves_what_was_cached(run: Run, tmp_path: Path) -> None:
    cache_dir = str(tmp_path / "c")
    online = run("sessions", "--json", "--limit", "3", "--cache-dir", cache_dir)
    offline = run("sessions", "--json", "--limit", "3", "--cache-dir", cache_dir, "--offline")
    assert offline.code == 0
    assert offline.json() == online.json()


def test_a_bad_config_line_is_2_with_file_and_line(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[profiles.x]\nprovider = "demo"\nthis is not toml\n')
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    result = run("sessions")
    assert result.code == 2
    assert f"{path}:3" in result.err
    path.write_text('[profiles.x]\nprovider = "nope"\n')
    result = run("sessions")
    assert result.code == 2
    assert f"{path}:2" in result.err and 'unknown provider "nope"' in result.err
    assert run("config", "check").code == 2


def test_unknown_theme_is_a_usage_error(run: Run) -> None:
    result = run("--theme", "no-such-theme")
    assert result.code == 2
    assert "unknown theme 'no-such-theme'" in result.err
    assert "roomscope-dark" in result.err  # it lists what exists


def test_a_headless_command_is_not_the_tui() -> None:
    with pytest.raises(sources.UsageError, match="headless command"):
        cli.build_app(["sessions"], clock=fixed_now)


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("roomscope ")
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "Exit codes:" in out and "3 not found" in out


def test_parse_since() -> None:
    assert sources.parse_since("90m", NOW) == NOW - timedelta(minutes=90)
    assert sources.parse_since("2w", NOW) == NOW - timedelta(weeks=2)
    assert sources.parse_since("2026-11-01", NOW).isoformat() == "2026-11-01T00:00:00+00:00"
    with pytest.raises(sources.UsageError, match="--since"):
        sources.parse_since("yesterday", NOW)


# ---------------------------------------------------------------------------------------
# the real process


def _roomscope() -> str:
    script = Path(sys.executable).with_name("roomscope")
    if not script.exists():
        pytest.skip(f"the roomscope console script is not installed next to {sys.executable}")
    return str(script)


def test_a_closed_pipe_is_not_a_traceback(tmp_path: Path) -> None:
    """`roomscope sessions --json | head -1`."""
    proc = subprocess.Popen(
        [_roomscope(), "sessions", "--json", "--limit", "2000", "--demo-latency", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "ROOMSCOPE_CACHE_DIR": str(tmp_path / "c")},
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10).startswith(b"[")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert code == 141


def test_errors_from_the_installed_command_have_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "ROOMSCOPE_CACHE_DIR": str(tmp_path / "c")}
    for argv, code in (
        (["sessions", "--limit", "x"], 2),
        (["--offline", "sessions"], 5),
        (["session", "nope", "--demo-latency", "0"], 3),
    ):
        done = subprocess.run([_roomscope(), *argv], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == code, (argv, done.stderr)
        assert done.stderr.startswith("roomscope: error: ")
        assert "Traceback" not in done.stderr
        assert done.stdout == ""


def test_what_an_adapter_found_out_is_a_warning_on_stderr(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from roomscope.tui.providers.demo import DemoProvider

    listed = DemoProvider.list_sessions

    async def noting(self: DemoProvider, *args: Any, **kwargs: Any) -> Any:
        self.notice("listed sessions in another order than newest first \x1b[2J; sorted here")
        return await listed(self, *args, **kwargs)

    monkeypatch.setattr(DemoProvider, "list_sessions", noting)
    result = run("sessions", "--limit", "2", "--json")
    assert result.code == 0 and len(result.json()) == 2  # type: ignore[arg-type]
    warnings = [line for line in result.err.splitlines() if "another order" in line]
    assert len(warnings) == 1 and warnings[0].startswith("roomscope: warning: ")
    assert "\x1b" not in result.err


def test_a_bug_in_a_headless_command_is_one_sentence_and_a_crash_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from roomscope.tui import headless

    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("boom \x1b[2J [bold]x[/]")

    monkeypatch.setattr(headless, "run_command", broken)
    code = cli.main(["--cache-dir", str(tmp_path / "cache"), "sessions", "--json"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("roomscope: error: internal error (RuntimeError: boom")
    assert "Traceback" not in captured.err and "\x1b" not in captured.err
    log = tmp_path / "cache" / "roomscope-crash.log"
    assert str(log) in lines[0]
    text = log.read_text()
    assert "Traceback" in text and "RuntimeError: boom" in text and "\x1b" not in text
    assert (log.stat().st_mode & 0o777) == 0o600


def test_the_command_names_are_the_parsers() -> None:
    import argparse

    parser = cli.build_parser()
    (subparsers,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert sorted(cli.COMMANDS) == sorted(subparsers.choices)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--provider", "demo", "--live"],
        ["--window", "10:00-10:10", "--utc"],
        ["--profile", "sessions"],  # a value that is a command's name: the whole parser
        ["--history", "room=x", "--theme", "roomscope-light"],
    ],
)
def test_the_tui_parser_reads_a_command_line_as_the_whole_one_does(argv: list[str]) -> None:
    lite = cli.build_parser(commands=False).parse_args(argv)
    assert vars(lite) == vars(cli.build_parser().parse_args(argv))
    assert vars(cli._parse(argv)) == vars(lite)


def test_a_mistake_in_a_tui_command_line_is_told_by_the_whole_parser() -> None:
    with pytest.raises(sources.UsageError) as lite:
        cli._parse(["sesions"])
    assert "invalid choice: 'sesions'" in str(lite.value)
    with pytest.raises(sources.UsageError) as unknown:
        cli._parse(["--no-such-option"])
    assert "unrecognized arguments: --no-such-option" in str(unknown.value)
