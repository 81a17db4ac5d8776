"""Untrusted JSON (roomscope.tui.providers.jsondecode): nesting bounded before parsing, bad
text replaced and recorded, absurd literals read as unreadable values."""

from __future__ import annotations

import json
import math

import pytest

from roomscope.tui.limits import MAX_JSON_DEPTH
from roomscope.tui.providers.jsondecode import Repaired, TooDeepError, loads, nests_deeper, replaced_paths


@pytest.mark.parametrize(
    "body",
    [b'{"a":' * 5000 + b"1" + b"}" * 5000, b"[" * 100_000 + b"]" * 100_000, b"[" * 65 + b"]" * 65],
    ids=["5000-objects", "100000-arrays", "65-arrays"],
)
def test_nesting_beyond_the_limit_is_refused_before_parsing(body: bytes) -> None:
    with pytest.raises(TooDeepError) as caught:
        loads(body)
    assert str(caught.value) == f"objects and arrays nested more than {MAX_JSON_DEPTH} levels deep"
    assert isinstance(caught.value, ValueError)


def test_nesting_up_to_the_limit_is_read() -> None:
    assert loads(b"[" * 64 + b"]" * 64) is not None
    assert loads(b'{"a":' * 63 + b"[1]" + b"}" * 63) is not None


@pytest.mark.parametrize(
    ("body", "deeper"),
    [
        (b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),
        (b'{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),
        (b'{"a": "\\\\", "b": ' + b"[" * 70 + b"]" * 70 + b"}", True),
        (b"[" * 70, False),  # unbalanced: not too deep, the parser says what is wrong
        (b"[" * 10 + b"{}" * 1000 + b"]" * 10, False),
    ],
    ids=["brackets-in-a-string", "escaped-quote", "escaped-backslash", "unbalanced", "wide"],
)
def test_brackets_inside_strings_do_not_count(body: bytes, deeper: bool) -> None:
    assert nests_deeper(body, 64) is deeper


def test_lone_surrogates_are_replaced_and_recorded() -> None:
    body = (
        b'{"data": [{"id": "a", "name": "x\\ud800y", "m": {"n": ["ok", "\\udfff"]}},'
        b' {"id": "b", "emoji": "\\ud83d\\ude00"}], "\\udc80k": 1}'
    )
    value = loads(body)
    assert isinstance(value, Repaired)
    assert value.replaced == ("data[0].name", "data[0].m.n[1]", "\ufffdk")
    first, second = value["data"]
    assert first["name"] == "x\ufffdy" and first["m"]["n"] == ["ok", "\ufffd"]
    assert replaced_paths(first) == ("name", "m.n[1]")
    assert second == {"id": "b", "emoji": "😀"} and replaced_paths(second) == ()
    json.dumps(value).encode()  # nothing left that UTF-8 refuses


def test_bytes_that_are_not_utf8_inside_a_string_cost_that_string() -> None:
    value = loads(b'[{"id": "a", "name": "caf\xe9"}, {"id": "b", "name": "ok"}]')
    assert value[0]["name"] == "caf\ufffd" and replaced_paths(value[0]) == ("name",)
    assert value[1] == {"id": "b", "name": "ok"}


def test_a_bom_and_other_encodings_are_read() -> None:
    assert loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert loads('{"a": "é"}'.encode("utf-16")) == {"a": "é"}


def test_absurd_literals_are_unreadable_values() -> None:
    assert loads(b'{"a": NaN, "b": [Infinity, -Infinity]}') == {"a": None, "b": [None, None]}
    value = loads(b'{"a": ' + b"9" * 5000 + b', "b": 3, "c": 1e400}')
    assert math.isinf(value["a"]) and value["b"] == 3 and math.isinf(value["c"])


@pytest.mark.parametrize("body", [b"", b"{", b'{"a": "tru', b"<html></html>", b"\xff\xfe\x00x", b"[1,]"])
def test_what_is_not_json_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        loads(body)
