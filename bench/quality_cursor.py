"""Quality screen: what one step of the time cursor costs, in time and in bytes.

* Time: each fresh process runs the app (null-terminal driver, 120x40) with the
  QualityScreen of one participant pushed on top of the session list, its report the
  synthetic one of ``quality_frame.py`` (8 series x 10,000 samples at 2 s, a 5.6 h
  session). ``l`` and ``h`` are pressed in turn (as the terminal driver delivers keys);
  a step is timed from the key to the first displayed frame in which the ruler has painted
  the cursor's new column and the readout the new time. Also the bytes the app wrote for
  that step (the null driver counts what it would have sent).
* Bytes on a real terminal: ``roomscope --provider demo --demo-latency 0`` on a 120x40 pty
  (as ``key_bytes.py`` does it): the first ended session, its worst participant, its
  quality screen; then ``l``, ``+`` (zoom: every chart redrawn) and a screenful (a resize)
  for reference. Everything written after a key until 0.3 s of silence is counted.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    ROOT,
    TERM_SIZE,
    ChildError,
    Figure,
    base_parser,
    bench_env,
    child_result,
    command,
    emit,
    fmt_ms,
    median,
    ms,
    not_measured,
    percentile,
    progress,
    run_child,
    summary_ms,
)
from _pty import PtyProgram

TARGET_MS = 16.0
STEP_BYTES_TARGET = 1024
INTERVAL_S = 2.0


async def measure(samples: int, steps: int) -> dict[str, Any]:
    from _inapp import FrameWatch, NullTerminalDriver, press, run_app
    from quality_frame import make_report

    from roomscope.screens.navigation import ParticipantNav
    from roomscope.screens.quality import QualityScreen
    from roomscope.tui.app import RoomscopeApp
    from roomscope.tui.cache import Cache
    from roomscope.tui.models import Participant, Session, SessionStatus
    from roomscope.tui.providers.demo import DemoProvider
    from roomscope.tui.store import Store
    from roomscope.widgets.cursor_readout import CursorReadout
    from roomscope.widgets.sparkline_panel import MetricPanel
    from roomscope.widgets.time_ruler import TimeRuler

    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    length = samples * INTERVAL_S
    session = Session(
        provider="demo",
        profile="demo",
        id="bench-session",
        name="Quality benchmark",
        status=SessionStatus.ENDED,
        started_at=start,
        ended_at=start + timedelta(seconds=length),
        duration_s=length,
        participant_count=1,
    )
    participant = Participant(provider="demo", session_id=session.id, id="bench-person", name="Bench Person")
    report = make_report(session, participant, samples, 1)

    painted: dict[int, object] = {}
    for cls in (MetricPanel, TimeRuler):
        original = cls.render_line

        def render_line(self: Any, y: int, _original: Any = original) -> Any:
            strip = _original(self, y)
            if y >= 1 and self.timeline is not None:
                painted[id(self)] = self.timeline.cursor_column(self.chart_width())
            return strip

        cls.render_line = render_line  # type: ignore[method-assign]
    readout_line = CursorReadout.render_line

    def render_readout(self: CursorReadout, y: int) -> Any:
        strip = readout_line(self, y)
        if y == 0 and self.head:
            painted[id(self)] = self.head[0].plain
        return strip

    CursorReadout.render_line = render_readout  # type: ignore[method-assign]

    out: dict[str, Any] = {"wall_ms": [], "cpu_ms": [], "bytes": []}
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-cursor-") as tmp:
        store = Store([DemoProvider("demo", size=50, latency_s=0.0)], Cache.open(Path(tmp)))
        app = RoomscopeApp(store=store, source_label="demo world")
        watch = FrameWatch(app)

        async def scenario(_app: Any) -> None:
            nav = ParticipantNav(session, [participant], 0, {participant.id: report})
            screen = QualityScreen(nav)
            await app.push_screen(screen)

            def ready() -> bool:
                panels = screen.panels
                return len(panels) == len(report.series) and all(id(p) in painted for p in panels)

            if await watch.until(ready, 10.0) is None:
                raise RuntimeError("the quality screen did not paint its panels within 10 s")
            await asyncio.sleep(0.5)
            timeline = screen.timeline
            assert timeline is not None
            width = screen.chart_width()
            timeline.place(timeline.start + timeline.span / 2, width)
            screen._cursor_changed((timeline.view_start, timeline.view_end), -1)
            await asyncio.sleep(0.3)
            for i in range(steps + 3):
                key = "l" if i % 2 == 0 else "h"
                target = timeline.cursor_column(width) + (1 if key == "l" else -1)

                def stepped(target: int = target) -> bool:
                    readout = screen.readout
                    return (
                        timeline.cursor_column(width) == target
                        and painted.get(id(screen.ruler)) == target
                        and painted.get(id(readout)) == readout.head[0].plain
                    )

                future = watch.expect(stepped)
                written = NullTerminalDriver.bytes_written
                wall, cpu = time.perf_counter(), time.process_time()
                press(app, key)
                frame = await watch.wait(future, 10.0)
                if frame is None:
                    raise RuntimeError("no frame showed the cursor's step within 10 s")
                await asyncio.sleep(0.15)  # every frame of the step written
                if i >= 3:
                    out["wall_ms"].append(ms(frame.wall - wall))
                    out["cpu_ms"].append(ms(frame.cpu - cpu))
                    out["bytes"].append(NullTerminalDriver.bytes_written - written)

        await run_app(app, scenario)
    return out


def _press(program: PtyProgram, key: str, quiet: float) -> int:
    count = program.press(key, quiet)
    total = count
    while count:
        count = len(program.read_for(quiet))
        total += count
    return total


def measure_pty(presses: int, quiet: float) -> dict[str, list[int]]:
    roomscope = ROOT / ".venv" / "bin" / "roomscope"
    cache = Path(tempfile.mkdtemp(prefix="roomscope-bench-cursor-pty-"))
    env = bench_env()
    env["COLORTERM"] = "truecolor"
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    argv = [str(roomscope), "--provider", "demo", "--demo-latency", "0", "--cache-dir", str(cache)]
    sizes: dict[str, list[int]] = {"l": [], "zoom": [], "screenful": []}
    try:
        with PtyProgram(argv, env) as program:
            if not program.wait_for("ended ", 30.0):
                raise RuntimeError("no session rows within 30 s")
            program.settle(1.0)
            for key in ("v", "v"):  # ended sessions only: a live one is reloaded while shown
                _press(program, key, quiet)
            program.press("enter", 0.0)
            if not program.wait_for("1 Findings", 15.0):
                raise RuntimeError("the session screen did not open")
            program.settle(1.0)
            program.press("3", 0.0)  # the Participants tab (the screen opens on Findings)
            if not program.wait_for("Left", 15.0):
                raise RuntimeError("the session screen's participants did not show")
            program.settle(1.0)
            program.press("enter", 0.0)
            if not program.wait_for("Quality", 15.0):
                raise RuntimeError("the participant screen did not open")
            program.settle(1.0)
            program.press("enter", 0.0)
            if not program.wait_for("▸ ", 15.0):
                raise RuntimeError("the quality screen did not show its cursor")
            program.settle(1.0, limit=15.0)  # the events and findings arrive
            _press(program, "home", quiet)
            for _ in range(presses):
                sizes["l"].append(_press(program, "l", quiet))
            for _ in range(2):
                sizes["zoom"].append(_press(program, "plus", quiet))
                _press(program, "0", quiet)
            columns, rows = TERM_SIZE
            program.resize(columns - 1, rows)
            program.settle(quiet)
            program.resize(columns, rows)
            chunks = []
            while chunk := program.read_for(quiet):
                chunks.append(chunk)
            written = b"".join(chunks)
            sizes["screenful"].append(len(written) // max(1, written.count(b"\x1b[1;1H")))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return sizes


def _b(value: float) -> str:
    return f"{value:,.0f} B" if value < 10_000 else f"{value / 1024:,.1f} KiB"


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--procs", type=int, default=3, help="fresh processes for the timing (default 3)")
    parser.add_argument("--steps", type=int, default=40, help="timed cursor steps per process (default 40)")
    parser.add_argument("--samples", type=int, default=10_000, help="samples per series (default 10000)")
    parser.add_argument("--presses", type=int, default=10, help="`l` presses on the pty (default 10)")
    parser.add_argument("--quiet", type=float, default=0.3, help="seconds of silence that end a key's output")
    args = parser.parse_args()
    if args.child:
        try:
            result = asyncio.run(measure(args.samples, args.steps))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return
    extra = [] if args.samples == 10_000 else ["--samples", str(args.samples)]
    cmd = command("quality_cursor.py", "--procs", str(args.procs), "--steps", str(args.steps), *extra)
    figures: list[Figure] = []

    title = f"quality screen cursor step to frame, 8 series x {args.samples // 1000}k samples"
    target = f"<= {TARGET_MS:.0f} ms"
    results: list[dict[str, Any]] = []
    failure = ""
    for proc in range(args.procs):
        progress(f"quality cursor: process {proc + 1}/{args.procs}")
        try:
            results.append(
                run_child("quality_cursor.py", ["--steps", str(args.steps), "--samples", str(args.samples)])
            )
        except ChildError as exc:
            failure = str(exc)
    if results:
        walls = [median(r["wall_ms"]) for r in results]
        every = [v for r in results for v in r["wall_ms"]]
        cpus = [median(r["cpu_ms"]) for r in results]
        written = [v for r in results for v in r["bytes"]]
        text = (
            f"{summary_ms(walls)} (p90 {fmt_ms(percentile(every, 90))}; CPU {fmt_ms(median(cpus))}; "
            f"{_b(median(written))} written a step; {len(results)} procs x {args.steps} steps; "
            "null-terminal driver)"
        )
        value = median(walls)
        figures.append(Figure(title, text, cmd, target=target, met=value <= TARGET_MS, data={"ms": walls}))
    else:
        figures.append(not_measured(title, failure or "no process finished", cmd, target))

    pty_cmd = command("quality_cursor.py", "--procs", "0", "--presses", str(args.presses))
    roomscope = ROOT / ".venv" / "bin" / "roomscope"
    names = {
        "l": ("bytes per key, quality screen: l (cursor step)", f"<= {_b(STEP_BYTES_TARGET)}"),
        "zoom": ("bytes per key, quality screen: + (zoom: every chart redrawn)", None),
        "screenful": ("bytes, quality screen: a screenful (one full repaint)", None),
    }
    if not roomscope.exists():
        why = f"{roomscope.relative_to(ROOT)} is not installed (make run installs it)"
        figures.extend(not_measured(name, why, pty_cmd, goal) for name, goal in names.values())
    else:
        progress("quality cursor: bytes on a pty")
        try:
            sizes = measure_pty(args.presses, args.quiet)
        except RuntimeError as exc:
            figures.extend(not_measured(name, str(exc), pty_cmd, goal) for name, goal in names.values())
        else:
            for key, (name, goal) in names.items():
                values = sizes[key]
                if not values:
                    figures.append(not_measured(name, "nothing measured", pty_cmd, goal))
                    continue
                value = median(values)
                spread = f"[{_b(min(values))}–{_b(max(values))}]"
                text = f"{_b(value)} {spread} ({len(values)} presses, 120x40 pty)"
                met = value <= STEP_BYTES_TARGET if goal is not None else None
                figures.append(Figure(name, text, pty_cmd, target=goal, met=met, data={"bytes": values}))
    emit(figures, args.json)


if __name__ == "__main__":
    main()
