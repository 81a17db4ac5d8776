"""Running the installed ``roomscope`` command against a hostile loopback server.

Every run is bounded: the command is killed after ``COMMAND_TIMEOUT_S``, and the HTTP
layer's whole budget is shortened through ``ROOMSCOPE_HTTP_BUDGET_S`` so that slow and
silent servers cost about a second each.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile.adapters import ADAPTERS

COMMAND_TIMEOUT_S = 30.0
"""A run that takes longer than this has hung: the test fails."""
BUDGET_S = 1.5
"""The HTTP budget (attempts and waits) the commands run with."""
ROOMY_BUDGET_S = 15.0
"""The budget of a test about what an answer holds, not about how long it takes (a loaded
machine may need seconds to move a large body over loopback)."""


@dataclass
class Run:
    code: int
    out: str
    err: str
    elapsed_s: float

    def __str__(self) -> str:
        said = f"stdout: {self.out[:500]!r}\nstderr: {self.err[:2000]!r}"
        return f"exit {self.code} after {self.elapsed_s:.1f}s\n{said}"


def roomscope() -> str:
    script = Path(sys.executable).with_name("roomscope")
    if not script.exists():
        pytest.skip(f"the roomscope console script is not installed next to {sys.executable}")
    return str(script)


async def run_command(provider: str, base_url: str, *argv: str, budget_s: float = BUDGET_S) -> Run:
    """``roomscope --provider NAME --base-url URL ARGV...`` with the adapter's credentials."""
    env = {
        **os.environ,
        **ADAPTERS[provider].env,
        "ROOMSCOPE_HTTP_BUDGET_S": str(budget_s),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        roomscope(),
        "--provider",
        provider,
        "--base-url",
        base_url,
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), COMMAND_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        return Run(
            -9,
            out.decode(errors="replace"),
            err.decode(errors="replace") + "\n[killed: hung]",
            COMMAND_TIMEOUT_S,
        )
    assert proc.returncode is not None
    return Run(
        proc.returncode,
        out.decode(errors="replace"),
        err.decode(errors="replace"),
        time.monotonic() - started,
    )


def assert_one_clean_error_line(
    run: Run, code: int, *, secrets: tuple[str, ...] = (), usage: bool = False
) -> str:
    """Exit ``code`` with one inert line on stderr (a usage error may add its ``(see: …
    --help)`` hint), nothing on stdout; returns the message."""
    assert run.code == code, str(run)
    assert "Traceback" not in run.err, str(run)
    lines = run.err.strip("\n").split("\n")
    if usage and len(lines) == 2 and lines[1].startswith("(see: "):
        lines = lines[:1]
    assert len(lines) == 1, str(run)
    line = lines[0]
    assert line.startswith("roomscope: error: "), str(run)
    assert not any(unicodedata.category(ch) == "Cc" for ch in line), str(run)
    assert not any(ch in line for ch in "\u202e\u202d\u2066\u2067\u2068"), str(run)
    for secret in secrets:
        assert secret not in run.err and secret not in run.out, str(run)
    assert run.out == "", str(run)
    return line.removeprefix("roomscope: error: ")


@pytest.fixture(autouse=True)
def _no_secrets_in_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOMSCOPE_CACHE_DIR", str(tmp_path / "cache"))
