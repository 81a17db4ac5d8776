"""Shared payload helpers (roomscope.tui.providers.parsing): the number guard every adapter
uses, the payload field types built on it, and the mark on records with replaced text."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from roomscope.tui.models import Session
from roomscope.tui.providers.jsondecode import loads
from roomscope.tui.providers.parsing import (
    NUMBER_BOUNDS,
    REPLACED_TEXT,
    Count,
    IntervalMs,
    Sample,
    Seconds,
    Time,
    mark_replaced,
    number,
    parse_records,
)

ABSURD: list[Any] = [2**63, -(2**63), 10**400, 1e308, -1e308, math.inf, -math.inf, math.nan, "1e400", "nan"]


@pytest.mark.parametrize("kind", sorted(NUMBER_BOUNDS))
@pytest.mark.parametrize("value", ABSURD, ids=lambda v: str(v)[:12])
def test_absurd_numbers_are_unreadable_for_every_kind(kind: Any, value: Any) -> None:
    assert number(value, kind) is None


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (1800, "seconds", 1800.0),
        ("42.5", "sample", 42.5),
        (-3, "seconds", -3.0),  # the sign is the adapter's business
        (2000, "interval_ms", 2000.0),
        (0, "interval_ms", None),  # no interval is no interval
        (86_400_001, "interval_ms", None),  # a sample less than daily is not a sampling rate
        (12, "count", 12.0),
        (True, "count", None),
        (None, "count", None),
        ([1], "count", None),
        ("twelve", "count", None),
    ],
)
def test_sane_numbers_are_read(value: Any, kind: Any, expected: float | None) -> None:
    assert number(value, kind) == expected


class Payload(BaseModel):
    duration: Seconds = None
    members: Count = None
    rate: IntervalMs = None
    jitter: Sample = None
    at: Time = None


@pytest.mark.parametrize("value", [v for v in ABSURD if not isinstance(v, str)], ids=lambda v: str(v)[:12])
def test_an_absurd_field_is_none_and_the_record_stays(value: Any) -> None:
    record = Payload.model_validate(
        {"duration": value, "members": value, "rate": value, "jitter": value, "at": value}
    )
    assert record == Payload()


def test_payload_fields_keep_sane_values() -> None:
    record = Payload.model_validate(
        {"duration": "90", "members": 3, "rate": 2000, "jitter": 12.5, "at": "2026-11-22T10:00:00Z"}
    )
    assert record == Payload(
        duration=90.0, members=3, rate=2000.0, jitter=12.5, at=datetime(2026, 11, 22, 10, tzinfo=UTC)
    )
    assert Payload.model_validate({"at": 1_795_000_000}).at == datetime.fromtimestamp(1_795_000_000, UTC)
    assert Payload.model_validate({"at": 1_795_000_000_000}).at == datetime.fromtimestamp(1_795_000_000, UTC)


def test_records_with_replaced_text_say_where() -> None:
    raw = loads(b'[{"id": "a", "name": "x\\ud800"}, {"id": "b", "name": "ok"}]')

    def convert(record: Payload) -> Session:
        return Session(provider="p", id="?", name="n")

    def unreadable(_index: int, _raw: Any, problem: str) -> Session:
        return Session(provider="p", id="?", problem=problem)

    first, second = parse_records(raw, Payload, convert, unreadable, provider="p", what="sessions")
    assert first.extra == {REPLACED_TEXT: ["name"]} and first.problem is None
    assert second.extra == {}
    assert mark_replaced({"id": "c"}, second) is second
