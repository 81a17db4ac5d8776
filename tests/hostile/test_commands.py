"""Every adapter, through the installed ``roomscope`` command, against hostile servers.

Each answer must end in the documented exit code with one inert line on stderr (no
traceback, no control characters, no secret), or, where only one string or number is bad,
in the page with that value made harmless.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.hostile import server as hs
from tests.hostile.adapters import ADAPTERS, NAMES, build, first_ids, world
from tests.hostile.conftest import BUDGET_S, ROOMY_BUDGET_S, assert_one_clean_error_line, run_command

each_adapter = pytest.mark.parametrize("provider", NAMES)

HOSTILE_TEXT = (
    "\u001b]2;PWNED\u0007\u001b]52;c;ZXZpbA==\u0007\u009b31m [bold red]x[/] <b>y</b> \u202eevil\r\nline2"
)
HOSTILE_BODY = json.dumps(
    {
        "error": HOSTILE_TEXT,
        "message": HOSTILE_TEXT,
        "errors": [{"detail": HOSTILE_TEXT, "message": HOSTILE_TEXT, "title": HOSTILE_TEXT}],
        "success": False,
    }
)
"""Every error shape the adapters read, each saying something hostile."""


DEEP = {
    "signalwire": hs.nested_objects(5000),
    "telnyx": hs.nested_arrays(100_000),
    "whereby": hs.nested_arrays(100_000),
    "realtimekit": hs.nested_objects(5000),
}
"""Both reported shapes, two adapters each (every endpoint meets both: test_endpoints.py)."""
OVERSIZED = {
    "signalwire": hs.endless,
    "telnyx": hs.huge_announced,
    "whereby": hs.endless,
    "realtimekit": hs.huge_announced,
}


def sessions_json() -> tuple[str, ...]:
    return ("sessions", "--json", "--limit", "5")


# ---------------------------------------------------------------------------------------
# Unreadable answers: exit 7


@each_adapter
async def test_deeply_nested_json_is_an_unreadable_answer(provider: str) -> None:
    async with hs.serving(hs.fixed(DEEP[provider])) as server:
        run = await run_command(provider, server.url, *sessions_json())
    message = assert_one_clean_error_line(run, 7, secrets=ADAPTERS[provider].secrets)
    assert "nested" in message and "RecursionError" not in message and "recursion" not in message


@each_adapter
async def test_oversized_answers_are_unreadable(provider: str) -> None:
    async with hs.serving(OVERSIZED[provider]()) as server:
        # The size is tested here, not the deadline: a loaded machine may take seconds to
        # move 32 MiB over loopback, so the budget is generous.
        run = await run_command(provider, server.url, *sessions_json(), budget_s=ROOMY_BUDGET_S)
    message = assert_one_clean_error_line(run, 7, secrets=ADAPTERS[provider].secrets)
    assert "larger than 32 MiB" in message


# ---------------------------------------------------------------------------------------
# Refusals and failures with hostile bodies


STATUSES = [
    pytest.param(418, 9, (HOSTILE_TEXT + "\x00\x08\x7f").encode(), id="418-text"),
    pytest.param(400, 9, HOSTILE_BODY.encode(), id="400-json"),
    pytest.param(401, 4, HOSTILE_BODY.encode(), id="401-json"),
    pytest.param(500, 5, HOSTILE_BODY.encode(), id="500-json"),
]
"""Each status meets two adapters here (and every adapter on every endpoint in process)."""


@pytest.mark.parametrize(
    ("provider", "status", "code", "body"),
    [
        pytest.param(name, *STATUSES[(i + k) % 4].values, id=f"{STATUSES[(i + k) % 4].id}-{name}")
        for i, name in enumerate(NAMES)
        for k in (0, 2)
    ],
)
async def test_error_statuses_map_to_their_exit_codes_with_an_inert_message(
    provider: str, status: int, code: int, body: bytes
) -> None:
    async with hs.serving(hs.fixed(body, status=status)) as server:
        run = await run_command(provider, server.url, *sessions_json())
    message = assert_one_clean_error_line(run, code, secrets=ADAPTERS[provider].secrets)
    assert str(status) in message
    assert "evil" in message and "[bold red]x[/]" in message  # kept as words, made inert


@each_adapter
async def test_a_redirect_to_another_host_carries_no_credentials(provider: str) -> None:
    adapter = ADAPTERS[provider]
    fake = adapter.fake(world())

    def elsewhere(request: httpx.Request) -> str:
        return str(request.url.copy_with(host="localhost"))

    async with hs.serving(hs.redirect_to(elsewhere, hs.through(fake.handler))) as server:
        run = await run_command(provider, server.url, *sessions_json())
    assert_one_clean_error_line(run, 4, secrets=adapter.secrets)
    hops = [seen for seen in server.seen if seen.host == "localhost"]
    assert hops, [vars(s) for s in server.seen]
    assert all("authorization" not in seen.headers for seen in hops)
    assert all("authorization" in seen.headers for seen in server.seen if seen.host == "127.0.0.1")


# ---------------------------------------------------------------------------------------
# Slow and silent servers: exit 5 within the budget


@each_adapter
@pytest.mark.parametrize(
    "responder",
    [pytest.param(hs.drip(0.3), id="drip"), pytest.param(hs.silent(), id="silent")],
)
async def test_slow_or_silent_servers_give_up_within_the_budget(
    provider: str, responder: hs.Responder
) -> None:
    async with hs.serving(responder) as server:
        run = await run_command(provider, server.url, *sessions_json())
    message = assert_one_clean_error_line(run, 5, secrets=ADAPTERS[provider].secrets)
    assert "in time" in message
    # The budget covers every attempt and wait; start-up and the exit need a few seconds more.
    assert run.elapsed_s < BUDGET_S + 10, str(run)


# ---------------------------------------------------------------------------------------
# One bad value costs that value only


BAD = "bad \ud800 text \udfff"


def first_records(body: Any) -> list[dict[str, Any]]:
    """The records of the first non-empty list of objects in ``body`` (breadth first)."""
    queue = [body]
    while queue:
        value = queue.pop(0)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return value
        if isinstance(value, dict):
            queue.extend(value.values())
        elif isinstance(value, list):
            queue.extend(value)
    return []


def with_surrogates(_request: httpx.Request, body: Any) -> Any:
    records = first_records(body)
    if records:
        record = records[0]
        for key in list(record):
            if "name" in key.lower() and isinstance(record[key], str):
                record[key] = BAD
        record["x_note"] = BAD
        record["\udc80key"] = "value"
    return body


@each_adapter
async def test_a_lone_surrogate_costs_only_that_string(provider: str) -> None:
    adapter = ADAPTERS[provider]
    async with hs.serving(hs.through(adapter.fake(world()).handler, with_surrogates)) as server:
        run = await run_command(provider, server.url, *sessions_json())
    assert run.code == 0, str(run)
    assert "Traceback" not in run.err and run.err == "", str(run)
    sessions = json.loads(run.out)
    assert len(sessions) == 5
    assert all(not s.get("problem") for s in sessions), sessions
    marked = [s for s in sessions if "\ufffd" in json.dumps(s, ensure_ascii=False)]
    assert marked, sessions
    assert all(s["extra"].get("replaced_text") for s in marked), marked


def absurd(_request: httpx.Request, body: Any) -> Any:
    """Every number in the answer becomes 2**63 (an integer) or 1e308 (a fraction)."""
    if isinstance(body, bool) or body is None:
        return body
    if isinstance(body, int):
        return 2**63
    if isinstance(body, float):
        return 1e308
    if isinstance(body, list):
        return [absurd(_request, v) for v in body]
    if isinstance(body, dict):
        return {k: absurd(_request, v) for k, v in body.items()}
    return body


@each_adapter
async def test_absurd_numbers_are_unreadable_values_not_crashes(provider: str) -> None:
    adapter = ADAPTERS[provider]
    async with hs.serving(hs.through(adapter.fake(world()).handler, absurd)) as server:
        run = await run_command(provider, server.url, "sessions", "--limit", "5", budget_s=ROOMY_BUDGET_S)
    assert run.code == 0, str(run)
    assert "Traceback" not in run.err, str(run)


# ---------------------------------------------------------------------------------------
# Ids are checked before any request (every other bad id: test_endpoints.py)


@each_adapter
async def test_ids_that_would_change_the_request_path_are_usage_errors(provider: str) -> None:
    adapter = ADAPTERS[provider]
    async with hs.serving(hs.through(adapter.fake(world()).handler)) as server:
        run = await run_command(provider, server.url, "session", "..")
    message = assert_one_clean_error_line(run, 2, secrets=adapter.secrets, usage=True)
    assert "not a valid session id" in message
    assert server.seen == []


# ---------------------------------------------------------------------------------------
# The reported cases of one adapter each


async def test_realtimekit_success_false_is_a_rejected_request() -> None:
    said = {"success": False, "error": {"code": 4001, "message": "\u001b]2;x\u0007app is disabled"}}
    async with hs.serving(hs.fixed(json.dumps(said))) as server:
        run = await run_command("realtimekit", server.url, *sessions_json())
    message = assert_one_clean_error_line(run, 9, secrets=ADAPTERS["realtimekit"].secrets)
    assert message == "Cloudflare RealtimeKit rejected the request: app is disabled"


async def test_whereby_quality_with_an_absurd_sample_rate() -> None:
    """``sampleRateMs = 2^63`` once raised OverflowError in the quality verdict."""
    adapter = ADAPTERS["whereby"]
    fake = adapter.fake(world())

    def huge_rate(request: httpx.Request, body: Any) -> Any:
        if request.url.path.endswith("/insights/participant") and isinstance(body, dict):
            for item in body.get("results") or []:
                item["sampleRateMs"] = 2**63
        return body

    async with hs.serving(hs.through(fake.handler, huge_rate)) as server:
        provider = build(adapter, server.url)
        try:
            session_id, participant_id = await first_ids(provider)
        finally:
            await provider.aclose()
        run = await run_command("whereby", server.url, "quality", session_id, participant_id, "--json")
    assert run.code == 0, str(run)
    assert run.err == "", str(run)
    assert json.loads(run.out)
