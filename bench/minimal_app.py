"""The floor for first paint: a minimal Textual app (Header, Static, Footer).

It shows the marker ``READY`` in its first frame, like ``coldstart_app.py`` in
perf-anchors.md. ``q`` quits. Run it in a terminal: ``.venv/bin/python bench/minimal_app.py``.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

MARKER = "READY"


class MinimalApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(MARKER)
        yield Footer()


if __name__ == "__main__":
    MinimalApp().run()
