"""Walk a large JSON document's outer objects and arrays without loading the whole of it.

A webrtc-internals dump is one JSON object of tens of megabytes; nearly all of it is many
small values (one statistics series each). :class:`JsonWalker` reads the text in chunks,
steps through the containers the caller opens (``object_keys``, ``array_items``) and decodes
each value the caller asks for (``value``) with the standard library's C decoder, so only
the current value is ever in memory. A value that runs past the buffered text is retried
with more text; the read-ahead grows with the value, so a large value costs linear time.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

WHITESPACE = " \t\n\r"
_LITERAL_TAIL = 16
"""A decode error this close to the end of the buffered text may be a cut literal or number."""
_LITERALS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")
_PARTIAL_NUMBER = re.compile(r"-?\d*(\.\d*)?([eE][-+]?\d*)?")


def _cut_short(rest: str) -> bool:
    """Whether ``rest`` (the text from a decode error to the end) is a cut-off value."""
    rest = rest.strip()
    return not rest or any(lit.startswith(rest) for lit in _LITERALS) or bool(_PARTIAL_NUMBER.fullmatch(rest))


class JsonEnded(Exception):
    """The text ended inside the document (``offset``: characters read)."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"the file ends at character {offset}, inside the JSON document")
        self.offset = offset


class JsonInvalid(Exception):
    """The text is not JSON at ``offset`` (characters from the start)."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"invalid JSON at character {offset}: {reason}")
        self.offset = offset
        self.reason = reason


class ValueTooLarge(Exception):
    """One value is longer than the walker's limit."""

    def __init__(self, offset: int, limit: int) -> None:
        super().__init__(f"a single value at character {offset} is longer than {limit} characters")
        self.offset = offset


class JsonWalker:
    def __init__(
        self, stream: BinaryIO, *, chunk_chars: int = 1 << 20, max_value_chars: int = 64 << 20
    ) -> None:
        self._stream = stream
        self._decode = codecs.getincrementaldecoder("utf-8")("replace").decode
        self._decoder = json.JSONDecoder()
        self._chunk = chunk_chars
        self._max_value = max_value_chars
        self._buf = ""
        self._pos = 0
        self._base = 0
        """Characters dropped from the front of the buffer so far."""
        self._eof = False

    @property
    def offset(self) -> int:
        """Characters consumed so far."""
        return self._base + self._pos

    def _more(self, wanted: int) -> bool:
        """Read about ``wanted`` more characters; False at the end of the text."""
        if self._eof:
            return False
        if self._pos > len(self._buf) // 2:
            self._base += self._pos
            self._buf = self._buf[self._pos :]
            self._pos = 0
        data = self._stream.read(max(wanted, self._chunk))
        if not data:
            self._eof = True
            tail = self._decode(b"", final=True)
            self._buf += tail
            return bool(tail)
        self._buf += self._decode(data)
        return True

    def _skip_ws(self) -> str:
        """The next significant character ('' at the end of the text), not consumed."""
        while True:
            buf = self._buf
            pos = self._pos
            while pos < len(buf) and buf[pos] in WHITESPACE:
                pos += 1
            self._pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._more(self._chunk):
                return ""

    def peek(self) -> str:
        return self._skip_ws()

    def _expect(self, char: str) -> None:
        found = self._skip_ws()
        if found != char:
            if not found:
                raise JsonEnded(self.offset)
            raise JsonInvalid(self.offset, f"expected {char!r}")
        self._pos += 1

    def value(self) -> Any:
        """Decode the next value whole."""
        if not self._skip_ws():
            raise JsonEnded(self.offset)
        while True:
            try:
                result, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as err:
                near_end = (
                    err.msg.startswith("Unterminated string") or err.pos >= len(self._buf) - _LITERAL_TAIL
                )
                if near_end and not self._eof:
                    self._grow()
                    continue
                if self._eof and (
                    err.msg.startswith("Unterminated string") or _cut_short(self._buf[err.pos :])
                ):
                    raise JsonEnded(self._base + len(self._buf)) from None
                raise JsonInvalid(self._base + err.pos, err.msg) from None
            if end >= len(self._buf) - _LITERAL_TAIL and not self._eof:
                self._grow()  # a number ("1.5e" of "1.5e-05") may go on in the next chunk
                continue
            self._pos = end
            return result

    def _grow(self) -> None:
        pending = len(self._buf) - self._pos
        if pending > self._max_value:
            raise ValueTooLarge(self.offset, self._max_value)
        self._more(max(self._chunk, pending))

    def object_keys(self) -> Iterator[str]:
        """Open an object and yield its keys; the caller must consume each key's value
        (``value()``, or a nested walk) before asking for the next key."""
        self._expect("{")
        if self._skip_ws() == "}":
            self._pos += 1
            return
        while True:
            if self._skip_ws() != '"':
                if not self._skip_ws():
                    raise JsonEnded(self.offset)
                raise JsonInvalid(self.offset, "expected a key")
            key = self.value()
            self._expect(":")
            yield key
            following = self._skip_ws()
            if following == ",":
                self._pos += 1
            elif following == "}":
                self._pos += 1
                return
            elif not following:
                raise JsonEnded(self.offset)
            else:
                raise JsonInvalid(self.offset, "expected ',' or '}'")

    def array_items(self) -> Iterator[int]:
        """Open an array and yield each item's index; the caller consumes each item."""
        self._expect("[")
        if self._skip_ws() == "]":
            self._pos += 1
            return
        index = 0
        while True:
            yield index
            index += 1
            following = self._skip_ws()
            if following == ",":
                self._pos += 1
            elif following == "]":
                self._pos += 1
                return
            elif not following:
                raise JsonEnded(self.offset)
            else:
                raise JsonInvalid(self.offset, "expected ',' or ']'")

    def at_end(self) -> bool:
        """Only white space is left."""
        return self._skip_ws() == ""
