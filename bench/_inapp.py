"""Running a Textual app inside a benchmark process and timing its frames.

* :class:`NullTerminalDriver`: the "null-terminal driver" of perf-anchors.md. The app
  believes it drives a real 120x40 terminal, so the whole display path runs, including
  encoding every frame to ANSI; the bytes are counted and thrown away. (Textual's own
  headless driver skips the encoding; ``--driver headless`` uses ``App.run_test`` instead.)
* :class:`FrameWatch`: wraps ``App._display`` so every displayed frame is timestamped,
  and lets a benchmark wait for the first frame at which a condition holds.
* :func:`press`: a key event exactly as the terminal driver would deliver it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from _common import TERM_SIZE
from textual import events
from textual.app import App
from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot

DRIVERS = ("null", "headless")


class NullTerminalDriver(HeadlessDriver):
    """A terminal that accepts every byte and shows nothing."""

    bytes_written = 0
    frames_written = 0

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        NullTerminalDriver.bytes_written += len(data)
        NullTerminalDriver.frames_written += 1


@dataclass(frozen=True)
class Frame:
    wall: float
    """``time.perf_counter()`` just after the frame was written."""
    cpu: float
    """``time.process_time()`` at the same moment (all threads of the process)."""


class FrameWatch:
    """Timestamps every displayed frame (the moment ``App._display`` has written it)."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.count = 0
        self.last: Frame | None = None
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[Frame]]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            # The conditions under which Textual really writes the frame (App._display):
            # a display while the app is still mounting (not yet running) is dropped.
            shown = (
                renderable is not None
                and not app._batch_count
                and app._running
                and not app._closed
                and app._driver is not None
            )
            original(screen, renderable)
            if shown:
                self._frame()

        app._display = display  # type: ignore[method-assign]

    def _frame(self) -> None:
        frame = Frame(time.perf_counter(), time.process_time())
        self.count += 1
        self.last = frame
        for waiter in list(self._waiters):
            predicate, future = waiter
            if future.done():
                self._waiters.remove(waiter)
                continue
            try:
                ready = predicate()
            except Exception as exc:  # a broken predicate must not break the app
                future.set_exception(exc)
                self._waiters.remove(waiter)
                continue
            if ready:
                future.set_result(frame)
                self._waiters.remove(waiter)

    def expect(self, predicate: Callable[[], bool]) -> asyncio.Future[Frame]:
        """A future for the first frame displayed while ``predicate()`` is true.

        Register it *before* the action that should produce the frame."""
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        return future

    async def wait(self, future: asyncio.Future[Frame], within: float) -> Frame | None:
        """The frame ``future`` resolves to, or None after ``within`` seconds."""
        try:
            return await asyncio.wait_for(asyncio.shield(future), within)
        except TimeoutError:
            self._waiters = [w for w in self._waiters if w[1] is not future]
            future.cancel()
            return None

    async def until(self, predicate: Callable[[], bool], within: float) -> Frame | None:
        return await self.wait(self.expect(predicate), within)


def press(app: App[Any], key: str) -> None:
    """Deliver ``key`` the way the terminal driver does (``j``, ``G``, ``down``, ``pagedown``)."""
    driver = app._driver
    assert driver is not None, "the app is not running"
    character = key if len(key) == 1 else None
    event = events.Key(key, character)
    event.set_sender(app)
    driver.send_message(event)


Scenario = Callable[[App[Any]], Awaitable[None]]


async def run_app(app: App[Any], scenario: Scenario, *, driver: str = "null") -> None:
    """Run ``app`` at 120x40 and run ``scenario(app)`` once it is ready; then exit it."""
    failure: list[BaseException] = []

    async def pilot_scenario(pilot: Pilot[Any]) -> None:
        try:
            await scenario(pilot.app)
        except BaseException as exc:
            failure.append(exc)
        finally:
            pilot.app.exit()

    if driver == "null":
        app.driver_class = NullTerminalDriver
        await app.run_async(size=TERM_SIZE, auto_pilot=pilot_scenario, mouse=False)
    elif driver == "headless":
        async with app.run_test(size=TERM_SIZE) as pilot:
            await pilot_scenario(pilot)
    else:
        raise ValueError(f"unknown driver {driver!r}; choose from {', '.join(DRIVERS)}")
    if failure:
        raise failure[0]


def driver_note(driver: str) -> str:
    if driver == "null":
        return "null-terminal driver"
    return "headless run_test"


async def settle(seconds: float) -> None:
    """Let the app run (timers, workers, frames) for ``seconds``."""
    await asyncio.sleep(seconds)
