"""The ``/`` live filter input."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    """Typing filters live; Enter keeps the filter and returns to the list; Escape clears it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", id="filter.clear"),
        Binding("enter", "done", "Keep filter", id="filter.done"),
        Binding("down", "done", "To list", show=False, id="filter.down"),
    ]
    DEFAULT_CSS = """
    FilterBar {
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
        display: none;
    }
    FilterBar:focus { border: none; }
    FilterBar.-visible { display: block; }
    """

    class FilterChanged(Message):
        """The filter text changed (not ``Input.Changed``, which ``Input`` itself posts)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Closed(Message):
        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(placeholder="filter: text in name/room/id/status (!text inverts)", **kwargs)
        self._pending: object | None = None

    def open(self) -> None:
        self.add_class("-visible")
        self.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._pending is not None:
            self._pending.stop()  # type: ignore[attr-defined]
        self._pending = self.set_timer(0.15, lambda: self.post_message(self.FilterChanged(self.value)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()

    def action_clear(self) -> None:
        self.value = ""
        self.remove_class("-visible")
        self.post_message(self.FilterChanged(""))
        self.post_message(self.Closed(cleared=True))

    def action_done(self) -> None:
        if not self.value:
            self.remove_class("-visible")
        self.post_message(self.FilterChanged(self.value))
        self.post_message(self.Closed(cleared=False))
