"""Make untrusted provider strings safe to show.

Display names, room names and error bodies come from other people's systems. Before
display they lose control characters (C0, C1, DEL: escape sequences, bells, backspaces),
bidirectional overrides that could reorder the screen, and zero-width tricks; newlines
and tabs become spaces; absurd lengths are cut. Rich markup is not interpreted because
the UI builds ``rich.text.Text`` objects (or escapes) from these strings.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width joiner and non-joiner (U+200D, U+200C) stay: emoji sequences and several
# scripts (Persian, Indic) need them, and they can neither move nor hide text.
_BIDI_AND_INVISIBLE = {
    "\u200b",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\ufeff",
}
_WHITESPACE = re.compile(r"[\t\n\r\x0b\x0c\u2028\u2029]+")
# CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST), and every other escape: optional
# intermediates then one final byte (ESC c, ESC 7, ESC ( B, ESC M ...).
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[ -/]*[0-~])")


def clean(value: object, limit: int = 200) -> str:
    """A single display line: no control or bidi characters, at most ``limit`` characters."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _WHITESPACE.sub(" ", text)
    out = []
    for ch in text:
        if ch in _BIDI_AND_INVISIBLE:
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            continue
        out.append(ch)
    result = "".join(out).strip()
    if len(result) > limit:
        result = result[: max(1, limit - 1)] + "…"
    return result
