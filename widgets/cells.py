"""Cells of a line-API row: text fitted to a width, and runs of one style merged.

Shared by every widget that draws its own lines (the session list, the heatmap, the quality
panels, the incident views).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style


def fit(text: str, width: int, right: bool = False) -> str:
    """``text`` in exactly ``width`` cells: cut with an ellipsis, or padded (on the left
    when ``right``)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        text = set_cell_size(text, max(0, width - 1)) + "…"
    return set_cell_size(text, width) if not right else " " * (width - cell_len(text)) + text


def merge_runs(parts: Iterable[tuple[str, Style]]) -> list[Segment]:
    """One segment per run of equal style: each segment costs its own escape sequences on
    the terminal, so a row of eight cells in two colours is written as three or four."""
    segments: list[Segment] = []
    texts: list[str] = []
    current: Style | None = None
    for text, style in parts:
        if current is not None and style != current:
            segments.append(Segment("".join(texts), current))
            texts.clear()
        current = style
        texts.append(text)
    if current is not None:
        segments.append(Segment("".join(texts), current))
    return segments
