"""The line where a window is typed (``w`` in the Window view): Enter applies, Escape cancels."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class WindowInput(Input):
    """``10:00-10:10``, ``10:05±5m``, ``FROM..TO``; shown while it is being edited."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="window-input.cancel"),
    ]
    DEFAULT_CSS = """
    WindowInput {
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
        display: none;
    }
    WindowInput:focus { border: none; }
    WindowInput.-visible { display: block; }
    """

    class Applied(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cancelled(Message):
        pass

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            placeholder="window: 10:00-10:10 · 10:05±5m · FROM..TO (HH:MM or ISO 8601)", **kwargs
        )

    def open(self, text: str) -> None:
        self.value = text
        self.add_class("-visible")
        self.focus()
        self.select_all()

    def close(self) -> None:
        self.remove_class("-visible")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Applied(self.value))

    def action_cancel(self) -> None:
        self.close()
        self.post_message(self.Cancelled())
