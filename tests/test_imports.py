"""Importing browser statistics dumps: ``roomscope import``, ``roomscope imports`` (list, rm),
where imports live, and what bad input does (exit 2, nothing imported)."""

from __future__ import annotations

import gzip
import math
import os
import re
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.clientstats import synth
from tests.support.cli import Run, runner

IMPORTED = re.compile(r"^imported (imp-[0-9a-f]{8}): ", re.MULTILINE)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("ROOMSCOPE_DATA_DIR", str(path))
    return path


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Run:
    return runner(capsys, monkeypatch)


def _files(data_dir: Path) -> list[Path]:
    folder = data_dir / "imports"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _present(run: Run) -> tuple[str, dict[str, Any]]:
    """An ended demo session and a participant present for at least two minutes in it."""
    sessions = run("sessions", "--json", "--status", "ended", "--limit", "30").json()
    assert isinstance(sessions, list)
    for session in sessions:
        participants = run("participants", session["id"], "--json").json()
        assert isinstance(participants, list)
        for p in participants:
            if p["joined_at"] and p["left_at"] and not p["reconnects"]:
                joined = datetime.fromisoformat(p["joined_at"])
                left = datetime.fromisoformat(p["left_at"])
                if (left - joined).total_seconds() > 120:
                    return session["id"], p
    raise AssertionError("no participant present for two minutes in the demo world")


def _dump_for(tmp_path: Path, participant: dict[str, Any], **knobs: Any) -> Path:
    start = datetime.fromisoformat(participant["joined_at"]).timestamp() * 1000.0 + 10_000.0
    return synth.write_internals(tmp_path / "call.txt", synth.call(60, start_ms=start, **knobs))


def test_import_attaches_a_dump_to_a_participant(run: Run, tmp_path: Path, data_dir: Path) -> None:
    session_id, person = _present(run)
    dump = _dump_for(tmp_path, person, switch_at=30)
    result = run("import", str(dump), "--session", session_id, "--participant", person["id"])
    assert result.code == 0, result.err
    found = IMPORTED.search(result.out)
    assert found is not None
    import_id = found.group(1)
    assert f"participant {person['id']}" in result.out and "webrtc-internals dump call.txt" in result.out
    (file,) = _files(data_dir)
    assert file.name == f"{import_id}.json"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700

    listed = run("imports", "--json").json()
    assert isinstance(listed, list)
    (entry,) = listed
    assert entry["id"] == import_id and entry["file"] == "call.txt"
    assert entry["attached"]["session_id"] == session_id
    assert entry["attached"]["participant_id"] == person["id"]
    assert {s["metric"] for s in entry["series"]} >= {"packet_loss_recv", "path_switch", "ice_state"}
    table = run("imports")
    assert table.code == 0 and import_id in table.out and "1 import in" in table.err

    quality = run("quality", session_id, person["id"], "--json").json()
    assert isinstance(quality, dict)
    source = "webrtc-internals dump call.txt"
    assert quality["metrics"]["packet_loss_recv"]["source"] != source  # the provider's, as before
    assert quality["metrics"][f"packet_loss_recv|{source}"]["source"] == source
    assert quality["metrics"]["path_switch"]["source"] == source
    assert any(s["metric"] == "ice_state" and s["extra"]["import_id"] == import_id for s in quality["series"])
    rows = run("quality", session_id, person["id"]).out
    assert "Packet loss (recv) · dump call.txt" in rows
    samples = run("quality", session_id, person["id"], "--csv").csv()
    loss_sources = {r["source"] for r in samples if r["metric"] == "packet_loss_recv" and not r["peer_id"]}
    assert loss_sources == {"", source}  # the provider's series and the dump's, told apart

    removed = run("imports", "rm", import_id)
    assert removed.code == 0 and f"removed import {import_id}" in removed.err
    assert _files(data_dir) == []
    assert run("imports", "--json").json() == []
    again = run("imports", "rm", import_id)
    assert again.code == 3 and "No import with id" in again.err
    after = run("quality", session_id, person["id"], "--json").json()
    assert isinstance(after, dict)
    assert not any(source in key for key in after["metrics"])


def test_a_dump_alone_opens_a_session_of_its_own(run: Run, tmp_path: Path, data_dir: Path) -> None:
    _session_id, person = _present(run)
    dump = _dump_for(tmp_path, person, cpu_from=40)
    result = run("import", str(dump), "--name", person["name"])
    assert result.code == 0, result.err
    found = IMPORTED.search(result.out)
    assert found is not None and "a session of its own" in result.out
    import_id = found.group(1)
    assert "it may belong to:" in result.err and person["id"] in result.err
    assert f"roomscope imports rm {import_id} && roomscope import" in result.err

    sessions = run("sessions", "--json", "--since", "30d", "--limit", "1000").json()
    assert isinstance(sessions, list)
    own = [s for s in sessions if s["profile"] == "imports"]
    assert [s["id"] for s in own] == [import_id]
    assert own[0]["name"] == person["name"]
    participants = run("participants", import_id, "--json").json()
    assert isinstance(participants, list) and [p["id"] for p in participants] == ["browser"]
    quality = run("quality", import_id, "browser", "--json").json()
    assert isinstance(quality, dict)
    assert quality["metrics"]["cpu_limited"]["verdict"] == "poor"


def test_clearing_the_cache_keeps_the_imports(run: Run, tmp_path: Path, data_dir: Path) -> None:
    _session_id, person = _present(run)
    assert run("import", str(_dump_for(tmp_path, person))).code == 0
    (file,) = _files(data_dir)
    assert run("cache", "clear").code == 0
    assert _files(data_dir) == [file]
    assert len(run("imports", "--json").json()) == 1  # type: ignore[arg-type]


def test_an_unknown_participant_imports_nothing(run: Run, tmp_path: Path, data_dir: Path) -> None:
    session_id, person = _present(run)
    result = run(
        "import", str(_dump_for(tmp_path, person)), "--session", session_id, "--participant", "nobody"
    )
    assert result.code == 3 and "nobody" in result.err
    assert _files(data_dir) == []


def test_a_session_without_a_participant_offers_them(run: Run, tmp_path: Path, data_dir: Path) -> None:
    session_id, person = _present(run)
    result = run(
        "import", str(_dump_for(tmp_path, person)), "--session", session_id, "--name", person["name"]
    )
    assert result.code == 2
    assert person["id"] in result.err and "give --participant too" in result.err
    assert _files(data_dir) == []


def test_a_participant_needs_its_session(run: Run, tmp_path: Path, data_dir: Path) -> None:
    result = run("import", str(tmp_path / "x.txt"), "--participant", "p1")
    assert result.code == 2 and "--participant needs --session" in result.err
    assert _files(data_dir) == []


def _bad(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.txt"
    if kind == "not-a-dump":
        path.write_text("hello, this is a log file\nline two\n")
    elif kind == "truncated":
        path.write_bytes(b'{"PeerConnections": ')
    elif kind == "unknown-version":
        path = synth.write_rtcstats_dump(tmp_path / "v4", synth.call(polls=3), file_format=4)
    elif kind == "2-gb":
        with path.open("wb") as handle:
            handle.truncate(2 << 30)  # sparse: nothing is written
    elif kind == "gzip-bomb":
        path.write_bytes(gzip.compress(b'{"PeerConnections": {' + b" " * (40 << 20), compresslevel=9))
    elif kind == "no-statistics":
        path.write_text('{"getUserMedia": [], "PeerConnections": {}, "UserAgent": "x"}')
    elif kind == "missing":
        pass
    return path


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("not-a-dump", "is text, but not a WebRTC statistics dump"),
        ("truncated", "ends before any statistics"),
        ("unknown-version", "fileFormat 4; fileFormat 3 is read (line 2)"),
        ("2-gb", "is 2.0 GiB; dumps over 1.0 GiB are refused"),
        ("gzip-bomb", "inflates more than 100 times"),
        ("no-statistics", ""),
        ("missing", "cannot be read"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_imported(
    run: Run, tmp_path: Path, data_dir: Path, kind: str, words: str
) -> None:
    path = _bad(tmp_path, kind)
    for extra in ((), ("--session", "s-1", "--participant", "p-1")):
        result = run("import", str(path), *extra)
        assert result.code == 2, result.err
        assert result.out == ""
        assert f"roomscope: error: {path}" in result.err or f"roomscope: error: {path.name}" in result.err
        assert words in result.err and "nothing imported" in result.err
    assert _files(data_dir) == []


def test_a_partly_readable_dump_imports_what_it_can_and_says_what_was_skipped(
    run: Run, tmp_path: Path, data_dir: Path
) -> None:
    _session_id, person = _present(run)
    call = synth.call(
        60, start_ms=datetime.fromisoformat(person["joined_at"]).timestamp() * 1000.0 + 10_000.0
    )
    polls = call.pcs["PC_0"]
    polls[3].reports["IT01A111"]["jitter"] = math.nan
    polls[4].reports["IT01V222"]["timestamp"] = polls[4].t + 3 * 86_400_000.0
    polls[5].reports["OT01A333"]["bytesSent"] = -5
    whole = synth.write_internals(tmp_path / "whole.txt", call).read_bytes()
    cut = tmp_path / "cut.txt"
    cut.write_bytes(whole[: int(len(whole) * 0.8)])
    result = run("import", str(cut))
    assert result.code == 0, result.err
    assert IMPORTED.search(result.out) is not None
    warnings = [line for line in result.err.splitlines() if line.startswith("roomscope: warning:")]
    assert any("skipped" in w and "sample time in the future" in w for w in warnings)
    assert any("skipped" in w and "truncated" in w for w in warnings)
    listed = run("imports", "--json").json()
    assert isinstance(listed, list) and listed[0]["skipped"]


def test_an_unreadable_import_file_is_named_not_fatal(run: Run, tmp_path: Path, data_dir: Path) -> None:
    folder = data_dir / "imports"
    folder.mkdir(parents=True)
    (folder / "imp-0000dead.json").write_text("{not json")
    (folder / "notes.txt").write_text("not an import")
    result = run("imports", "--json")
    assert result.code == 0 and result.json() == []
    assert "imp-0000dead.json: not a readable import" in result.err


def test_imports_live_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from roomscope.tui.paths import default_cache_dir, imports_dir

    monkeypatch.delenv("ROOMSCOPE_DATA_DIR", raising=False)
    monkeypatch.delenv("ROOMSCOPE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert imports_dir() == tmp_path / "share" / "roomscope" / "imports"
    assert not str(imports_dir()).startswith(str(default_cache_dir()))
    assert os.path.commonpath([imports_dir(), tmp_path]) == str(tmp_path)
