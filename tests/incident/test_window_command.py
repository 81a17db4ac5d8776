"""``roomscope window``: the table, JSON, JSON lines and CSV, and the exit codes of bad windows."""

from __future__ import annotations

import pytest

from roomscope.tui.demo.world import DemoWorld
from tests.conftest import NOW
from tests.support.cli import Run, runner


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return runner(capsys, monkeypatch)


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return DemoWorld(seed=7, size=500, now=NOW)


WINDOW = "00:00..now"  # sessions 0..8 of the demo world
IN_WINDOW = range(9)


def test_table(run: Run, world: DemoWorld) -> None:
    result = run("window", WINDOW, "--utc")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["START", "END", "SESSION", "PEOPLE", "QUALITY", "DEGRADED", "ID"]
    assert {line.split()[-1] for line in lines[1:]} == {world.session(i).id for i in IN_WINDOW}
    assert "2026-11-22 00:00–10:00 UTC (10h00m) · 9 sessions" in result.err


def test_json(run: Run, world: DemoWorld) -> None:
    result = run("window", WINDOW, "--json", "--utc")
    assert result.code == 0, result.err
    body = result.json()
    assert isinstance(body, dict)
    assert body["window"] == {
        "start": "2026-11-22T00:00:00Z",
        "end": "2026-11-22T10:00:00Z",
        "duration_s": 36000.0,
        "asked": WINDOW,
        "zone": "UTC",
    }
    sessions = body["sessions"]
    assert {s["id"] for s in sessions} == {world.session(i).id for i in IN_WINDOW}
    order = [{"poor": 3, "fair": 2, "good": 1, "unknown": 0}[s["verdict"]] for s in sessions]
    assert order == sorted(order, reverse=True)  # worst first
    live = next(s for s in sessions if s["id"] == world.session(0).id)
    assert live["status"] == "live" and live["ended_at"] is None
    for s in sessions:
        assert s["summary"] and s["error"] is None
        for stretch in s["degraded"]:
            assert stretch["start"] < stretch["end"]


def test_jsonl_and_csv_agree(run: Run) -> None:
    lines = run("window", WINDOW, "--jsonl").out.splitlines()
    import json

    rows = [json.loads(line) for line in lines]
    table = run("window", WINDOW, "--csv").csv()
    assert [r["id"] for r in rows] == [r["id"] for r in table]
    assert [r["verdict"] for r in rows] == [r["verdict"] for r in table]
    assert set(table[0]) >= {
        "profile",
        "started_at",
        "ended_at",
        "verdict",
        "degraded_s_in_window",
        "summary",
    }


@pytest.mark.parametrize(
    ("window", "code", "words"),
    [
        ("10:10-10:00", 2, "before the start"),
        ("soon", 2, "not a window"),
        ("25:00..26:00", 2, "not a time"),
        ("2026-11-19T00:00Z..2026-11-21T00:00Z", 5, "24h at most"),
        ("2026-11-23T00:00Z..2026-11-23T01:00Z", 2, "in the future"),
    ],
)
def test_bad_windows(run: Run, window: str, code: int, words: str) -> None:
    result = run("window", window, "--json")
    assert result.code == code
    assert result.out == ""
    assert words in result.err and result.err.startswith("roomscope: error:")


def test_formats_exclude_each_other(run: Run) -> None:
    assert run("window", WINDOW, "--json", "--csv").code == 2


def test_groups_of_a_window_json_and_csv(run: Run) -> None:
    result = run("groups", "--by", "isp", "--window", WINDOW, "--json")
    assert result.code == 0, result.err
    body = result.json()
    assert isinstance(body, dict)
    assert body["by"] == "isp" and body["window"]["asked"] == WINDOW
    assert body["sessions"] == len(IN_WINDOW) and body["left_out"] == []
    groups = body["groups"]
    assert sum(g["participants"] for g in groups) == body["participants"] > 0
    scores = [g["score"] for g in groups]
    assert scores == sorted(scores, reverse=True)
    for g in groups:
        assert g["sentence"].startswith(f"{g['label']}: {g['degraded']} of {g['participants']} degraded")
    table = run("groups", "--by", "isp", "--window", WINDOW, "--csv").csv()
    assert [r["label"] for r in table] == [g["label"] for g in groups]


def test_groups_of_the_session_list(run: Run) -> None:
    result = run("groups", "--by", "country", "--since", "24h", "--limit", "5")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0].split() == [
        "GROUP",
        "PEOPLE",
        "DEGRADED",
        "SHARE",
        "DOMINANT",
        "CAUSE",
        "FROM",
    ]
    assert "of 5 sessions, by country" in result.err


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["groups", "--by", "planet"], 2),
        (["groups"], 2),
        (["groups", "--by", "isp", "--window", "10:10-10:00"], 2),
        (["groups", "--by", "isp", "--window", "2026-11-19T00:00Z..2026-11-21T00:00Z"], 5),
    ],
)
def test_groups_bad_input(run: Run, argv: list[str], code: int) -> None:
    result = run(*argv)
    assert result.code == code
    assert result.out == ""
