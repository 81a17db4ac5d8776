"""Bytes of terminal output per key: what one key press costs over a slow link (SSH).

Each program runs on a real 120x40 pseudo-terminal (TERM=xterm-256color, COLORTERM=truecolor,
as a modern terminal emulator announces itself), is left to settle, and then keys are typed
one at a time; after each key, everything the program writes until it has been quiet for
``--quiet`` seconds is counted. A figure is the median over presses (and processes), with
[min–max].

* ``roomscope --provider demo --demo-latency 0 --cache-dir <tmp>``, the session list, its
  Quality column filled from the cache (``roomscope scan`` diagnosed the newest and oldest
  sessions into it first):
  ``j`` from the top (the cursor moves within the screen), ``j`` on the last visible row
  (the list scrolls one row), PgDn, and ``G`` from the top (the last page is loaded);
* the same program's session screen (``v v`` shows ended sessions only, Enter opens the
  first): ``j`` and ``k`` in turn on the participants table (a ``DataTable``, the detail screens' table),
  then ``l`` on the heatmap tab (the time cursor steps: every row's value changes);
* the bare Textual table app (``bench/minimal_app.py --table``: Header, a row-cursor
  ``DataTable`` of 200 rows x 8 columns, Footer): down, PgDn, and ctrl+end (its ``G``).

A *screenful* is what the session list writes to repaint the whole terminal once (measured
after a resize to 119 columns and back, divided by the number of full frames the resize
caused): the target for a page step or a jump. The target for a cursor step is 1 KB.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
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
    median,
    not_measured,
    progress,
)
from _pty import PtyProgram

STEP_TARGET = 1024
ROWS_MARKER = "ended "
"""Text only a painted session row contains (a status cell)."""


@dataclass
class Measured:
    """Bytes per press, by figure name (pooled over processes)."""

    sizes: dict[str, list[int]] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, name: str, cmd: str, value: int) -> None:
        self.sizes.setdefault(name, []).append(value)
        self.commands[name] = cmd


def _env() -> dict[str, str]:
    env = bench_env()
    env["COLORTERM"] = "truecolor"
    # The size comes from the pty alone (Textual prefers COLUMNS/LINES when they are set,
    # and would then ignore the resize that measures a screenful).
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return env


def _press(program: PtyProgram, key: str, quiet: float) -> int:
    """Type ``key`` and count what follows until ``quiet`` seconds pass without output."""
    count = program.press(key, quiet)
    total = count
    while count:
        count = len(program.read_for(quiet))
        total += count
    return total


def _reset(program: PtyProgram, key: str, quiet: float) -> None:
    _press(program, key, quiet)
    program.settle(quiet)


def warm_quality(cache: Path) -> None:
    """Diagnose the newest and the oldest sessions into ``cache`` (``roomscope scan``), so the
    list's Quality column fills from the cache at once, as for a list seen before: the bytes
    of a key are then the key's own, not those of rows repainted as diagnoses arrive."""
    roomscope = ROOT / ".venv" / "bin" / "roomscope"
    base = [str(roomscope), "--provider", "demo", "--demo-latency", "0", "--cache-dir", str(cache), "scan"]
    for extra in (["--limit", "300"], ["--until", "29.5d", "--limit", "100"]):
        subprocess.run([*base, *extra, "--jsonl"], env=_env(), capture_output=True, check=False)


def measure_list(cache: Path, presses: int, quiet: float, out: Measured) -> None:
    roomscope = ROOT / ".venv" / "bin" / "roomscope"
    if not any(cache.glob("*.sqlite3")):
        progress("bytes per key: diagnosing the list's newest and oldest sessions into the cache first")
        warm_quality(cache)
    argv = [str(roomscope), "--provider", "demo", "--demo-latency", "0", "--cache-dir", str(cache)]
    shown = "roomscope --provider demo --demo-latency 0 --cache-dir <tmp>"
    with PtyProgram(argv, _env()) as program:
        if not program.wait_for(ROWS_MARKER, 30.0):
            out.errors.append(f"{shown}: no session rows within 30 s")
            return
        program.settle(1.0)
        for _ in range(presses):
            out.add("session list: j", shown, _press(program, "j", quiet))
        _reset(program, "g", quiet)
        _reset(program, "pagedown", quiet)  # from the top, the first PgDn stays on screen
        for _ in range(presses // 2):  # the cursor is on the last visible row: each j scrolls
            out.add("session list: j that scrolls one row", shown, _press(program, "j", quiet))
        for _ in range(3):
            out.add("session list: PgDn", shown, _press(program, "pagedown", quiet))
        for _ in range(3):
            _reset(program, "g", quiet)
            out.add("session list: G", shown, _press(program, "G", quiet))
        columns, rows = TERM_SIZE
        for _ in range(2):
            program.resize(columns - 1, rows)
            program.settle(quiet)
            program.resize(columns, rows)
            written = _written_until_quiet(program, quiet)
            # A resize repaints the whole screen, sometimes more than once: one full frame
            # starts with the move to the top-left corner.
            frames = max(1, written.count(b"\x1b[1;1H"))
            out.add("session list: screenful (one full repaint)", shown, len(written) // frames)
        _reset(program, "g", quiet)
        for key in ("v", "v"):  # ended sessions only: a live one is reloaded while it is shown
            _reset(program, key, quiet)
        program.press("enter", 0.0)
        if not program.wait_for("3 Participants", 15.0):
            out.errors.append(f"{shown}: the session screen did not open")
            return
        program.settle(2.0)
        _reset(program, "3", quiet)  # the participants tab (the screen opens on the findings)
        for i in range(presses):  # down and up again: a session may have only a few people
            key = "j" if i % 2 == 0 else "k"
            out.add("session screen: j/k on the participants table", shown, _press(program, key, quiet))
        _reset(program, "2", quiet)  # the heatmap tab
        _reset(program, "home", quiet)
        for _ in range(presses):
            out.add("session screen: l on the heatmap", shown, _press(program, "l", quiet))


def _written_until_quiet(program: PtyProgram, quiet: float) -> bytes:
    chunks = []
    while chunk := program.read_for(quiet):
        chunks.append(chunk)
    return b"".join(chunks)


def measure_bare(presses: int, quiet: float, out: Measured) -> None:
    python = ROOT / ".venv" / "bin" / "python"
    argv = [str(python), str(ROOT / "bench" / "minimal_app.py"), "--table"]
    shown = ".venv/bin/python bench/minimal_app.py --table"
    with PtyProgram(argv, _env()) as program:
        if not program.wait_for("READY", 30.0):
            out.errors.append(f"{shown}: no rows within 30 s")
            return
        program.settle(1.0)
        for _ in range(presses):
            out.add("bare DataTable: down", shown, _press(program, "down", quiet))
        for _ in range(3):
            _reset(program, "ctrl+home", quiet)
            out.add("bare DataTable: PgDn", shown, _press(program, "pagedown", quiet))
        for _ in range(3):
            _reset(program, "ctrl+home", quiet)
            out.add("bare DataTable: ctrl+end (G)", shown, _press(program, "ctrl+end", quiet))


def _kb(value: float) -> str:
    return f"{value:,.0f} B" if value < 10_000 else f"{value / 1024:,.1f} KiB"


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--runs", type=int, default=2, help="fresh processes of each program (default 2)")
    parser.add_argument("--presses", type=int, default=10, help="cursor steps per process (default 10)")
    parser.add_argument("--quiet", type=float, default=0.3, help="seconds of silence that end a key's output")
    args = parser.parse_args()
    cmd = command("key_bytes.py", "--runs", str(args.runs))
    roomscope = ROOT / ".venv" / "bin" / "roomscope"
    if not roomscope.exists():
        why = f"{roomscope.relative_to(ROOT)} is not installed (make run installs it)"
        emit([not_measured("bytes per key", why, cmd, f"<= {STEP_TARGET} B")], args.json)
        return

    measured = Measured()
    root_tmp = Path(tempfile.mkdtemp(prefix="roomscope-bench-bytes-"))
    try:
        for run in range(args.runs):
            progress(f"bytes per key: run {run + 1}/{args.runs}")
            measure_list(root_tmp / "cache", args.presses, args.quiet, measured)
            measure_bare(args.presses, args.quiet, measured)
    finally:
        shutil.rmtree(root_tmp, ignore_errors=True)

    screenful = median(measured.sizes.get("session list: screenful (one full repaint)", []))
    targets: dict[str, tuple[str, Callable[[float], bool]]] = {
        "session list: j": (f"<= {STEP_TARGET} B", lambda v: v <= STEP_TARGET),
        "session screen: j/k on the participants table": (f"<= {STEP_TARGET} B", lambda v: v <= STEP_TARGET),
        "session list: PgDn": ("<= a screenful", lambda v: v <= screenful),
        "session list: G": ("<= a screenful", lambda v: v <= screenful),
        # every row's value at the cursor changes: the values, the marker line and the
        # selected row are rewritten, never the other rows' cells
        "session screen: l on the heatmap": ("<= 1/4 of a screenful", lambda v: v <= screenful / 4),
    }
    order = [
        "session list: j",
        "session list: j that scrolls one row",
        "session list: PgDn",
        "session list: G",
        "session list: screenful (one full repaint)",
        "session screen: j/k on the participants table",
        "session screen: l on the heatmap",
        "bare DataTable: down",
        "bare DataTable: PgDn",
        "bare DataTable: ctrl+end (G)",
    ]
    figures: list[Figure] = []
    why = measured.errors[0] if measured.errors else "no press was measured"
    for name in order:
        title = f"bytes per key, {name}"
        target, check = targets.get(name, (None, lambda _v: True))
        values = measured.sizes.get(name)
        if not values:
            figures.append(not_measured(title, why, cmd, target))
            continue
        value = median(values)
        text = (
            f"{_kb(value)} [{_kb(min(values))}–{_kb(max(values))}] "
            f"({len(values)} presses; program: {measured.commands[name]})"
        )
        met = check(value) if target is not None else None
        figures.append(Figure(title, text, cmd, target=target, met=met, data={"bytes": values}))
    if measured.errors:
        figures[-1].data["errors"] = measured.errors
        progress(f"{len(measured.errors)} problem(s); first: {measured.errors[0]}")
    emit(figures, args.json)


if __name__ == "__main__":
    main()
