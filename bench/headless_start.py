"""Start-up of a headless command answered from the cache, against importing httpx and pydantic.

Three commands alternate (the order rotates every round), each spawned fresh and timed
from spawn to reap, with bytecode caches as an installed program has them:

* ``roomscope sessions --limit 1 --json`` with no configuration (the demo world) and a
  cache directory warmed by the same command just before (so the page is fresh: pages
  with live sessions stay fresh for 10 s);
* ``python -c "import httpx, pydantic"``: the libraries every provider needs, the yardstick
  the goal is measured against in the same run;
* ``python -c pass``: the interpreter alone.

Figures: medians with [min–max] over ``--runs`` rounds, and the ratio of roomscope to the
yardstick; the same for the CPU time each process used (``os.wait4``). The machine's load
moves every absolute figure; the ratios move less, the CPU ratio least. ``--roomscope PATH``
times another install (before/after).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, Figure, base_parser, bench_env, command, emit, median, progress, summary_ms

TARGET_MS = 200.0
ROOMSCOPE = ROOT / ".venv" / "bin" / "roomscope"


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall ms from spawn to reap, and the CPU ms the process used (``os.wait4``)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - started) * 1000.0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, argv)
    return wall, (usage.ru_utime + usage.ru_stime) * 1000.0


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--runs", type=int, default=15, help="rounds (default 15)")
    parser.add_argument("--roomscope", metavar="PATH", help="roomscope command to time (default: .venv's)")
    args = parser.parse_args()
    other = ["--roomscope", args.roomscope] if args.roomscope else []
    cmd = command("headless_start.py", "--runs", str(args.runs), *other)
    tmp = Path(tempfile.mkdtemp(prefix="roomscope-bench-start-"))
    env = bench_env()
    env["ROOMSCOPE_CACHE_DIR"] = str(tmp / "cache")
    env["ROOMSCOPE_CONFIG"] = str(tmp / "no-config.toml")
    env["XDG_CONFIG_HOME"] = str(tmp / "config")
    roomscope = [args.roomscope or str(ROOMSCOPE), "sessions", "--limit", "1", "--json"]
    commands = {
        "roomscope": roomscope,
        "httpx+pydantic": [sys.executable, "-c", "import httpx, pydantic"],
        "pass": [sys.executable, "-c", "pass"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    try:
        for argv in commands.values():
            timed(argv, env)  # warm-up (and bytecode caches)
        for run in range(args.runs):
            progress(f"start-up: round {run + 1}/{args.runs}")
            names = list(commands)
            names = names[run % len(names) :] + names[: run % len(names)]
            for name in names:
                if name == "roomscope":
                    timed(roomscope, env)  # a fresh page in the cache
                wall, used = timed(commands[name], env)
                times[name].append(wall)
                cpu[name].append(used)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ours, yardstick, bare = (median(times[n]) for n in ("roomscope", "httpx+pydantic", "pass"))
    figures = [
        Figure(
            "headless start-up: `roomscope sessions --limit 1 --json` from the cache",
            f'{summary_ms(times["roomscope"])}; `python -c "import httpx, pydantic"` '
            f"{summary_ms(times['httpx+pydantic'])} in the same run: {ours / yardstick:.2f}× it; "
            f"`python -c pass` {summary_ms(times['pass'])} ({ours / bare:.1f}× it); CPU used: "
            f"{summary_ms(cpu['roomscope'])} vs {summary_ms(cpu['httpx+pydantic'])}, "
            f"{median(cpu['roomscope']) / median(cpu['httpx+pydantic']):.2f}× (the load moves it less)",
            cmd,
            target=f"<= {TARGET_MS:.0f} ms",
            met=ours <= TARGET_MS,
            data={"wall_ms": times, "cpu_ms": cpu},
        )
    ]
    emit(figures, args.json)


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    main()
