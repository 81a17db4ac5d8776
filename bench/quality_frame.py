"""Quality screen: new data to the displayed frame, 8 series x 10,000 samples.

Each fresh process runs the app (null-terminal driver, 120x40) with the QualityScreen of
one participant pushed on top of the session list. Its report is synthetic: the 8 metrics
(packet loss send/recv, bitrate send/recv, jitter, RTT, MOS, fps) with 10,000 samples
each at 2 s intervals (a 5.6 h session), assessed with ``roomscope.tui.quality.assess`` as the
store does (outside the timing: the store does that in a worker thread). Two such reports
(A, B: different values) alternate.

One update is timed from assigning the new report the way the screen's loader does
(``screen.report = report; screen._draw()``) to the first displayed frame in which all 8
MetricPanels have painted their new data (their chart rows were rendered for the new
``show()`` generation). "CPU" is the process CPU time over the same span. Figure: the
median over processes of each process's median, [min–max of the process medians].
"""

from __future__ import annotations

import asyncio
import math
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
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
    from roomscope.tui.models import Participant, QualitySeries, Session
    from roomscope.tui.store import QualityReport

TARGET_MS = 50.0
SERIES = 8
INTERVAL_S = 2.0


def make_series(session: Session, participant: Participant, samples: int, seed: int) -> list[QualitySeries]:
    """Eight plausible metric series with a few bad stretches and gaps."""
    from roomscope.tui.models import Metric, QualitySeries

    rng = random.Random(seed)
    assert session.started_at is not None
    shapes: dict[Metric, tuple[str, float, float]] = {
        Metric.LOSS_SEND: ("%", 0.5, 15.0),
        Metric.LOSS_RECV: ("%", 0.8, 18.0),
        Metric.BITRATE_SEND: ("kbps", 1500.0, 200.0),
        Metric.BITRATE_RECV: ("kbps", 1800.0, 250.0),
        Metric.JITTER: ("ms", 12.0, 90.0),
        Metric.RTT: ("ms", 80.0, 700.0),
        Metric.MOS: ("", 4.2, 2.1),
        Metric.FPS: ("fps", 29.0, 8.0),
    }
    out = []
    for metric, (unit, normal, bad) in shapes.items():
        values: list[float | None] = []
        for i in range(samples):
            phase = math.sin(i / 300.0 + seed)
            if i % 2500 < 40:
                values.append(None)  # the participant was away
            elif phase > 0.97:
                values.append(round(bad * rng.uniform(0.8, 1.2), 3))
            else:
                values.append(round(max(0.0, normal * rng.uniform(0.7, 1.3)), 3))
        out.append(
            QualitySeries(
                provider="demo",
                session_id=session.id,
                participant_id=participant.id,
                metric=metric,
                unit=unit,
                start=session.started_at,
                interval_s=INTERVAL_S,
                values=values,
            )
        )
    return out


def make_report(session: Session, participant: Participant, samples: int, seed: int) -> QualityReport:
    from roomscope.tui import quality
    from roomscope.tui.store import QualityReport

    series = quality.order_series(make_series(session, participant, samples, seed))
    return QualityReport(session.id, participant.id, series, quality.assess(series), None)


async def measure(samples: int, updates: int, driver: str) -> dict[str, Any]:
    from _inapp import FrameWatch, run_app

    from roomscope.screens.navigation import ParticipantNav
    from roomscope.screens.quality import QualityScreen
    from roomscope.tui.app import RoomscopeApp
    from roomscope.tui.cache import Cache
    from roomscope.tui.models import Participant, Session, SessionStatus
    from roomscope.tui.providers.demo import DemoProvider
    from roomscope.tui.store import Store
    from roomscope.widgets.sparkline_panel import MetricPanel

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
    reports = [make_report(session, participant, samples, seed) for seed in (1, 2)]

    painted: dict[int, int] = {}
    original = MetricPanel.render_line

    def render_line(self: MetricPanel, y: int) -> Any:
        strip = original(self, y)
        if y >= 1 and self.series is not None:
            painted[id(self)] = self._generation
        return strip

    MetricPanel.render_line = render_line  # type: ignore[method-assign]

    out: dict[str, Any] = {"driver": driver, "wall_ms": [], "cpu_ms": [], "draw_ms": []}
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-quality-") as tmp:
        store = Store([DemoProvider("demo", size=50, latency_s=0.0)], Cache.open(Path(tmp)))
        app = RoomscopeApp(store=store, source_label="demo world")
        watch = FrameWatch(app)

        async def scenario(_app: Any) -> None:
            nav = ParticipantNav(session, [participant], 0, {participant.id: reports[0]})
            screen = QualityScreen(nav)

            def all_painted() -> bool:
                panels = list(screen.query(MetricPanel))
                return len(panels) == SERIES and all(painted.get(id(p)) == p._generation for p in panels)

            future = watch.expect(all_painted)
            await app.push_screen(screen)
            if await watch.wait(future, 10.0) is None:
                raise RuntimeError("the quality screen did not paint its 8 panels within 10 s")
            await asyncio.sleep(0.3)
            for i in range(updates + 3):
                report = reports[(i + 1) % 2]
                future = watch.expect(all_painted)
                wall, cpu = time.perf_counter(), time.process_time()
                screen.report = report
                screen._draw()
                drawn = time.perf_counter()
                frame = await watch.wait(future, 10.0)
                if frame is None:
                    raise RuntimeError("no frame showed the new data within 10 s")
                if i >= 3:
                    out["wall_ms"].append(ms(frame.wall - wall))
                    out["cpu_ms"].append(ms(frame.cpu - cpu))
                    out["draw_ms"].append(ms(drawn - wall))
                await asyncio.sleep(0.1)

        await run_app(app, scenario, driver=driver)
    return out


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--procs", type=int, default=3, help="fresh processes (default 3)")
    parser.add_argument("--updates", type=int, default=20, help="timed updates per process (default 20)")
    parser.add_argument("--samples", type=int, default=10_000, help="samples per series (default 10000)")
    parser.add_argument("--driver", choices=("null", "headless"), default="null")
    args = parser.parse_args()
    if args.child:
        try:
            result = asyncio.run(measure(args.samples, args.updates, args.driver))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return
    extra = [] if args.samples == 10_000 else ["--samples", str(args.samples)]
    extra += [] if args.driver == "null" else ["--driver", args.driver]
    cmd = command("quality_frame.py", "--procs", str(args.procs), "--updates", str(args.updates), *extra)
    title = f"quality screen update to frame, {SERIES} series x {args.samples // 1000}k samples"
    target = f"<= {TARGET_MS:.0f} ms"
    child_args = ["--updates", str(args.updates), "--samples", str(args.samples), "--driver", args.driver]
    results: list[dict[str, Any]] = []
    failure = ""
    for proc in range(args.procs):
        progress(f"quality screen: process {proc + 1}/{args.procs}")
        try:
            results.append(run_child("quality_frame.py", child_args, timeout=120))
        except ChildError as exc:
            failure = str(exc)
    if not results:
        emit([not_measured(title, failure or "no process finished", cmd, target)], args.json)
        return
    walls = [median(r["wall_ms"]) for r in results]
    cpus = [median(r["cpu_ms"]) for r in results]
    draws = [median(r["draw_ms"]) for r in results]
    value = median(walls)
    driver = "null-terminal driver" if args.driver == "null" else "headless run_test"
    text = (
        f"{summary_ms(walls)} (CPU {fmt_ms(median(cpus))}, of which _draw() itself "
        f"{fmt_ms(median(draws))}; {len(results)} procs x {args.updates} updates; {driver})"
    )
    emit([Figure(title, text, cmd, target=target, met=value <= TARGET_MS, data={"ms": walls})], args.json)


if __name__ == "__main__":
    main()
