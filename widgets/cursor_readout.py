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
from textual.geometry import Region, Size
from textual.strip import Strip
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


def changed_span(old: Strip, new: Strip) -> tuple[int, int] | None:
    """The cells (start, end) from the first to the last that differ between ``old`` and
    ``new`` (None: the same); the whole line when either holds wide characters.

    One span a line: Textual writes a changed line from the start of the widget to the
    span's end, so two spans on a line would write its beginning twice."""
    cells_old = [(ch, seg.style) for seg in old for ch in seg.text]
    cells_new = [(ch, seg.style) for seg in new for ch in seg.text]
    if cells_old == cells_new:
        return None
    single_width = len(cells_old) == old.cell_length and len(cells_new) == new.cell_length
    if not single_width or len(cells_old) != len(cells_new):
        return 0, max(old.cell_length, new.cell_length)
    changed = [x for x, (a, b) in enumerate(zip(cells_old, cells_new, strict=True)) if a != b]
    return changed[0], changed[-1] + 1


class CursorReadout(Widget):
    """A head line (cut to the width) and the readings (wrapped). A new reading repaints
    only the lines that changed, up to their last changed cell."""

    DEFAULT_CSS = """
    CursorReadout { height: auto; padding: 0 1; background: $boost; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.head: list[Text] = []
        self.readings: list[Text] = []
        self._strips: list[Strip] = []
        self._strips_width = -1

    def show(self, head: Sequence[Text], readings: Sequence[Text]) -> None:
        width = self.size.width
        old = self._strips if self._strips_width == width else None
        self.head, self.readings = list(head), list(readings)
        if old is None or not width:
            self._strips_width = -1
            self.refresh(layout=True)
            return
        new = self._render_strips(width)
        if len(new) != len(old):
            self.refresh(layout=True)
            return
        for y, (before, after) in enumerate(zip(old, new, strict=True)):
            span = changed_span(before, after)
            if span is not None:
                self.refresh(Region(span[0], y, span[1] - span[0], 1))

    def rows(self, width: int) -> int:
        """Lines it takes at ``width`` columns."""
        if not self.head and not self.readings:
            return 0
        return 1 + len(wrap(self.readings, max(1, width)))

    def lines(self, width: int) -> list[Text]:
        if not self.head and not self.readings:
            return []
        head = Text(no_wrap=True, overflow="ellipsis", end="")
        for i, item in enumerate(self.head):
            if i:
                head.append(SEPARATOR)
            head.append_text(item)
        head.truncate(max(1, width), overflow="ellipsis")
        return [head, *wrap(self.readings, max(1, width))]

    def _render_strips(self, width: int) -> list[Strip]:
        console = self.app.console
        strips = []
        for line in self.lines(width):
            line.end = ""
            segments = [s for s in line.render(console) if s.text != "\n"]
            strips.append(Strip(segments).crop_extend(0, width, None))
        self._strips, self._strips_width = strips, width
        return strips

    @property
    def plain(self) -> str:
        """What it says, on one line (for tests)."""
        return SEPARATOR.join(item.plain for item in (*self.head, *self.readings))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rows(width)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._strips_width != width:
            self._render_strips(width)
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(width)
