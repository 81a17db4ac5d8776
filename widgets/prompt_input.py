"""A one-line prompt over a view: a window to read (``w``), a path to export to (``e``).
Enter applies, Escape cancels; ``purpose`` tells the screen which question it answers.
:class:`OneQuestion` is mounted for a single answer, which goes to a callback, and removes
itself (the screens whose layout has no prompt of their own ask with it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input


class PromptInput(Input):
    """Shown while it is being answered."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]
    DEFAULT_CSS = """
    PromptInput {
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
        display: none;
    }
    PromptInput:focus { border: none; }
    PromptInput.-visible { display: block; }
    """

    class Applied(Message):
        def __init__(self, purpose: str, text: str) -> None:
            super().__init__()
            self.purpose = purpose
            self.text = text

    class Cancelled(Message):
        def __init__(self, purpose: str) -> None:
            super().__init__()
            self.purpose = purpose

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.purpose = ""

    def ask(self, purpose: str, text: str, placeholder: str) -> None:
        self.purpose = purpose
        self.placeholder = placeholder
        self.value = text
        self.add_class("-visible")
        self.focus()
        self.select_all()

    def close(self) -> None:
        self.remove_class("-visible")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Applied(self.purpose, self.value))

    def action_cancel(self) -> None:
        self.close()
        self.post_message(self.Cancelled(self.purpose))


class OneQuestion(PromptInput):
    """A prompt mounted to ask one thing (``text`` offered, selected): Enter gives the answer
    to ``then``, Escape drops it; either way it removes itself and the focus goes back to
    ``back_to``."""

    def __init__(
        self,
        then: Callable[[str], None],
        *,
        text: str = "",
        placeholder: str = "",
        back_to: Widget | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.then = then
        self._offered = (text, placeholder)
        self._back_to = back_to

    def on_mount(self) -> None:
        self.ask("question", *self._offered)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = self.value
        self._done()
        self.then(text)

    def action_cancel(self) -> None:
        self._done()

    def _done(self) -> None:
        back = self._back_to
        self.remove()
        if back is not None and back.is_attached:
            back.focus()
