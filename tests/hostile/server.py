"""A small HTTP/1.1 server on 127.0.0.1 that answers with hostile, broken and slow responses.

One :class:`HostileServer` listens on an ephemeral loopback port; a *responder* decides what
each request gets: a fixed body (deeply nested JSON, truncated JSON, HTML, a 4xx with escape
sequences), a slow drip, no answer at all, an endless body, a redirect to another host, or
a fake provider API's real answer after a mutation (a lone surrogate in one record, absurd
numbers). Every connection ends with the server (``stop`` cancels what is still running),
and the server never listens on anything but loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Responder = Callable[[httpx.Request, asyncio.StreamWriter], Awaitable[None]]
MAX_HEAD = 64 * 1024

REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 418: "I'm a teapot", 500: "Internal Server Error"}


@dataclass
class Seen:
    """A request the server received: method, target and headers (lower-cased names)."""

    method: str
    target: str
    host: str
    headers: dict[str, str] = field(default_factory=dict)


class HostileServer:
    """``async with HostileServer(responder) as server:`` then ``server.url``."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.seen: list[Seen] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                self.seen.append(
                    Seen(
                        request.method, request.url.raw_path.decode(), request.url.host, dict(request.headers)
                    )
                )
                await self.responder(request, writer)
                await writer.drain()
                if writer.is_closing():
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> httpx.Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    if len(head) > MAX_HEAD:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    host = {k.lower(): v for k, v in headers}.get("host", "127.0.0.1")
    length = int({k.lower(): v for k, v in headers}.get("content-length", "0") or 0)
    if length:
        await reader.readexactly(length)
    return httpx.Request(method, f"http://{host}{target}", headers=headers)


# ---------------------------------------------------------------------------------------
# Writing answers


def head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes = b"",
    *,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    """A whole answer; the connection is kept open for the next request."""
    fields = {"Content-Length": str(len(body))}
    if content_type is not None:
        fields["Content-Type"] = content_type
    fields.update(headers or {})
    writer.write(head(status, fields) + body)
    await writer.drain()


# ---------------------------------------------------------------------------------------
# Responders


def fixed(
    body: bytes | str,
    *,
    status: int = 200,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
) -> Responder:
    """The same answer to every request."""
    data = body.encode() if isinstance(body, str) else body

    async def respond(_request: httpx.Request, writer: asyncio.StreamWriter) -> None:
        await send(writer, status, data, content_type=content_type, headers=headers)

    return respond


def nested_objects(depth: int = 5000) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def nested_arrays(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def drip(interval_s: float, *, announced: int = 100_000) -> Responder:
    """Headers at once, then one byte of the body every ``interval_s``, for ever."""

    async def respond(_request: httpx.Request, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Content-Type": "application/json", "Content-Length": str(announced)}))
        writer.write(b"[")
        await writer.drain()
        while True:
            await asyncio.sleep(interval_s)
            writer.write(b" ")
            await writer.drain()

    return respond


def silent() -> Responder:
    """Accepts the connection and reads the request, then never answers."""

    async def respond(_request: httpx.Request, _writer: asyncio.StreamWriter) -> None:
        await asyncio.Event().wait()

    return respond


def endless(chunk: int = 1 << 20) -> Responder:
    """A chunked body that never ends (a valid JSON string prefix, then more of it)."""

    async def respond(_request: httpx.Request, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
        piece = b'["' + b"x" * chunk
        while True:
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            await writer.drain()
            piece = b"x" * chunk

    return respond


def huge_announced(size: int = 10**12) -> Responder:
    """Announces an absurd Content-Length, then sends a little and stalls."""

    async def respond(_request: httpx.Request, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Content-Type": "application/json", "Content-Length": str(size)}))
        writer.write(b"[" + b" " * 1024)
        await writer.drain()
        await asyncio.Event().wait()

    return respond


def redirect_to(location: Callable[[httpx.Request], str], then: Responder) -> Responder:
    """The first request to the server's own host is redirected; requests arriving at any
    other host name (``localhost`` for ``127.0.0.1``) are answered by ``then``."""

    async def respond(request: httpx.Request, writer: asyncio.StreamWriter) -> None:
        if request.url.host == "127.0.0.1":
            await send(writer, 302, b"", headers={"Location": location(request)})
        else:
            await then(request, writer)

    return respond


Mutation = Callable[[httpx.Request, Any], Any]


def through(
    handler: Callable[[httpx.Request], Awaitable[httpx.Response]], mutate: Mutation | None = None
) -> Responder:
    """A fake provider API's own answer (``FakeApi.handler``), its JSON body changed by
    ``mutate(request, body)`` (which may return a str to send as is)."""

    async def respond(request: httpx.Request, writer: asyncio.StreamWriter) -> None:
        answer = await handler(request)
        body = answer.content
        if mutate is not None and body:
            try:
                decoded = json.loads(body)
            except ValueError:
                decoded = None
            if decoded is not None:
                changed = mutate(request, decoded)
                body = changed.encode() if isinstance(changed, str) else json.dumps(changed).encode()
        await send(writer, answer.status_code, body, content_type=answer.headers.get("content-type"))

    return respond


@contextlib.asynccontextmanager
async def serving(responder: Responder) -> AsyncIterator[HostileServer]:
    async with HostileServer(responder) as server:
        yield server
