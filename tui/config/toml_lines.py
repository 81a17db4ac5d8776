"""Where each key of a TOML file is written: the line numbers configuration messages name.

:mod:`tomllib` parses values but forgets positions; :func:`key_lines` scans the text once
more, line by line, for table headers and ``key =`` lines (bare, quoted and dotted keys;
multi-line strings and arrays are skipped), so a problem can say ``config.toml:12``.
"""

from __future__ import annotations

import re

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _parse_key(text: str, pos: int) -> tuple[list[str], int] | None:
    """A TOML key (bare, quoted, dotted) starting at ``pos``: its parts and the end."""
    parts: list[str] = []
    n = len(text)
    while True:
        while pos < n and text[pos] in " \t":
            pos += 1
        if pos >= n:
            return None
        char = text[pos]
        if char == '"':
            end = pos + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end >= n:
                return None
            parts.append(_unescape(text[pos + 1 : end]))
            pos = end + 1
        elif char == "'":
            end = text.find("'", pos + 1)
            if end < 0:
                return None
            parts.append(text[pos + 1 : end])
            pos = end + 1
        else:
            match = BARE_KEY.match(text, pos)
            if not match:
                return None
            parts.append(match.group())
            pos = match.end()
        while pos < n and text[pos] in " \t":
            pos += 1
        if pos < n and text[pos] == ".":
            pos += 1
            continue
        return parts, pos


_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(raw: str) -> str:
    """A basic string's escapes, as TOML reads them (``\\n``, ``\\u001b`` ...)."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            value = int(code[1:], 16)
            return chr(value) if value <= 0x10FFFF else match.group()
        return _SIMPLE_ESCAPES.get(code, match.group())

    return _ESCAPE.sub(one, raw)


def _strip_strings(text: str) -> str:
    """``text`` without string literals and comments (to count brackets)."""
    out = re.sub(r'"(?:\\.|[^"\\])*"|\'[^\']*\'', "", text)
    return out.split("#", 1)[0]


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line (1-based) where each table and key path is first written."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    multiline: str | None = None
    depth = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if multiline is not None:
            if multiline in raw:
                multiline = None
            continue
        if depth > 0:
            stripped = _strip_strings(raw)
            depth += stripped.count("[") - stripped.count("]")
            continue
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            parsed = _parse_key(line, 2 if line.startswith("[[") else 1)
            if parsed:
                table = tuple(parsed[0])
                for i in range(1, len(table) + 1):
                    lines.setdefault(table[:i], number)
            continue
        parsed = _parse_key(line, 0)
        if not parsed or not line[parsed[1] :].startswith("="):
            continue
        path = table + tuple(parsed[0])
        for i in range(len(table) + 1, len(path) + 1):
            lines.setdefault(path[:i], number)
        value = line[parsed[1] + 1 :].lstrip()
        for quote in ('"""', "'''"):
            if value.startswith(quote) and value.count(quote) == 1:
                multiline = quote
        if value.startswith("["):
            stripped = _strip_strings(value)
            depth = max(0, stripped.count("[") - stripped.count("]"))
    return lines
