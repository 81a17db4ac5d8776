"""Shared helpers for the benchmarks: statistics, figures, child processes, output.

Standard library only, so ``run.py`` and the pty benchmark never import Textual themselves.

Every benchmark script works the same way:

* run without ``--child``, it is the *parent*: it starts fresh child processes of itself
  (``--child``), collects one JSON result from each, and prints its figures, one per line,
  each with its target and the command that reproduces it;
* ``--json FILE`` also writes the figures as JSON (``run.py`` uses this);
* no benchmark ever fails on a time: a figure that misses its target says so, a benchmark
  that cannot run says why.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
"""The project root (benchmarks run from here, and print commands relative to it)."""
BENCH = ROOT / "bench"
PYTHON_CMD = ".venv/bin/python"
"""How the printed commands name the interpreter (relative to the project root)."""
PYCACHE = Path(tempfile.gettempdir()) / "roomscope-bench-pycache"
"""Where benchmarked processes keep their bytecode caches (see :func:`bench_env`)."""
RESULT_PREFIX = "BENCH-RESULT "
"""A child process prints its result as one line: this prefix, then JSON."""
TERM_SIZE = (120, 40)
"""Columns and rows of every benchmark terminal (as in perf-anchors.md)."""


# ---------------------------------------------------------------------------------------
# Statistics


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return float(ordered[rank])


def ms(seconds: float) -> float:
    return seconds * 1000.0


def fmt_ms(value_ms: float) -> str:
    """'312 ms', '17.1 ms', '0.84 ms', '0.091 ms'."""
    if value_ms != value_ms:  # NaN
        return "n/a"
    if value_ms >= 100:
        return f"{value_ms:.0f} ms"
    if value_ms >= 10:
        return f"{value_ms:.1f} ms"
    if value_ms >= 1:
        return f"{value_ms:.2f} ms"
    return f"{value_ms:.3f} ms"


def fmt_range(values: Sequence[float], unit: str = "ms") -> str:
    """'[289–340]' in the unit's own precision."""
    if not values:
        return "[–]"
    low, high = min(values), max(values)
    if unit == "ms":
        return f"[{fmt_ms(low).removesuffix(' ms')}–{fmt_ms(high).removesuffix(' ms')}]"
    return f"[{low:.1f}–{high:.1f}]"


def summary_ms(values: Sequence[float]) -> str:
    """'17.1 ms [16.4–18.0]': median and min–max."""
    return f"{fmt_ms(median(values))} {fmt_range(values)}"


# ---------------------------------------------------------------------------------------
# Figures


@dataclass
class Figure:
    """One printed figure: a name, its value in words, a target and the command."""

    name: str
    text: str
    cmd: str
    target: str | None = None
    """The target in words ('<= 50 ms'); None: reported without a target."""
    met: bool | None = None
    """Whether the target was met; None when there is no target or no measurement."""
    measured: bool = True
    """False when the benchmark could not run (``text`` says why)."""
    data: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        if not self.measured:
            target = f" [target {self.target}: not measured]" if self.target else ""
            return f"{self.name}: NOT MEASURED, {self.text}{target}  cmd: {self.cmd}"
        if self.target is None:
            target = " [no target]"
        else:
            verdict = "met" if self.met else "MISSED"
            target = f" [target {self.target}: {verdict}]"
        return f"{self.name}: {self.text}{target}  cmd: {self.cmd}"


def not_measured(name: str, why: str, cmd: str, target: str | None = None) -> Figure:
    return Figure(name=name, text=why, cmd=cmd, target=target, measured=False)


def command(script: str, *args: str) -> str:
    """The command line that reproduces a figure, relative to the project root."""
    return " ".join([PYTHON_CMD, f"bench/{script}", *args])


def emit(figures: Sequence[Figure], json_path: str | None) -> None:
    """Print the figures (one per line) and write them to ``json_path`` if given."""
    for figure in figures:
        print(figure.line(), flush=True)
    if json_path:
        Path(json_path).write_text(json.dumps([asdict(f) for f in figures], indent=1), encoding="utf-8")


def load_figures(path: Path) -> list[Figure]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [Figure(**item) for item in raw]


# ---------------------------------------------------------------------------------------
# Child processes


def bench_env() -> dict[str, str]:
    """The environment every benchmarked process gets: a 256-colour xterm, no debug."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    env.pop("NO_COLOR", None)
    env["TERM"] = "xterm-256color"
    env["COLUMNS"], env["LINES"] = str(TERM_SIZE[0]), str(TERM_SIZE[1])
    # Measure what a user runs: with bytecode caches. A user's install has .pyc files for
    # every module; an environment with PYTHONDONTWRITEBYTECODE set would make the
    # project's own modules compile from source on every start (~25-30 ms here) while
    # Textual's come precompiled. The caches go to a directory outside the project.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    # The project root must be importable (screens, widgets, tui) even without the
    # editable install's path hooks; the benchmarks import the app in-process.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


class ChildError(RuntimeError):
    """A child process failed or printed no result."""


def run_child(script: str, args: Sequence[str], *, timeout: float = 300.0) -> dict[str, Any]:
    """Run ``bench/<script> --child <args>`` in a fresh process and return its JSON result."""
    argv = [sys.executable, str(BENCH / script), "--child", *args]
    try:
        done = subprocess.run(
            argv,
            cwd=ROOT,
            env=bench_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ChildError(f"{script} {' '.join(args)} took more than {timeout:.0f} s") from None
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line.removeprefix(RESULT_PREFIX))
            if "error" in result:
                raise ChildError(str(result["error"]))
            return result
    tail = (done.stderr or done.stdout).strip().splitlines()[-6:]
    raise ChildError(f"exit code {done.returncode}, no result; last output: {' | '.join(tail)}")


def child_result(result: dict[str, Any]) -> None:
    """Print a child's result for the parent (the last thing a child prints)."""
    sys.stdout.flush()
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    return parser


def progress(text: str) -> None:
    """A progress note on stderr (the figures go to stdout)."""
    print(f"  … {text}", file=sys.stderr, flush=True)


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started
