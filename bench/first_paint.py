"""First paint in a real (pseudo-)terminal: the session list vs bare Textual apps.

Every program is started on a 120x40 pseudo-terminal (``pty``, TERM=xterm-256color) and
the clock runs from just before the fork to the read that completes a marker in the
terminal output (escape sequences stripped):

* bare app (``bench/minimal_app.py``: Header, Static, Footer): ``READY``;
* bare table app (``bench/minimal_app.py --table``: Header, a 200-row ``DataTable``,
  Footer): ``READY``, the text of its first row, so the clock stops at its rows;
* ``roomscope --provider demo --demo-latency 0 --cache-dir <tmp>``, first frame: the
  ``Sessions`` breadcrumb (the first frame shows the breadcrumb, the column titles,
  "⋯ loading sessions…" and the footer; the store is built after it);
* the same run, first session rows painted: a row's status cell followed by its duration
  (``● live 12m05s`` or ``ended 46m00s``), which only a painted row contains. This is
  compared with the bare table app's first paint (target: at most 1.5 times it). From the
  second run on these are the last run's first rows (``roomscope-first-screen.json`` in the
  cache directory), drawn in the first frame while the store is built;
* the same run, the store's own rows painted (read from the disk cache): the status line's
  count (``200/5,000 sessions``), which it shows once the store's list has loaded.

The programs take turns (the order rotates every round), after one warm-up run of each.
All run with bytecode caches, as an installed program does (see ``_common.bench_env``).
Every run is quit with ``q`` and reaped. The roomscope runs share one cache directory, so
from the second run on the rows come from the disk cache, as they do for a returning
user (``--fresh-cache`` gives every run an empty one). ``--roomscope PATH`` times another
installed ``roomscope`` (an older checkout's, for a before/after comparison).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import tempfile
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
    ROOT,
    TERM_SIZE,
    Figure,
    base_parser,
    bench_env,
    command,
    emit,
    fmt_ms,
    median,
    not_measured,
    progress,
    summary_ms,
)

MINIMAL_MARKER = re.compile(rb"READY")
FRAME_MARKER = re.compile(rb"Sessions")
ROWS_MARKER = re.compile("(● live|ended) +[0-9]".encode())
STORE_ROWS_MARKER = re.compile(rb"[0-9][0-9,]*/[0-9][0-9,]* sessions")
_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1bP[^\x1b]*\x1b\\"  # DCS
    rb"|\x1b[@-Z\\-_=>]"  # two-byte escapes
)
RATIO_TARGET = 1.2
ROWS_RATIO_TARGET = 1.5
ROWS_BUDGET_MS = 500.0


@dataclass
class Run:
    """One spawn: when each marker appeared (ms after spawn), and how it ended."""

    marks: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU time the program had used (ms, all its threads) when each marker appeared."""
    exit_code: int | None = None
    error: str | None = None
    tail: str = ""


def spawn_and_watch(
    argv: Sequence[str],
    markers: dict[str, re.Pattern[bytes]],
    *,
    timeout: float,
    quit_key: bytes = b"q",
) -> Run:
    """Start ``argv`` on a fresh 120x40 pty; time each marker; then quit it with ``quit_key``."""
    # Each program imports from its own install: a path entry in front (bench_env's, for the
    # in-process benchmarks) would make another install's command run this checkout's code.
    env = {k: v for k, v in bench_env().items() if k != "PYTHONPATH"}
    columns, rows = TERM_SIZE
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: size the terminal before anything looks at it, then exec
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
            os.chdir(ROOT)
            os.execve(argv[0], list(argv), env)
        finally:
            os._exit(127)
    run = Run()
    buffer = b""
    deadline = started + timeout
    quit_sent_at: float | None = None
    eof = False
    while not eof:
        now = time.perf_counter()
        if len(run.marks) == len(markers) and quit_sent_at is None:
            with contextlib.suppress(OSError):
                os.write(fd, quit_key)
            quit_sent_at = now
            deadline = now + 5.0
        if now >= deadline:
            break
        ready, _, _ = select.select([fd], [], [], min(0.05, max(0.0, deadline - now)))
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            eof = True
            break
        arrived = time.perf_counter()
        buffer += chunk
        if len(run.marks) < len(markers):
            plain = _ESCAPES.sub(b"", buffer)
            for name, pattern in markers.items():
                if name not in run.marks and pattern.search(plain):
                    run.marks[name] = (arrived - started) * 1000.0
                    cpu = _cpu_ms(pid)
                    if cpu is not None:
                        run.cpu[name] = cpu
    run.exit_code = _reap(pid)
    os.close(fd)
    if len(run.marks) < len(markers):
        missing = ", ".join(n for n in markers if n not in run.marks)
        what = "exited" if eof else f"timed out after {timeout:.0f} s"
        run.error = f"{what} before showing: {missing} (exit code {run.exit_code})"
        text = _ESCAPES.sub(b"", buffer).decode("utf-8", "replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        run.tail = " | ".join(lines[-4:])[-400:]
    elif quit_sent_at is not None and not eof:
        run.error = "did not quit within 5 s of 'q' (killed)"
    return run


def _cpu_ms(pid: int) -> float | None:
    """User + system CPU time ``pid`` has used so far, in ms (Linux ``/proc``; 10 ms steps).
    On a busy machine this says more than the wall clock: it is what the program itself
    spent, not how long it waited for a core."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks * 1000.0 / os.sysconf("SC_CLK_TCK")


def _reap(pid: int) -> int | None:
    """Wait briefly for ``pid``; kill it (only it) if it does not go."""
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.01)
    return None


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--runs", type=int, default=7, help="counted runs of each program (default 7)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds before a run is abandoned")
    parser.add_argument("--fresh-cache", action="store_true", help="an empty cache directory for every run")
    parser.add_argument("--roomscope", metavar="PATH", help="roomscope command to time (default: .venv's)")
    args = parser.parse_args()
    cmd_args = [f"--runs {args.runs}"] + (["--fresh-cache"] if args.fresh_cache else [])
    if args.roomscope:
        cmd_args.append(f"--roomscope {args.roomscope}")
    cmd = command("first_paint.py", *cmd_args)
    cache_kind = " (empty cache)" if args.fresh_cache else " (warm cache)"
    names = (
        "first paint, session list vs bare Textual app",
        "spawn to first session rows painted" + cache_kind,
        "session rows painted vs bare Textual table app's first paint" + cache_kind,
        "the store's rows (disk cache) painted vs bare Textual table app's first paint" + cache_kind,
    )
    python = ROOT / ".venv" / "bin" / "python"
    roomscope = Path(args.roomscope) if args.roomscope else ROOT / ".venv" / "bin" / "roomscope"
    problem = None
    if not hasattr(os, "openpty") or not Path("/dev/ptmx").exists():
        problem = "no pseudo-terminals on this system (/dev/ptmx)"
    elif not roomscope.exists():
        problem = f"{roomscope} is not installed (make run installs it)"
    if problem is not None:
        emit(
            [
                not_measured(names[0], problem, cmd, f"<= {RATIO_TARGET}"),
                not_measured(names[1], problem, cmd),
                not_measured(names[2], problem, cmd, f"<= {ROWS_RATIO_TARGET}"),
                not_measured(names[3], problem, cmd),
            ],
            args.json,
        )
        return

    root_tmp = Path(tempfile.mkdtemp(prefix="roomscope-bench-paint-"))
    shared_cache = root_tmp / "cache"
    counter = 0

    def roomscope_argv() -> list[str]:
        nonlocal counter
        counter += 1
        cache = root_tmp / f"cache-{counter}" if args.fresh_cache else shared_cache
        return [str(roomscope), "--provider", "demo", "--demo-latency", "0", "--cache-dir", str(cache)]

    minimal = [str(python), str(ROOT / "bench" / "minimal_app.py")]
    programs: dict[str, tuple[str, Callable[[], list[str]], dict[str, re.Pattern[bytes]]]] = {
        "bare": ("bare app", lambda: minimal, {"frame": MINIMAL_MARKER}),
        "table": ("bare table app", lambda: [*minimal, "--table"], {"frame": MINIMAL_MARKER}),
        "app": (
            "roomscope",
            roomscope_argv,
            {"frame": FRAME_MARKER, "rows": ROWS_MARKER, "store": STORE_ROWS_MARKER},
        ),
    }
    times: dict[str, dict[str, list[float]]] = {name: {} for name in programs}
    cpu: dict[str, dict[str, list[float]]] = {name: {} for name in programs}
    errors: list[str] = []
    try:
        progress(f"first paint: 1 warm-up + {args.runs} runs of each program, taking turns")
        order = list(programs)
        for round_no in range(args.runs + 1):
            turn = order[round_no % len(order) :] + order[: round_no % len(order)]
            for which in turn:
                label, argv, markers = programs[which]
                run = spawn_and_watch(argv(), markers, timeout=args.timeout)
                if run.error:
                    errors.append(f"{label}: {run.error}" + (f"; screen: {run.tail}" if run.tail else ""))
                if round_no == 0:
                    continue  # warm-up
                for mark, value in run.marks.items():
                    times[which].setdefault(mark, []).append(value)
                for mark, value in run.cpu.items():
                    cpu[which].setdefault(mark, []).append(value)
    finally:
        shutil.rmtree(root_tmp, ignore_errors=True)

    bare = times["bare"].get("frame", [])
    table = times["table"].get("frame", [])
    first = times["app"].get("frame", [])
    rows = times["app"].get("rows", [])
    figures: list[Figure] = []
    why = errors[0] if errors else "no run finished"
    if bare and first:
        ratio = median(first) / median(bare)
        paired = [a / b for a, b in zip(first, bare, strict=False)]
        first_cpu, bare_cpu = cpu["app"].get("frame", []), cpu["bare"].get("frame", [])
        cpu_text = ""
        if first_cpu and bare_cpu and median(bare_cpu) > 0:
            cpu_text = (
                f"; CPU used by then {median(first_cpu):.0f} ms vs {median(bare_cpu):.0f} ms, "
                f"{median(first_cpu) / median(bare_cpu):.2f}x"
            )
        text = (
            f"{ratio:.2f}x ({fmt_ms(median(first))} vs {fmt_ms(median(bare))}; "
            f"roomscope {summary_ms(first)}, bare {summary_ms(bare)}, "
            f"per-round ratio {min(paired):.2f}–{max(paired):.2f}{cpu_text}, {len(first)}+{len(bare)} runs)"
        )
        figures.append(
            Figure(
                names[0],
                text,
                cmd,
                target=f"<= {RATIO_TARGET}",
                met=ratio <= RATIO_TARGET,
                data={
                    "ratio": ratio,
                    "app_ms": first,
                    "bare_ms": bare,
                    "app_cpu_ms": first_cpu,
                    "bare_cpu_ms": bare_cpu,
                },
            )
        )
    else:
        figures.append(not_measured(names[0], why, cmd, f"<= {RATIO_TARGET}"))
    if rows:
        after = [r - f for r, f in zip(rows, first, strict=False)]
        text = (
            f"{summary_ms(rows)} ({median(after):.0f} ms after the first frame; "
            f"budget from perf-anchors: <= {ROWS_BUDGET_MS:.0f} ms; {len(rows)} runs)"
        )
        figures.append(Figure(names[1], text, cmd, data={"rows_ms": rows, "after_first_frame_ms": after}))
    else:
        figures.append(not_measured(names[1], why, cmd))
    if rows and table:
        ratio = median(rows) / median(table)
        paired = [a / b for a, b in zip(rows, table, strict=False)]
        rows_cpu, table_cpu = cpu["app"].get("rows", []), cpu["table"].get("frame", [])
        cpu_text = ""
        if rows_cpu and table_cpu:
            cpu_text = (
                f"; CPU used by then {median(rows_cpu):.0f} ms vs {median(table_cpu):.0f} ms, "
                f"{median(rows_cpu) / median(table_cpu):.2f}x"
            )
        text = (
            f"{ratio:.2f}x ({fmt_ms(median(rows))} vs {fmt_ms(median(table))}; "
            f"bare table app {summary_ms(table)}, per-round ratio {min(paired):.2f}–{max(paired):.2f}"
            f"{cpu_text}; {len(rows)}+{len(table)} runs)"
        )
        figures.append(
            Figure(
                names[2],
                text,
                cmd,
                target=f"<= {ROWS_RATIO_TARGET}",
                met=ratio <= ROWS_RATIO_TARGET,
                data={
                    "ratio": ratio,
                    "rows_ms": rows,
                    "table_ms": table,
                    "rows_cpu_ms": cpu["app"].get("rows", []),
                    "table_cpu_ms": cpu["table"].get("frame", []),
                },
            )
        )
    else:
        figures.append(not_measured(names[2], why, cmd, f"<= {ROWS_RATIO_TARGET}"))
    stored = times["app"].get("store", [])
    if stored and table:
        ratio = median(stored) / median(table)
        store_cpu, table_cpu = cpu["app"].get("store", []), cpu["table"].get("frame", [])
        cpu_text = ""
        if store_cpu and table_cpu:
            cpu_text = (
                f"; CPU used by then {median(store_cpu):.0f} ms vs {median(table_cpu):.0f} ms, "
                f"{median(store_cpu) / median(table_cpu):.2f}x"
            )
        after = [r - f for r, f in zip(stored, first, strict=False)]
        text = (
            f"{ratio:.2f}x ({fmt_ms(median(stored))} vs {fmt_ms(median(table))}; "
            f"{median(after):.0f} ms after the first frame{cpu_text}; {len(stored)}+{len(table)} runs)"
        )
        figures.append(
            Figure(names[3], text, cmd, data={"ratio": ratio, "store_ms": stored, "store_cpu_ms": store_cpu})
        )
    else:
        figures.append(not_measured(names[3], why, cmd))
    if errors and (bare or first or table):
        figures[-1].data["errors"] = errors
        progress(f"{len(errors)} run(s) had problems; first: {errors[0]}")
    emit(figures, args.json)


if __name__ == "__main__":
    main()
