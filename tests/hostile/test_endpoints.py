"""Every endpoint of every adapter, in process, against hostile loopback servers.

The command-line harness (test_commands.py) checks exit codes and stderr once per adapter;
here every provider method meets the same answers, fast: deeply nested JSON, broken JSON,
refusals, ``success: false``, absurd numbers and lone surrogates in real pages, and ids
that would change the request path.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from roomscope.tui import quality
from roomscope.tui.models import SessionQuery
from roomscope.tui.providers.base import (
    BadPayloadError,
    InvalidIdError,
    Provider,
    ProviderError,
    RejectedError,
    UnsupportedError,
)
from roomscope.tui.providers.parsing import REPLACED_TEXT
from tests.hostile import server as hs
from tests.hostile.adapters import ADAPTERS, NAMES, build, first_ids, world
from tests.hostile.test_commands import BAD, absurd, with_surrogates

TIMEOUT_S = 20.0
"""No test here may take longer (each is a handful of loopback requests)."""

Call = Callable[[Provider], Awaitable[Any]]


def endpoints(session_id: str = "s-1", participant_id: str = "p-1") -> dict[str, Call]:
    return {
        "list_sessions": lambda p: p.list_sessions(SessionQuery(), None, 5),
        "get_session": lambda p: p.get_session(session_id),
        "list_participants": lambda p: p.list_participants(session_id, None, 5),
        "get_participant": lambda p: p.get_participant(session_id, participant_id),
        "list_events": lambda p: p.list_events(session_id, None, 5),
        "participant_events": lambda p: p.list_events(session_id, None, 5, participant_id),
        "list_recordings": lambda p: p.list_recordings(session_id, None, 5),
        "get_quality": lambda p: p.get_quality(session_id, participant_id),
        "list_artifacts": lambda p: p.list_artifacts(session_id),
        "check": lambda p: p.check(),
    }


async def outcome(provider: Provider, call: Call) -> Any:
    try:
        return await asyncio.wait_for(call(provider), TIMEOUT_S)
    except ProviderError as exc:
        return exc


class Hostile:
    """A loopback server whose responder can be swapped, and adapters built against it."""

    def __init__(self) -> None:
        self.responder: hs.Responder = hs.fixed(b"{}")
        self.server = hs.HostileServer(self._respond)
        self.providers: list[Provider] = []

    async def _respond(self, request: httpx.Request, writer: asyncio.StreamWriter) -> None:
        await self.responder(request, writer)

    def provider(self, name: str, **http_options: Any) -> Provider:
        http_options.setdefault("max_total_wait", 2.0)
        provider = build(ADAPTERS[name], self.server.url, **http_options)
        self.providers.append(provider)
        return provider


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    state = Hostile()
    async with state.server:
        yield state
        for provider in state.providers:
            await provider.aclose()


# ---------------------------------------------------------------------------------------
# Unreadable answers on every endpoint


@pytest.mark.parametrize("provider_name", NAMES)
@pytest.mark.parametrize(
    ("body", "said"),
    [
        pytest.param(hs.nested_objects(5000), "nested more than", id="nested-objects"),
        pytest.param(hs.nested_arrays(100_000), "nested more than", id="nested-arrays"),
        pytest.param(b'{"data": [{"id": "a", "na', "not valid JSON", id="truncated"),
        pytest.param(b"\xff\xfe\x00garbage", "not valid JSON", id="binary"),
    ],
)
async def test_every_endpoint_reports_an_unreadable_answer(
    hostile: Hostile, provider_name: str, body: bytes, said: str
) -> None:
    hostile.responder = hs.fixed(body)
    provider = hostile.provider(provider_name)
    for name, call in endpoints().items():
        result = await outcome(provider, call)
        if isinstance(result, UnsupportedError):
            continue
        assert isinstance(result, BadPayloadError), (name, result)
        assert said in str(result), (name, str(result))
        assert "Recursion" not in str(result) and "recursion" not in str(result)


@pytest.mark.parametrize("provider_name", NAMES)
@pytest.mark.parametrize("status", [400, 405, 409, 418, 422])
async def test_client_errors_are_rejections_on_every_endpoint(
    hostile: Hostile, provider_name: str, status: int
) -> None:
    hostile.responder = hs.fixed(json.dumps({"message": "no \x1b[31mway\x07"}), status=status)
    provider = hostile.provider(provider_name)
    for name, call in endpoints().items():
        result = await outcome(provider, call)
        if isinstance(result, UnsupportedError):
            continue
        assert isinstance(result, RejectedError), (name, result)
        assert result.exit_code == 9
        assert f"HTTP {status}" in str(result) and "no way" in str(result)
        assert "\x1b" not in str(result) and "\x07" not in str(result)


async def test_realtimekit_success_false_is_a_rejection(hostile: Hostile) -> None:
    said = {"success": False, "error": {"code": 4001, "message": "meeting \x1b]0;x\x07is locked"}}
    hostile.responder = hs.fixed(json.dumps(said), status=200)
    provider = hostile.provider("realtimekit")
    for name, call in endpoints().items():
        result = await outcome(provider, call)
        assert isinstance(result, RejectedError), (name, result)
        assert result.exit_code == 9
        assert "rejected the request" in str(result) and "is locked" in str(result)
        assert "\x1b" not in str(result) and "\x07" not in str(result)


@pytest.mark.parametrize("provider_name", NAMES)
@pytest.mark.parametrize(
    ("responder", "said"),
    [
        pytest.param(
            hs.fixed(b"<html><body>Gateway</body></html>", content_type="text/html"),
            "not valid JSON",
            id="html-page",
        ),
        pytest.param(
            hs.fixed(b"\x1f\x8b\x08garbage", headers={"Content-Encoding": "gzip"}),
            "does not decode as gzip",
            id="broken-gzip",
        ),
        pytest.param(hs.fixed(b"", status=200), "not valid JSON", id="empty"),
    ],
)
async def test_answers_of_the_wrong_kind_are_unreadable(
    hostile: Hostile, provider_name: str, responder: hs.Responder, said: str
) -> None:
    hostile.responder = responder
    provider = hostile.provider(provider_name)
    result = await outcome(provider, endpoints()["list_sessions"])
    assert isinstance(result, BadPayloadError), result
    assert said in str(result)


@pytest.mark.parametrize("provider_name", NAMES)
async def test_json_under_another_content_type_is_still_read(hostile: Hostile, provider_name: str) -> None:
    fake = ADAPTERS[provider_name].fake(world())

    async def as_text(request: httpx.Request, writer: asyncio.StreamWriter) -> None:
        answer = await fake.handler(request)
        await hs.send(writer, answer.status_code, answer.content, content_type="text/plain; charset=latin-1")

    hostile.responder = as_text
    page = await outcome(hostile.provider(provider_name), endpoints()["list_sessions"])
    assert not isinstance(page, ProviderError), page
    assert page.items


@pytest.mark.parametrize("provider_name", NAMES)
async def test_an_oversized_answer_is_unreadable(hostile: Hostile, provider_name: str) -> None:
    hostile.responder = hs.endless(64 * 1024)
    provider = hostile.provider(provider_name, max_body_bytes=256 * 1024)
    result = await outcome(provider, endpoints()["list_sessions"])
    assert isinstance(result, BadPayloadError), result
    assert "larger than 262,144 bytes" in str(result)


# ---------------------------------------------------------------------------------------
# Ids are checked before any request

BAD_IDS = [
    "",
    " ",
    ".",
    "..",
    "a b",
    "a\tb",
    "a\x1bb",
    "a\u202eb",
    "\udcff",  # a byte that was not UTF-8 on the command line
]
PATH_ONLY = ["a/b", "../x", "a?b", "a#b", "%2e%2e", "a\\b"]
"""Bad in a request path; Whereby sends ids as query values (its ids may hold '/')."""


@pytest.mark.parametrize("provider_name", NAMES)
async def test_bad_ids_are_refused_before_any_request(hostile: Hostile, provider_name: str) -> None:
    provider = hostile.provider(provider_name)
    calls = {k: v for k, v in endpoints().items() if k not in ("list_sessions", "check")}
    for bad in BAD_IDS + (PATH_ONLY if provider_name != "whereby" else []):
        for name, call in endpoints(session_id=bad).items():
            if name not in calls:
                continue
            result = await outcome(provider, call)
            if isinstance(result, UnsupportedError):
                continue
            assert isinstance(result, InvalidIdError), (bad, name, result)
            assert result.exit_code == 2
            assert "\x1b" not in str(result) and "\u202e" not in str(result)
    assert hostile.server.seen == []


# ---------------------------------------------------------------------------------------
# Real pages with one bad value


@pytest.mark.parametrize("provider_name", NAMES)
async def test_absurd_numbers_on_every_endpoint_are_unreadable_values(
    hostile: Hostile, provider_name: str
) -> None:
    fake = ADAPTERS[provider_name].fake(world())
    hostile.responder = hs.through(fake.handler)
    provider = hostile.provider(provider_name)
    session_id, participant_id = await first_ids(provider)
    hostile.responder = hs.through(fake.handler, absurd)
    for name, call in endpoints(session_id, participant_id).items():
        result = await outcome(provider, call)
        if isinstance(result, ProviderError):
            assert isinstance(result, (UnsupportedError, BadPayloadError)), (name, result)
            continue
        for item in _records(result):
            _assert_sane_numbers(name, item)
        if name == "get_quality":
            full = quality.order_series(quality.with_mos(result))
            verdict = quality.assess(full)
            assert verdict.reason()


@pytest.mark.parametrize("provider_name", NAMES)
async def test_lone_surrogates_on_every_endpoint_cost_only_the_string(
    hostile: Hostile, provider_name: str
) -> None:
    fake = ADAPTERS[provider_name].fake(world())
    hostile.responder = hs.through(fake.handler)
    provider = hostile.provider(provider_name)
    session_id, participant_id = await first_ids(provider)
    hostile.responder = hs.through(fake.handler, with_surrogates)
    for name, call in endpoints(session_id, participant_id).items():
        result = await outcome(provider, call)
        if isinstance(result, ProviderError):
            assert isinstance(result, UnsupportedError), (name, result)
            continue
        records = _records(result)
        for item in records:
            dumped = item.model_dump_json() if hasattr(item, "model_dump_json") else json.dumps(item)
            assert BAD not in dumped
            assert getattr(item, "problem", None) is None, (name, item)
        if name in ("list_sessions", "get_session", "list_participants", "list_recordings"):
            # Records read straight from the payload say which of their strings were replaced
            # (events and the like derived from other records carry the replacement only).
            replaced = [r for r in records if "\ufffd" in r.model_dump_json()]
            assert all(r.extra.get(REPLACED_TEXT) for r in replaced), (name, replaced)


def _records(result: Any) -> list[Any]:
    if hasattr(result, "items") and isinstance(result.items, list):
        return list(result.items)
    if isinstance(result, list):
        return result
    if hasattr(result, "model_dump"):
        return [result]
    return []


_NUMBER_FIELDS = (
    "duration_s",
    "participant_count",
    "max_concurrent",
    "live_participants",
    "reconnects",
    "size_bytes",
    "interval_s",
)


def _assert_sane_numbers(where: str, item: Any) -> None:
    for field in _NUMBER_FIELDS:
        value = getattr(item, field, None)
        if value is not None:
            assert math.isfinite(value) and 0 <= value < 1e15, (where, field, value)
    for moment in ("started_at", "ended_at", "joined_at", "left_at", "at", "start"):
        value = getattr(item, moment, None)
        if value is not None:
            assert 1970 <= value.year <= 9999, (where, moment, value)
    values = getattr(item, "values", None)
    if isinstance(values, list):
        assert all(v is None or math.isfinite(v) for v in values), where
    offsets = getattr(item, "offsets_s", None)
    if isinstance(offsets, list):
        assert all(math.isfinite(v) and 0 <= v < 1e9 for v in offsets), where
