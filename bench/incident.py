"""Incidents: the Window view's first paint over a day of sessions, from a warm cache, and
grouping 10,000 participants.

Window first paint (``--procs`` fresh processes): a demo world of ``--sessions`` sessions
spread over one day (seed 7, as it stands on 2026-11-22 10:00 UTC) is listed once headless
(``roomscope.tui.incident.scan.sessions_in`` over the whole day: every session page lands
in a disk cache; the diagnoses are not needed for the first paint, they fill the rows in
after it), then a new store over that cache (memory cold, disk warm)
runs the app (null-terminal driver, 120x40). Timed: from posting ``OpenWindow`` for the
whole day to the first displayed frame whose Window view draws session rows. CPU is the
process CPU time over the same span. Figure: the median over processes, [min–max].

Grouping (one process): ``--members`` members (default 10,000) drawn with a fixed seed from
the demo world's networks, places and devices (a tenth of them degraded, with one of four
causes) are grouped by every dimension (``roomscope.tui.incident.groups.group``), ``--reps``
times each after a warm-up. Figure: the median time of one grouping over every dimension
and repetition, with the slowest dimension's median beside it.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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

NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
WINDOW_TARGET_MS = 300.0
GROUP_TARGET_MS = 100.0


def _store(directory: Path, sessions: int) -> Any:
    from roomscope.tui.cache import Cache
    from roomscope.tui.demo.world import DemoWorld
    from roomscope.tui.providers.demo import DemoProvider
    from roomscope.tui.store import Store

    world = DemoWorld(seed=7, size=sessions, span=timedelta(days=1), now=NOW)
    provider = DemoProvider("demo", latency_s=0.0, clock=lambda: NOW, world=world)
    clock = NOW.timestamp
    return Store([provider], Cache.open(directory, clock=clock), clock=clock)


async def window_first_paint(sessions: int) -> dict[str, Any]:
    from _inapp import FrameWatch, run_app

    from roomscope.screens.navigation import OpenWindow
    from roomscope.screens.window import WindowScreen
    from roomscope.tui import fmt
    from roomscope.tui.app import RoomscopeApp
    from roomscope.tui.incident.scan import sessions_in
    from roomscope.tui.incident.window import checked

    fmt.set_utc(True)
    window = checked(NOW - timedelta(days=1), NOW, NOW)
    text = window.as_argument()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-incident-") as tmp:
        warm = _store(Path(tmp), sessions)
        began = time.perf_counter()
        rows = [row async for row in sessions_in(warm, window, NOW)]
        out["fill_s"] = time.perf_counter() - began
        out["rows"] = len(rows)
        await warm.aclose()
        store = _store(Path(tmp), sessions)
        app = RoomscopeApp(store=store, clock=lambda: NOW, source_label="demo world")
        watch = FrameWatch(app)

        def painted() -> bool:
            screen = app.screen
            return isinstance(screen, WindowScreen) and screen.chart.count > 0

        async def scenario(_app: Any) -> None:
            await asyncio.sleep(0.5)  # the session list's first load is done
            future = watch.expect(painted)
            wall, cpu = time.perf_counter(), time.process_time()
            app.post_message(OpenWindow(text))
            frame = await watch.wait(future, 30.0)
            if frame is None:
                raise RuntimeError("the Window view drew no row within 30 s")
            out["ms"] = ms(frame.wall - wall)
            out["cpu_ms"] = ms(frame.cpu - cpu)
            screen = app.screen
            assert isinstance(screen, WindowScreen)
            out["shown"] = screen.chart.count

        await run_app(app, scenario)
        await store.aclose()
    return out


def grouping(members: int, reps: int) -> dict[str, Any]:
    import random

    from roomscope.tui.incident.groups import Dimension, Member, group
    from roomscope.tui.quality import Verdict

    rng = random.Random(7)
    places = [("Berlin", "DE"), ("Paris", "FR"), ("Mumbai", "IN"), ("Tokyo", "JP"), ("New York", "US")]
    isps = [("Deutsche Telekom", "AS3320"), ("Orange", "AS3215"), ("Comcast", "AS7922"), ("NTT", "AS2914")]
    isps += [(f"ISP {i}", f"AS{64500 + i}") for i in range(60)]
    causes = [
        "downlink: inbound packet loss",
        "uplink: outbound packet loss",
        "shared",
        "route: high round trip",
    ]
    pool: list[Member] = []
    for i in range(members):
        isp, asn = rng.choice(isps)
        city, country = rng.choice(places)
        bad = rng.random() < 0.1
        pool.append(
            Member(
                profile=rng.choice(("prod", "staging")),
                provider="demo",
                session_id=f"s{i // 8}",
                session_title="Call",
                room=f"room-{rng.randrange(300)}",
                participant_id=f"p{i}",
                name=f"P {i}",
                user_id="",
                isp=isp,
                asn=asn,
                country=country,
                city=city,
                connection=rng.choice(("wifi", "ethernet", "cellular", "vpn", "satellite")),
                browser=rng.choice(("Chrome", "Firefox", "Safari", "Edge", "Electron")),
                os=rng.choice(("Windows", "macOS", "iOS", "Android", "Ubuntu")),
                device=rng.choice(("desktop", "mobile", "tablet")),
                verdict=Verdict.POOR if bad else Verdict.GOOD,
                cause=rng.choice(causes) if bad else "",
                degraded_from=NOW if bad else None,
            )
        )
    times: dict[str, list[float]] = {}
    cpus: list[float] = []
    for by in Dimension:
        group(pool, by)  # warm-up
        for _ in range(reps):
            began, cpu = time.perf_counter(), time.process_time()
            group(pool, by)
            times.setdefault(by.value, []).append(ms(time.perf_counter() - began))
            cpus.append(ms(time.process_time() - cpu))
    return {"members": members, "times": times, "cpu": cpus}


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--procs", type=int, default=3, help="fresh processes (default 3)")
    parser.add_argument("--sessions", type=int, default=5000, help="demo sessions in the day (default 5000)")
    parser.add_argument("--members", type=int, default=10_000, help="participants grouped (default 10000)")
    parser.add_argument("--reps", type=int, default=20, help="groupings per dimension (default 20)")
    parser.add_argument(
        "--mode", choices=("window", "groups"), default="window", help="(child) what to measure"
    )
    args = parser.parse_args()
    if args.child:
        try:
            if args.mode == "groups":
                result = grouping(args.members, args.reps)
            else:
                result = asyncio.run(window_first_paint(args.sessions))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return
    figures: list[Figure] = []
    cmd = command("incident.py", "--procs", str(args.procs), "--sessions", str(args.sessions))
    title = f"Window view first paint, a day of {args.sessions:,} demo sessions, warm cache"
    target = f"<= {WINDOW_TARGET_MS:.0f} ms"
    results: list[dict[str, Any]] = []
    failure = ""
    for proc in range(args.procs):
        progress(f"window first paint: process {proc + 1}/{args.procs}")
        try:
            results.append(run_child("incident.py", ["--sessions", str(args.sessions)], timeout=900))
        except ChildError as exc:
            failure = str(exc)
    if results:
        walls = [r["ms"] for r in results]
        text = (
            f"{summary_ms(walls)} (CPU {fmt_ms(median([r['cpu_ms'] for r in results]))}; "
            f"{results[0]['rows']:,} sessions overlap the day; first frame shows "
            f"{results[0]['shown']:,}; cache filled in {results[0]['fill_s']:.1f} s; {len(results)} procs)"
        )
        met = median(walls) <= WINDOW_TARGET_MS
        figures.append(Figure(title, text, cmd, target, met, data={"runs": results}))
    else:
        figures.append(not_measured(title, failure or "no process finished", cmd, target))
    title = f"group {args.members:,} participants by one dimension"
    target = f"<= {GROUP_TARGET_MS:.0f} ms"
    progress("grouping")
    try:
        found = run_child(
            "incident.py", ["--mode", "groups", "--members", str(args.members), "--reps", str(args.reps)]
        )
        every = [t for values in found["times"].values() for t in values]
        slowest = max(found["times"], key=lambda k: median(found["times"][k]))
        text = (
            f"{fmt_ms(median(every))} (CPU {fmt_ms(median(found['cpu']))}) median over "
            f"{len(found['times'])} dimensions x {args.reps} reps "
            f"(slowest: {slowest}, {fmt_ms(median(found['times'][slowest]))})"
        )
        figures.append(Figure(title, text, cmd, target, median(found["times"][slowest]) <= GROUP_TARGET_MS))
    except ChildError as exc:
        figures.append(not_measured(title, str(exc), cmd, target))
    emit(figures, args.json)


if __name__ == "__main__":
    main()
