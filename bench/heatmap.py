"""Session heatmap: paint of 40 participants x 240 time columns, and one cursor step.

Each fresh process runs a bare Textual app holding one ``Heatmap`` widget (null-terminal
driver: every frame is encoded to ANSI and counted), sized so the time axis has 240
columns and all 40 rows show (275x46). The grid is synthetic: 40 participants over a
2-hour session, five series each (packet loss send and receive, jitter, RTT, MOS) at 2 s
(3,600 samples a series, 720,000 in all), with bad stretches and gaps; some join late,
leave early or reconnect.

* grid build: the series read into a ``HeatGrid`` (grading every sample and reducing each
  row to fine time buckets; the session screen does this in a worker thread, so it is no
  paint cost), for information;
* paint: from ``Heatmap.show(grid)`` (a grid never drawn: the 240 columns of every row are
  computed) to the first displayed frame that drew every row;
* metric switch: from the ``m`` key to the frame that drew every row in the next metric;
* cursor step: from the ``l`` key to the displayed frame, and the bytes that frame wrote.

Figures: the median over processes of each process's median, [min-max of the medians].
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import random
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from _common import (
    ChildError,
    Figure,
    base_parser,
    child_result,
    command,
    emit,
    fmt_ms,
    median,
    ms,
    not_measured,
    progress,
    run_child,
    summary_ms,
)

if TYPE_CHECKING:
    from roomscope.widgets.heatmap_grid import HeatGrid

PAINT_TARGET_MS = 50.0
STEP_TARGET_MS = 16.0
PARTICIPANTS = 40
COLUMNS = 240
SPAN_S = 2 * 3600.0
STEP_S = 2.0
SIZE = (COLUMNS + 18 + 1 + 15 + 1, PARTICIPANTS + 6)
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SHAPES: dict[str, tuple[str, float, float]] = {
    "packet_loss_send": ("%", 0.4, 12.0),
    "packet_loss_recv": ("%", 0.6, 9.0),
    "jitter": ("ms", 8.0, 60.0),
    "rtt": ("ms", 60.0, 520.0),
    "mos": ("", 4.3, 2.8),
}


Raw = list[tuple[float, float, dict[str, list[float | None]], tuple[float, ...]]]
"""Per participant: joined, left, values per metric, reconnect times."""


def make_series(seed: int) -> Raw:
    """40 participants' synthetic samples (not timed: only reading them is)."""
    rng = random.Random(seed)
    t0 = START.timestamp()
    samples = int(SPAN_S / STEP_S)
    raw: Raw = []
    for p in range(PARTICIPANTS):
        joined = t0 + (rng.uniform(0, 900) if p % 4 == 0 else 0.0)
        left = t0 + SPAN_S - (rng.uniform(0, 1800) if p % 5 == 0 else 0.0)
        series: dict[str, list[float | None]] = {}
        for metric, (_unit, normal, bad) in SHAPES.items():
            values: list[float | None] = []
            for i in range(samples):
                t = t0 + i * STEP_S
                if not joined <= t <= left or i % 1800 < 10:
                    values.append(None)
                elif math.sin(i / 200.0 + p) > 0.97:
                    values.append(bad * rng.uniform(0.8, 1.2))
                else:
                    values.append(normal * rng.uniform(0.7, 1.3))
            series[metric] = values
        reconnects = tuple(t0 + rng.uniform(0, SPAN_S) for _ in range(p % 3))
        raw.append((joined, left, series, reconnects))
    return raw


def make_grid(raw: Raw) -> HeatGrid:
    """The grid, as ``build_grid`` makes it from the quality reports."""
    from roomscope.widgets.heatmap_grid import Graded, HeatGrid, Track

    t0 = START.timestamp()
    offsets = [i * STEP_S for i in range(int(SPAN_S / STEP_S))]
    tracks = []
    for p, (joined, left, series, reconnects) in enumerate(raw):
        track = Track(f"p{p}", f"Participant {p:02d} with a name", joined, left, reconnects=reconnects)
        for metric, values in series.items():
            track.series[metric] = Graded.read(metric, SHAPES[metric][0], START, offsets, values)
        tracks.append(track)
    return HeatGrid(t0, t0 + SPAN_S, tracks, [(t0 + 1800, t0 + 1990)])


async def measure(steps: int) -> dict[str, Any]:
    from _inapp import FrameWatch, NullTerminalDriver, press
    from textual.app import App, ComposeResult

    from roomscope.widgets.heatmap import Heatmap

    out: dict[str, Any] = {
        "build_ms": [],
        "paint_ms": [],
        "paint_cpu_ms": [],
        "metric_ms": [],
        "step_ms": [],
        "step_cpu_ms": [],
        "step_bytes": [],
    }
    painted: set[int] = set()
    original = Heatmap.render_line

    def render_line(self: Heatmap, y: int) -> Any:
        painted.add(y)
        return original(self, y)

    Heatmap.render_line = render_line  # type: ignore[method-assign]

    class HeatmapApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Heatmap()

    app = HeatmapApp()
    watch = FrameWatch(app)
    failure: list[BaseException] = []

    async def scenario(pilot: Any) -> None:
        try:
            heatmap = app.query_one(Heatmap)
            heatmap.focus()
            await asyncio.sleep(0.3)
            rows = set(range(2, 2 + PARTICIPANTS))
            grids = []
            for seed in range(3):
                raw = make_series(seed)
                began = time.perf_counter()
                grids.append(make_grid(raw))
                out["build_ms"].append(ms(time.perf_counter() - began))
            gc.collect()  # the synthetic data's garbage is not the paint's
            await asyncio.sleep(0.5)
            for grid in grids:
                painted.clear()
                future = watch.expect(lambda: rows <= painted)
                wall, cpu = time.perf_counter(), time.process_time()
                heatmap.show(grid)
                frame = await watch.wait(future, 10.0)
                if frame is None:
                    raise RuntimeError("no frame drew every row within 10 s")
                out["paint_ms"].append(ms(frame.wall - wall))
                out["paint_cpu_ms"].append(ms(frame.cpu - cpu))
                if heatmap.columns != COLUMNS:
                    raise RuntimeError(f"the heatmap has {heatmap.columns} columns, not {COLUMNS}")
                await asyncio.sleep(0.2)
                painted.clear()
                future = watch.expect(lambda: rows <= painted)
                wall = time.perf_counter()
                press(app, "m")
                frame = await watch.wait(future, 10.0)
                if frame is None:
                    raise RuntimeError("no frame after m within 10 s")
                out["metric_ms"].append(ms(frame.wall - wall))
                await asyncio.sleep(0.2)
                for _ in range(steps):
                    before = NullTerminalDriver.bytes_written
                    future = watch.expect(lambda: True)
                    wall, cpu = time.perf_counter(), time.process_time()
                    press(app, "l")
                    frame = await watch.wait(future, 10.0)
                    if frame is None:
                        raise RuntimeError("no frame after l within 10 s")
                    out["step_ms"].append(ms(frame.wall - wall))
                    out["step_cpu_ms"].append(ms(frame.cpu - cpu))
                    await asyncio.sleep(0.05)
                    out["step_bytes"].append(NullTerminalDriver.bytes_written - before)
        except BaseException as exc:
            failure.append(exc)
        finally:
            app.exit()

    app.driver_class = NullTerminalDriver
    await app.run_async(size=SIZE, auto_pilot=scenario, mouse=False)
    if failure:
        raise failure[0]
    return out


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--procs", type=int, default=3, help="fresh processes (default 3)")
    parser.add_argument("--steps", type=int, default=20, help="cursor steps per grid (default 20)")
    args = parser.parse_args()
    if args.child:
        try:
            result = asyncio.run(measure(args.steps))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return
    cmd = command("heatmap.py", "--procs", str(args.procs), "--steps", str(args.steps))
    size = f"{PARTICIPANTS} participants x {COLUMNS} columns"
    titles = {
        "paint": (f"heatmap paint, {size}", f"<= {PAINT_TARGET_MS:.0f} ms"),
        "step": (f"heatmap cursor step, {size}", f"<= {STEP_TARGET_MS:.0f} ms"),
    }
    results: list[dict[str, Any]] = []
    failure = ""
    for proc in range(args.procs):
        progress(f"heatmap: process {proc + 1}/{args.procs}")
        try:
            results.append(run_child("heatmap.py", ["--steps", str(args.steps)], timeout=300))
        except ChildError as exc:
            failure = str(exc)
    if not results:
        emit(
            [not_measured(title, failure or "no process finished", cmd, t) for title, t in titles.values()],
            args.json,
        )
        return
    paint = [median(r["paint_ms"]) for r in results]
    metric = [median(r["metric_ms"]) for r in results]
    build = [median(r["build_ms"]) for r in results]
    step = [median(r["step_ms"]) for r in results]
    step_bytes = [median(r["step_bytes"]) for r in results]
    paint_cpu = median([median(r["paint_cpu_ms"]) for r in results])
    step_cpu = median([median(r["step_cpu_ms"]) for r in results])
    load = os.getloadavg()[0]
    figures = [
        Figure(
            titles["paint"][0],
            f"{summary_ms(paint)} (CPU {fmt_ms(paint_cpu)}; the next metric: {fmt_ms(median(metric))}; "
            f"grid build from 720k samples, done in a worker: {fmt_ms(median(build))}; {len(results)} procs; "
            f"null-terminal driver; load {load:.1f})",
            cmd,
            target=titles["paint"][1],
            met=median(paint) <= PAINT_TARGET_MS,
            data={"ms": paint, "metric_ms": metric, "build_ms": build},
        ),
        Figure(
            titles["step"][0],
            f"{summary_ms(step)} (CPU {fmt_ms(step_cpu)}; {median(step_bytes):,.0f} B written a step; "
            f"{len(results)} procs x {3 * args.steps} steps; null-terminal driver; load {load:.1f})",
            cmd,
            target=titles["step"][1],
            met=median(step) <= STEP_TARGET_MS,
            data={"ms": step, "bytes": step_bytes},
        ),
    ]
    emit(figures, args.json)


if __name__ == "__main__":
    main()
