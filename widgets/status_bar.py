"""The one-line status at the bottom of a screen: counts, freshness, offline state.

The screens redraw it on a timer and on every change of their data; it repaints only when
what it says changed, and never asks for a new layout (it is one line high whatever it
says), so an unchanged status costs no terminal output.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from roomscope.tui.text import clean


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    StatusBar.-offline { background: $warning 30%; color: $foreground; }
    StatusBar.-error { background: $error 25%; color: $foreground; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._shown: tuple[str, bool, bool] | None = None

    def show(self, left: list[str], right: list[str], *, offline: bool = False, error: bool = False) -> None:
        width = max(20, self.size.width - 2) if self.size.width else 120
        left_text = Text(" · ".join(clean(p, 200) for p in left if p))
        right_text = Text(" · ".join(clean(p, 120) for p in right if p))
        room = width - right_text.cell_len - 2
        if room < 10:
            right_text.truncate(max(0, width // 2), overflow="ellipsis")
            room = width - right_text.cell_len - 2
        left_text.truncate(max(0, room), overflow="ellipsis")
        gap = max(2, width - left_text.cell_len - right_text.cell_len)
        text = Text.assemble(left_text, " " * gap, right_text)
        shown = (text.plain, offline, error and not offline)
        if shown == self._shown:
            return
        self._shown = shown
        self.set_class(offline, "-offline")
        self.set_class(error and not offline, "-error")
        self.update(text, layout=False)
