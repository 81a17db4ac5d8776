"""Headless export of 100,000 sessions from a warm cache: rows per second and peak RSS.

One child fills an empty cache directory (``roomscope sessions --csv --limit N`` with the
demo world at no latency). Then ``--runs`` rounds each run, as fresh processes,
``roomscope sessions --provider demo --demo-size N --demo-latency 0 --limit N --csv`` and
the same with ``--json``, stdout to ``/dev/null``. Per run: wall time from spawn to reap,
the child's CPU time and its ``ru_maxrss`` (``os.wait4``), and the rows it wrote (checked:
every row). Rows per second are N over the wall time of the whole process (start-up
included). Every process runs ``roomscope``'s ``main`` through ``_pinned_cli.py`` with the
clock pinned to the moment the benchmark started: the demo world's cached pages are keyed
by its anchor, which moves every 26 s at this size. The list keeps 48 pages in memory:
the export streams through it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import (
    ROOT,
    Figure,
    base_parser,
    bench_env,
    command,
    emit,
    median,
    not_measured,
    progress,
)

TARGET_ROWS_S = 50_000.0
TARGET_RSS_MB = 100.0
ROOMSCOPE = ROOT / ".venv" / "bin" / "roomscope"
PYTHON = ROOT / ".venv" / "bin" / "python"
PINNED_CLI = ROOT / "bench" / "_pinned_cli.py"


def export(size: int, form: str, cache_dir: Path, now: str, timeout: float = 300.0) -> dict[str, Any]:
    """One export in a fresh process: wall s, CPU s, peak RSS MB, rows written. ``now``
    pins the clock (``_pinned_cli.py``), so every process sees the cache's demo anchor."""
    argv = [str(PYTHON), str(PINNED_CLI), "sessions", "--provider", "demo", "--demo-size", str(size)]
    argv += ["--demo-latency", "0", "--limit", str(size), f"--{form}", "--cache-dir", str(cache_dir)]
    env = {**bench_env(), "BENCH_NOW": now}
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                child.wait()
                raise TimeoutError(f"{form} export took more than {timeout:.0f} s")
            time.sleep(0.002)
        wall = time.perf_counter() - started
        out.seek(0)
        data = out.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{form} export exited with {code}")
    rows = data.count(b'\n  {\n    "provider"') if form == "json" else data.count(b"\n") - 1
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024.0,
        "rows": rows,
        "bytes": len(data),
    }


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument(
        "--runs", type=int, default=3, help="rounds of one CSV and one JSON export (default 3)"
    )
    parser.add_argument("--size", type=int, default=100_000, help="sessions (default 100000)")
    args = parser.parse_args()
    extra = [] if args.size == 100_000 else ["--size", str(args.size)]
    cmd = command("export_rows.py", "--runs", str(args.runs), *extra)
    thousands = f"{args.size // 1000}k"
    if not ROOMSCOPE.exists():
        why = f"{ROOMSCOPE} is missing (run make first)"
        emit([not_measured(f"export {thousands} sessions", why, cmd)], args.json)
        return
    tmp = Path(tempfile.mkdtemp(prefix="roomscope-bench-export-"))
    now = datetime.now(UTC).isoformat()
    results: dict[str, list[dict[str, Any]]] = {"csv": [], "json": []}
    failures: list[str] = []
    try:
        progress(f"export: filling a cache with {args.size:,} sessions")
        try:
            export(args.size, "csv", tmp, now, timeout=600)
        except (RuntimeError, TimeoutError) as exc:
            emit([not_measured(f"export {thousands} sessions", str(exc), cmd)], args.json)
            return
        for run in range(args.runs):
            for form in ("csv", "json") if run % 2 == 0 else ("json", "csv"):
                progress(f"export: {form}, round {run + 1}/{args.runs}")
                try:
                    result = export(args.size, form, tmp, now)
                except (RuntimeError, TimeoutError) as exc:
                    failures.append(str(exc))
                    continue
                if result["rows"] != args.size:
                    failures.append(f"{form} export wrote {result['rows']:,} rows of {args.size:,}")
                    continue
                results[form].append(result)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    figures: list[Figure] = []
    for form, runs in results.items():
        name = f"export {thousands} sessions as {form.upper()} from a warm cache"
        if not runs:
            figures.append(not_measured(name, failures[0] if failures else "no run finished", cmd))
            continue
        rates = [args.size / r["wall"] for r in runs]
        cpu_rates = [args.size / r["cpu"] for r in runs]
        rss = [r["rss_mb"] for r in runs]
        rate = median(rates)
        figures.append(
            Figure(
                f"{name}: rows/s",
                f"{rate:,.0f} rows/s [{min(rates):,.0f}–{max(rates):,.0f}] over the whole process "
                f"({median([r['wall'] for r in runs]):.2f} s; {median(cpu_rates):,.0f} rows per CPU second; "
                f"{median([r['bytes'] for r in runs]) / 1e6:.0f} MB written; {len(runs)} runs)",
                cmd,
                target=f">= {TARGET_ROWS_S:,.0f} rows/s",
                met=rate >= TARGET_ROWS_S,
                data={"rows_s": rates},
            )
        )
        figures.append(
            Figure(
                f"{name}: peak RSS",
                f"{median(rss):.0f} MB [{min(rss):.0f}–{max(rss):.0f}] (ru_maxrss)",
                cmd,
                target=f"<= {TARGET_RSS_MB:.0f} MB",
                met=max(rss) <= TARGET_RSS_MB,
                data={"rss_mb": rss},
            )
        )
    emit(figures, args.json)


if __name__ == "__main__":
    main()
