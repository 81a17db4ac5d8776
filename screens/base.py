"""What every roomscope screen has: breadcrumb, footer, the too-small notice, back keys."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult, ScreenStackError
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from roomscope import themes
from roomscope.screens.navigation import Host
from roomscope.tui import fmt
from roomscope.tui.limits import LIVE_REFRESH_S, MIN_HEIGHT, MIN_WIDTH
from roomscope.tui.text import clean
from roomscope.widgets.breadcrumb import Breadcrumb
from roomscope.widgets.footer import Footer

if TYPE_CHECKING:
    from datetime import datetime

    from roomscope.tui.models import Event
    from roomscope.tui.quality import Verdict


def verdict_style(variables: dict[str, str], verdict: Verdict) -> str:
    """The Rich style of ``verdict`` in the theme whose variables are given."""
    return themes.verdict_style(variables, verdict.value)


def event_cells(event: Event, session_start: datetime | None, warning: str) -> tuple[str, str, Text]:
    """Time, offset from the session start, and the event's label (in the ``warning`` style
    when the event is a warning or an error), for timeline tables."""
    offset = fmt.offset((event.at - session_start).total_seconds()) if event.at and session_start else ""
    kind = event.kind.value
    label = kind.replace("_", " ") if kind != "other" else clean(event.name, 30)
    style = warning if event.level in ("warning", "error") else ""
    return fmt.when(event.at, seconds=True, date=False), offset, Text(label, style=style)


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

        width, height = self.app.size
        return (
            f"Terminal too small ({width}×{height}).\n"
            f"roomscope needs at least {MIN_WIDTH}×{MIN_HEIGHT}: enlarge the window.\n"
            "q quits, Escape goes back."
        )


class RoomscopeScreen(Screen[None]):
    """Base screen: ``compose_body`` fills the middle; Escape (and q) go back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="nav.back", tooltip="Back to the previous screen"),
        Binding("q", "back", "Back", show=False, id="nav.quit", tooltip="Back to the previous screen"),
    ]

    def crumbs(self) -> list[str]:
        return ["Sessions"]

    @property
    def is_current(self) -> bool:
        """Whether the screen can be seen: it is on top, or under a translucent one (the
        palette). Textual also counts the screen right under an opaque one, and repaints
        the whole top screen whenever that covered screen draws anything (a status line
        ticking under the session screen cost a screenful of output each second)."""
        try:
            top = self.app.screen
        except ScreenStackError:
            return False
        if top is self:
            return True
        return top.styles.background.a < 1 and super().is_current

    def compose(self) -> ComposeResult:
        yield Breadcrumb(self.crumbs(), id="crumbs")
        yield from self.compose_body()
        yield TooSmall(id="too-small")
        yield Footer()

    def compose_body(self) -> Iterable[Widget]:
        return ()

    @property
    def rs(self) -> Host:
        """The app services this screen uses (see :class:`~roomscope.screens.navigation.Host`)."""
        return cast("Host", self.app)

    def theme_style(self, variable: str, weight: str = "") -> str:
        """A Rich style in the colour of the current theme's ``variable`` (error, warning,
        success, accent ...), so notes and markers follow the theme."""
        colour = self.app.theme_variables.get(variable, "")
        return f"{weight} {colour}".strip()

    def verdict_style(self, verdict: Verdict) -> str:
        """The style of ``verdict`` in the current theme."""
        return verdict_style(self.app.theme_variables, verdict)

    def update_crumbs(self) -> None:
        self.query_one(Breadcrumb).set(self.crumbs(), self.rs.source_label)

    def on_mount(self) -> None:
        self.query_one(Breadcrumb).set(self.crumbs(), self.rs.source_label)

    def action_back(self) -> None:
        self.dismiss()

    # -- following a live session ----------------------------------------------------------

    LIVE_REFRESH_S: float = LIVE_REFRESH_S
    """How often a screen showing a live session reloads it."""

    def follow_live(self) -> None:
        """Reload every ``LIVE_REFRESH_S`` while ``showing_live()``, and soon after the store
        brings fresh data in the background."""
        self._live_pending = False
        self.set_interval(self.LIVE_REFRESH_S, self._live_tick)
        store = self.rs.store
        if store is not None:
            self._live_unsubscribe = store.updated.subscribe(self._live_updated)

    def showing_live(self) -> bool:
        return False

    def reload_live(self) -> None:
        """Override: fetch again what the screen shows."""

    def _live_tick(self) -> None:
        if self.showing_live() and self.is_current:
            self.reload_live()

    def _live_updated(self) -> None:
        if self.showing_live() and not getattr(self, "_live_pending", False):
            self._live_pending = True
            self.set_timer(1.0, self._live_flush)

    def _live_flush(self) -> None:
        self._live_pending = False
        if self.is_current:
            self.reload_live()

    def on_unmount(self) -> None:
        unsubscribe = getattr(self, "_live_unsubscribe", None)
        if unsubscribe is not None:
            unsubscribe()
