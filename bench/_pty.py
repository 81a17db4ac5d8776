"""A program on a pseudo-terminal, driven like a user at a keyboard (standard library only).

:class:`PtyProgram` starts a command on a fresh 120x40 pty (the benchmark environment of
``_common.bench_env``), reads everything it writes, waits for text to appear on it (escape
sequences stripped), types keys and counts the bytes each key makes the program write.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping, Sequence
from types import TracebackType

from _common import ROOT, TERM_SIZE, bench_env

ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1bP[^\x1b]*\x1b\\"  # DCS
    rb"|\x1b[@-Z\\-_=>]"  # two-byte escapes
)
KEYS: Mapping[str, bytes] = {
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "pagedown": b"\x1b[6~",
    "pageup": b"\x1b[5~",
    "ctrl+home": b"\x1b[1;5H",
    "ctrl+end": b"\x1b[1;5F",
    "enter": b"\r",
    "escape": b"\x1b",
}
"""What a terminal sends for the named keys; any other key name is sent as typed."""


def plain(data: bytes) -> bytes:
    """``data`` without escape sequences."""
    return ESCAPES.sub(b"", data)


class PtyProgram:
    """``argv`` running on its own pseudo-terminal; use as a context manager."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self.argv = list(argv)
        self.env = dict(env if env is not None else bench_env())
        self.pid = -1
        self.fd = -1
        self.output = b""
        """Everything the program wrote so far."""

    def __enter__(self) -> PtyProgram:
        columns, rows = TERM_SIZE
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal before anything looks at it, then exec
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
                os.chdir(ROOT)
                os.execve(self.argv[0], self.argv, self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def read_for(self, seconds: float) -> bytes:
        """Everything written within ``seconds``."""
        chunks: list[bytes] = []
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the program closed its terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        data = b"".join(chunks)
        self.output += data
        return data

    def wait_for(self, text: str, timeout: float) -> bool:
        """Read until ``text`` has appeared on screen (True) or ``timeout`` passed."""
        wanted = text.encode()
        end = time.monotonic() + timeout
        start = len(self.output)
        while time.monotonic() < end:
            if wanted in plain(self.output[start:]):
                return True
            self.read_for(0.05)
        return wanted in plain(self.output[start:])

    def settle(self, quiet: float = 0.5, limit: float = 5.0) -> None:
        """Read until the program has written nothing for ``quiet`` seconds (at most ``limit``)."""
        end = time.monotonic() + limit
        while time.monotonic() < end and self.read_for(quiet):
            pass

    def press(self, key: str, window: float) -> int:
        """Type ``key``; the bytes written within ``window`` seconds after it."""
        os.write(self.fd, KEYS.get(key, key.encode()))
        return len(self.read_for(window))

    def resize(self, columns: int, rows: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGWINCH)

    def close(self) -> None:
        """Stop the program (only it: SIGTERM, then SIGKILL) and reap it."""
        if self.pid <= 0:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)
            end = time.monotonic() + 2.0
            while time.monotonic() < end:
                self.read_for(0.02)  # keep the pty drained while it exits
                done, _status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    self.pid = -1
                    os.close(self.fd)
                    return
                time.sleep(0.02)
        self.pid = -1
        with contextlib.suppress(OSError):
            os.close(self.fd)
