"""The ``/`` live filter input, and the line under it that says what is wrong with a query."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from roomscope.tui.text import clean


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
    FilterBar.-error { background: $error 20%; }
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
        super().__init__(
            placeholder="filter: text  status:live  verdict:poor  cause:shared  who:name  since:2h  (? help)",
            **kwargs,
        )
        self._pending: object | None = None
        self.error: str | None = None
        """What is wrong with the text, while it is not a valid query."""

    def set_error(self, error: str | None) -> None:
        self.error = error
        self.set_class(error is not None, "-error")

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
        """Apply the text as it is now (a change still waiting for its pause is not lost,
        and an error found for an earlier text does not hold the bar open), then close; the
        screen keeps the bar open if this text is not a valid query (see ``error``)."""
        if self._pending is not None:
            self._pending.stop()  # type: ignore[attr-defined]
            self._pending = None
        self.post_message(self.FilterChanged(self.value))
        self.post_message(self.Closed(cleared=False))

    def close(self) -> None:
        """After Enter on a valid query: an empty bar is hidden, a filter stays in view."""
        if not self.value:
            self.remove_class("-visible")


class FilterError(Static):
    """Under the filter bar while its text is not a valid query: what is wrong, where, and
    that the list is unchanged (it still shows the last good query's result)."""

    DEFAULT_CSS = """
    FilterError {
        height: 1;
        padding: 0 1;
        background: $error 20%;
        color: $text;
        display: none;
    }
    FilterError.-visible { display: block; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)

    def show(self, message: str | None, position: int = 0) -> None:
        if message is None:
            self.remove_class("-visible")
            self.update("")
            return
        text = f"⚠ column {position + 1}: {clean(message, 300)} (list unchanged)"
        self.update(Text(text, no_wrap=True, overflow="ellipsis"))
        self.add_class("-visible")
