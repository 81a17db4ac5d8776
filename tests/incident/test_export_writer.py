"""Exports written a batch at a time: the same file as written at once, inert cells, and
nothing left (an existing file untouched) when writing stops half-way."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from roomscope.tui.incident.export import ExportError, ExportWriter, export
from roomscope.tui.text import inert_json

HEADER = ("id", "name", "score")
Row = dict[str, object]
ROWS: list[Row] = [
    {"id": "a1", "name": '=HYPERLINK("http://x")', "score": 1.5},
    {"id": "b2", "name": "Eve\x1b[2Jred", "score": None},
    {"id": "c3", "name": "Trent\u202eevil", "score": -3},
    {"id": "d4", "name": 'Zoë, "quoted"', "score": 0},
]


def cells(row: dict[str, object]) -> list[object]:
    return [row[k] for k in HEADER]


def written(path: Path, batches: list[list[dict[str, object]]]) -> str:
    with ExportWriter[dict[str, object]](str(path), header=HEADER, cells=cells, record=dict) as out:
        for batch in batches:
            out.add(batch)
        out.finish()
    return path.read_text("utf-8")


@pytest.mark.parametrize("suffix", [".csv", ".json", ".jsonl"])
def test_batches_write_what_one_write_does(tmp_path: Path, suffix: str) -> None:
    at_once = export(
        str(tmp_path / f"once{suffix}"), header=HEADER, cells=[cells(r) for r in ROWS], records=ROWS
    ).read_text("utf-8")
    assert written(tmp_path / f"batched{suffix}", [ROWS[:1], [], ROWS[1:3], ROWS[3:]]) == at_once
    if suffix == ".json":
        assert at_once == inert_json(ROWS, indent=2) + "\n"
        assert json.loads(at_once) == ROWS
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_empty_export(tmp_path: Path) -> None:
    assert written(tmp_path / "none.json", []) == "[]\n"
    assert written(tmp_path / "none.csv", [[]]) == "id,name,score\n"
    assert written(tmp_path / "none.jsonl", []) == ""


def test_cells_are_inert_and_spreadsheet_safe(tmp_path: Path) -> None:
    text = written(tmp_path / "rows.csv", [ROWS])
    assert "\x1b" not in text and "\u202e" not in text
    rows = list(csv.DictReader(text.splitlines()))
    assert rows[0]["name"].startswith("'=")
    assert rows[2]["score"] == "-3"  # a number stays a number
    assert rows[3]["name"] == 'Zoë, "quoted"'
    jsonl = written(tmp_path / "rows.jsonl", [ROWS])
    assert "\x1b" not in jsonl and "\u202e" not in jsonl
    assert [json.loads(line) for line in jsonl.splitlines()] == ROWS


def test_a_failure_half_way_leaves_nothing_and_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv"
    target.write_text("the old export\n")

    class Stopped(Exception):
        pass

    with (
        pytest.raises(Stopped),
        ExportWriter[dict[str, object]](str(target), header=HEADER, cells=cells, record=dict) as out,
    ):
        out.add(ROWS[:2])
        raise Stopped  # the list could not be read further
    assert target.read_text() == "the old export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.csv"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "No path given"),
        ("rows.txt", "end the name in .csv, .json or .jsonl"),
        ("missing/rows.csv", "Cannot write in"),
    ],
)
def test_bad_names_write_nothing(tmp_path: Path, name: str, words: str) -> None:
    path = str(tmp_path / name) if name else "  "
    with pytest.raises(ExportError, match=words):
        ExportWriter[dict[str, object]](path, header=HEADER, cells=cells, record=dict)
    assert list(tmp_path.iterdir()) == []


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(ExportError, match="is a directory"):
        ExportWriter[dict[str, object]](str(tmp_path / "d.csv"), header=HEADER, cells=cells, record=dict)
