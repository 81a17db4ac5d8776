"""What the time cursor reads: its time in the shown zone, the events and findings there,
and the exact sample of every metric at that instant.

The screen gives groups of items (rich ``Text``); each group starts a line and wraps at
item boundaries, so the readout grows a line on a narrow terminal instead of cutting a
value off. Its height follows its content (``height: auto``).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

if TYPE_CHECKING:
    from roomscope.tui.models import QualitySeries

SEPARATOR = "  "


def sample_at(series: QualitySeries, t: float, tolerance: float) -> tuple[float, float] | None:
    """The sample of ``series`` nearest to ``t`` (epoch seconds) as (its time, its value),
    or None when there is none within ``tolerance`` seconds or it is a gap."""
    values = series.values
    if not values:
        return None
    relative = t - series.start.timestamp()
    offsets = series.offsets_s
    if offsets is None:
        step = series.interval_s or 0.0
        index = round(relative / step) if step > 0 else 0
        index = min(max(index, 0), len(values) - 1)
    else:
        position = bisect.bisect_left(offsets, relative)
        candidates = [i for i in (position - 1, position) if 0 <= i < len(offsets)]
        if not candidates:
            return None
        index = min(candidates, key=lambda i: abs(offsets[i] - relative))
    offset = series.offset(index)
    value = values[index]
    if value is None or not math.isfinite(value) or abs(offset - relative) > tolerance:
        return None
    return series.start.timestamp() + offset, value


def sample_step(series: QualitySeries) -> float:
    """The usual distance between two samples (seconds; 0 when unknown)."""
    if series.interval_s:
        return series.interval_s
    offsets = series.offsets_s or []
    gaps = sorted(b - a for a, b in itertools.pairwise(offsets) if b > a)
    return gaps[len(gaps) // 2] if gaps else 0.0


def exact(value: float) -> str:
    """A sample as it was reported, to three decimals at most: '23.8', '1,659.234', '0'."""
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def wrap(items: Sequence[Text], width: int) -> list[Text]:
    """``items`` on as few lines as fit ``width``, kept whole, ``SEPARATOR`` between them."""
    lines: list[Text] = []
    line = Text()
    for item in items:
        if line.cell_len and line.cell_len + len(SEPARATOR) + item.cell_len > width:
            lines.append(line)
            line = Text()
        if line.cell_len:
            line.append(SEPARATOR)
        line.append_text(item)
    if line.cell_len:
        lines.append(line)
    return lines


class CursorReadout(Widget):
    """A head line (cut to the width) and the readings (wrapped)."""

    DEFAULT_CSS = """
    CursorReadout { height: auto; padding: 0 1; background: $boost; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.head: list[Text] = []
        self.readings: list[Text] = []

    def show(self, head: Sequence[Text], readings: Sequence[Text]) -> None:
        rows = self.rows(self.size.width)
        self.head, self.readings = list(head), list(readings)
        self.refresh(layout=self.rows(self.size.width) != rows)

    def rows(self, width: int) -> int:
        """Lines it takes at ``width`` columns."""
        if not self.head and not self.readings:
            return 0
        return 1 + len(wrap(self.readings, max(1, width)))

    def lines(self, width: int) -> list[Text]:
        head = Text(no_wrap=True, overflow="ellipsis")
        for i, item in enumerate(self.head):
            if i:
                head.append(SEPARATOR)
            head.append_text(item)
        head.truncate(max(1, width), overflow="ellipsis")
        return [head, *wrap(self.readings, max(1, width))]

    @property
    def plain(self) -> str:
        """What it says, on one line (for tests)."""
        return SEPARATOR.join(item.plain for item in (*self.head, *self.readings))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rows(width)

    def render(self) -> Text:
        if not self.head and not self.readings:
            return Text()
        return Text("\n").join(self.lines(self.size.width))
