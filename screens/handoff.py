"""The hand-off keys several screens share: ``b`` writes an incident bundle, ``e`` exports
what the view shows to a path it asks for.

Not a screen (screens never import each other): the session list, the Session screen and
the Window view call these. A bundle is written in a worker of the app (:func:`hand_off` of
:func:`bundle_session` or :func:`bundle_window`: leaving the screen does not stop it), all
or nothing, by the one writer of :mod:`roomscope.tui.incident.bundle` (the headless
``roomscope bundle``'s, which scrubs every secret). Rows held in memory are exported at once
(:func:`export_rows`); a whole list is streamed to the file in a worker, a page at a time
(:func:`export_stream`). What came of each is a :class:`HandedOff` message the app
receives: it says it in a notice and keeps the last bundle's summary, which ``Y`` copies
from anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen

from roomscope.widgets.prompt_input import OneQuestion

if TYPE_CHECKING:
    from roomscope.screens.navigation import Host
    from roomscope.tui.incident.bundle import BundleData
    from roomscope.tui.incident.scan import WindowRow
    from roomscope.tui.incident.window import IncidentWindow
    from roomscope.tui.models import Session

T = TypeVar("T")

EXPORT_PLACEHOLDER = "export to: PATH.csv or PATH.json (or .jsonl)"
EXPORT_BATCH = 500
"""Rows written at a time while a list is streamed to a file."""


class HandedOff(Message):
    """What a bundle or an export came to: ``text`` says it (``error``: nothing was
    written); a bundle's ``path`` and the text of its ``summary`` (summary.md)."""

    def __init__(
        self,
        title: str,
        text: str,
        *,
        error: bool = False,
        path: str | None = None,
        summary: str | None = None,
    ) -> None:
        super().__init__()
        self.title = title
        self.text = text
        self.error = error
        self.path = path
        self.summary = summary


def counted(count: int, noun: str) -> str:
    """'1 session', '1,204 sessions'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def hand_off(screen: Screen[Any], work: Coroutine[Any, Any, None], description: str) -> None:
    """Run a bundle or an export (``work``, posting to the app) in a worker of the app, not of
    the screen: leaving the screen neither stops it nor loses what it says."""
    screen.app.run_worker(work, group="handoff", exit_on_error=False, description=description)


# ---------------------------------------------------------------------------------------
# Bundles


async def bundle_session(host: Host, poster: MessagePump, session: Session) -> None:
    """Write the bundle of one session (for a worker); ``poster`` hears what came of it."""
    from roomscope.tui.errors import ProviderError
    from roomscope.tui.incident.bundle import collect_session

    store = await host.ready()
    try:
        data = await collect_session(store, session, host.clock())
    except ProviderError as exc:
        poster.post_message(HandedOff("Bundle", f"The bundle was not written: {exc}", error=True))
        return
    if data is None:
        why = f"The bundle was not written: {session.title} has no start time to place it."
        poster.post_message(HandedOff("Bundle", why, error=True))
        return
    await _write(poster, data)


async def bundle_window(
    host: Host, poster: MessagePump, rows: Sequence[WindowRow], window: IncidentWindow, title: str
) -> None:
    """Write the bundle of a window's diagnosed ``rows`` (worst first), for a worker."""
    from roomscope.tui.errors import ProviderError
    from roomscope.tui.incident.bundle import collect

    store = await host.ready()
    try:
        data = await collect(store, rows, window, host.clock(), title=title)
    except ProviderError as exc:
        poster.post_message(HandedOff("Bundle", f"The bundle was not written: {exc}", error=True))
        return
    await _write(poster, data)


async def _write(poster: MessagePump, data: BundleData) -> None:
    from roomscope.tui.incident.bundle import BundleError, default_directory, write

    try:
        path = await asyncio.to_thread(write, data, default_directory())
    except (BundleError, OSError) as exc:
        poster.post_message(HandedOff("Bundle", f"The bundle was not written: {exc}", error=True))
        return
    try:
        summary: str | None = await asyncio.to_thread((path / "summary.md").read_text, "utf-8")
    except OSError:
        summary = None
    hint = " · Y copies its summary" if summary is not None else ""
    said = f"Bundle written to {path}{hint}"
    poster.post_message(HandedOff("Bundle", said, path=str(path), summary=summary))


# ---------------------------------------------------------------------------------------
# Exports


def ask_path(screen: Screen[Any], default: str, then: Callable[[str], None]) -> None:
    """Ask for the path to export to on a line above the footer (Enter: ``then(text)``,
    Escape: nothing); a question already open gets the focus back instead."""
    for open_question in screen.query(OneQuestion):
        open_question.focus()
        return
    question = OneQuestion(
        then, text=default, placeholder=EXPORT_PLACEHOLDER, back_to=screen.focused, id="export-path"
    )
    screen.mount(question, before=screen.query_one("#too-small"))


def export_rows(
    poster: MessagePump,
    text: str,
    *,
    header: Sequence[str],
    cells: Sequence[Sequence[Any]],
    records: Sequence[Any],
    noun: str,
) -> None:
    """Write rows held in memory to the file ``text`` names, now."""
    from roomscope.tui.incident.export import ExportError, export

    try:
        path = export(text, header=header, cells=cells, records=records)
    except ExportError as exc:
        poster.post_message(HandedOff("Export", str(exc), error=True))
        return
    poster.post_message(HandedOff("Export", f"Exported {counted(len(cells), noun)} to {path}"))


async def export_stream(
    poster: MessagePump,
    text: str,
    rows: AsyncGenerator[T, None],
    *,
    header: Sequence[str],
    cells: Callable[[T], Sequence[Any]],
    record: Callable[[T], Any],
    noun: str,
) -> None:
    """Stream ``rows`` to the file ``text`` names (for a worker): written a batch at a time
    as they are read, so a list of any length costs a batch of memory; renamed into place
    at the end, removed if reading or writing fails."""
    from roomscope.tui.errors import ProviderError
    from roomscope.tui.incident.export import ExportError, ExportWriter

    try:
        writer = ExportWriter(text, header=header, cells=cells, record=record)
    except ExportError as exc:
        poster.post_message(HandedOff("Export", str(exc), error=True))
        return
    try:
        async with contextlib.aclosing(rows):
            with writer:
                batch: list[T] = []
                async for row in rows:
                    batch.append(row)
                    if len(batch) >= EXPORT_BATCH:
                        writer.add(batch)
                        batch = []
                writer.add(batch)
                path = writer.finish()
    except ExportError as exc:
        poster.post_message(HandedOff("Export", str(exc), error=True))
        return
    except ProviderError as exc:
        poster.post_message(
            HandedOff(
                "Export",
                f"The export stopped after {counted(writer.count, noun)}, so nothing was written: {exc}",
                error=True,
            )
        )
        return
    poster.post_message(HandedOff("Export", f"Exported {counted(writer.count, noun)} to {path}"))
