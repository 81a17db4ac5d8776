"""Whole-list reads: headless exports and store streams deliver every row they promise, in
order, at any size, while the list keeps only a bounded window of pages in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from roomscope.tui import cli, headless
from roomscope.tui.cache import Cache
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.limits import MAX_PAGES_IN_MEMORY
from roomscope.tui.models import SessionQuery
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.store import PagedCollection, Store
from tests.conftest import NOW, fixed_now, fixed_time

PAGE = DemoProvider.page_size
BEYOND = MAX_PAGES_IN_MEMORY * PAGE + PAGE // 2
"""More rows than one list keeps in memory (the window), and not a whole number of pages."""


@pytest.fixture(scope="module")
def big_world() -> DemoWorld:
    return DemoWorld(seed=7, size=BEYOND + 300, now=NOW)


def export(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("form", ["--csv", "--json"])
def test_a_headless_export_larger_than_the_window_has_every_row_in_order(
    form: str,
    big_world: DemoWorld,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(headless, "run_command", partial(headless.run_command, clock=fixed_now))
    argv = ["sessions", form, "--limit", str(BEYOND), "--demo-latency", "0"]
    argv += ["--demo-size", str(big_world.size), "--cache-dir", str(tmp_path)]
    code, out, err = export(capsys, *argv)
    assert (code, err) == (0, "")
    if form == "--csv":
        ids = [row["id"] for row in csv.DictReader(io.StringIO(out))]
    else:
        body = json.loads(out)
        assert isinstance(body, list)
        ids = [row["id"] for row in body]
    assert len(ids) == BEYOND
    assert ids == [big_world.session(i).id for i in range(BEYOND)]
    # and again from the warm cache: the same rows
    assert export(capsys, *argv)[1] == out


async def test_a_stream_walks_every_page_and_lets_the_window_go(big_world: DemoWorld, tmp_path: Path) -> None:
    provider = DemoProvider(latency_s=0.0, clock=fixed_now, world=big_world)
    store = Store([provider], Cache.open(tmp_path, clock=fixed_time), clock=fixed_time)
    try:
        col = store.sessions(SessionQuery())
        assert isinstance(col, PagedCollection)
        col.window = 3
        held: list[int] = []
        ids = []
        async for session in col.stream():
            ids.append(session.id)
            held.append(sum(1 for slot in col.pages.values() if slot.items is not None))
        assert ids == [big_world.session(i).id for i in range(big_world.size)]
        assert max(held) <= 3
        assert provider.requests == -(-big_world.size // PAGE)  # each page once
        tail = [s.id async for s in col.stream(big_world.size - 250)]
        assert tail == [big_world.session(i).id for i in range(big_world.size - 250, big_world.size)]
    finally:
        await store.aclose()


async def test_a_stream_raises_the_error_that_stops_it(world: DemoWorld, tmp_path: Path) -> None:
    from roomscope.tui.providers.base import UnavailableError

    class DiesAfterTwoPages(DemoProvider):
        async def _latency(self) -> None:
            await super()._latency()
            if self.requests > 2:
                raise UnavailableError("Could not reach the demo API.", provider=self.name, network=True)

    provider = DiesAfterTwoPages(latency_s=0.0, clock=fixed_now, world=world)
    provider.page_size = 100
    store = Store([provider], Cache.open(tmp_path, clock=fixed_time), clock=fixed_time)
    try:
        seen: list[str] = []
        with pytest.raises(UnavailableError):
            async for session in store.sessions(SessionQuery()).stream():
                seen.append(session.id)
        assert len(seen) == 200
    finally:
        await store.aclose()


def test_an_export_that_fails_midway_keeps_what_it_wrote_and_warns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from roomscope.tui.providers.base import UnavailableError

    real: Callable[..., object] = DemoProvider.list_sessions

    async def failing(self: DemoProvider, query: SessionQuery, cursor: str | None, limit: int) -> object:
        if cursor is not None and int(cursor) >= 2 * limit:
            raise UnavailableError("Could not reach the demo API.", provider="demo", network=True)
        return await real(self, query, cursor, limit)  # type: ignore[misc]

    monkeypatch.setattr(DemoProvider, "list_sessions", failing)
    monkeypatch.setattr(headless, "run_command", partial(headless.run_command, clock=fixed_now))
    argv = ["sessions", "--json", "--limit", "1000", "--demo-latency", "0", "--demo-size", "1000"]
    code, out, err = export(capsys, *argv, "--cache-dir", str(tmp_path))
    assert code == 0
    assert len(json.loads(out)) == 2 * PAGE  # a whole, valid array of what could be read
    assert "stopped early" in err


def test_streamed_json_is_byte_for_byte_the_inert_json_of_the_whole_list() -> None:
    """The export writes each batch with the models' compiled serialiser; what it writes must
    be exactly ``inert_json`` of the rows: the same escapes (terminal controls, bidi,
    separators) and the numbers as Python writes them (1e-05, not 0.00001)."""
    import random
    from datetime import UTC, datetime, timedelta

    from roomscope.tui.models import Session, SessionStatus
    from roomscope.tui.text import inert_json

    rng = random.Random(3)
    pieces = ["a", "é", "名", "\x1b[31m", "\u202e", "\u2028", "\x7f", "\x85", "\n", '"', "\\", "😀", "\ufeff"]
    pieces += [": 0.00001", "1e-7"]

    def text() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))

    def number() -> float | None:
        return rng.choice([None, 0.0, 1e-5, 1.2345e-7, 123.456, 1e16, 2.5e20, -3e-6, rng.uniform(0, 1e6)])

    for _ in range(100):
        batch = [
            Session(
                provider=text() or "p",
                id=text() or "x",
                name=text(),
                room_name=text() or None,
                status=rng.choice(list(SessionStatus)),
                started_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10**7)),
                duration_s=number(),
                extra={text(): number(), "list": [number(), text(), {"n": number()}]},
                problem=rng.choice([None, text()]),
            )
            for _ in range(rng.randint(1, 4))
        ]
        assert headless._sessions_json(batch) == inert_json(headless._dump(batch), indent=2)


def test_csv_rows_written_in_batches_are_the_rows_of_csv_cells() -> None:
    """``write_csv_rows`` skips the per-cell guard for rows that cannot need it; the text is
    exactly what writing ``csv_cells`` of every row gives, for clean rows, hostile ones and
    a mix (formulas, negative numbers, controls, bidi, None, numbers, booleans)."""
    from roomscope.tui import output
    from roomscope.tui.demo.data import HOSTILE_NAMES, NON_LATIN_NAMES

    def slow(rows: list[list[object]]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(output.csv_cells(r) for r in rows)
        return buffer.getvalue()

    def fast(rows: list[list[object]]) -> str:
        buffer = io.StringIO()
        output.write_csv_rows(rows, buffer)
        return buffer.getvalue()

    clean: list[list[object]] = [
        ["id-1", "Zoë 🙂", "Room A", 12.5, 3, None, True, "ended"],
        [*NON_LATIN_NAMES[:5], -4, 0.0],
    ]
    tricky: list[list[object]] = [
        ["=HYPERLINK(1)", "ok"],
        ["-5", "+7", "-x", "@sum", "a\x1b[31mb", "\u202eevil", "tab\there", None, -1.5],
        list(HOSTILE_NAMES),
        ["", "plain"],
    ]
    empty: list[list[object]] = []
    for rows in (clean, tricky, clean + tricky, tricky + clean, empty):
        assert fast([list(r) for r in rows]) == slow([list(r) for r in rows])
    assert "'=HYPERLINK" in fast(tricky) and "\x1b" not in fast(tricky)
