"""The streaming JSON walker: values across chunk boundaries, truncation, invalid text."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from roomscope.tui.clientstats.jsonwalk import JsonEnded, JsonInvalid, JsonWalker, ValueTooLarge

DOCUMENT: dict[str, Any] = {
    "getUserMedia": [{"a": 1}, {"b": [1.5e-05, -2, True, None]}],
    "PeerConnections": {
        "1-1": {"stats": {"x-bytes": {"values": json.dumps([1, 2.25, 3e10])}}, "updateLog": [1, "two", {}]},
        "1-2": {},
    },
    "UserAgent": "Mozilla/5.0 ünïcödé",
    "n": -12345.678e-3,
}


def _walker(text: str, chunk: int = 7) -> JsonWalker:
    return JsonWalker(io.BytesIO(text.encode()), chunk_chars=chunk)


def _walk(walker: JsonWalker) -> dict[str, Any]:
    """Rebuild DOCUMENT by walking it the way the webrtc-internals reader does."""
    out: dict[str, Any] = {}
    for key in walker.object_keys():
        if key == "PeerConnections":
            pcs: dict[str, Any] = {}
            for pc_id in walker.object_keys():
                pc: dict[str, Any] = {}
                for field in walker.object_keys():
                    if field == "updateLog":
                        pc[field] = [walker.value() for _ in walker.array_items()]
                    else:
                        pc[field] = walker.value()
                pcs[pc_id] = pc
            out[key] = pcs
        else:
            out[key] = walker.value()
    return out


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize("indent", [None, 1])
def test_any_chunk_size_reads_the_same_document(chunk: int, indent: int | None) -> None:
    walker = _walker(json.dumps(DOCUMENT, indent=indent, ensure_ascii=False), chunk)
    assert _walk(walker) == DOCUMENT
    assert walker.at_end()


def test_a_number_cut_by_a_chunk_boundary_is_read_whole() -> None:
    for cut in range(1, 12):
        text = '{"a": ' + "1.5e-05" + "}"
        walker = JsonWalker(io.BytesIO(text.encode()), chunk_chars=cut)
        keys = walker.object_keys()
        assert next(keys) == "a"
        assert walker.value() == 1.5e-05


def test_the_end_of_the_text_inside_the_document() -> None:
    text = json.dumps(DOCUMENT)
    for cut in (1, len(text) // 3, len(text) - 1):
        with pytest.raises(JsonEnded):
            _walk(_walker(text[:cut]))


def test_invalid_text_says_where() -> None:
    with pytest.raises(JsonInvalid) as caught:
        _walk(_walker('{"a": 1, "b": tru, "c": 2}', chunk=1 << 20))
    assert caught.value.offset == 14
    with pytest.raises(JsonInvalid):
        _walk(_walker('{"a": 1 "b": 2}'))


def test_a_value_over_the_limit() -> None:
    walker = JsonWalker(io.BytesIO(b'{"a": "' + b"x" * 5000 + b'"}'), chunk_chars=100, max_value_chars=1000)
    keys = walker.object_keys()
    assert next(keys) == "a"
    with pytest.raises(ValueTooLarge):
        walker.value()
