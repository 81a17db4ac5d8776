"""What every fake API shares: the handler (the auth check, injected faults, latency,
routing), JSON responses and opaque cursors."""

from __future__ import annotations

import asyncio
import base64
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.demo.world import DemoWorld


class Missing(Exception):
    """Raised by a route to answer 404."""


@dataclass
class Fault:
    """A canned answer served instead of the real one (one-shot by default)."""

    status: int
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    path_contains: str | None = None
    delay_s: float = 0.0

    def matches(self, request: httpx.Request) -> bool:
        return self.path_contains is None or self.path_contains in request.url.path

    def response(self) -> httpx.Response:
        if self.raw is not None:
            return httpx.Response(self.status, content=self.raw, headers=self.headers)
        if self.body is None:
            return httpx.Response(self.status, headers=self.headers)
        return json_response(self.status, self.body, self.headers)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body, separators=(",", ":"), default=str).encode(),
        headers={"content-type": "application/json", **(headers or {})},
    )


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None


class FakeApi:
    """Base class: subclasses implement ``authorized`` and ``route``."""

    name = "fake"

    def __init__(self, world: DemoWorld, *, clock: Clock = utcnow, latency_s: float = 0.0) -> None:
        self.world = world
        self.clock = clock
        self.latency_s = latency_s
        self.faults: deque[Fault] = deque()
        self.requests: list[httpx.Request] = []

    # -- fault injection -----------------------------------------------------------------

    def inject(
        self,
        status: int,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        path_contains: str | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Serve this answer for the next ``times`` matching requests."""
        self.faults.append(Fault(status, body, raw, dict(headers or {}), times, path_contains, delay_s))

    def _take_fault(self, request: httpx.Request) -> Fault | None:
        for fault in list(self.faults):
            if fault.matches(request):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # -- the handler ---------------------------------------------------------------------

    async def handler(self, request: httpx.Request) -> httpx.Response:
        """An ``httpx.MockTransport`` handler."""
        self.requests.append(request)
        if self.latency_s > 0:
            await asyncio.sleep(self.latency_s)
        fault = self._take_fault(request)
        if fault is not None:
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)
            return fault.response()
        if not self.authorized(request):
            return self.unauthorized(request)
        if request.method != "GET":
            return self.error(request, 405, "Method not allowed")
        try:
            return await asyncio.to_thread(self.route, request)
        except Missing as exc:
            return self.error(request, 404, str(exc) or "Not found")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    # -- to implement --------------------------------------------------------------------

    def authorized(self, request: httpx.Request) -> bool:
        raise NotImplementedError

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return self.error(request, 401, "Unauthorized")

    def error(self, request: httpx.Request, status: int, message: str) -> httpx.Response:
        raise NotImplementedError

    def route(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    # -- helpers -------------------------------------------------------------------------

    def session_index(self, session_id: str) -> int:
        index = self.world.index_of(session_id)
        if index is None:
            raise Missing(f"No session {session_id}")
        return index
