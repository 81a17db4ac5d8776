"""Scanning a list (roomscope.tui.scan) and the headless ``scan`` command's formats."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from roomscope.tui.cache import Cache
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.diagnosis import SessionDiagnosis
from roomscope.tui.errors import Capability, UnavailableError
from roomscope.tui.models import Session, SessionQuery
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.scan import (
    BUDGET_SHARE,
    BUDGETS,
    RequestBudget,
    RequestMeter,
    Scan,
    requests_per_session,
)
from roomscope.tui.store import Store
from tests.conftest import NOW, fixed_now, fixed_time
from tests.support.cli import Run, runner

SIZE = 30


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return runner(capsys, monkeypatch)


class Counting(Store):
    """Counts the diagnoses running at once (the scan's concurrency) and can fail one."""

    def __init__(self, *args: object, fail: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.running = 0
        self.most = 0
        self.fail = fail

    async def diagnosis(self, session: Session) -> SessionDiagnosis:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(0)
            if session.id == self.fail:
                raise UnavailableError("the demo is down", provider="demo", network=True)
            return await super().diagnosis(session)
        finally:
            self.running -= 1


def make(tmp_path: Path, fail: str | None = None) -> Counting:
    world = DemoWorld(seed=7, size=SIZE, now=NOW)
    provider = DemoProvider(latency_s=0.0, clock=fixed_now, world=world)
    return Counting([provider], Cache.open(tmp_path, clock=fixed_time), clock=fixed_time, fail=fail)


async def test_a_scan_diagnoses_every_session_in_list_order_a_few_at_once(tmp_path: Path) -> None:
    store = make(tmp_path)
    try:
        listed = store.sessions(SessionQuery())
        everything = [s async for s in listed.stream()]
        failing = everything[3].id
        store.fail = failing
        job = Scan(store, listed.stream(), target=SIZE, concurrency=3)
        seen: list[str] = []
        steps: list[int] = []
        job.changed.subscribe(lambda: steps.append(job.done))
        rows = [row async for row in job.rows()]
        seen = [row.session.id for row in rows]
        assert seen == [s.id for s in everything]
        assert 1 < store.most <= 3
        progress = job.progress
        assert progress.finished and progress.done == SIZE and progress.fraction == 1.0
        assert (
            progress.failed == 1 and rows[3].diagnosis is None and "the demo is down" in (rows[3].error or "")
        )
        poor = sum(1 for r in rows if r.diagnosis is not None and r.diagnosis.worst.value == "poor")
        assert progress.poor == poor > 0
        assert steps[:SIZE] == list(range(1, SIZE + 1))
        # the store kept what the scan found: the list paints it without waiting
        assert all(
            store.known_diagnosis(r.session) is r.diagnosis
            for r in rows
            if r.diagnosis and not r.session.is_live
        )
    finally:
        await store.aclose()


async def test_a_limit_stops_the_scan_and_cancelling_it_leaves_nothing_running(tmp_path: Path) -> None:
    store = make(tmp_path)
    try:
        listed = store.sessions(SessionQuery())
        job = Scan(store, listed.stream(), target=listed.total, limit=4)
        assert job.target == 4
        assert len([row async for row in job.rows()]) == 4

        again = Scan(store, listed.stream(), target=SIZE, concurrency=2)
        six = asyncio.Event()
        again.changed.subscribe(lambda: six.set() if again.done >= 6 else None)

        async def consume() -> None:
            async for _row in again.rows():
                pass

        task = asyncio.ensure_future(consume())
        await six.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert again.finished and 6 <= again.done < SIZE
    finally:
        await store.aclose()


def test_the_meter_paces_by_a_budget() -> None:
    class Status:
        in_flight = 0

    class Fake:
        status = Status()

        def __init__(self) -> None:
            from roomscope.tui.store.signals import Signal

            self.status_changed = Signal()

    now = [1000.0]
    fake = Fake()
    meter = RequestMeter(fake, timer=lambda: now[0])  # type: ignore[arg-type]
    budget = RequestBudget(10, 60.0, "ten a minute")
    for _ in range(int(10 * BUDGET_SHARE)):
        fake.status.in_flight += 1
        fake.status_changed.emit()
        fake.status.in_flight -= 1
        fake.status_changed.emit()
        now[0] += 1.0
    assert meter.total == 8
    assert meter.wait_s(budget) == pytest.approx(52.0)  # the first request leaves the window then
    now[0] += 53.0
    assert meter.wait_s(budget) == 0.0
    meter.close()


def test_requests_per_session_follow_the_capabilities() -> None:
    demo = DemoProvider(latency_s=0.0, clock=fixed_now, world=DemoWorld(seed=7, size=5, now=NOW))
    assert requests_per_session(demo, 6) == 1 + 1 + 6  # participants, events, one quality each

    class NoQuality(DemoProvider):
        capabilities = DemoProvider.capabilities - {Capability.QUALITY, Capability.EVENTS}

    bare = NoQuality(latency_s=0.0, clock=fixed_now, world=DemoWorld(seed=7, size=5, now=NOW))
    assert requests_per_session(bare, 6) == 1
    assert {"realtimekit", "whereby"} <= set(BUDGETS)


# -- the headless command ----------------------------------------------------------------------


def test_scan_json_lists_verdicts_with_zoned_times(run: Run) -> None:
    result = run("scan", "--limit", "6", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert isinstance(data, list) and len(data) == 6
    first = data[0]
    assert set(first) >= {"id", "verdict", "poor", "fair", "reconnects", "top_rule", "top_finding", "summary"}
    for row in data:
        started = datetime.fromisoformat(row["started_at"])
        assert started.utcoffset() is not None  # the zone is part of every time
        assert row["verdict"] in ("poor", "fair", "good", "unknown")
        assert isinstance(row["poor"], int) and isinstance(row["fair"], int)
        if row["verdict"] == "poor":
            assert row["top_finding"] and row["summary"].startswith("● ")
    starts = [datetime.fromisoformat(r["started_at"]) for r in data]
    assert starts == sorted(starts, reverse=True)


def test_scan_jsonl_csv_and_table_agree(run: Run) -> None:
    lines = run("scan", "--limit", "5", "--jsonl").out.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 5
    table = run("scan", "--limit", "5", "--csv").csv()
    assert [r["id"] for r in table] == [r["id"] for r in rows]
    assert [r["verdict"] for r in table] == [r["verdict"] for r in rows]
    assert list(table[0]) == list(rows[0])
    plain = run("scan", "--limit", "5")
    assert plain.code == 0
    header = plain.out.splitlines()[0].split()
    assert header[:2] == ["START", "SESSION"] and "VERDICT" in header and "RECONNECTS" in header
    assert "scanned 5 sessions" in plain.err


def test_scan_filters_by_the_query_language_and_times(run: Run) -> None:
    poor = run("scan", "--limit", "3", "--filter", "verdict:poor", "--jsonl").out.splitlines()
    assert len(poor) == 3 and all(json.loads(line)["verdict"] == "poor" for line in poor)
    since = run("scan", "--since", "6h", "--limit", "4", "--jsonl").out.splitlines()
    assert since
    for line in since:
        assert datetime.fromisoformat(json.loads(line)["started_at"]) >= NOW - timedelta(hours=6)
    until = (NOW - timedelta(days=1)).isoformat()
    old = run("scan", "--until", until, "--limit", "3", "--jsonl").out.splitlines()
    assert old and all(
        datetime.fromisoformat(json.loads(x)["started_at"]) <= NOW - timedelta(days=1) for x in old
    )
    at = run("scan", "--at", "09:30", "--limit", "3", "--jsonl").out.splitlines()
    assert at
    moment = NOW.replace(hour=9, minute=30)
    for line in at:
        row = json.loads(line)
        assert datetime.fromisoformat(row["started_at"]) <= moment
        assert row["ended_at"] is None or datetime.fromisoformat(row["ended_at"]) >= moment


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("scan", "--filter", "verdict:poo"), "--filter: verdict: expected one of"),
        (("scan", "--until", "soon"), "--until:"),
        (("sessions", "--filter", "frobnicate:x"), "--filter: unknown field"),
        (("sessions", "--filter", "!"), "negates nothing"),
    ],
)
def test_a_bad_query_or_time_is_a_usage_error(run: Run, argv: tuple[str, ...], said: str) -> None:
    result = run(*argv)
    assert result.code == 2 and said in result.err and result.out == ""


def test_sessions_filter_takes_the_query_language(run: Run) -> None:
    live = run("sessions", "--filter", "status:live", "--limit", "500", "--json").json()
    assert isinstance(live, list) and live and all(s["status"] == "live" for s in live)
    not_live = run("sessions", "--filter=-status:live", "--limit", "500", "--json").json()
    assert isinstance(not_live, list) and len(live) + len(not_live) == 500
