"""Tell the dump format from the first bytes of the content (never from the file name).

* ``RTCStatsDump`` on the first line, then a JSON object with ``fileFormat``: the rtcstats
  dump format (Chrome's built-in export, rtcstats-server v3); only fileFormat 3 is known.
* a JSON object whose first key is one chrome://webrtc-internals writes (``getUserMedia``,
  ``PeerConnections``, ``UserAgent``...): a webrtc-internals dump.
* a first line that is a JSON array ``[method, connection id, value, ..., timestamp]``
  (optionally after a metadata object line): the rtcstats client protocol as rtcstats servers
  store it. A ``connectionInfo`` line naming a client protocol newer than 3 is refused.

Gzip is undone first (by :mod:`roomscope.tui.clientstats.stream`, by magic bytes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from roomscope.tui.clientstats.errors import NotADumpError, TruncatedDumpError, UnknownVersionError
from roomscope.tui.clientstats.model import DumpFormat
from roomscope.tui.clientstats.stream import DEFAULT_LIMITS, GZIP_MAGIC, ReadLimits, open_dump
from roomscope.tui.text import clean

HEAD_BYTES = 1 << 20
"""How much of the content detection looks at (the longest first line it accepts)."""
RTCSTATS_DUMP_HEADER = "RTCStatsDump"
KNOWN_FILE_FORMATS = frozenset({3})
INTERNALS_KEYS = frozenset(
    {
        "getUserMedia",
        "PeerConnections",
        "UserAgent",
        "UserAgentData",
        "hardwareConcurrency",
        "deviceMemory",
        "cpuPerformance",
        "timestamp",
    }
)
"""Top-level keys of a webrtc-internals dump (the first one written is one of these)."""
KNOWN_CLIENT_PROTOCOLS = frozenset({1, 2, 3})
"""Major versions of the rtcstats client protocol (``connectionInfo.clientProtocol``) known."""

_RTCSTATS_LINE_START = re.compile(rb'^\[\s*("[A-Za-z_.]+"|\d+)\s*,\s*(null|"|\d)')
_PROTOCOL_MAJOR = re.compile(r"^\s*(\d+)")
_WS = b" \t\r\n"


@dataclass(frozen=True)
class Detected:
    format: DumpFormat
    version: str
    """What the head says of the version, in words ("" when it says nothing)."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """The metadata object of an RTCStatsDump (its second line)."""


def _first_line(head: bytes, at_eof: bool, name: str, what: str) -> bytes:
    end = head.find(b"\n")
    if end >= 0:
        return head[:end]
    if at_eof:
        return head
    raise NotADumpError(name, f"its {what} is longer than {HEAD_BYTES >> 20} MiB")


def _loads(line: bytes) -> Any:
    return json.loads(line)


def _is_rtcstats_line(item: Any) -> TypeGuard[list[Any]]:
    return (
        isinstance(item, list)
        and len(item) >= 3
        and isinstance(item[0], str)
        and bool(item[0])
        and (item[1] is None or (isinstance(item[1], str | int) and not isinstance(item[1], bool)))
        and (len(item) < 4 or isinstance(item[-1], int | float))
    )


def _client_protocol(item: list[Any]) -> str | None:
    if item[0] != "connectionInfo":
        return None
    info = item[2]
    if isinstance(info, str):
        try:
            info = json.loads(info)
        except ValueError:
            return None
    protocol = info.get("clientProtocol") if isinstance(info, dict) else None
    return str(protocol) if protocol is not None else None


def _rtcstats_version(item: list[Any], name: str) -> str:
    protocol = _client_protocol(item)
    if protocol is None:
        return "client protocol not stated"
    match = _PROTOCOL_MAJOR.match(protocol)
    if match and int(match.group(1)) not in KNOWN_CLIENT_PROTOCOLS:
        raise UnknownVersionError(
            name,
            f"is an rtcstats dump of client protocol {clean(protocol, 40)}; "
            f"protocols up to {max(KNOWN_CLIENT_PROTOCOLS)} are read",
            where="line 1",
        )
    return f"client protocol {clean(protocol, 40)}"


def _detect_rtcstats_dump(head: bytes, at_eof: bool, name: str) -> Detected:
    first = _first_line(head, at_eof, name, "first line").rstrip(b"\r")
    if first.decode("utf-8", "replace").strip() != RTCSTATS_DUMP_HEADER:
        raise NotADumpError(name, "starts with RTCStatsDump but not on a line of its own", where="line 1")
    rest = head[len(first) + 1 :].lstrip(b"\r\n")
    if not rest or (b"\n" not in rest and not at_eof):
        if at_eof:
            raise TruncatedDumpError(name, "ends after the RTCStatsDump header, before its metadata line")
        raise NotADumpError(name, f"its metadata line is longer than {HEAD_BYTES >> 20} MiB", where="line 2")
    second = rest.split(b"\n", 1)[0]
    try:
        metadata = _loads(second)
    except ValueError:
        if at_eof and b"\n" not in rest:
            raise TruncatedDumpError(name, "ends inside its metadata line", where="line 2") from None
        raise NotADumpError(name, "its metadata line is not JSON", where="line 2") from None
    if not isinstance(metadata, dict):
        raise NotADumpError(name, "its metadata line is not a JSON object", where="line 2")
    version = metadata.get("fileFormat")
    if not isinstance(version, int) or isinstance(version, bool):
        raise UnknownVersionError(name, "is an RTCStatsDump without a fileFormat number", where="line 2")
    if version not in KNOWN_FILE_FORMATS:
        known = ", ".join(str(v) for v in sorted(KNOWN_FILE_FORMATS))
        raise UnknownVersionError(
            name, f"is an RTCStatsDump of fileFormat {version}; fileFormat {known} is read", where="line 2"
        )
    return Detected(DumpFormat.RTCSTATS_DUMP, f"fileFormat {version}", metadata)


def _detect_object(head: bytes, at_eof: bool, name: str) -> Detected:
    text = head.decode("utf-8", "replace")
    index = 1
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    if index >= len(text):
        raise TruncatedDumpError(name, "ends right after its opening brace")
    if text[index] == "}":
        raise NotADumpError(name, "is an empty JSON object")
    if text[index] != '"':
        raise NotADumpError(name, "is not valid JSON", where="byte 1")
    try:
        key, _ = json.JSONDecoder().raw_decode(text, index)
    except ValueError:
        if at_eof:
            raise TruncatedDumpError(name, "ends inside its first key") from None
        raise NotADumpError(name, "is not valid JSON", where=f"byte {index}") from None
    if key in INTERNALS_KEYS:
        return Detected(DumpFormat.WEBRTC_INTERNALS, "")
    # An rtcstats dump may open with a metadata object on a line of its own.
    lines = head.split(b"\n", 2)
    if len(lines) >= 2:
        try:
            first = _loads(lines[0])
            second = _loads(lines[1]) if len(lines) > 2 or at_eof else None
        except ValueError:
            first = second = None
        if isinstance(first, dict) and _is_rtcstats_line(second):
            return Detected(DumpFormat.RTCSTATS, _rtcstats_version(second, name), first)
    raise NotADumpError(
        name,
        f"is a JSON object, but not a chrome://webrtc-internals dump (its first key is {clean(key, 40)!r})",
    )


def _detect_lines(head: bytes, at_eof: bool, name: str) -> Detected:
    first = _first_line(head, at_eof, name, "first line")
    try:
        item = _loads(first)
    except ValueError:
        if at_eof and b"\n" not in head and _RTCSTATS_LINE_START.match(first):
            raise TruncatedDumpError(name, "ends inside its first line", where="line 1") from None
        raise NotADumpError(name, "is not valid JSON", where="line 1") from None
    if not _is_rtcstats_line(item):
        raise NotADumpError(
            name,
            "is JSON, but not an rtcstats dump (its first line is not [method, connection, value, time])",
        )
    return Detected(DumpFormat.RTCSTATS, _rtcstats_version(item, name))


def _describe_other(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "is a zip archive, not a WebRTC statistics dump (unzip it first)"
    if head.startswith(GZIP_MAGIC):
        return "is gzip inside gzip; decompress it once first"
    if head.startswith(b"<"):
        return "looks like HTML or XML, not a WebRTC statistics dump"
    sample = head[:4096]
    binary = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if binary > len(sample) // 20:
        return "is binary data, not a WebRTC statistics dump"
    return "is text, but not a WebRTC statistics dump (neither JSON nor RTCStatsDump)"


def detect(head: bytes, name: str, *, at_eof: bool) -> Detected:
    """The format of a dump whose content starts with ``head`` (``at_eof``: that is all of it)."""
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip(_WS)
    if not head:
        raise NotADumpError(name, "holds only white space")
    if head.startswith(RTCSTATS_DUMP_HEADER.encode()):
        return _detect_rtcstats_dump(head, at_eof, name)
    if head.startswith(b"{"):
        return _detect_object(head, at_eof, name)
    if head.startswith(b"["):
        return _detect_lines(head, at_eof, name)
    raise NotADumpError(name, _describe_other(head))


def detect_format(path: Path | str, name: str | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> Detected:
    """Open ``path`` (plain or gzip) and detect its format from the first bytes."""
    with open_dump(path, name, limits) as dump:
        head = dump.stream.read(HEAD_BYTES)
        at_eof = len(head) < HEAD_BYTES
        if dump.truncated and not head.strip():
            raise TruncatedDumpError(dump.name, "the gzip data ends before any content")
        return detect(head, dump.name, at_eof=at_eof)
