"""Scripting conventions of the command line: JSON Lines on every list command, ``--fields``,
shell completion and the manual page made from the parser, subcommand help that names the
global options once, and times that carry their zone."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from roomscope import __version__
from roomscope.tui import cli, fmt, present
from roomscope.tui.completion import subcommands
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.manpage import manpage
from roomscope.tui.theme_names import THEME_NAMES
from tests.conftest import NOW
from tests.support.cli import Run, runner

ROOT = Path(__file__).resolve().parents[1]
LOSS_SPIKE = 21  # "All-hands" (ended), 7 participants, one with a loss spike


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return runner(capsys, monkeypatch)


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return DemoWorld(seed=7, size=500, now=NOW)


def _options(parser: object) -> set[str]:
    import argparse

    assert isinstance(parser, argparse.ArgumentParser)
    return {
        name
        for action in parser._actions
        if action.help != argparse.SUPPRESS
        for name in action.option_strings
        if name.startswith("--")
    }


# ---------------------------------------------------------------------------------------
# JSON Lines and --fields


def _list_commands(world: DemoWorld) -> list[list[str]]:
    s = world.session(LOSS_SPIKE)
    person = world.participants(s)[0]
    return [
        ["sessions", "--limit", "5"],
        ["participants", s.id],
        ["events", s.id],
        ["recordings", world.session(5).id],
        ["quality", s.id, person.id],
        ["findings", s.id],
        ["triage", "--symptom", "choppy"],
    ]


def test_every_list_command_writes_json_lines_that_match_its_json(run: Run, world: DemoWorld) -> None:
    for argv in _list_commands(world):
        lines = run(*argv, "--jsonl")
        assert lines.code == 0, (argv, lines.err)
        records = [json.loads(line) for line in lines.out.splitlines()]
        assert records, argv
        if argv[0] == "quality":  # its JSON is one report; its JSON Lines are the samples, as its CSV
            assert set(records[0]) == {"metric", "unit", "offset_s", "at", "value", "source", "peer_id"}
            continue
        assert records == run(*argv, "--json").json(), argv


def test_fields_pick_and_order_json_jsonl_and_csv(run: Run, world: DemoWorld) -> None:
    s = world.session(LOSS_SPIKE)
    data = run("sessions", "--limit", "3", "--json", "--fields", "status,id").json()
    assert isinstance(data, list) and [list(d) for d in data] == [["status", "id"]] * 3
    lines = run("participants", s.id, "--jsonl", "--fields", "name,verdict,reconnects").out.splitlines()
    assert [list(json.loads(line)) for line in lines] == [["name", "verdict", "reconnects"]] * len(lines)
    rows = run("events", s.id, "--csv", "--fields", "kind,at").csv()
    assert list(rows[0]) == ["kind", "at"] and rows[0]["at"].endswith("Z")
    one = run("session", s.id, "--json", "--fields", "id,verdict,reason").json()
    assert isinstance(one, dict) and list(one) == ["id", "verdict", "reason"] and one["verdict"] == "poor"
    quality = run("quality", s.id, world.participants(s)[0].id, "--json", "--fields", "verdict,reason").json()
    assert isinstance(quality, dict) and list(quality) == ["verdict", "reason"]


@pytest.mark.parametrize(
    ("argv", "valid"),
    [
        (["sessions", "--json"], "started_at"),
        (["sessions", "--csv"], "participants"),
        (["sessions", "--jsonl"], "participant_count"),
    ],
)
def test_an_unknown_field_exits_2_naming_the_valid_ones(run: Run, argv: list[str], valid: str) -> None:
    result = run(*argv, "--fields", "id,colour")
    assert result.code == 2 and result.out == ""
    assert "unknown field 'colour'" in result.err and valid in result.err


def test_fields_need_a_machine_format(run: Run) -> None:
    result = run("sessions", "--fields", "id")
    assert result.code == 2 and "--json, --jsonl or --csv" in result.err


def test_session_and_participants_carry_verdict_reason_and_reconnects(run: Run, world: DemoWorld) -> None:
    s = world.session(LOSS_SPIKE)
    table = run("session", s.id)
    assert "verdict      ● " in table.out and "reason       " in table.out
    header = next(line for line in table.out.splitlines() if line.startswith("NAME"))
    assert {"RECONNECTS", "VERDICT", "REASON"} <= set(header.split())
    people = run("participants", s.id, "--json").json()
    assert isinstance(people, list)
    assert all({"verdict", "reason", "reconnects"} <= set(p) for p in people)
    assert {p["verdict"] for p in people} >= {"poor"}
    rows = run("participants", s.id, "--csv").csv()
    assert {"verdict", "reason", "reconnects"} <= set(rows[0])


# ---------------------------------------------------------------------------------------
# Times and durations


def test_durations_of_several_bursts_say_so() -> None:
    fmt.set_utc(True)
    try:
        a = datetime(2026, 11, 22, 21, 58, 52, tzinfo=UTC)
        spans = [
            (a, a.replace(minute=59, second=52)),
            (a.replace(hour=22, minute=5), a.replace(hour=22, minute=6)),
        ]
        spans.append((a.replace(hour=22, minute=10, second=0), a.replace(hour=22, minute=11, second=40)))
        assert present.bursts(spans) == "3 bursts, 3m40s in all, first at 21:58:52"
        assert present.bursts(spans[:1]) == "21:58:52–21:59:52 (1m00s)"
        assert fmt.zone() == "UTC"
    finally:
        fmt.set_utc(False)


def test_tables_name_the_zone_and_utc_switches_it(run: Run) -> None:
    env_zone = os.environ.get("TZ")
    assert env_zone == "UTC"  # the suite's zone; --utc names it the same way
    for argv in (["sessions", "--limit", "2"], ["sessions", "--limit", "2", "--utc"]):
        assert run(*argv).out.splitlines()[0].startswith("START (UTC)")


# ---------------------------------------------------------------------------------------
# Help


def test_subcommand_help_shows_its_own_options_then_names_the_global_ones_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["sessions", "--help"])
    text = capsys.readouterr().out
    own = text.index("--since SPAN")
    heading = text.index("global options (before or after the command)")
    assert own < heading
    tail = text[heading:]
    for name in (
        "--provider NAME",
        "--profile NAME",
        "--cache-dir DIR",
        "--offline",
        "--utc",
        "--log-file PATH",
    ):
        assert name in tail
    # named once, not described once per command
    assert text.count("--provider") == 1 and "credentials from its own environment" not in text


# ---------------------------------------------------------------------------------------
# Completion


def _config_with_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[profiles.prod-eu]\nprovider = "whereby"\ntoken_env = "WHEREBY_API_KEY"\n'
        '[profiles.sandbox]\nprovider = "demo"\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_name_commands_options_profiles_and_themes(
    run: Run, shell: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config_with_profiles(tmp_path, monkeypatch)
    result = run("completion", shell, fast=False)
    assert result.code == 0, result.err
    script = result.out
    parser = cli.build_parser()
    for name, command in subcommands(parser).choices.items():
        assert name in script
        for option in _options(command):
            assert (option if shell != "fish" else f"-l {option[2:]}") in script, (name, option)
    for option in _options(parser):
        assert (option if shell != "fish" else f"-l {option[2:]}") in script
    assert "prod-eu" in script and "sandbox" in script
    assert all(theme in script for theme in THEME_NAMES)
    assert "choppy" in script and "cant-hear" in script
    checker = shutil.which(shell)
    if checker is not None:
        path = tmp_path / f"roomscope.{shell}"
        path.write_text(script, encoding="utf-8")
        done = subprocess.run([checker, "-n", str(path)], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr


def test_the_bash_completion_completes(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config_with_profiles(tmp_path, monkeypatch)
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    path = tmp_path / "roomscope.bash"
    path.write_text(run("completion", "bash", fast=False).out, encoding="utf-8")

    def complete(*words: str) -> list[str]:
        quoted = " ".join(shlex.quote(w) for w in words)
        probe = "\n".join(
            [
                f"source {shlex.quote(str(path))}",
                f"COMP_WORDS=(roomscope {quoted})",
                f"COMP_CWORD={len(words)}",
                "_roomscope",
                'printf "%s\\n" "${COMPREPLY[@]}"',
            ]
        )
        done = subprocess.run([bash, "-c", probe], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert "triage" in complete("tr") and "findings" in complete("")
    assert complete("--profile", "pr") == ["prod-eu"]
    assert complete("--theme", "roomscope-l") == ["roomscope-light"]
    assert complete("triage", "--symptom", "ro") == ["robotic"]
    assert "--jsonl" in complete("sessions", "--js") and "--utc" in complete("sessions", "--u")
    assert complete("cache", "") == ["info", "clear"]


def test_an_unknown_shell_is_a_usage_error(run: Run) -> None:
    assert run("completion", "tcsh", fast=False).code == 2


def test_completion_leaves_out_names_a_shell_would_read(tmp_path: Path) -> None:
    from roomscope.tui.completion import completion_script

    script = completion_script("bash", cli.build_parser(), profiles=["ok", "$(rm -rf ~)", "a b"], themes=[])
    assert "ok" in script and "rm -rf" not in script and "a b" not in script


# ---------------------------------------------------------------------------------------
# Manual page


def test_the_man_page_has_every_subcommand_and_option(run: Run) -> None:
    result = run("man", fast=False)
    assert result.code == 0
    page = result.out
    assert page.startswith(".TH ROOMSCOPE 1") and f"roomscope {__version__}" in page
    parser = cli.build_parser()
    for name, command in subcommands(parser).choices.items():
        assert f'.SS "roomscope {name}"' in page
        for option in _options(command) - {"--help"}:
            assert f"\\fB{option.replace('-', chr(92) + '-')}\\fR" in page, (name, option)
    for option in _options(parser):
        assert f"\\fB{option.replace('-', chr(92) + '-')}\\fR" in page, option
    for code in cli.EXIT_CODES:
        assert f".TP\n\\fB{code}\\fR" in page


def test_the_wheel_ships_the_page_as_the_parser_makes_it() -> None:
    shipped = (ROOT / "tui" / "roomscope.1").read_text(encoding="utf-8")
    assert shipped == manpage(cli.build_parser(), __version__, cli.EXIT_CODES), (
        "tui/roomscope.1 is out of date: run `make man`"
    )
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "*.1" in project["tool"]["setuptools"]["package-data"]["*"]


def test_the_fish_completion_completes(run: Run, tmp_path: Path) -> None:
    fish = shutil.which("fish")
    if fish is None:
        pytest.skip("no fish")
    path = tmp_path / "roomscope.fish"
    path.write_text(run("completion", "fish", fast=False).out, encoding="utf-8")

    def complete(line: str) -> list[str]:
        probe = f"source {shlex.quote(str(path))}; complete -C {shlex.quote(line)}"
        done = subprocess.run([fish, "--no-config", "-c", probe], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return [entry.split("\t")[0] for entry in done.stdout.splitlines()]

    assert "triage" in complete("roomscope tri")
    assert complete("roomscope triage --symptom ro") == ["robotic"]
    assert sorted(complete("roomscope cache ")) == ["clear", "info"]
    assert "--jsonl" in complete("roomscope sessions --js")


def test_a_local_zone_is_named_in_tables_and_utc_replaces_it(tmp_path: Path) -> None:
    command = ROOT / ".venv" / "bin" / "roomscope"
    if not command.exists():
        pytest.skip("the installed command is not in .venv")
    env = {
        **os.environ,
        "TZ": "Europe/Berlin",
        "ROOMSCOPE_CACHE_DIR": str(tmp_path / "cache"),
        "ROOMSCOPE_CONFIG": str(tmp_path / "none.toml"),
    }
    argv = [str(command), "sessions", "--provider", "demo", "--demo-latency", "0", "--limit", "1"]
    local = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert local.returncode == 0, local.stderr
    assert local.stdout.split()[:2] in (["START", "(CET)"], ["START", "(CEST)"])
    utc = subprocess.run([*argv, "--utc"], capture_output=True, text=True, env=env, timeout=60)
    assert utc.stdout.split()[:2] == ["START", "(UTC)"]
    data = subprocess.run([*argv, "--json"], capture_output=True, text=True, env=env, timeout=60)
    assert json.loads(data.stdout)[0]["started_at"].endswith("Z")  # machines get UTC, named


@pytest.mark.parametrize("argv", [["completion", "bash"], ["man"]])
def test_generated_text_never_loads_textual(argv: list[str], tmp_path: Path) -> None:
    from tests.test_architecture import _loaded_after

    code = f"from roomscope.tui.cli import main\nmain({argv!r})\n"
    loaded = _loaded_after(code, tmp_path)
    assert "roomscope.tui.cli" in loaded
    assert not [m for m in loaded if m == "textual" or m.startswith("textual.")]


def test_without_samples_the_verdict_is_unknown_and_says_why(run: Run) -> None:
    listed = run(
        "--demo-provider", "telnyx", "sessions", "--status", "ended", "--limit", "1", "--json"
    ).json()
    assert isinstance(listed, list)
    session_id = listed[0]["id"]
    one = run(
        "--demo-provider", "telnyx", "session", session_id, "--json", "--fields", "verdict,reason"
    ).json()
    assert one == {"verdict": "unknown", "reason": "no samples from telnyx"}
    people = run("--demo-provider", "telnyx", "participants", session_id, "--json").json()
    assert isinstance(people, list) and {p["verdict"] for p in people} == {"unknown"}
    findings = run("--demo-provider", "telnyx", "findings", session_id)
    assert findings.code == 0 and findings.out == "verdict      ? no samples from telnyx\n"


@pytest.mark.parametrize(
    ("argv", "fields"),
    [
        (("scan", "--limit", "4"), ("id", "verdict")),
        (("window", "2026-11-22T08:00:00Z..2026-11-22T10:00:00Z"), ("id", "verdict")),
        (("groups", "--by", "country", "--limit", "30"), ("label", "participants")),
    ],
    ids=["scan", "window", "groups"],
)
def test_fields_on_the_triage_and_incident_lists(
    run: Run, argv: tuple[str, ...], fields: tuple[str, ...]
) -> None:
    picked = ",".join(fields)
    lines = run(*argv, "--jsonl", "--fields", picked).out.splitlines()
    assert lines and all(list(json.loads(line)) == list(fields) for line in lines)
    rows = run(*argv, "--csv", "--fields", picked).csv()
    assert rows and all(list(r) == list(fields) for r in rows)
    wrong = run(*argv, "--json", "--fields", "nope")
    assert wrong.code == 2 and "valid:" in wrong.err


def test_history_and_imports_write_json_lines(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = run("history", "--room", "all-hands", "--fetch", "--since", "2d", "--jsonl").out.splitlines()
    marks = [json.loads(line) for line in lines]
    assert marks and all({"session_id", "verdict", "at"} <= set(m) for m in marks)
    monkeypatch.setenv("ROOMSCOPE_DATA_DIR", str(tmp_path / "data"))
    empty = run("imports", "--jsonl")
    assert empty.code == 0 and empty.out == ""
