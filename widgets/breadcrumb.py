"""Where the user is: ``Sessions › Town hall › Nadia Müller › Quality``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets import Static

from roomscope.tui.text import clean

SEPARATOR = " › "


def shorten(parts: list[str], budget: int) -> list[str]:
    """Cut the longest crumb but the last (the current place) until the line fits."""
    parts = list(parts)
    while len(SEPARATOR.join(parts)) > budget and len(parts) > 1:
        index = max(range(len(parts) - 1), key=lambda i: len(parts[i]))
        excess = len(SEPARATOR.join(parts)) - budget
        keep = max(6, len(parts[index]) - excess - 1)
        if keep >= len(parts[index]):
            break
        parts[index] = parts[index][:keep].rstrip() + "…"
    return parts


class Breadcrumb(Static):
    DEFAULT_CSS = """
    Breadcrumb {
        height: 1;
        background: $primary 20%;
        color: $foreground;
        padding: 0 1;
    }
    """

    def __init__(self, crumbs: Sequence[str] = ("Sessions",), **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.crumbs: list[str] = list(crumbs)
        self.aside = ""

    def on_mount(self) -> None:
        self._draw()

    def set(self, crumbs: Sequence[str], aside: str | None = None) -> None:
        self.crumbs = list(crumbs)
        if aside is not None:
            self.aside = aside
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = max(10, self.size.width - 2) if self.size.width else 200
        parts = [clean(c, 60) for c in self.crumbs]
        aside = clean(self.aside, 40)
        text = Text()
        budget = width - (len(aside) + 2 if aside else 0)
        parts = shorten(parts, budget)
        for i, part in enumerate(parts):
            if i:
                text.append(SEPARATOR, style="dim")
            text.append(part, style="bold" if i == len(parts) - 1 else "")
        if aside:
            gap = max(2, width - text.cell_len - len(aside))
            text.append(" " * gap)
            text.append(aside, style="dim")
        text.truncate(width, overflow="ellipsis")
        self.update(text, layout=False)  # one line high whatever it says: no layout pass
