"""The floors the benchmarks compare roomscope with: bare Textual apps.

* default: Header, Static, Footer, with the marker ``READY`` in its first frame, like
  ``coldstart_app.py`` in perf-anchors.md (the floor for a first frame);
* ``--table``: Header, a row-cursor ``DataTable`` of 8 columns and 200 rows shaped like
  the session list's (start, name, room, status, duration, people, id), Footer; its first
  row holds the marker ``READY`` (the floor for "rows painted", and the bare table whose
  cursor keys ``key_bytes.py`` compares with).

``q`` quits. Run it in a terminal: ``.venv/bin/python bench/minimal_app.py [--table]``.
"""

from __future__ import annotations

import sys
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

MARKER = "READY"
TABLE_ROWS = 200
COLUMNS = ("Start", "Session", "Room", "Status", "Duration", "People", "Id", "Profile")


def table_rows(count: int = TABLE_ROWS) -> list[tuple[str, ...]]:
    """Rows like the session list's; the first one carries the marker."""
    rows: list[tuple[str, ...]] = []
    for i in range(count):
        name = MARKER if i == 0 else f"Weekly sync {i}"
        status = "● live" if i % 7 == 0 else "ended"
        rows.append(
            (
                f"today {9 - i // 60 % 9:02d}:{59 - i % 60:02d}",
                name,
                f"room-{i % 40}",
                status,
                f"{10 + i % 50}m{i % 60:02d}s",
                str(2 + i % 30),
                f"{i:08x}-session",
                "demo",
            )
        )
    return rows


class MinimalApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(MARKER)
        yield Footer()


class MinimalTableApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.add_rows(table_rows())


if __name__ == "__main__":
    (MinimalTableApp() if "--table" in sys.argv[1:] else MinimalApp()).run()
