"""Cell widths as terminals count them: a spacing combining mark takes a cell.

Rich, and Textual through it, measures a Unicode *spacing combining mark* (category Mc: the
vowel signs of Devanagari, Bengali, Tamil, Thai's neighbours …) as zero cells wide. The C
library's ``wcwidth``, and with it tmux, xterm, VTE and most terminals, draws each of them in
one cell. A name such as "प्रिया शर्मा" (7 cells to Rich, 10 to the terminal) then pushed the
rest of its row three cells to the right: the status, duration and count columns of that
row no longer lined up with the others, and its last cells ran into the next widget.

:func:`match_terminal` makes Rich's width table agree with ``wcwidth`` for those marks (a
copy of the table in which the Mc code points that were zero wide are one cell wide), once,
before anything is measured or drawn: the TUI calls it as the app is built, and the
headless commands before they align a table's columns. Everything else Rich measures is
unchanged. If Rich's internals are not what this expects, nothing is changed (a test fails
instead, so an upgrade is noticed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

_done = False
_LOADER = "load_cell_table"


def match_terminal() -> bool:
    """Count spacing combining marks as one cell in Rich's measurements (idempotent).
    True if Rich's table is (now) the terminal's."""
    global _done
    if _done:
        return True
    try:
        from rich import cells
    except ImportError:  # pragma: no cover - Rich comes with Textual
        return False
    load: Callable[..., Any] | None = getattr(cells, _LOADER, None)
    size = getattr(cells, "get_character_cell_size", None)
    cached = getattr(cells, "cached_cell_len", None)
    if load is None or not hasattr(size, "cache_clear") or not hasattr(cached, "cache_clear"):
        return False
    tables: dict[str, Any] = {}

    def load_matching(unicode_version: str = "auto") -> Any:
        table = tables.get(unicode_version)
        if table is None:
            original = load(unicode_version)
            table = original._replace(widths=with_spacing_marks(original.widths))
            tables[unicode_version] = table
        return table

    setattr(cells, _LOADER, load_matching)  # the name rich.cells looks the table up by
    size.cache_clear()  # type: ignore[union-attr]
    cached.cache_clear()  # type: ignore[union-attr]
    _done = True
    return True


def with_spacing_marks(widths: Sequence[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """``widths`` (sorted ``(first, last, cells)`` ranges) with every spacing combining mark
    that was zero wide made one cell wide."""
    from itertools import groupby
    from unicodedata import category

    out: list[tuple[int, int, int]] = []
    for start, end, width in widths:
        if width != 0:
            out.append((start, end, width))
            continue
        first = start
        marks = (category(c) == "Mc" for c in map(chr, range(start, end + 1)))
        for mark, run in groupby(marks):
            count = sum(1 for _ in run)
            out.append((first, first + count - 1, 1 if mark else 0))
            first += count
    return out


def cell_len(text: str) -> int:
    """The cells ``text`` takes in a terminal (Rich's measure, marks counted as terminals do)."""
    match_terminal()
    from rich.cells import cell_len as measure

    return measure(text)


def set_cell_size(text: str, total: int) -> str:
    """``text`` cut or padded to ``total`` cells (as Rich does, marks counted as terminals do)."""
    match_terminal()
    from rich.cells import set_cell_size as fit

    return fit(text, total)
