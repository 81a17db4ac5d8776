"""Live mode left alone: the CPU the app uses, and what it writes to the terminal, while idle.

``roomscope --provider demo --demo-size N --live`` (the demo's default latency, 80 ms a
request) runs on a real 120x40 pseudo-terminal. Its Quality column is filled from the
cache first (``roomscope scan`` diagnosed the newest sessions into it, as for a list seen
before), it is left to settle (first rows, the Quality column, nothing written for
``--quiet`` seconds), then nothing is typed for ``--seconds`` seconds: the figures are the
CPU seconds the program used in that time (user + system of its process, every thread, from
``/proc/<pid>/stat``) and the bytes it wrote. Live mode refreshes at the demo's pace (every
10 s) all the while: the list's first page is read again, and every live session on screen
diagnosed again.

Two worlds: ``--demo-size 200`` (the default ``--size``; a session begins every 3.6 hours),
with the first demo seed from 7 up under which no session is live now and none begins
before the run ends, so that nothing changes while it is measured, is the figure with the
target (which seed depends on the time of day: it is printed); ``--busy-size 5000`` (a
session every 8.6 minutes, several live at once on screen, each diagnosed again at every
refresh) is reported beside it, without a target (``--busy-size 0`` skips it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from _common import ROOT, Figure, base_parser, bench_env, command, emit, not_measured, progress
from _pty import PtyProgram, plain

TARGET_S = 0.5
"""CPU seconds over 60 s of idle live mode."""
LIVE_MARK = "● live"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def quiet_seed(size: int, seconds: float) -> int:
    """The first demo seed from 7 up whose world of ``size`` sessions has none live now and
    none beginning within ``seconds`` and a few minutes of settling."""
    from datetime import UTC, datetime

    from roomscope.tui.demo import slots
    from roomscope.tui.demo.world import DemoWorld

    now = datetime.now(UTC)
    for seed in range(7, 1007):
        world = DemoWorld(seed=seed, size=size, now=now)
        if world.live_indices(0, world.live_horizon(now), now):
            continue
        following = slots.slot_start_s(seed, world.spacing_s, world.anchor_slot + 1)
        if following > now.timestamp() + seconds + 300:
            return seed
    raise RuntimeError(f"no demo seed gives a world of {size} sessions with none live")


def warm(cache: Path, size: int, seed: int) -> None:
    """Diagnose the newest sessions into ``cache`` (the list's Quality column then fills
    from it at once)."""
    roomscope = ROOT / ".venv" / "bin" / "roomscope"
    argv = [str(roomscope), "--provider", "demo", "--demo-size", str(size), "--demo-seed", str(seed)]
    argv += ["--demo-latency", "0"]
    argv += ["--cache-dir", str(cache), "scan", "--limit", "80", "--jsonl"]
    subprocess.run(argv, env=bench_env(), capture_output=True, check=False, timeout=1800)


def measure(size: int, seed: int, seconds: float, quiet: float, cache: Path) -> dict[str, float]:
    roomscope = ROOT / ".venv" / "bin" / "roomscope"
    argv = [
        str(roomscope),
        "--provider",
        "demo",
        "--demo-size",
        str(size),
        "--demo-seed",
        str(seed),
        "--cache-dir",
        str(cache),
        "--live",
    ]
    with PtyProgram(argv, bench_env()) as program:
        if not program.wait_for(LIVE_MARK, 60.0):
            raise RuntimeError(f"no live status line within 60 s: {plain(program.output)[-300:]!r}")
        program.settle(quiet, limit=120.0)
        before_cpu = cpu_seconds(program.pid)
        before_bytes = len(program.output)
        program.read_for(seconds)
        cpu = cpu_seconds(program.pid) - before_cpu
        written = program.output[before_bytes:]
        return {"cpu_s": cpu, "bytes": float(len(written))}


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--seconds", type=float, default=60.0, help="idle seconds measured (default 60)")
    parser.add_argument(
        "--size", type=int, default=200, help="demo sessions of the quiet world (default 200)"
    )
    parser.add_argument(
        "--busy-size", type=int, default=5000, help="demo sessions of the busy world (default 5000; 0: skip)"
    )
    parser.add_argument("--quiet", type=float, default=2.0, help="seconds of silence before measuring")
    args = parser.parse_args()
    cmd_args = [
        "--seconds",
        f"{args.seconds:g}",
        "--size",
        str(args.size),
        "--busy-size",
        str(args.busy_size),
    ]
    cmd = command("live_idle.py", *cmd_args)
    target = f"<= {TARGET_S:g} CPU s per 60 s"
    roomscope = ROOT / ".venv" / "bin" / "roomscope"
    if not roomscope.exists() or not Path("/proc/self/stat").exists():
        why = "needs .venv/bin/roomscope (make run) and /proc"
        emit([not_measured("live mode idle CPU", why, cmd, target)], args.json)
        return
    figures: list[Figure] = []
    tmp = Path(tempfile.mkdtemp(prefix="roomscope-bench-live-"))
    try:
        for size, targeted in ((args.size, True), (args.busy_size, False)):
            if size <= 0:
                continue
            cache = tmp / f"cache-{size}"
            seed = quiet_seed(size, args.seconds) if targeted else 7
            progress(f"live idle: diagnosing the newest of {size:,} demo sessions into the cache")
            warm(cache, size, seed)
            progress(f"live idle: {size:,} demo sessions, {args.seconds:g} s idle")
            name = f"live mode idle, {size:,} demo sessions, {args.seconds:g} s"
            try:
                got = measure(size, seed, args.seconds, args.quiet, cache)
            except (RuntimeError, OSError) as exc:
                figures.append(not_measured(name, str(exc), cmd, target if targeted else None))
                continue
            per_minute = got["cpu_s"] * 60.0 / args.seconds
            text = (
                f"{got['cpu_s']:.2f} CPU s ({per_minute:.2f} per minute), "
                f"{got['bytes'] / 1024:.1f} KiB written to the terminal (demo seed {seed})"
            )
            figures.append(
                Figure(
                    name=name,
                    text=text,
                    cmd=cmd,
                    target=target if targeted else None,
                    met=per_minute <= TARGET_S if targeted else None,
                    data=got,
                )
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    emit(figures, args.json)


if __name__ == "__main__":
    main()
