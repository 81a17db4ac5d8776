"""The store with imports: a participant's imported series beside the provider's, labelled
with their source; the diagnosis runs on them (client-only rules included) and is computed
again when an import arrives or goes; a provider without quality samples gets them too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from roomscope.tui.cache import Cache
from roomscope.tui.clientstats import read_dump
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.errors import Capability, UnsupportedError
from roomscope.tui.imports import Attachment, ImportLibrary, ImportRecord, new_id
from roomscope.tui.imports.convert import attached_to, record_of
from roomscope.tui.models import Metric, Participant, Session, SessionStatus
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.store import SessionRef, Store
from tests.clientstats import synth
from tests.conftest import NOW, fixed_now, fixed_time

SOURCE = "webrtc-internals dump call.txt"


@pytest.fixture
def library(tmp_path: Path) -> ImportLibrary:
    return ImportLibrary(tmp_path / "imports")


@pytest.fixture
async def store(demo: DemoProvider, cache_dir: Path, library: ImportLibrary) -> AsyncIterator[Store]:
    s = Store([demo], Cache.open(cache_dir, clock=fixed_time), clock=fixed_time, imports=library)
    yield s
    await s.aclose()


async def _present(store: Store, world: DemoWorld) -> tuple[Session, Participant]:
    """An ended session and a participant in it for two minutes or more, without reconnects."""
    for i in range(world.size):
        s = world.session(i)
        if world.ended_at(s, NOW) is None or s.incident is not None:
            continue
        session = await store.session(SessionRef("demo", s.id))
        for p in await store.participants(session):
            if (
                p.joined_at
                and p.left_at
                and not p.reconnects
                and (p.left_at - p.joined_at).total_seconds() > 120
            ):
                return session, p
    raise AssertionError("no participant present for two minutes")


def _import(tmp_path: Path, session: Session, participant: Participant, **knobs: Any) -> ImportRecord:
    assert participant.joined_at is not None
    start = participant.joined_at.timestamp() * 1000.0 + 10_000.0
    path = synth.write_internals(tmp_path / "call.txt", synth.call(60, start_ms=start, **knobs))
    record = record_of(read_dump(path, clock=fixed_now), import_id=new_id(), attached=None, name="", now=NOW)
    attachment = Attachment(
        provider=session.provider,
        profile=session.profile,
        session_id=session.id,
        participant_id=participant.id,
        participant_name=participant.title,
    )
    return attached_to(record, attachment, participant.title)


async def test_imported_series_sit_beside_the_providers(
    store: Store, world: DemoWorld, library: ImportLibrary, tmp_path: Path
) -> None:
    session, person = await _present(store, world)
    before = await store.quality(session, person.id)
    library.add(_import(tmp_path, session, person))
    report = await store.quality(session, person.id)
    assert [s for s in report.series if s.source != SOURCE] == before.series  # the provider's, unchanged
    metrics = [str(s.metric) for s in report.series]
    loss = metrics.index(Metric.LOSS_RECV)
    assert report.series[loss].source != SOURCE and report.series[loss + 1].source == SOURCE
    assert report.series[loss + 1].metric is Metric.LOSS_RECV  # beside the provider's, after it
    for series in report.series:
        assessed = report.assessment.of(series)
        assert assessed is not None and assessed.source == series.source
    imported = [s for s in report.series if s.source == SOURCE]
    assert {s.metric for s in imported} >= {Metric.CPU_LIMITED, Metric.BWE, Metric.FREEZE, Metric.RELAY}
    assert all(s.extra["import_id"] and s.session_id == session.id for s in imported)


async def test_the_diagnosis_runs_on_an_import_and_again_when_it_goes(
    store: Store, world: DemoWorld, library: ImportLibrary, tmp_path: Path
) -> None:
    session, person = await _present(store, world)
    assert session.status is SessionStatus.ENDED
    before = await store.diagnosis(session)
    assert not any(f.rule in ("CON-SWITCH", "CON-ICE") for f in before.findings)
    record = _import(tmp_path, session, person, switch_at=30)
    library.add(record)
    assert store.known_diagnosis(session) is None  # another key: computed again
    after = await store.diagnosis(session)
    switch = next(f for f in after.findings if f.rule == "CON-SWITCH")
    assert switch.who[0].id == person.id
    assert any(f.rule == "CON-ICE" for f in after.findings)
    library.remove(record.id)
    assert store.known_diagnosis(session) is before  # the key without imports again


async def test_a_provider_without_quality_samples_gets_the_imports(
    demo: DemoProvider,
    cache_dir: Path,
    library: ImportLibrary,
    world: DemoWorld,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo, "capabilities", demo.capabilities - {Capability.QUALITY})
    store = Store([demo], Cache.open(cache_dir, clock=fixed_time), clock=fixed_time, imports=library)
    try:
        session, person = await _present(store, world)
        library.add(_import(tmp_path, session, person, cpu_from=40))
        report = await store.quality(session, person.id)
        assert report.series and all(s.source == SOURCE or s.metric is Metric.MOS for s in report.series)
        assert all(s.extra["import_id"] for s in report.series)  # the MOS estimate: from the import's RTT
        assert report.assessment.verdict.value == "poor"  # CPU-limited from second 40
        diagnosis = await store.diagnosis(session)
        assert any(f.rule == "CPU-ENC" and f.who[0].id == person.id for f in diagnosis.findings)
        others = [p for p in await store.participants(session) if p.id != person.id]
        assert others
        with pytest.raises(UnsupportedError):
            await store.quality(session, others[0].id)
    finally:
        await store.aclose()
