"""The shared HTTP layer (roomscope.tui.providers.http) against httpx.MockTransport handlers."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from roomscope import __version__
from roomscope.tui.errors import RejectedError
from roomscope.tui.providers import http as http_module
from roomscope.tui.providers.base import (
    AuthError,
    BadPayloadError,
    ForbiddenError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    UnavailableError,
)
from roomscope.tui.providers.http import (
    MAX_REDIRECTS,
    Auth,
    BasicAuth,
    BearerAuth,
    ErrorDetail,
    HttpClient,
    generic_error_detail,
    install_log_redaction,
    parse_rate_limit_reset,
    parse_retry_after,
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
