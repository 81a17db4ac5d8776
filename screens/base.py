"""What every roomscope screen has: breadcrumb, footer, the too-small notice, back keys."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from widgets.breadcrumb import Breadcrumb

if TYPE_CHECKING:
    from tui.app import RoomscopeApp


class TooSmall(Static):
    DEFAULT_CSS = """
    TooSmall {
        display: none;
        width: 100%;
        height: 100%;
        content-align: center middle;
        text-align: center;
        color: $warning;
    }
    """

    def on_mount(self) -> None:
        self.update(self._message())

    def on_resize(self) -> None:
        self.update(self._message())

    def _message(self) -> str:
        from tui.app import MIN_HEIGHT, MIN_WIDTH

        width, height = self.app.size
        return (
            f"Terminal too small ({width}×{height}).\n"
            f"roomscope needs at least {MIN_WIDTH}×{MIN_HEIGHT}: enlarge the window.\n"
            "q quits, Escape goes back."
        )


class RoomscopeScreen(Screen[None]):
    """Base screen: ``compose_body`` fills the middle; Escape (and q) go back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="nav.back"),
        Binding("q", "back", "Back", show=False, id="nav.quit"),
    ]

    def crumbs(self) -> list[str]:
        return ["Sessions"]

    def compose(self) -> ComposeResult:
        yield Breadcrumb(self.crumbs(), id="crumbs")
        yield from self.compose_body()
        yield TooSmall(id="too-small")
        yield Footer(compact=True)

    def compose_body(self) -> Iterable[Widget]:
        return ()

    @property
    def rs(self) -> RoomscopeApp:
        return cast("RoomscopeApp", self.app)

    def update_crumbs(self) -> None:
        self.query_one(Breadcrumb).set(self.crumbs(), self.rs.source_label)

    def on_mount(self) -> None:
        self.query_one(Breadcrumb).set(self.crumbs(), self.rs.source_label)

    def action_back(self) -> None:
        self.dismiss()
