"""Make untrusted text safe to show: on a screen, in a terminal, in JSON printed to one.

Display names, room names, error bodies and the values of a config file come from other
people's systems (or from a file anyone may have written). Before they reach a terminal
they lose what a terminal would act on: escape sequences (title, clipboard, colours,
cursor moves), the other control characters (C0, C1, DEL: bells, backspaces, NULs),
bidirectional controls that could reorder what is shown, and zero-width tricks; line
breaks and tabs become spaces; a lone surrogate (not text at all) becomes U+FFFD.

- :func:`terminal_safe`: the whole text, made inert (CSV cells, messages on stderr).
- :func:`clean`: one display line of at most ``limit`` characters (screens and tables).
- :func:`inert_json`: JSON whose every string parses back to the exact original, with
  every character a terminal could act on written as a ``\\uXXXX`` escape.

Rich markup is not interpreted because the UI builds ``rich.text.Text`` objects (or
escapes) from these strings.
"""

from __future__ import annotations

import re
from typing import Any

# Zero-width joiner and non-joiner (U+200D, U+200C) stay: emoji sequences and several
# scripts (Persian, Indic) need them, and they can neither move nor hide text.
_BIDI_AND_INVISIBLE = (
    "\u061c"  # Arabic letter mark
    "\u200b"  # zero-width space
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a-\u202e"  # embeddings and overrides (U+202E: right-to-left override)
    "\u2066-\u2069"  # isolates
    "\ufeff"  # zero-width no-break space (BOM)
)
_CONTROL = "\x00-\x1f\x7f-\x9f"  # C0, DEL, C1: the characters of Unicode category Cc
_DROPPED = re.compile(f"[{_CONTROL}{_BIDI_AND_INVISIBLE}]")
_WHITESPACE = re.compile(r"[\t\n\r\x0b\x0c\u2028\u2029]+")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST), and every other escape: optional
# intermediates then one final byte (ESC c, ESC 7, ESC ( B, ESC M ...).
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[ -/]*[0-~])")
# What json.dumps(ensure_ascii=False) leaves raw but a terminal may act on (it escapes
# U+0000-U+001F itself). Line and paragraph separators break some JSON readers too.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI_AND_INVISIBLE}\u2028\u2029\ud800-\udfff]")


def terminal_safe(value: object) -> str:
    """``value`` as text a terminal cannot act on, nothing cut.

    Escape sequences go whole; other control, bidirectional and zero-width characters
    go; runs of line breaks and tabs become one space (one message, one line); a lone
    surrogate becomes U+FFFD. ``None`` is the empty string."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # everything removed or replaced below is not printable (Cc, Cf, Cs, Zl, Zp)
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _WHITESPACE.sub(" ", text)
    text = _DROPPED.sub("", text)
    return _LONE_SURROGATE.sub("\ufffd", text)


def clean(value: object, limit: int = 200) -> str:
    """A single display line: no control or bidi characters, at most ``limit`` characters."""
    result = terminal_safe(value).strip()
    if len(result) > limit:
        result = result[: max(1, limit - 1)] + "…"
    return result


def inert_json(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON that is inert in a terminal and parses back to exactly ``value``.

    ``json.dumps`` escapes U+0000-U+001F; C1 controls, DEL, bidirectional and zero-width
    characters, line separators and lone surrogates are escaped here as well. Every other
    character stays as it is (no ``ensure_ascii``: names in any script stay readable)."""
    import json  # not before the first frame: the TUI imports this module for its screens

    return make_json_inert(json.dumps(value, ensure_ascii=False, indent=indent))


def make_json_inert(text: str) -> str:
    """JSON text from any encoder with the characters :func:`inert_json` escapes escaped."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
