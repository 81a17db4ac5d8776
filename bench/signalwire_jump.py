"""SignalWire at 50,000 sessions: loading to the end of the list, through the fake API.

SignalWire lists room sessions with next-page links only: no totals, no page numbers to
jump to, so reaching the last row means reading every page in order. A fresh process
builds the store as ``roomscope --demo-provider signalwire --demo-size 50000`` does (the
real adapter, the fake API in process with its default latency of 80 ms per request, an
empty cache directory), loads the first rows, then loads to the end (``ensure_all``, what
``G`` does) and reports: the time, the requests, the progress the list reported on the
way (rows, rate, time left) and how much of each request was the fake API's own work
(it generates each session and its members' minutes as it is asked for them). It also
loads the same list with ``--since 7d``-like range (the last 7 days), which stops at the
range's start.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import (
    ChildError,
    Figure,
    base_parser,
    child_result,
    command,
    emit,
    not_measured,
    progress,
    run_child,
)

LATENCY_S = 0.08


async def jump(size: int, days: int) -> dict[str, Any]:
    from roomscope.tui import present
    from roomscope.tui.cache import Cache
    from roomscope.tui.clock import utcnow
    from roomscope.tui.demo.world import DemoWorld
    from roomscope.tui.fakes.signalwire import DEMO_PROJECT_ID, DEMO_SPACE, DEMO_TOKEN, FakeSignalWire
    from roomscope.tui.models import SessionQuery
    from roomscope.tui.providers.signalwire import SignalWireProvider
    from roomscope.tui.store import Store

    now = utcnow()
    fake = FakeSignalWire(DemoWorld(size=size, now=now), latency_s=LATENCY_S)
    route = fake.route
    spent = [0.0]

    def timed(request: Any) -> Any:
        started = time.perf_counter()
        try:
            return route(request)
        finally:
            spent[0] += time.perf_counter() - started

    fake.route = timed  # type: ignore[method-assign]
    provider = SignalWireProvider(
        "signalwire-demo",
        space=DEMO_SPACE,
        project_id=DEMO_PROJECT_ID,
        token=DEMO_TOKEN,
        transport=fake.transport(),
    )
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-signalwire-") as tmp:
        store = Store([provider], Cache.open(Path(tmp)))
        try:
            query = SessionQuery(since=now - timedelta(days=days)) if days else SessionQuery()
            col = store.sessions(query)
            await col.ensure(0, 40)
            fake.requests.clear()
            spent[0] = 0.0
            notes: list[str] = []
            started = time.perf_counter()
            task = asyncio.ensure_future(col.ensure_all())
            while not task.done():
                await asyncio.wait([task], timeout=5.0)
                note = present.view_note(col.activity)
                if note and not task.done():
                    notes.append(f"{time.perf_counter() - started:.0f} s: {note}")
            await task
            out["seconds"] = time.perf_counter() - started
            out["requests"] = len(fake.requests)
            out["rows"] = col.total
            out["fake_seconds"] = spent[0]
            out["notes"] = notes
        finally:
            await store.aclose()
    return out


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--size", type=int, default=50_000, help="sessions (default 50000)")
    parser.add_argument("--days", type=int, default=0, help="(child) a time range of this many days")
    args = parser.parse_args()
    if args.child:
        try:
            result = asyncio.run(jump(args.size, args.days))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return

    extra = [] if args.size == 50_000 else ["--size", str(args.size)]
    cmd = command("signalwire_jump.py", *extra)
    figures: list[Figure] = []
    for days in (0, 7):
        what = "all time" if not days else f"the last {days} days"
        title = (
            f"SignalWire (fake API, 80 ms per request) at {args.size // 1000}k sessions: to the end of {what}"
        )
        progress(f"signalwire: loading {what}")
        try:
            result = run_child(
                "signalwire_jump.py", ["--size", str(args.size), "--days", str(days)], timeout=590
            )
        except ChildError as exc:
            figures.append(not_measured(title, str(exc), cmd))
            continue
        requests = max(1, result["requests"])
        per = result["seconds"] / requests * 1000
        fake = result["fake_seconds"] / requests * 1000
        notes = result["notes"]
        said = f"; progress said: “{notes[len(notes) // 2]}”" if notes else ""
        latency = LATENCY_S * 1000
        figures.append(
            Figure(
                title,
                f"{result['seconds']:.1f} s, {result['requests']} requests in sequence for "
                f"{result['rows']:,} rows ({per:.0f} ms per request, of which {latency:.0f} ms latency "
                f"and {fake:.0f} ms the fake API generating the page){said}",
                cmd,
                data=result,
            )
        )
    emit(figures, args.json)


if __name__ == "__main__":
    main()
