"""A one-line progress bar for long work on a list: a scan, a jump to a far end.

``show(label, fraction, detail)`` draws ``Scanning ▕██████░░░░░░▏ 42 % 1,234 of 5,000 ·
120/s · ~31 s left · Esc cancels``; without a fraction (the end is not known yet) the bar
is left out and the detail says what is known. It repaints only when what it says
changed, and never asks for a new layout while shown.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from roomscope.tui.text import clean

BAR_CELLS = 24


def bar(fraction: float, cells: int = BAR_CELLS) -> str:
    """``▕█████░░░░░▏`` with eighths of a cell for the fraction."""
    fraction = min(1.0, max(0.0, fraction))
    eighths = round(fraction * cells * 8)
    full, part = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[part] if part and full < cells else ""
    body = "█" * full + partial
    return "▕" + body + "░" * (cells - len(body)) + "▏"


class ProgressBar(Static):
    DEFAULT_CSS = """
    ProgressBar {
        height: 1;
        background: $boost;
        color: $text;
        padding: 0 1;
        display: none;
    }
    ProgressBar.-visible { display: block; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._shown: str | None = None

    def show(self, label: str, fraction: float | None, detail: str) -> None:
        parts = [label]
        if fraction is not None:
            parts.append(f"{bar(fraction)} {fraction * 100:3.0f} %")
        parts.append(clean(detail, 300))
        text = "  ".join(parts)
        if text == self._shown:
            return
        self._shown = text
        self.add_class("-visible")
        self.update(Text(text, no_wrap=True, overflow="ellipsis"), layout=False)

    def hide(self) -> None:
        if self._shown is None:
            return
        self._shown = None
        self.remove_class("-visible")
        self.update("")

    @property
    def shown(self) -> str | None:
        """What the bar says (None while hidden)."""
        return self._shown
