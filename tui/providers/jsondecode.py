"""Untrusted JSON bytes to Python values: bounded nesting, bad text replaced and recorded.

Every provider answer (success or error body) is decoded here, so every adapter gets the
same guarantees:

* nesting deeper than :data:`~roomscope.tui.limits.MAX_JSON_DEPTH` is refused before the
  parser sees it (:class:`TooDeepError`): a cheap scan of the brackets outside strings,
  so 100,000 nested arrays cost a few milliseconds and never a ``RecursionError``;
* ``NaN`` and ``Infinity`` (not JSON, though Python's parser takes them) are read as
  null, and an integer too long for Python to convert as an infinity: absurd numbers are
  unreadable values, left to the adapters' number guards
  (:func:`roomscope.tui.providers.parsing.number`), not unreadable pages;
* text that is not Unicode (a lone surrogate such as ``"\\ud800"``, or bytes that are not
  UTF-8 inside a string) becomes U+FFFD, and each object holding such a string, at any
  depth, is a :class:`Repaired` dict that lists where (:func:`replaced_paths`). The rest
  of the answer is untouched: a bad string costs that string, never its record or page.

Anything else that is not JSON raises ``ValueError`` (as ``json.loads`` does).
"""

from __future__ import annotations

import json
import re
from typing import Any

from roomscope.tui.limits import MAX_JSON_DEPTH

__all__ = ["Repaired", "TooDeepError", "loads", "nests_deeper", "replaced_paths"]

REPLACEMENT = "\ufffd"


class TooDeepError(ValueError):
    """The JSON nests objects and arrays deeper than allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"objects and arrays nested more than {limit} levels deep")
        self.limit = limit


class Repaired(dict[str, Any]):
    """A JSON object in which text was replaced: ``replaced`` holds the paths of the
    replaced strings (or keys), relative to this object (``name``, ``member.name``,
    ``tags[2]``)."""

    replaced: tuple[str, ...] = ()


def replaced_paths(value: Any) -> tuple[str, ...]:
    """Where ``value`` (a decoded object) had text replaced; () for anything else."""
    return value.replaced if isinstance(value, Repaired) else ()


# -- nesting -----------------------------------------------------------------------------

_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_AS_PARENTHESES = bytes.maketrans(b"[{]}", b"(())")


def nests_deeper(content: bytes, limit: int) -> bool:
    """Whether objects and arrays nest more than ``limit`` deep in ``content`` (brackets
    inside strings do not count). Every step is a C-level bytes operation: escaped
    backslashes and quotes go, then everything but brackets and quotes, then the strings;
    what is left loses its innermost pairs once per level."""
    rest = content.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    if b'"' in rest:
        rest = b"".join(rest.split(b'"')[::2])
    if len(rest) <= limit:
        return False
    rest = rest.translate(_AS_PARENTHESES)
    for _level in range(limit):
        inner = rest.replace(b"()", b"")
        if len(inner) == len(rest) or not inner:
            return False  # done, or unbalanced (then the parser says what is wrong)
        rest = inner
    return b"()" in rest


# -- bad text ----------------------------------------------------------------------------

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LONE_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _decode_text(content: bytes) -> str:
    """The text of a JSON document: UTF-8 (bytes that are not become lone surrogates, to
    be replaced and recorded like escaped ones), or UTF-16/32 as ``json`` detects them."""
    encoding = json.detect_encoding(content)
    if encoding == "utf-8" or encoding == "utf-8-sig":
        text = content.decode(encoding, "surrogateescape")
    else:
        text = content.decode(encoding, "surrogatepass")
    return text


def _repair(value: Any) -> tuple[Any, list[str]]:
    """``value`` with every lone surrogate replaced, and the relative paths replaced."""
    if isinstance(value, str):
        if _LONE_SURROGATE.search(value):
            return _LONE_SURROGATE.sub(REPLACEMENT, value), [""]
        return value, []
    if isinstance(value, list):
        found: list[str] = []
        for index, item in enumerate(value):
            fixed, where = _repair(item)
            if where:
                value[index] = fixed
                found.extend(_join(f"[{index}]", w) for w in where)
        return value, found
    if isinstance(value, dict):
        changed: list[str] = []
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = key
            if _LONE_SURROGATE.search(key):
                name = _LONE_SURROGATE.sub(REPLACEMENT, key)
                changed.append(name)
            fixed, where = _repair(item)
            out[name] = fixed
            changed.extend(_join(name, w) for w in where)
        if not changed:
            return value, []
        repaired = Repaired(out)
        repaired.replaced = tuple(dict.fromkeys(changed))
        return repaired, changed
    return value, []


def _join(head: str, tail: str) -> str:
    if not tail:
        return head
    return head + tail if tail.startswith("[") else f"{head}.{tail}"


# -- numbers -----------------------------------------------------------------------------

MAX_INT_DIGITS = 300


def _no_constant(_name: str) -> None:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON: read as unreadable values."""
    return None


def _bounded_int(digits: str) -> int | float:
    """An integer literal too long for Python's int conversion is an absurd number: it is
    read as a float (an infinity), which the adapters' number guards refuse."""
    return int(digits) if len(digits) <= MAX_INT_DIGITS else float(digits)


# -- decoding ----------------------------------------------------------------------------


def loads(content: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode one untrusted JSON document (see the module docstring).

    Raises :class:`TooDeepError` for nesting beyond ``max_depth`` and ``ValueError`` for
    anything that is not JSON."""
    raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    if nests_deeper(raw, max_depth):
        raise TooDeepError(max_depth)
    text = content if isinstance(content, str) else _decode_text(raw)
    try:
        try:
            value = json.loads(text, parse_constant=_no_constant)
        except ValueError as exc:
            if "digits" not in str(exc):
                raise
            value = json.loads(text, parse_constant=_no_constant, parse_int=_bounded_int)
    except RecursionError:  # pragma: no cover - the scan above stops this first
        raise TooDeepError(max_depth) from None
    if _LONE_SURROGATE.search(text) or _LONE_ESCAPE.search(text):
        value, _where = _repair(value)
    return value
