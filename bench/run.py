"""Run every benchmark and print one figure per line, then a summary of the targets.

``make bench`` runs this (``make bench ARGS="--only first_paint,cache_read"`` for some).
Each benchmark runs in its own fresh processes, one after the other (never in parallel:
this is a 2-core machine). Figures go to stdout, progress notes to stderr. Nothing here
fails on a time: a missed target is reported, and a benchmark that cannot run says why.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import BENCH, ROOT, Figure, bench_env, command, load_figures, not_measured


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    args: tuple[str, ...]
    quick: tuple[str, ...]
    """Arguments for ``--quick`` (a smoke run: fewer repetitions, less trustworthy)."""
    timeout: float = 0.0
    """Seconds it may take at least, whatever ``--timeout`` says (0: ``--timeout`` alone)."""


BENCHES: tuple[Bench, ...] = (
    Bench("first_paint", "first_paint.py", ("--runs", "7"), ("--runs", "2")),
    Bench("first_paint_cpu", "first_paint_cpu.py", ("--runs", "11"), ("--runs", "2")),
    Bench("key_to_frame", "key_to_frame.py", ("--procs", "3"), ("--procs", "1")),
    Bench("jump_to_end", "jump_to_end.py", ("--runs", "5"), ("--runs", "2")),
    Bench(
        "cache_read", "cache_read.py", ("--procs", "3", "--reps", "500"), ("--procs", "1", "--reps", "200")
    ),
    Bench("scroll_rss", "scroll_rss.py", ("--procs", "1"), ("--procs", "1", "--size", "20000")),
    Bench("quality_frame", "quality_frame.py", ("--procs", "3", "--updates", "20"), ("--procs", "1")),
    Bench(
        "quality_cursor",
        "quality_cursor.py",
        ("--procs", "3", "--steps", "40"),
        ("--procs", "1", "--steps", "10", "--presses", "4"),
    ),
    Bench("clientstats", "clientstats.py", ("--runs", "3"), ("--runs", "1", "--size-mb", "10")),
    Bench("key_bytes", "key_bytes.py", ("--runs", "2"), ("--runs", "1", "--presses", "4")),
    Bench("heatmap", "heatmap.py", ("--procs", "3"), ("--procs", "1", "--steps", "5")),
    Bench("export_rows", "export_rows.py", ("--runs", "3"), ("--runs", "1", "--size", "20000")),
    Bench("merged_jump", "merged_jump.py", ("--runs", "3"), ("--runs", "1")),
    Bench("whereby_first_rows", "whereby_first_rows.py", ("--runs", "3"), ("--runs", "1")),
    Bench("signalwire_jump", "signalwire_jump.py", (), ("--size", "5000")),
    Bench("headless_start", "headless_start.py", ("--runs", "15"), ("--runs", "3")),
    Bench("demo_scale", "demo_scale.py", ("--procs", "3"), ("--procs", "1", "--pages", "5")),
    Bench(
        "diagnosis",
        "diagnosis.py",
        ("--sessions", "5000", "--procs", "3"),
        ("--sessions", "500", "--procs", "1"),
        timeout=3600.0,
    ),
    Bench("incident", "incident.py", ("--procs", "3"), ("--procs", "1", "--sessions", "1000")),
    Bench("history", "history.py", ("--procs", "3"), ("--procs", "1", "--sessions", "100"), timeout=1800.0),
    Bench("list_export", "list_export.py", ("--procs", "2"), ("--procs", "1", "--size", "10000")),
    Bench(
        "live_idle",
        "live_idle.py",
        ("--seconds", "60"),
        ("--seconds", "15", "--busy-size", "0"),
        timeout=1200.0,
    ),
    Bench(
        "scan",
        "scan.py",
        ("--sessions", "5000", "--warm", "2", "--procs", "3"),
        ("--sessions", "300", "--warm", "1", "--procs", "1"),
        timeout=7200.0,
    ),
)


def run_bench(bench: Bench, args: tuple[str, ...], timeout: float) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-run-") as tmp:
        out = Path(tmp) / "figures.json"
        argv = [sys.executable, str(BENCH / bench.script), *args, "--json", str(out)]
        try:
            done = subprocess.run(
                argv,
                cwd=ROOT,
                env=bench_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            why = f"did not finish within {timeout:.0f} s"
            return [not_measured(bench.name, why, command(bench.script, *args))]
        if out.exists():
            return load_figures(out)
        tail = " | ".join(done.stdout.strip().splitlines()[-3:])
        why = f"exited with code {done.returncode} without figures ({tail or 'no output'})"
        return [not_measured(bench.name, why, command(bench.script, *args))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    names = ", ".join(b.name for b in BENCHES)
    parser.add_argument("--only", metavar="NAMES", help=f"comma-separated subset of: {names}")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per benchmark (default 600)")
    args = parser.parse_args()
    chosen = list(BENCHES)
    if args.only:
        wanted = {n.strip() for n in args.only.split(",") if n.strip()}
        unknown = wanted - {b.name for b in BENCHES}
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {names}")
        chosen = [b for b in BENCHES if b.name in wanted]

    started = time.perf_counter()
    print(
        f"roomscope benchmarks ({'quick smoke run, ' if args.quick else ''}medians [min–max]; "
        "compare ratios, not absolute times)",
        flush=True,
    )
    figures: list[Figure] = []
    for bench in chosen:
        print(f"  … {bench.name}", file=sys.stderr, flush=True)
        timeout = max(args.timeout, bench.timeout)
        for figure in run_bench(bench, bench.quick if args.quick else bench.args, timeout):
            figures.append(figure)
            print(figure.line(), flush=True)

    targeted = [f for f in figures if f.target is not None]
    met = [f for f in targeted if f.measured and f.met]
    missed = [f for f in targeted if f.measured and not f.met]
    unmeasured = [f for f in figures if not f.measured]
    elapsed = time.perf_counter() - started
    print(
        f"summary: {len(met)} of {len(targeted)} targets met, {len(missed)} missed"
        f", {len(unmeasured)} not measured ({elapsed:.0f} s)"
    )
    for figure in missed:
        print(f"  missed: {figure.name} [target {figure.target}]")
    for figure in unmeasured:
        print(f"  not measured: {figure.name}: {figure.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
