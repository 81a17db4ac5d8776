"""First frame and first rows as CPU time: the session list vs the bare Textual apps.

``first_paint.py`` times the programs on a real pseudo-terminal, in wall time, which a
shared machine moves by ±15 % from run to run: too much to see a change of a few
milliseconds. This benchmark measures what each program *spent* instead, precisely
(``time.process_time()``, every thread), in fresh processes taking turns (the order rotates
every round, after one warm-up of each):

* ``roomscope --provider demo --demo-latency 0 --cache-dir <dir>`` as ``main()`` builds it
  (``cli.build_app``), run at 120x40 on a null-terminal driver (every frame is encoded, the
  bytes are thrown away): CPU used when the first frame was written, when the first frame
  showing session rows was written (from the second run on, the last run's first rows,
  drawn while the store is built), and when the first frame showing the store's own rows
  (read from the disk cache) was written (warm cache: the directory is shared by the runs);
* the bare app and the bare table app of ``minimal_app.py``: CPU used at their first frame.

The ratios (first frame vs the bare app, rows vs the bare table app) are the CPU
counterparts of ``first_paint.py``'s. ``--python PATH`` also times another install's
interpreter (its own ``roomscope``; before/after in the same minutes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent


def child(kind: str, cache: str) -> None:
    """One run: print the CPU ms at the first frame and at the first frame with rows."""
    from textual.drivers.headless_driver import HeadlessDriver

    if kind == "app":
        from roomscope.tui.cli import build_app

        app: Any = build_app(["--provider", "demo", "--demo-latency", "0", "--cache-dir", cache])
    else:
        import minimal_app

        app = minimal_app.MinimalTableApp() if kind == "table" else minimal_app.MinimalApp()

    class NullTerminal(HeadlessDriver):
        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            pass

    marks: dict[str, float] = {}

    def table() -> Any:
        try:
            return app.screen.query_one("#table")
        except Exception:  # not mounted yet
            return None

    def has_rows() -> bool:
        shown = table()
        if shown is None:
            return False
        source = shown.source
        return source is not None and source.started and source.row(0) is not None

    def has_preview() -> bool:
        shown = table()
        return shown is not None and bool(getattr(shown, "preview_shown", False))  # an older install: none

    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        if renderable is None or not app._running:
            return
        now = time.process_time() * 1000.0
        marks.setdefault("frame", now)
        if kind != "app":
            marks["rows"] = marks["store"] = now
            app.exit()
            return
        if "rows" not in marks and (has_preview() or has_rows()):
            marks["rows"] = now
        if "store" not in marks and has_rows():
            marks["store"] = now
            app.exit()

    app._display = display
    app.driver_class = NullTerminal
    app.run(size=(120, 40), mouse=False)
    print(json.dumps(marks))


def main() -> None:
    from _common import ROOT, Figure, base_parser, bench_env, command, emit, median, progress

    parser = base_parser(__doc__ or "")
    parser.add_argument("--runs", type=int, default=11, help="rounds (default 11)")
    parser.add_argument("--python", metavar="PATH", help="also time this interpreter's roomscope")
    args = parser.parse_args()
    cmd = command(
        "first_paint_cpu.py", "--runs", str(args.runs), *(["--python", args.python] if args.python else [])
    )
    tmp = Path(tempfile.mkdtemp(prefix="roomscope-bench-paint-cpu-"))
    # Each interpreter imports roomscope from its own install (an extra path entry in front
    # would also cost every top-level import a look there).
    env = {k: v for k, v in bench_env().items() if k != "PYTHONPATH"}
    here = str(ROOT / ".venv" / "bin" / "python")
    programs: dict[str, tuple[str, str, dict[str, str]]] = {
        "bare": (here, "bare", env),
        "table": (here, "table", env),
        "roomscope": (here, "app", env),
    }
    if args.python:
        programs["other"] = (args.python, "app", env)
    cpu: dict[str, dict[str, list[float]]] = {
        name: {"frame": [], "rows": [], "store": []} for name in programs
    }
    try:
        names = list(programs)
        for round_no in range(args.runs + 1):
            progress(f"first paint CPU: round {round_no}/{args.runs}")
            for name in names[round_no % len(names) :] + names[: round_no % len(names)]:
                python, kind, penv = programs[name]
                argv = [
                    python,
                    str(BENCH_DIR / "first_paint_cpu.py"),
                    "--child",
                    kind,
                    str(tmp / f"cache-{name}"),
                ]
                done = subprocess.run(argv, env=penv, capture_output=True, text=True, timeout=120, cwd=ROOT)
                if done.returncode != 0:
                    raise SystemExit(f"{name}: exited {done.returncode}: {done.stderr[-500:]}")
                if round_no == 0:
                    continue  # warm-up (bytecode caches, the disk cache)
                marks = json.loads(done.stdout.strip().splitlines()[-1])
                for mark in ("frame", "rows", "store"):
                    cpu[name][mark].append(marks[mark])
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    bare, table = median(cpu["bare"]["frame"]), median(cpu["table"]["frame"])

    def text(name: str, mark: str, floor: float, floor_name: str) -> str:
        ours = median(cpu[name][mark])
        return (
            f"{ours / floor:.2f}x ({ours:.0f} ms vs {floor_name} {floor:.0f} ms CPU; {args.runs} runs each)"
        )

    figures = [
        Figure(
            "first frame CPU, session list vs bare Textual app",
            text("roomscope", "frame", bare, "bare app"),
            cmd,
        ),
        Figure(
            "first rows CPU, session list vs bare Textual table app's first frame",
            text("roomscope", "rows", table, "bare table app"),
            cmd,
        ),
        Figure(
            "the store's rows (disk cache) CPU, session list vs bare Textual table app's first frame",
            text("roomscope", "store", table, "bare table app"),
            cmd,
        ),
    ]
    if args.python:
        figures.append(
            Figure(
                f"the same for {args.python}",
                f"first frame {text('other', 'frame', bare, 'bare app')}; "
                f"rows {text('other', 'rows', table, 'bare table app')}; "
                f"the store's rows {text('other', 'store', table, 'bare table app')}",
                cmd,
            )
        )
    emit(figures, args.json)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        child(sys.argv[2], sys.argv[3])
    else:
        main()
