"""The unified domain model (roomscope.tui.models): immutability, strictness, JSON round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypedDict

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from roomscope.tui.models import (
    Artifact,
    DeviceInfo,
    Event,
    EventKind,
    Metric,
    NetworkInfo,
    Page,
    Participant,
    QualitySeries,
    Recording,
    Session,
    SessionQuery,
    SessionStatus,
    SortKey,
)

T0 = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)


def _session(**overrides: object) -> Session:
    fields: dict[str, object] = {
        "provider": "demo",
        "profile": "work",
        "id": "s-1",
        "name": "Daily standup",
        "room_name": "daily-standup",
        "status": SessionStatus.ENDED,
        "started_at": T0,
        "ended_at": T0 + timedelta(minutes=30),
        "duration_s": 1800.0,
        "participant_count": 3,
        "extra": {"region": "eu-west", "nested": {"a": [1, 2]}},
    }
    fields.update(overrides)
    return Session.model_validate(fields)


def _series(**overrides: object) -> QualitySeries:
    fields: dict[str, object] = {
        "provider": "demo",
        "session_id": "s-1",
        "participant_id": "p-1",
        "metric": Metric.RTT,
        "unit": "ms",
        "start": T0,
        "interval_s": 2.0,
        "values": [10.0, None, 30.0],
    }
    fields.update(overrides)
    return QualitySeries.model_validate(fields)


# -- frozen ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (_session(), "name", "changed"),
        (_session(), "status", SessionStatus.LIVE),
        (Participant(provider="demo", session_id="s", id="p"), "name", "x"),
        (Event(provider="demo", session_id="s", id="e"), "kind", EventKind.JOIN),
        (Recording(provider="demo", session_id="s", id="r"), "size_bytes", 1),
        (Artifact(provider="demo", session_id="s", kind="chat"), "url", "https://x.invalid"),
        (_series(), "unit", "s"),
        (SessionQuery(), "text", "abc"),
        (DeviceInfo(), "browser", "Firefox"),
        (NetworkInfo(), "city", "Oslo"),
        (Page[int](items=[1]), "total", 5),
    ],
)
def test_models_are_frozen(model: object, field: str, value: object) -> None:
    before = getattr(model, field)
    with pytest.raises(ValidationError):
        setattr(model, field, value)
    assert getattr(model, field) == before


def test_frozen_models_are_hashable_and_copy_instead_of_mutating() -> None:
    query = SessionQuery(text="acme", status=SessionStatus.LIVE)
    assert hash(query) == hash(SessionQuery(text="acme", status=SessionStatus.LIVE))
    bare = query.without_text()
    assert bare.text == ""
    assert bare.status is SessionStatus.LIVE
    assert query.text == "acme"  # the original is untouched


# -- strict field names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "fields"),
    [
        (Session, {"provider": "demo", "id": "s"}),
        (Participant, {"provider": "demo", "session_id": "s", "id": "p"}),
        (Event, {"provider": "demo", "session_id": "s", "id": "e"}),
        (Recording, {"provider": "demo", "session_id": "s", "id": "r"}),
        (Artifact, {"provider": "demo", "session_id": "s", "kind": "chat"}),
        (DeviceInfo, {}),
        (NetworkInfo, {}),
        (SessionQuery, {}),
        (
            QualitySeries,
            {
                "provider": "demo",
                "session_id": "s",
                "participant_id": "p",
                "metric": "rtt",
                "unit": "ms",
                "start": T0,
                "values": [],
            },
        ),
    ],
)
def test_unified_models_reject_unknown_fields(cls: type[BaseModel], fields: dict[str, object]) -> None:
    cls.model_validate(fields)  # the valid core is accepted
    with pytest.raises(ValidationError, match="extra"):
        cls.model_validate({**fields, "surprise": 1})


def test_provider_specific_fields_live_in_extra() -> None:
    s = _session(extra={"room_url": "https://x.invalid/r"})
    assert s.extra == {"room_url": "https://x.invalid/r"}


def test_enums_parse_from_their_values() -> None:
    s = _session(status="live")
    assert s.status is SessionStatus.LIVE
    assert s.is_live
    assert not _session().is_live
    assert SessionQuery.model_validate({"sort": "duration"}).sort is SortKey.DURATION
    with pytest.raises(ValidationError):
        _session(status="paused")


# -- Page[T] round trips -------------------------------------------------------------------


def test_session_page_round_trips_through_json() -> None:
    adapter = TypeAdapter(Page[Session])
    page = Page[Session](
        items=[_session(), _session(id="s-2", name="", problem="bad duration", duration_s=None)],
        next_cursor="opaque:2",
        total=41,
    )
    blob = adapter.dump_json(page)
    back = adapter.validate_json(blob)
    assert back == page
    assert isinstance(back.items[0], Session)
    assert back.items[0].started_at == T0
    assert back.items[0].started_at is not None and back.items[0].started_at.tzinfo is not None
    assert back.items[0].status is SessionStatus.ENDED
    assert back.items[0].extra == {"region": "eu-west", "nested": {"a": [1, 2]}}
    assert back.items[1].problem == "bad duration"
    assert (back.next_cursor, back.total) == ("opaque:2", 41)


def test_participant_and_quality_pages_round_trip() -> None:
    participant = Participant(
        provider="demo",
        session_id="s",
        id="p",
        name="王伟 🎧",
        device=DeviceInfo(browser="Chrome", os="macOS"),
        network=NetworkInfo(country="JP", connection_type="wifi"),
        reconnects=2,
    )
    padapter = TypeAdapter(Page[Participant])
    ppage = Page[Participant](items=[participant])
    back = padapter.validate_json(padapter.dump_json(ppage))
    assert back == ppage
    assert back.items[0].device == DeviceInfo(browser="Chrome", os="macOS")
    assert back.items[0].name == "王伟 🎧"
    assert back.next_cursor is None and back.total is None

    sadapter = TypeAdapter(list[QualitySeries])
    series = [_series(), _series(metric=Metric.LOSS_SEND, unit="%", interval_s=None, offsets_s=[0, 1.5, 7])]
    back_series = sadapter.validate_json(sadapter.dump_json(series))
    assert back_series == series
    assert back_series[0].values == [10.0, None, 30.0]  # gaps survive
    assert back_series[1].metric is Metric.LOSS_SEND


def test_page_validation_rejects_wrong_item_types() -> None:
    adapter = TypeAdapter(Page[Session])
    with pytest.raises(ValidationError):
        adapter.validate_json(b'{"items": [{"provider": "demo"}]}')  # no id


# -- QualitySeries.peer_id -------------------------------------------------------------------


def test_a_series_is_the_participants_aggregate_unless_it_names_a_peer() -> None:
    assert _series().peer_id is None
    pair = _series(metric=Metric.LOSS_RECV, unit="%", peer_id="p-2")
    assert pair.peer_id == "p-2"
    with pytest.raises(ValidationError):
        pair.peer_id = "p-3"
    adapter = TypeAdapter(list[QualitySeries])
    assert adapter.validate_json(adapter.dump_json([pair])) == [pair]
    # a series cached before the field existed still reads, as an aggregate
    legacy = pair.model_dump(mode="json")
    del legacy["peer_id"]
    assert QualitySeries.model_validate(legacy).peer_id is None


def test_the_video_and_limitation_metrics_parse_from_their_values() -> None:
    for value in ("fps_send", "cpu_limited", "bandwidth_limited", "bwe_send", "freeze_recv"):
        assert _series(metric=value).metric == Metric(value)


# -- QualitySeries.offset --------------------------------------------------------------------


def test_offset_of_a_regular_series() -> None:
    s = _series(interval_s=2.5, values=[1.0] * 5)
    assert [s.offset(i) for i in range(5)] == [0.0, 2.5, 5.0, 7.5, 10.0]


def test_offset_of_an_irregular_series() -> None:
    s = _series(interval_s=None, offsets_s=[0.0, 0.8, 4.0, 30.5], values=[1.0, 2.0, 3.0, None])
    assert [s.offset(i) for i in range(4)] == [0.0, 0.8, 4.0, 30.5]


def test_irregular_offsets_win_over_an_interval() -> None:
    s = _series(interval_s=2.0, offsets_s=[0.0, 5.0], values=[1.0, 2.0])
    assert s.offset(1) == 5.0


def test_offset_without_interval_or_offsets_is_zero() -> None:
    s = _series(interval_s=None, values=[1.0, 2.0])
    assert s.offset(1) == 0.0


# -- titles --------------------------------------------------------------------------------


def test_session_title_fallbacks() -> None:
    assert _session().title == "Daily standup"
    assert _session(name="").title == "daily-standup"
    assert _session(name="", room_name=None).title == "s-1"
    assert _session(name="", room_name="").title == "s-1"


class ParticipantKey(TypedDict):
    provider: str
    session_id: str
    id: str


def test_participant_title_fallbacks() -> None:
    base: ParticipantKey = {"provider": "demo", "session_id": "s", "id": "p-9"}
    assert Participant(**base, name="Ana", user_id="u", external_id="x").title == "Ana"
    assert Participant(**base, user_id="u-1", external_id="x-1").title == "u-1"
    assert Participant(**base, external_id="x-1").title == "x-1"
    assert Participant(**base).title == "p-9"
