"""How the fake APIs read requests: credentials, typed query parameters, numbered pages."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, date, datetime

import httpx
import pytest

from roomscope.tui.fakes import requests
from roomscope.tui.fakes.requests import BadParameter


def refused(call: Callable[..., object], *args: object, **kwargs: object) -> BadParameter:
    with pytest.raises(BadParameter) as caught:
        call(*args, **kwargs)
    return caught.value


def test_integers_and_their_bounds() -> None:
    params = httpx.QueryParams({"n": "7", "bad": "seven", "low": "0", "high": "251"})
    assert requests.integer(params, "n") == 7 and requests.integer(params, "absent") is None
    assert requests.integer(params, "absent", 20) == 20
    assert refused(requests.integer, params, "bad").message == "bad must be an integer"
    low = refused(requests.integer, params, "low", minimum=1)
    assert (low.rule, low.bound, low.message) == ("minimum", 1, "low must be greater than or equal to 1")
    high = refused(requests.integer, params, "high", minimum=1, maximum=250)
    assert (high.rule, high.bound, high.message) == ("maximum", 250, "high must be between 1 and 250")


def test_numbers_booleans_and_choices() -> None:
    params = httpx.QueryParams({"x": "2.5", "neg": "-1", "blank": "", "yes": "true", "maybe": "maybe"})
    assert requests.number(params, "x") == 2.5 and requests.number(params, "blank") is None
    assert refused(requests.number, params, "neg", minimum=0).rule == "minimum"
    assert requests.boolean(params, "yes") is True and requests.boolean(params, "absent") is None
    assert refused(requests.boolean, params, "maybe").message == "maybe must be a boolean (true or false)"
    status = httpx.QueryParams({"status": "RUNNING", "list": "a,b", "odd": "a,z"})
    assert refused(requests.choice, status, "status", ("LIVE", "ENDED")).message == (
        "status must be one of LIVE, ENDED"
    )
    assert requests.choices(status, "list", "abc") == {"a", "b"}
    assert refused(requests.choices, status, "odd", ("a", "b")).rule == "choice"


def test_times_dates_and_uuids() -> None:
    params = httpx.QueryParams(
        {"t": "2026-11-22T10:00:00Z", "naive": "2026-11-22T10:00:00", "d": "2026-11-22", "u": "x"}
    )
    assert requests.timestamp(params, "t") == datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert refused(requests.timestamp, params, "naive").expected.endswith("with a time zone")
    assert requests.timestamp(params, "naive", zone=False) == datetime(2026, 11, 22, 10)
    assert requests.day(params, "d") == date(2026, 11, 22)
    assert refused(requests.day, params, "t").rule == "format"
    assert refused(requests.uuid_text, params, "u").message == "u must be a valid UUID"
    uuid = httpx.QueryParams({"u": "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"})
    assert requests.uuid_text(uuid, "u") == "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"


def test_numbered_pages() -> None:
    rows = list(range(10))
    assert requests.numbered_page(rows, 1, 4) == (0, [0, 1, 2, 3])
    assert requests.numbered_page(rows, 3, 4) == (8, [8, 9])
    assert requests.numbered_page(rows, 4, 4) == (12, [])


def test_credentials() -> None:
    token = httpx.Request("GET", "https://x.invalid", headers={"Authorization": "Bearer abc"})
    assert requests.bearer(token) == "abc" and requests.basic(token) is None
    pair = base64.b64encode(b"user:secret").decode()
    basic = httpx.Request("GET", "https://x.invalid", headers={"Authorization": f"Basic {pair}"})
    assert requests.basic(basic) == ("user", "secret") and requests.bearer(basic) is None
