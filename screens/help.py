"""``?``: every binding of the screen underneath, with its key(s) and id."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

EXTRA_KEYS: tuple[tuple[str, str], ...] = (
    ("^p", "Command palette: jump to a session id, switch profile, filter or theme"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="help.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="help.up"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%;
        max-width: 100;
        height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, target: Screen[object]) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._table(), id="help-body")
            notes = getattr(self.target, "help_notes", None)
            if callable(notes):
                yield Static(notes(), id="help-notes")

    def rows(self) -> list[tuple[str, str, str]]:
        """(keys, description, binding id) for every roomscope binding active on the target
        screen: the screen's own first, then the focused widget's, then the app's."""
        seen: dict[tuple[str, str], list[str]] = {}
        rank: dict[tuple[str, str], int] = {}
        for key, active in self.target.active_bindings.items():
            binding = active.binding
            if binding.id is None or binding.action == "command_palette":
                continue  # Textual's own generic bindings (focus, scroll) stay out of the way
            slot = (binding.tooltip or binding.description or binding.action, binding.id)
            node = active.node
            rank.setdefault(slot, 0 if node is self.target else (2 if node is self.app else 1))
            display = self.app.get_key_display(Binding(key, binding.action))
            keys = seen.setdefault(slot, [])
            if display not in keys:
                keys.append(display)
        order = sorted(seen, key=lambda slot: rank[slot])
        rows = [(" ".join(seen[slot]), slot[0], slot[1]) for slot in order]
        rows.extend((keys, text, "") for keys, text in EXTRA_KEYS)
        return rows

    def _table(self) -> Table:
        name = getattr(self.target, "crumbs", None)
        where = " › ".join(name()) if callable(name) else type(self.target).__name__
        table = Table(
            title=Text(f"Keys on {where}", style="bold"),
            caption=Text("Escape, q or ? closes. Keys can be remapped by id in the config file's [keymap]."),
            expand=True,
            box=None,
            padding=(0, 1),
        )
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Does")
        table.add_column("Id", style="dim", no_wrap=True)
        for keys, text, ident in self.rows():
            table.add_row(Text(keys), Text(text), Text(ident))
        return table

    def action_close(self) -> None:
        self.dismiss()

    def action_scroll(self, delta: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=delta * 3, animate=False)
