"""Running ``roomscope.tui.cli.main`` in process, on the suite's fixed clock, for the CLI tests."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest

from roomscope.tui import cli, headless
from tests.conftest import fixed_now

FAST = ["--demo-latency", "0", "--demo-size", "500"]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)

    def csv(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.out)))


Run = Callable[..., Result]


def runner(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run("sessions", "--json")``: the command line in process; no failure shows a traceback."""
    monkeypatch.setattr(headless, "run_command", partial(headless.run_command, clock=fixed_now))

    def invoke(*argv: str, fast: bool = True) -> Result:
        capsys.readouterr()
        code = cli.main([*argv, *(FAST if fast else [])])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err, captured.err
        return Result(code, captured.out, captured.err)

    return invoke
