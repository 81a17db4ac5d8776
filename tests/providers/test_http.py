"""The shared HTTP layer (roomscope.tui.providers.http) against httpx.MockTransport handlers."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import gzip
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from roomscope import __version__
from roomscope.tui.errors import ConfigError
from roomscope.tui.providers import http as http_module
from roomscope.tui.providers.base import (
    AuthError,
    BadPayloadError,
    ForbiddenError,
    InvalidIdError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
)
from roomscope.tui.providers.http import (
    MAX_REDIRECTS,
    Auth,
    BasicAuth,
    BearerAuth,
    ErrorDetail,
    HttpClient,
    checked_id,
    generic_error_detail,
    install_log_redaction,
    parse_rate_limit_reset,
    parse_retry_after,
    path_segment,
)

TOKEN = "tok-SECRET-5f1c9a2e7b3d4c6a"
BASE = "https://api.example.com/v1"
Handler = Callable[[httpx.Request], Any]


class Sleeps:
    """A fake ``sleep=``: records the waits, never waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def make(sleeps: Sleeps) -> AsyncIterator[Callable[..., HttpClient]]:
    clients: list[HttpClient] = []

    def factory(handler: Handler, *, auth: Auth | None = None, **options: Any) -> HttpClient:
        options.setdefault("sleep", sleeps)
        options.setdefault("rng", random.Random(7))
        client = HttpClient(
            provider="example",
            label="Example API",
            base_url=options.pop("base_url", BASE),
            auth=auth or BearerAuth(TOKEN),
            transport=httpx.MockTransport(handler),
            **options,
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


def sequence(*answers: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving these answers in turn (the last one repeats); and the requests seen."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    return handler, seen


OK = httpx.Response(200, json={"ok": True})


# ---------------------------------------------------------------------------------------
# Headers


async def test_bearer_auth_user_agent_and_url(make: Callable[..., HttpClient]) -> None:
    handler, seen = sequence(OK)
    client = make(handler)
    assert await client.get_json("/room_sessions", {"page[size]": 5, "active": True, "skip": None}) == {
        "ok": True
    }
    (request,) = seen
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    agent = request.headers["user-agent"]
    assert agent.startswith(f"roomscope/{__version__} ")
    assert request.headers["accept"] == "application/json"
    assert request.url.path == "/v1/room_sessions"
    assert dict(request.url.params) == {"page[size]": "5", "active": "true"}
    assert client.requests == 1


async def test_basic_auth(make: Callable[..., HttpClient]) -> None:
    handler, seen = sequence(OK)
    await make(handler, auth=BasicAuth("project-1", TOKEN)).get("api/video/room_sessions")
    header = seen[0].headers["authorization"]
    assert header.startswith("Basic ")
    assert base64.b64decode(header[6:]).decode() == f"project-1:{TOKEN}"
    assert seen[0].url.path == "/v1/api/video/room_sessions"


def test_auth_reprs_hide_the_secret() -> None:
    assert TOKEN not in repr(BearerAuth(TOKEN))
    assert TOKEN not in repr(BasicAuth("user", TOKEN))
    assert "user" in repr(BasicAuth("user", TOKEN))


async def test_absolute_url_with_query_keeps_and_merges_params(make: Callable[..., HttpClient]) -> None:
    handler, seen = sequence(OK)
    await make(handler).get(f"{BASE}/x?page_token=abc", {"page_size": 10})
    assert dict(seen[0].url.params) == {"page_token": "abc", "page_size": "10"}
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"


# ---------------------------------------------------------------------------------------
# Retries


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500),
        httpx.Response(502, text="Bad Gateway"),
        httpx.Response(503, json={"error": "maintenance"}),
        httpx.Response(504),
        httpx.ConnectError("Connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.ConnectTimeout("timed out"),
    ],
    ids=["500", "502", "503", "504", "connect", "read-timeout", "connect-timeout"],
)
async def test_transient_failures_are_retried_with_backoff(
    make: Callable[..., HttpClient], sleeps: Sleeps, failure: httpx.Response | Exception
) -> None:
    handler, seen = sequence(failure, failure, failure, OK)
    client = make(handler, max_attempts=4, backoff_base=0.5, backoff_cap=8.0)
    assert await client.get_json("/x") == {"ok": True}
    assert len(seen) == 4
    assert len(sleeps.waits) == 3
    for attempt, wait in enumerate(sleeps.waits, 1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling


async def test_backoff_is_capped(make: Callable[..., HttpClient], sleeps: Sleeps) -> None:
    handler, _ = sequence(httpx.Response(503))
    client = make(handler, max_attempts=6, backoff_base=1.0, backoff_cap=2.0, max_total_wait=100)
    with pytest.raises(UnavailableError):
        await client.get("/x")
    assert len(sleeps.waits) == 5
    assert all(wait <= 2.0 for wait in sleeps.waits)


async def test_retry_after_seconds_is_honoured(make: Callable[..., HttpClient], sleeps: Sleeps) -> None:
    handler, seen = sequence(httpx.Response(429, headers={"Retry-After": "7"}), OK)
    assert await make(handler).get_json("/x") == {"ok": True}
    assert sleeps.waits == [7.0]
    assert len(seen) == 2


async def test_retry_after_http_date_is_honoured(make: Callable[..., HttpClient], sleeps: Sleeps) -> None:
    when = email.utils.formatdate(time.time() + 6, usegmt=True)
    handler, _ = sequence(httpx.Response(429, headers={"Retry-After": when}), OK)
    await make(handler).get("/x")
    (wait,) = sleeps.waits
    assert 4.0 <= wait <= 6.0


async def test_retry_hint_from_the_error_body(make: Callable[..., HttpClient], sleeps: Sleeps) -> None:
    def whereby_detail(response: httpx.Response) -> ErrorDetail:
        body = response.json()
        return ErrorDetail(body.get("error"), body["data"]["msLeft"] / 1000)

    limited = httpx.Response(429, json={"error": "Rate limit exceeded", "data": {"msLeft": 2500}})
    handler, _ = sequence(limited, OK)
    await make(handler, error_detail=whereby_detail).get("/x")
    assert sleeps.waits == [2.5]


async def test_429_without_a_hint_backs_off(make: Callable[..., HttpClient], sleeps: Sleeps) -> None:
    handler, _ = sequence(httpx.Response(429), OK)
    await make(handler, backoff_base=0.5).get("/x")
    (wait,) = sleeps.waits
    assert 0.25 <= wait <= 0.5


async def test_attempts_are_bounded(make: Callable[..., HttpClient], sleeps: Sleeps) -> None:
    handler, seen = sequence(httpx.Response(503, json={"error": "down"}))
    with pytest.raises(UnavailableError) as caught:
        await make(handler, max_attempts=3).get("/x")
    assert len(seen) == 3 and len(sleeps.waits) == 2
    assert caught.value.status == 503 and not caught.value.network
    assert str(caught.value) == "Example API failed with HTTP 503: down."


async def test_network_errors_give_up_as_unavailable(make: Callable[..., HttpClient]) -> None:
    handler, seen = sequence(httpx.ConnectError("Name or service not known"))
    with pytest.raises(UnavailableError) as caught:
        await make(handler, max_attempts=2).get("/x")
    assert caught.value.network and len(seen) == 2
    assert str(caught.value) == "Example API is unreachable: cannot connect (Name or service not known)."


async def test_total_wait_is_bounded(make: Callable[..., HttpClient], sleeps: Sleeps) -> None:
    handler, seen = sequence(httpx.Response(500))
    client = make(handler, max_attempts=10, backoff_base=4.0, backoff_cap=60.0, max_total_wait=5.0)
    with pytest.raises(UnavailableError):
        await client.get("/x")
    assert len(seen) == 2
    assert sum(sleeps.waits) <= 5.0


async def test_rate_limit_beyond_the_budget_is_raised_at_once(
    make: Callable[..., HttpClient], sleeps: Sleeps
) -> None:
    handler, seen = sequence(httpx.Response(429, headers={"Retry-After": "120"}, json={"error": "slow down"}))
    with pytest.raises(RateLimitedError) as caught:
        await make(handler, max_total_wait=20.0).get("/x")
    assert caught.value.retry_after == 120.0
    assert str(caught.value) == "Example API is rate limiting requests (429: slow down); retry in 120s."
    assert len(seen) == 1 and sleeps.waits == []


async def test_rate_limit_exhausting_attempts(make: Callable[..., HttpClient], sleeps: Sleeps) -> None:
    handler, seen = sequence(httpx.Response(429, headers={"Retry-After": "1"}))
    with pytest.raises(RateLimitedError) as caught:
        await make(handler, max_attempts=3).get("/x")
    assert caught.value.retry_after == 1.0 and caught.value.status == 429
    assert len(seen) == 3 and sleeps.waits == [1.0, 1.0]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, RejectedError),
        (401, AuthError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (405, RejectedError),
        (418, RejectedError),
        (422, RejectedError),
    ],
)
async def test_client_errors_are_not_retried(
    make: Callable[..., HttpClient], sleeps: Sleeps, status: int, kind: type[ProviderError]
) -> None:
    handler, seen = sequence(httpx.Response(status, json={"message": "the reason"}))
    with pytest.raises(ProviderError) as caught:
        await make(handler).get("/x")
    assert type(caught.value) is kind
    assert caught.value.status == status and caught.value.provider == "example"
    assert "the reason" in str(caught.value)
    assert len(seen) == 1 and sleeps.waits == []


async def test_error_messages_per_status(make: Callable[..., HttpClient]) -> None:
    expected = {
        401: "Example API rejected the credentials (401: Unauthorized). "
        "The token is missing, wrong or expired.",
        403: "Example API refused access (403: Unauthorized). The token lacks permission for this data, "
        "or the account/space/app is not the token's.",
        404: "Example API: not found (404: Unauthorized).",
        422: "Example API rejected the request (HTTP 422: Unauthorized).",
    }
    for status, message in expected.items():
        handler, _ = sequence(httpx.Response(status, json={"error": "Unauthorized"}))
        with pytest.raises(ProviderError) as caught:
            await make(handler).get("/x")
        assert str(caught.value) == message


async def test_long_provider_messages_are_clipped(make: Callable[..., HttpClient]) -> None:
    handler, _ = sequence(httpx.Response(422, json={"message": "word " * 200}))
    with pytest.raises(ProviderError) as caught:
        await make(handler).get("/x")
    assert "…" in str(caught.value)
    assert len(str(caught.value)) < 320


# ---------------------------------------------------------------------------------------
# Error bodies


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(401, json={"error": "Unauthorized"}), "Unauthorized"),
        (
            httpx.Response(
                422,
                json={
                    "errors": [
                        {
                            "type": "validation_error",
                            "code": "invalid_parameter",
                            "message": "page_size must be less than or equal to 1000",
                            "attribute": "page_size",
                            "url": "https://developer.signalwire.com",
                        }
                    ]
                },
            ),
            "page_size must be less than or equal to 1000",
        ),
        (
            httpx.Response(
                429,
                json={"errors": [{"code": "10011", "title": "Too many requests", "detail": "Slow down."}]},
            ),
            "Too many requests: Slow down.",
        ),
        (
            httpx.Response(
                404,
                json={
                    "code": "10005",
                    "title": "Resource not found",
                    "detail": "The requested resource or URL could not be found.",
                    "source": {"pointer": "/"},
                    "meta": {},
                },
            ),
            "Resource not found: The requested resource or URL could not be found.",
        ),
        (httpx.Response(404, json={"title": "Not found", "detail": "Not found"}), "Not found"),
        (httpx.Response(400, json={"message": "Bad request", "success": False}), "Bad request"),
        (
            httpx.Response(429, json={"error": "Rate limit exceeded", "data": {"msLeft": 1500}}),
            "Rate limit exceeded",
        ),
        (
            httpx.Response(
                403,
                json={
                    "success": False,
                    "errors": [{"code": 10000, "message": "Authentication error"}],
                    "messages": [],
                    "result": None,
                },
            ),
            "Authentication error",
        ),
        (
            httpx.Response(
                404, json={"success": False, "error": {"code": 404, "message": "Session not found"}}
            ),
            "Session not found",
        ),
        (
            httpx.Response(
                422,
                json={
                    "type": "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY",
                    "title": "Invalid request",
                    "status": 422,
                    "detail": "limit must be <= 100",
                },
            ),
            "Invalid request: limit must be <= 100",
        ),
        (
            httpx.Response(
                400, json={"errors": [{"detail": "a"}, {"message": "b"}, {"title": "c"}, {"detail": "d"}]}
            ),
            "a; b; c",
        ),
        (
            httpx.Response(401, json={"error": "invalid_token", "error_description": "expired"}),
            "invalid_token",
        ),
        (httpx.Response(401, json={"error_description": "token expired"}), "token expired"),
        (httpx.Response(400, json="plain json string"), "plain json string"),
        (httpx.Response(502, text="  upstream timed out \n"), "upstream timed out"),
        (httpx.Response(502, text="<html><body><h1>502 Bad Gateway</h1></body></html>"), None),
        (httpx.Response(500), None),
        (httpx.Response(500, json={}), None),
        (httpx.Response(500, json=[]), None),
        (httpx.Response(500, json={"errors": [], "message": "fallback"}), "fallback"),
        (httpx.Response(500, json={"detail": "   "}), None),
    ],
)
def test_generic_error_detail_reads_every_shape(response: httpx.Response, message: str | None) -> None:
    detail = generic_error_detail(response)
    assert detail.message == message
    assert detail.retry_after is None


async def test_a_custom_error_detail_hook_is_used(make: Callable[..., HttpClient]) -> None:
    handler, _ = sequence(httpx.Response(422, json={"weird": {"why": "odd shape"}}))
    client = make(handler, error_detail=lambda r: ErrorDetail(r.json()["weird"]["why"]))
    with pytest.raises(ProviderError, match=r"\(HTTP 422: odd shape\)"):
        await client.get("/x")


async def test_non_json_body_is_a_bad_payload(make: Callable[..., HttpClient]) -> None:
    handler, _ = sequence(httpx.Response(200, text=f"<html>oops {TOKEN}</html>"))
    with pytest.raises(BadPayloadError) as caught:
        await make(handler).get_json("/x")
    assert str(caught.value).startswith("Example API sent a response that is not valid JSON (")
    assert TOKEN not in str(caught.value)
    assert caught.value.provider == "example"


def test_parse_retry_after() -> None:
    now = 1_800_000_000.0
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == 30.0
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    for bad in (None, "", "soon", "inf", "nan", "1e999"):
        assert parse_retry_after(bad) is None


def test_parse_rate_limit_reset() -> None:
    now = 1_800_000_000.0
    # RateLimit fields: the largest t, nothing else
    fields = '"default";r=0;t=12, "burst";r=5;t=1'
    assert parse_rate_limit_reset(fields, fields=True) == 12.0
    assert parse_rate_limit_reset("30", fields=True) is None
    assert parse_rate_limit_reset(None, fields=True) is None
    # seconds, or an absolute Unix time above epoch_above
    assert parse_rate_limit_reset("12") == 12.0
    assert parse_rate_limit_reset(str(int(now) + 30), now=now) == 30.0
    assert parse_rate_limit_reset(str(int(now) - 30), now=now) == 0.0
    assert parse_rate_limit_reset("-3") == 0.0 and parse_rate_limit_reset("-3", negative=False) is None
    assert parse_rate_limit_reset("99999", cap=3600.0) == 3600.0
    assert parse_rate_limit_reset(str(int(now) + 30), now=now, cap=3600.0) == 30.0
    # milliseconds, dates
    millis = str(int(now * 1000) + 30_000)
    assert parse_rate_limit_reset(millis, now=now, epoch_above=1e8, milliseconds_above=1e11) == 30.0
    assert parse_rate_limit_reset("200000000", now=now, epoch_above=1e8) == 0.0
    http_date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_rate_limit_reset(http_date, now=now, dates=True) == 30.0
    assert parse_rate_limit_reset(http_date, now=now) is None
    iso_time = datetime.fromtimestamp(now + 30, UTC).isoformat()
    assert parse_rate_limit_reset(iso_time, now=now, dates=True) == 30.0
    assert parse_rate_limit_reset(iso_time.replace("+00:00", ""), now=now, dates=True) == 30.0
    for bad in (None, "", "soon", "inf", "nan"):
        assert parse_rate_limit_reset(bad, dates=True) is None


# ---------------------------------------------------------------------------------------
# Concurrency


async def test_max_concurrency_limits_requests_in_flight(make: Callable[..., HttpClient]) -> None:
    release = asyncio.Event()
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1
        return httpx.Response(200, json={"path": request.url.path})

    client = make(handler, max_concurrency=2)
    tasks = [asyncio.create_task(client.get_json(f"/item/{i}")) for i in range(7)]
    for _ in range(50):
        await asyncio.sleep(0)
    assert in_flight == 2
    release.set()
    results = await asyncio.gather(*tasks)
    assert [r["path"] for r in results] == [f"/v1/item/{i}" for i in range(7)]
    assert peak == 2 and client.requests == 7


# ---------------------------------------------------------------------------------------
# Redirects


def redirecting(location: str, status: int = 302) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(status, headers={"Location": location})
        return OK

    return handler, seen


async def test_redirect_to_another_host_drops_the_credentials(make: Callable[..., HttpClient]) -> None:
    handler, seen = redirecting("https://storage.example.net/recording.mp4?sig=1")
    await make(handler).get("/recordings/1")
    first, second = seen
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert second.url.host == "storage.example.net"
    assert "authorization" not in second.headers


async def test_redirect_to_another_port_drops_the_credentials(make: Callable[..., HttpClient]) -> None:
    handler, seen = redirecting("https://api.example.com:8443/v1/x")
    await make(handler, auth=BasicAuth("p", TOKEN)).get("/x")
    assert "authorization" not in seen[1].headers


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_same_origin_redirect_keeps_the_credentials(
    make: Callable[..., HttpClient], status: int
) -> None:
    handler, seen = redirecting("/v1/moved", status)
    assert await make(handler).get_json("/old") == {"ok": True}
    assert seen[1].url == httpx.URL("https://api.example.com/v1/moved")
    assert seen[1].headers["authorization"] == f"Bearer {TOKEN}"


async def test_https_to_http_downgrade_is_refused(make: Callable[..., HttpClient], sleeps: Sleeps) -> None:
    handler, seen = redirecting("http://api.example.com/v1/plain")
    with pytest.raises(UnavailableError, match="redirected to an insecure URL; refusing to follow"):
        await make(handler).get("/x")
    assert len(seen) == 1 and sleeps.waits == []


async def test_redirect_loops_stop(make: Callable[..., HttpClient]) -> None:
    handler, seen = sequence(httpx.Response(302, headers={"Location": "/v1/again"}))
    with pytest.raises(UnavailableError, match="redirected too many times"):
        await make(handler).get("/x")
    assert len(seen) == MAX_REDIRECTS + 1


async def test_absolute_url_on_another_host_gets_no_credentials(make: Callable[..., HttpClient]) -> None:
    handler, seen = sequence(OK)
    await make(handler).get("https://elsewhere.example.org/v1/x")
    assert "authorization" not in seen[0].headers


# ---------------------------------------------------------------------------------------
# Secrets never leak


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    install_log_redaction()
    captured: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    logger = logging.getLogger("roomscope")
    handler = Capture(level=logging.DEBUG)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield captured
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def rendered(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(r) for r in records)


def echo(status: int, *, shape: str = "json", headers: dict[str, str] | None = None) -> Handler:
    """A server that repeats the Authorization header it got in its error body."""

    def handler(request: httpx.Request) -> httpx.Response:
        said = request.headers.get("authorization", "")
        bare = said.split(" ", 1)[-1]
        if shape == "json":
            return httpx.Response(
                status,
                headers=headers,
                json={"errors": [{"title": f"bad {bare}", "detail": f"header was {said}"}]},
            )
        return httpx.Response(status, headers=headers, text=f"you sent {said} and {bare}")

    return handler


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 429, 500, 503])
@pytest.mark.parametrize("shape", ["json", "text"])
@pytest.mark.parametrize("auth", [BearerAuth(TOKEN), BasicAuth("project-1", TOKEN)], ids=["bearer", "basic"])
async def test_the_token_never_appears_in_errors_or_logs(
    make: Callable[..., HttpClient], records: list[logging.LogRecord], status: int, shape: str, auth: Auth
) -> None:
    encoded = base64.b64encode(f"project-1:{TOKEN}".encode()).decode()
    client = make(echo(status, shape=shape, headers={"Retry-After": "1"}), auth=auth, max_attempts=2)
    with pytest.raises(ProviderError) as caught:
        await client.get_json("/x")
    text = f"{caught.value} {caught.value!r} {caught.value.args}"
    assert "***" in text
    for secret in (TOKEN, encoded):
        assert secret not in text
        assert secret not in rendered(records)
    if status in (429, 500, 503):
        assert any("retrying in" in r.getMessage() for r in records)


@pytest.mark.parametrize("padding", [150, 190, 195, 200, 225, 235, 238])
async def test_a_clipped_message_leaks_no_part_of_the_token(
    make: Callable[..., HttpClient], padding: int
) -> None:
    for response in (
        httpx.Response(422, json={"message": "x" * padding + TOKEN + " tail"}),
        httpx.Response(422, text="x" * padding + TOKEN + " tail"),
    ):
        handler, _ = sequence(response)
        with pytest.raises(ProviderError) as caught:
            await make(handler).get("/x")
        assert TOKEN[:4] not in str(caught.value)
        assert str(caught.value).endswith("tail).") or "…" in str(caught.value)


async def test_log_records_of_child_loggers_are_redacted(
    make: Callable[..., HttpClient], records: list[logging.LogRecord]
) -> None:
    make(sequence(OK)[0])
    http_module.log.warning("header %s", f"Bearer {TOKEN}")
    logging.getLogger("roomscope.providers.example").error("token=%s", TOKEN)
    try:
        raise RuntimeError(f"failed with {TOKEN}")
    except RuntimeError:
        logging.getLogger("roomscope.store").exception("boom")
    output = rendered(records)
    assert len(records) == 3
    assert TOKEN not in output
    assert "header Bearer ***" in output and "token=***" in output
    assert "RuntimeError: failed with ***" in output


async def test_successful_requests_log_without_secrets(
    make: Callable[..., HttpClient], records: list[logging.LogRecord]
) -> None:
    handler, _ = sequence(OK)
    await make(handler).get(f"/x?key={TOKEN}")
    debug = [r for r in records if r.levelno == logging.DEBUG and r.name == "roomscope.http"]
    assert debug and debug[0].getMessage().startswith("GET https://api.example.com/v1/x -> 200 in ")
    assert TOKEN not in rendered(records)


# ---------------------------------------------------------------------------------------
# TLS


def test_tls_verification_is_always_on(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[dict[str, Any]] = []
    real = httpx.AsyncClient

    def spy(**kwargs: Any) -> httpx.AsyncClient:
        built.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", spy)  # the module the HTTP client calls
    HttpClient(provider="example", label="Example API", base_url=BASE, auth=BearerAuth(TOKEN))
    assert built[0]["verify"] is True
    assert built[0]["follow_redirects"] is False
    with pytest.raises(TypeError):
        HttpClient(  # type: ignore[call-arg]
            provider="example", label="Example API", base_url=BASE, auth=BearerAuth(TOKEN), verify=False
        )


# ---------------------------------------------------------------------------------------
# Deadlines and the budget (real time, in fractions of a second)


class Drip(httpx.AsyncByteStream):
    """A body that sends one byte, then one more every ``interval_s``, for ever."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"["
        while True:
            await asyncio.sleep(self.interval_s)
            yield b" "


async def test_a_dripping_body_is_cut_off_by_the_deadline(make: Callable[..., HttpClient]) -> None:
    async def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": "100000"}, stream=Drip(0.05))

    client = make(handler, timeout=0.3, max_total_wait=0.9)
    started = time.monotonic()
    with pytest.raises(UnavailableError) as caught:
        await asyncio.wait_for(client.get_json("/x"), 10)
    assert time.monotonic() - started < 0.9 + 4  # the budget, and room for a busy machine
    assert caught.value.network
    assert str(caught.value) == "Example API did not answer in time (no complete answer within 0.3s)."


async def test_the_budget_covers_attempts_and_waits(make: Callable[..., HttpClient], sleeps: Sleeps) -> None:
    calls: list[float] = []

    async def silent(_request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    client = make(silent, timeout=0.25, max_total_wait=1.0, max_attempts=10, backoff_base=0.05)
    started = time.monotonic()
    with pytest.raises(UnavailableError):
        await asyncio.wait_for(client.get("/x"), 10)
    attempts_s = time.monotonic() - started
    assert 2 <= len(calls) <= 4
    assert attempts_s + sum(sleeps.waits) <= 1.0 + 1.0  # the budget, and room for a busy machine


async def test_a_retry_never_starts_without_time_left(
    make: Callable[..., HttpClient], sleeps: Sleeps
) -> None:
    handler, seen = sequence(httpx.Response(503))
    client = make(handler, max_total_wait=1.2, backoff_base=0.5, backoff_cap=0.5, max_attempts=10)
    with pytest.raises(UnavailableError):
        await client.get("/x")
    # 0.25-0.5 s per wait and at least 1 s must remain for the next attempt: one retry.
    assert len(seen) == 1 and sleeps.waits == []


def test_the_budget_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def client() -> HttpClient:
        return HttpClient(provider="example", label="Example API", base_url=BASE, auth=BearerAuth(TOKEN))

    assert (client().max_total_wait, client().timeout) == (20.0, 15.0)
    monkeypatch.setenv("ROOMSCOPE_HTTP_BUDGET_S", "3")
    assert (client().max_total_wait, client().timeout) == (3.0, 3.0)
    monkeypatch.setenv("ROOMSCOPE_HTTP_BUDGET_S", "60")
    assert (client().max_total_wait, client().timeout) == (60.0, 15.0)
    for bad in ("soon", "0", "-1", "nan", "inf", "1e9"):
        monkeypatch.setenv("ROOMSCOPE_HTTP_BUDGET_S", bad)
        with pytest.raises(ConfigError) as caught:
            client()
        assert caught.value.field == "ROOMSCOPE_HTTP_BUDGET_S"


# ---------------------------------------------------------------------------------------
# What an answer may be


async def test_an_announced_oversized_body_is_not_read(make: Callable[..., HttpClient]) -> None:
    async def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(10**12)}, stream=Drip(3600))

    with pytest.raises(BadPayloadError) as caught:
        await asyncio.wait_for(make(handler).get_json("/x"), 10)
    assert str(caught.value) == "Example API sent an answer larger than 32 MiB; roomscope does not read it."


async def test_a_body_growing_past_the_cap_is_unreadable(
    make: Callable[..., HttpClient], sleeps: Sleeps
) -> None:
    handler, seen = sequence(httpx.Response(200, content=b"[" + b"0," * 2000 + b"0]"))
    with pytest.raises(BadPayloadError) as caught:
        await make(handler, max_body_bytes=1000).get_json("/x")
    assert "larger than 1,000 bytes" in str(caught.value)
    assert len(seen) == 1 and sleeps.waits == []


async def test_a_compressed_body_is_read_once_decompressed(make: Callable[..., HttpClient]) -> None:
    body = gzip.compress(json.dumps({"ok": True, "pad": "x" * 5000}).encode())

    def gzipped(content: bytes) -> Handler:
        def handler(_request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(content))

        return handler

    assert (await make(gzipped(body)).get_json("/x"))["ok"] is True
    with pytest.raises(BadPayloadError):  # the cap applies to what it inflates to
        await make(gzipped(body), max_body_bytes=len(body) + 100).get_json("/x")
    with pytest.raises(BadPayloadError) as caught:
        await make(gzipped(b"not gzip at all")).get_json("/x")
    assert str(caught.value) == "Example API sent a body that does not decode as gzip."


@pytest.mark.parametrize(
    "body", [b'{"a":' * 5000 + b"1" + b"}" * 5000, b"[" * 100_000 + b"]" * 100_000], ids=["objects", "arrays"]
)
async def test_deeply_nested_json_is_a_bad_payload(make: Callable[..., HttpClient], body: bytes) -> None:
    handler, _ = sequence(httpx.Response(200, content=body))
    with pytest.raises(BadPayloadError) as caught:
        await make(handler).get_json("/x")
    assert str(caught.value) == (
        "Example API sent JSON with objects and arrays nested more than 64 levels deep; "
        "roomscope does not read it."
    )
    failing, _ = sequence(httpx.Response(500, content=body))
    with pytest.raises(UnavailableError) as failed:  # an error body is read the same way
        await make(failing, max_attempts=1).get_json("/x")
    assert str(failed.value).startswith("Example API failed with HTTP 500")


async def test_a_broken_error_detail_hook_costs_only_the_message(make: Callable[..., HttpClient]) -> None:
    def broken(_response: httpx.Response) -> ErrorDetail:
        raise KeyError("data")

    handler, _ = sequence(httpx.Response(418, json={"message": "teapot"}))
    with pytest.raises(RejectedError) as caught:
        await make(handler, error_detail=broken).get("/x")
    assert str(caught.value) == "Example API rejected the request (HTTP 418)."


async def test_provider_messages_are_made_inert(make: Callable[..., HttpClient]) -> None:
    hostile = f"\x1b]2;PWNED\x07no \x1b[31mway\x1b[0m\u202e {TOKEN[:6]}\x1b[0m{TOKEN[6:]}\r\nend\x00"
    for response in (httpx.Response(400, json={"message": hostile}), httpx.Response(400, text=hostile)):
        handler, _ = sequence(response)
        with pytest.raises(RejectedError) as caught:
            await make(handler).get("/x")
        assert str(caught.value) == "Example API rejected the request (HTTP 400: no way *** end)."
        assert caught.value.exit_code == 9


async def test_a_redirect_to_an_unreadable_location_is_not_followed(make: Callable[..., HttpClient]) -> None:
    for location in ("ftp://example.com/x", "http:///x"):
        handler, seen = sequence(httpx.Response(302, headers={"Location": location}))
        with pytest.raises(BadPayloadError) as caught:
            await make(handler).get("/x")
        assert str(caught.value) == "Example API redirected to an unreadable URL; refusing to follow."
        assert len(seen) == 1
    handler, _ = sequence(httpx.Response(302, headers={"Location": "http://[::1"}))
    with pytest.raises(UnavailableError) as unreadable:  # httpx refuses this one itself
        await make(handler, max_attempts=1).get("/x")
    assert "Invalid URL in location header" in str(unreadable.value)


# ---------------------------------------------------------------------------------------
# Ids in paths


@pytest.mark.parametrize(
    ("value", "segment"),
    [("abc-123", "abc-123"), (" abc ", "abc"), ("é:x@y", "%C3%A9%3Ax%40y"), ("a|b", "a%7Cb"), ("...", "...")],
)
def test_path_segments(value: str, segment: str) -> None:
    assert path_segment(value, label="Example API", provider="example") == segment


BAD_PATH_IDS = [
    *("", "  ", ".", "..", " .. "),
    *("a/b", "a?b", "a#b", "a%2fb", "a\\b"),
    *("a b", "a\tb", "a\nb", "a\x00b", "a\x9bb", "a\u202eb", "a\u2028b"),
    "\udcff",  # a byte that was not UTF-8 on the command line
]


@pytest.mark.parametrize("value", BAD_PATH_IDS)
def test_ids_that_would_change_the_path_are_refused(value: str) -> None:
    with pytest.raises(InvalidIdError) as caught:
        path_segment(value, label="Example API", provider="example", what="session id")
    assert caught.value.exit_code == 2
    assert "is not a valid session id" in str(caught.value)
    assert all(ch.isprintable() for ch in str(caught.value))


def test_ids_sent_as_query_values_may_hold_path_characters() -> None:
    assert (
        checked_id("/room-1?x#y%z", label="Example API", provider="example", in_path=False) == "/room-1?x#y%z"
    )
    for value in ("", "..", "a b", "a\x1bb"):
        with pytest.raises(InvalidIdError):
            checked_id(value, label="Example API", provider="example", in_path=False)
