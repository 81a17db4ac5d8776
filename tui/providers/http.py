"""The one HTTP layer every adapter uses.

One :class:`HttpClient` per provider profile wraps an ``httpx.AsyncClient`` with:

* the base URL and the provider's authentication (HTTP Basic for SignalWire, Bearer for
  the others), sent only to the base URL's own origin: a redirect to another host (or a
  downgrade to plain http) never carries credentials;
* a User-Agent naming roomscope and its version, and a cap on concurrent requests;
* a deadline for each attempt that covers connecting, the headers and the whole body (a
  server that drips one byte at a time is cut off), and a cap on the body's size;
* retries with exponential back-off and full jitter on connection errors, timeouts, 5xx
  and 429, honouring ``Retry-After`` (and the providers' own reset hints), bounded in
  attempts and by one budget for the whole request: attempts and waits together;
* JSON decoded by :mod:`~roomscope.tui.providers.jsondecode` (bounded nesting, bad text
  replaced), for answers and error bodies alike;
* errors mapped to the protocol's typed errors, carrying the provider's own message made
  inert (no control characters, escape sequences or bidi overrides);
* ids checked before they become part of a request path (:func:`path_segment`);
* secrets redacted from every message, log line and exception text.

The numbers live in :mod:`roomscope.tui.limits`; ``ROOMSCOPE_HTTP_BUDGET_S`` replaces the
budget (scripts that would rather fail fast, tests).

TLS verification is always on. This module is imported only when a real provider is
used, never before the demo's first frame.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import logging
import math
import os
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urljoin

import httpx

from roomscope import __version__
from roomscope.tui import limits
from roomscope.tui.errors import ConfigError
from roomscope.tui.providers import jsondecode
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
from roomscope.tui.providers.parsing import parse_time
from roomscope.tui.redact import REDACTOR, RedactingFilter, Redactor, install_log_redaction
from roomscope.tui.text import clean

__all__ = [
    "REDACTOR",
    "Auth",
    "BasicAuth",
    "BearerAuth",
    "ErrorDetail",
    "HttpClient",
    "RedactingFilter",
    "Redactor",
    "budget_from_environment",
    "checked_id",
    "generic_error_detail",
    "inert_message",
    "install_log_redaction",
    "parse_rate_limit_reset",
    "parse_retry_after",
    "path_segment",
    "response_json",
]

log = logging.getLogger("roomscope.http")

USER_AGENT = f"roomscope/{__version__} (terminal session explorer; python-httpx/{httpx.__version__})"
RETRY_STATUSES = frozenset({500, 502, 503, 504})
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MESSAGE_LIMIT = 240
"""A provider's own message is cut to this many characters."""

QueryParams = Mapping[str, str | int | float | bool | None] | Sequence[tuple[str, str | int | float | bool]]


# ---------------------------------------------------------------------------------------
# Auth


@dataclass(frozen=True)
class BasicAuth:
    username: str
    password: str

    def header(self) -> str:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return f"Basic {token}"

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password='***')"


@dataclass(frozen=True)
class BearerAuth:
    token: str

    def header(self) -> str:
        return f"Bearer {self.token}"

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"


Auth = BasicAuth | BearerAuth


# ---------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class ErrorDetail:
    """What a provider's error body says: its message and, for 429, how long to wait."""

    message: str | None = None
    retry_after: float | None = None


def response_json(response: httpx.Response) -> Any:
    """A response's JSON body, decoded as every provider answer is
    (:func:`roomscope.tui.providers.jsondecode.loads`); ``ValueError`` if it is not JSON
    or nests too deep."""
    return jsondecode.loads(response.content)


def generic_error_detail(response: httpx.Response) -> ErrorDetail:
    """Reads the error shapes the four providers use (first match wins):
    ``{"errors": [{"detail"|"message"|"title": ...}]}``, ``{"error": "..."}``,
    ``{"error": {"message": ...}}``, ``{"message": ...}``, ``{"title", "detail"}``."""
    try:
        body = response_json(response)
    except ValueError:
        text = response.text.strip()
        return ErrorDetail(text if text and "<html" not in text.lower() else None)
    return ErrorDetail(_message_of(body))


def _message_of(body: Any) -> str | None:
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            parts = [m for m in (_message_of(e) for e in errors[:3]) if m]
            if parts:
                return "; ".join(parts)
        for key in ("detail", "message", "title", "error", "error_description"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                title = body.get("title")
                if (
                    key == "detail"
                    and isinstance(title, str)
                    and title.strip()
                    and title.strip().casefold() not in value.casefold()
                ):
                    return f"{title.strip()}: {value.strip()}"
                return value.strip()
            if isinstance(value, dict):
                found = _message_of(value)
                if found:
                    return found
    if isinstance(body, str) and body.strip():
        return body.strip()
    return None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


_RATELIMIT_T = re.compile(r";\s*t\s*=\s*(\d+(?:\.\d+)?)")


def parse_rate_limit_reset(
    value: str | None,
    *,
    now: float | None = None,
    fields: bool = False,
    epoch_above: float = 1e9,
    milliseconds_above: float | None = None,
    dates: bool = False,
    negative: bool = True,
    cap: float | None = None,
) -> float | None:
    """Seconds until a rate-limit window resets, from a provider's reset header; None when
    the value says nothing usable. Each provider's header is read with its own options:

    * ``fields``: a ``RateLimit`` field list (``"default";r=0;t=30``), read as its largest ``t``;
    * otherwise a number of seconds: above ``epoch_above`` an absolute Unix time, above
      ``milliseconds_above`` (when given) a Unix time in milliseconds; a negative number is
      0 s, or unusable when ``negative`` is False;
    * with ``dates``, also an HTTP date or an ISO 8601 time.

    The answer is at most ``cap`` when given.
    """
    if not value:
        return None
    value = value.strip()
    current = time.time() if now is None else now
    seconds: float | None
    if fields:
        found = [float(t) for t in _RATELIMIT_T.findall(value)]
        seconds = max(found) if found else None
    else:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            if number < 0 and not negative:
                return None
            if milliseconds_above is not None and number > milliseconds_above:
                number /= 1000.0
            seconds = max(0.0, number - current if number > epoch_above else number)
        else:
            seconds = _seconds_until_date(value, current) if dates else None
    if seconds is None:
        return None
    return min(seconds, cap) if cap is not None else seconds


def _seconds_until_date(value: str, now: float) -> float | None:
    """An HTTP date or an ISO 8601 time (naive taken as UTC) as seconds from ``now``."""
    moment: datetime | None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        moment = parse_time(value)
    if moment is None or moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - now)


def inert_message(text: str) -> str:
    """A provider's own words, safe to show in a message: secrets out (before anything is
    cut, and again once escape sequences are gone), no control or bidi characters, one
    line of at most ``MESSAGE_LIMIT`` characters."""
    text = REDACTOR(text)[: MESSAGE_LIMIT * 8]
    text = REDACTOR(clean(text, len(text) + 1))
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


# ---------------------------------------------------------------------------------------
# Ids in request paths

_PATH_CHARACTERS = frozenset("/?#%\\")


def checked_id(value: str, *, label: str, provider: str, what: str = "id", in_path: bool = True) -> str:
    """``value`` with surrounding whitespace trimmed, if it can be an id at all.

    Ids come from the command line, the palette and other people's payloads. One that is
    empty, ``.`` or ``..``, or holds whitespace, control or other invisible characters
    names nothing; in a request path, ``/ ? # % \\`` would also change which endpoint is
    asked (``session ..`` is the API root). Either is an
    :class:`~roomscope.tui.errors.InvalidIdError`, raised before any request."""
    trimmed = value.strip()
    if (
        trimmed in ("", ".", "..")
        or not trimmed.isprintable()
        or any(ch.isspace() or (in_path and ch in _PATH_CHARACTERS) for ch in trimmed)
    ):
        shown = clean(value, 60) or "(empty)"
        rule = "holds no '/', '?', '#', '%', '\\', spaces" if in_path else "holds no spaces"
        raise InvalidIdError(
            f"{label}: {shown!r} is not a valid {what} (an id is not empty, '.' or '..', and {rule} "
            "or control characters).",
            provider=provider,
        )
    return trimmed


def path_segment(value: str, *, label: str, provider: str, what: str = "id") -> str:
    """``value`` checked (:func:`checked_id`) and percent-encoded as one URL path segment."""
    return quote(checked_id(value, label=label, provider=provider, what=what), safe="")


# ---------------------------------------------------------------------------------------
# The client


def budget_from_environment() -> float | None:
    """``ROOMSCOPE_HTTP_BUDGET_S`` as seconds; None when unset; a
    :class:`~roomscope.tui.errors.ConfigError` when it is not a number within bounds."""
    raw = os.environ.get(limits.HTTP_BUDGET_ENV, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not limits.HTTP_BUDGET_MIN_S <= seconds <= limits.HTTP_BUDGET_MAX_S:
        raise ConfigError(
            f"expected seconds between {limits.HTTP_BUDGET_MIN_S:g} and {limits.HTTP_BUDGET_MAX_S:g}, "
            f"got {clean(raw, 40)!r}",
            field=limits.HTTP_BUDGET_ENV,
        )
    return seconds


class _Stopwatch:
    """Time spent in one attempt, from when it got its turn (the concurrency gate)."""

    def __init__(self) -> None:
        self.started: float | None = None

    def start(self) -> None:
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return 0.0 if self.started is None else time.monotonic() - self.started


class _TooLarge(Exception):
    """The answer is larger than the client reads."""


class HttpClient:
    """One provider profile's connection.

    ``timeout`` is each attempt's deadline (connect, headers and body together);
    ``max_total_wait`` is the whole request's budget: attempts and the waits between them
    (default: ``ROOMSCOPE_HTTP_BUDGET_S``, else :data:`~roomscope.tui.limits.RETRY_BUDGET_S`).
    """

    def __init__(
        self,
        *,
        provider: str,
        label: str,
        base_url: str,
        auth: Auth,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = limits.REQUEST_DEADLINE_S,
        max_concurrency: int = limits.MAX_CONCURRENT_REQUESTS,
        max_attempts: int = limits.MAX_ATTEMPTS,
        max_total_wait: float | None = None,
        max_body_bytes: int = limits.MAX_BODY_BYTES,
        backoff_base: float = limits.BACKOFF_BASE_S,
        backoff_cap: float = limits.BACKOFF_CAP_S,
        error_detail: Callable[[httpx.Response], ErrorDetail] = generic_error_detail,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.provider = provider
        self.label = label
        self.base_url = base_url.rstrip("/")
        self._base = httpx.URL(self.base_url + "/")
        self.auth = auth
        self.max_attempts = max(1, max_attempts)
        budget = max_total_wait if max_total_wait is not None else budget_from_environment()
        self.max_total_wait = budget if budget is not None else limits.RETRY_BUDGET_S
        self.timeout = max(0.001, min(timeout, self.max_total_wait))
        self.max_body_bytes = max(1, max_body_bytes)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.error_detail = error_detail
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._gate = asyncio.Semaphore(max(1, max_concurrency))
        if isinstance(auth, BasicAuth):
            REDACTOR.add_basic(auth.username, auth.password)
        else:
            REDACTOR.add(auth.token)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
            verify=True,
            transport=transport,
        )
        self.requests = 0

    # -- url handling --------------------------------------------------------------------

    def url_for(self, path_or_url: str) -> httpx.URL:
        if path_or_url.startswith(("http://", "https://")):
            return httpx.URL(path_or_url)
        step = path_step(path_or_url)
        if step is not None:
            raise NotFoundError(
                f"{self.label}: no such id {step!r} (an id cannot be empty, '.' or '..').",
                provider=self.provider,
            )
        return httpx.URL(self.base_url + "/" + path_or_url.lstrip("/"))

    def _same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (self._base.scheme, self._base.host, self._base.port)

    def segment(self, value: str, what: str = "id") -> str:
        """:func:`path_segment` with this client's names."""
        return path_segment(value, label=self.label, provider=self.provider, what=what)

    def checked_id(self, value: str, what: str = "id") -> str:
        """:func:`checked_id` for an id sent as a query value (where ``/`` is harmless)."""
        return checked_id(value, label=self.label, provider=self.provider, what=what, in_path=False)

    # -- requests ------------------------------------------------------------------------

    async def get_json(self, path_or_url: str, params: QueryParams | None = None) -> Any:
        """GET and decode JSON, with retries; raises the protocol's typed errors."""
        response = await self.get(path_or_url, params)
        try:
            return response_json(response)
        except jsondecode.TooDeepError as exc:
            raise BadPayloadError(
                f"{self.label} sent JSON with {exc}; roomscope does not read it.",
                provider=self.provider,
            ) from None
        except ValueError as exc:
            raise BadPayloadError(
                self._redact(f"{self.label} sent a response that is not valid JSON ({clean(exc, 120)})."),
                provider=self.provider,
            ) from None

    async def get(self, path_or_url: str, params: QueryParams | None = None) -> httpx.Response:
        """GET with retries within the budget; the body is read whole (and capped)."""
        url = self.url_for(path_or_url)
        if params:
            url = url.copy_merge_params(_clean_params(params))
        spent = 0.0  # of the budget: attempts (from their turn at the gate) and waits
        attempt = 0
        while True:
            attempt += 1
            deadline = max(0.001, min(self.timeout, self.max_total_wait - spent))
            watch = _Stopwatch()
            try:
                response = await self._attempt(url, deadline, watch)
            except httpx.TransportError as exc:
                error: ProviderError = UnavailableError(
                    self._redact(f"{self.label} is unreachable: {_describe_transport(exc)}."),
                    provider=self.provider,
                    network=True,
                )
                wait = self._backoff(attempt)
            except TimeoutError:
                error = UnavailableError(
                    f"{self.label} did not answer in time (no complete answer within {deadline:.3g}s).",
                    provider=self.provider,
                    network=True,
                )
                wait = self._backoff(attempt)
            else:
                if response.status_code < 400:
                    return response
                error, wait = self._error_for(response, attempt)
            finally:
                spent += watch.elapsed()
            retryable = isinstance(error, (UnavailableError, RateLimitedError))
            room = min(limits.MIN_ATTEMPT_S, self.timeout)
            if not retryable or attempt >= self.max_attempts or spent + wait + room > self.max_total_wait:
                raise error
            log.info(
                "%s: %s, retrying in %.1fs (attempt %d of %d)",
                self.label,
                error,
                wait,
                attempt + 1,
                self.max_attempts,
            )
            await self.sleep(wait)
            spent += wait

    async def _attempt(self, url: httpx.URL, deadline: float, watch: _Stopwatch) -> httpx.Response:
        """One attempt, redirects included, within ``deadline`` seconds of its turn."""
        async with self._gate:
            watch.start()
            async with asyncio.timeout(deadline):
                return await self._send_following_redirects(url)

    async def _send_following_redirects(self, url: httpx.URL) -> httpx.Response:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            headers: dict[str, str] = {}
            if self._same_origin(current):
                headers["Authorization"] = self.auth.header()
            started = time.perf_counter()
            self.requests += 1
            response = await self._read(current, headers)
            log.debug(
                "GET %s -> %s in %.0f ms",
                self._redact(str(current.copy_with(query=None))),
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
            if response.status_code not in REDIRECT_STATUSES:
                return response
            location = response.headers.get("location")
            if not location:
                return response
            try:
                target = httpx.URL(urljoin(str(current), location))
            except (httpx.InvalidURL, ValueError):
                target = None
            if target is None or target.scheme not in ("http", "https") or not target.host:
                raise BadPayloadError(
                    f"{self.label} redirected to an unreadable URL; refusing to follow.",
                    provider=self.provider,
                )
            if current.scheme == "https" and target.scheme != "https":
                raise UnavailableError(
                    f"{self.label} redirected to an insecure URL; refusing to follow.",
                    provider=self.provider,
                    status=response.status_code,
                )
            current = target
        raise UnavailableError(f"{self.label} redirected too many times.", provider=self.provider)

    async def _read(self, url: httpx.URL, headers: dict[str, str]) -> httpx.Response:
        """One GET, its body read whole unless it is larger than ``max_body_bytes``."""
        request = self._client.build_request("GET", url, headers=headers)
        response = await self._client.send(request, stream=True)
        try:
            content = await self._body(response)
        except _TooLarge:
            raise BadPayloadError(
                f"{self.label} sent an answer larger than {_size(self.max_body_bytes)}; "
                "roomscope does not read it.",
                provider=self.provider,
            ) from None
        except httpx.DecodingError:
            encoding = clean(response.headers.get("content-encoding", ""), 40) or "its encoding"
            raise BadPayloadError(
                f"{self.label} sent a body that does not decode as {encoding}.", provider=self.provider
            ) from None
        finally:
            await response.aclose()
        kept = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(response.status_code, headers=kept, content=content, request=request)

    async def _body(self, response: httpx.Response) -> bytes:
        announced = response.headers.get("content-length", "")
        if announced.strip().isdigit() and int(announced) > self.max_body_bytes:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        return self.rng.uniform(ceiling / 2, ceiling)

    def _said(self, response: httpx.Response) -> tuple[str, ErrorDetail]:
        """': <the provider's message>' made inert and secret-free (or ''), and the detail."""
        try:
            detail = self.error_detail(response)
        except Exception:  # an error body is untrusted: reading it must not fail the request
            detail = ErrorDetail()
        message = inert_message(detail.message) if detail.message else ""
        return (f": {message}" if message else ""), detail

    def _error_for(self, response: httpx.Response, attempt: int) -> tuple[ProviderError, float]:
        status = response.status_code
        said, detail = self._said(response)
        name = self.label
        if status == 401:
            return AuthError(
                f"{name} rejected the credentials (401{said}). The token is missing, wrong or expired.",
                provider=self.provider,
                status=status,
            ), 0.0
        if status == 403:
            return ForbiddenError(
                f"{name} refused access (403{said}). The token lacks permission for this data, "
                "or the account/space/app is not the token's.",
                provider=self.provider,
                status=status,
            ), 0.0
        if status == 404:
            return NotFoundError(
                f"{name}: not found (404{said}).", provider=self.provider, status=status
            ), 0.0
        if status == 429:
            hint = parse_retry_after(response.headers.get("retry-after"))
            if hint is None:
                hint = detail.retry_after
            if hint is not None and not math.isfinite(hint):
                hint = None
            wait = hint if hint is not None else self._backoff(attempt)
            text = f"{name} is rate limiting requests (429{said})"
            text += f"; retry in {hint:.0f}s." if hint is not None else "."
            return RateLimitedError(text, provider=self.provider, retry_after=hint), wait
        if status in RETRY_STATUSES or status >= 500:
            return UnavailableError(
                f"{name} failed with HTTP {status}{said}.", provider=self.provider, status=status
            ), self._backoff(attempt)
        return RejectedError(
            f"{name} rejected the request (HTTP {status}{said}).", provider=self.provider, status=status
        ), 0.0

    def _redact(self, text: str) -> str:
        return REDACTOR(text)

    async def aclose(self) -> None:
        await self._client.aclose()


_DOT_SEGMENTS = frozenset({".", "..", "%2e", "%2e%2e", ".%2e", "%2e."})


def path_step(path: str) -> str | None:
    """The segment of a request path that is not a name: empty (an empty id, inside the
    path or at its end), ``.`` or ``..`` (also percent-encoded), which a URL resolves to another endpoint
    (``sessions/..`` is the API root); ``None`` when there is none. Every adapter builds
    its paths from ids; this stops a bad id whichever adapter quoted it."""
    segments = path.split("?", 1)[0].split("#", 1)[0].lstrip("/").split("/")
    for segment in segments:
        if segment.lower() in _DOT_SEGMENTS or (not segment and len(segments) > 1):
            return segment
    return None


def _clean_params(params: QueryParams) -> list[tuple[str, str | int | float | bool | None]]:
    pairs = params.items() if isinstance(params, Mapping) else params
    out: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in pairs:
        if value is None:
            continue
        if isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        else:
            out.append((key, str(value)))
    return out


def _size(count: int) -> str:
    mib = count / (1024 * 1024)
    return f"{mib:g} MiB" if mib >= 1 else f"{count:,} bytes"


def _describe_transport(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.ReadTimeout):
        return "no answer in time (read timeout)"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        reason = clean(exc, MESSAGE_LIMIT) or "connection failed"
        return f"cannot connect ({reason})"
    reason = clean(exc, MESSAGE_LIMIT)
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__
