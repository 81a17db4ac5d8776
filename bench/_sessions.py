"""The session list in a benchmark process: the app, and a probe on its table.

The app is built the way ``roomscope --provider demo --demo-latency 0 --cache-dir DIR``
builds it (a :class:`~roomscope.tui.store.Store` over one :class:`~roomscope.tui.providers.demo.DemoProvider`
and the sqlite cache, made by a ``store_factory`` after the first frame), with ``size``
sessions in the demo world.

:class:`TableProbe` wraps the table's ``render_line`` (on the instance only) and notes
when the row under the cursor has been painted *with its session* (not the "⋯ loading…"
placeholder). The line API renders in the same compositor pass that hands the frame to
``App._display``, so the first frame after that note is the frame that shows the row.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _inapp import FrameWatch, press
from textual.app import App
from textual.strip import Strip

if TYPE_CHECKING:
    from roomscope.tui.app import RoomscopeApp
    from roomscope.widgets.session_table import SessionTable


def make_app(
    size: int, cache_dir: Path, *, latency_s: float = 0.0, anchored_at: datetime | None = None
) -> RoomscopeApp:
    """``anchored_at``: the moment the demo world is anchored at (default: now); processes
    that share a cache must share it, as the world's cached lists are keyed by its anchor."""
    from roomscope.tui.app import RoomscopeApp

    def factory() -> Any:
        from roomscope.tui.cache import Cache
        from roomscope.tui.demo.world import DemoWorld
        from roomscope.tui.providers.demo import DemoProvider
        from roomscope.tui.store import Store

        world = DemoWorld(size=size, now=anchored_at) if anchored_at is not None else None
        provider = DemoProvider("demo", size=size, latency_s=latency_s, world=world)
        return Store([provider], Cache.open(cache_dir))

    return RoomscopeApp(store_factory=factory, source_label="demo world")


class TableProbe:
    """Notes when a row the benchmark waits for is painted with its data."""

    def __init__(self, table: SessionTable) -> None:
        self.table = table
        self.painted = False
        self._wanted: Callable[[int], bool] | None = None
        original = table.render_line

        def render_line(y: int) -> Strip:
            strip = original(y)
            wanted = self._wanted
            if wanted is not None and not self.painted:
                index = table.scroll_offset.y + y
                source = table.source
                if wanted(index) and source is not None and source.row(index) is not None:
                    self.painted = True
            return strip

        table.render_line = render_line  # type: ignore[method-assign]

    def arm(self, wanted: Callable[[int], bool]) -> None:
        self.painted = False
        self._wanted = wanted

    def disarm(self) -> None:
        self._wanted = None


class SessionList:
    """The running session list: its table, a frame watch and a probe."""

    def __init__(self, app: App[Any], watch: FrameWatch) -> None:
        from roomscope.widgets.session_table import SessionTable

        self.app = app
        self.watch = watch
        self.table = app.screen.query_one(SessionTable)
        self.probe = TableProbe(self.table)

    @classmethod
    async def open(cls, app: App[Any], watch: FrameWatch, within: float = 30.0) -> SessionList:
        """Wait for the first rows to be painted; return the list."""
        session_list = cls(app, watch)
        session_list.probe.arm(lambda index: index == 0)
        future = watch.expect(lambda: session_list.probe.painted)
        session_list.table.refresh()
        frame = await watch.wait(future, within)
        session_list.probe.disarm()
        if frame is None:
            raise RuntimeError(f"the first session rows were not painted within {within:.0f} s")
        return session_list

    @property
    def rows(self) -> int:
        source = self.table.source
        return len(source) if source is not None else 0

    async def key_to_frame(self, key: str, within: float = 5.0) -> float | None:
        """Press ``key``; seconds to the first frame showing the moved cursor's row with its
        data (None: not within ``within`` seconds)."""
        table = self.table
        before = table.cursor
        self.probe.arm(lambda index: index == table.cursor and table.cursor != before)
        future = self.watch.expect(lambda: self.probe.painted)
        started = time.perf_counter()
        press(self.app, key)
        frame = await self.watch.wait(future, within)
        self.probe.disarm()
        return None if frame is None else frame.wall - started


def peak_rss_mib() -> float:
    """``ru_maxrss`` of this process, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


async def pause(seconds: float) -> None:
    await asyncio.sleep(seconds)
