"""The key bar at the bottom of every screen: one line of text, drawn with the line API.

Textual's footer is a container holding a widget per key: a dozen widgets, each styled and
laid out, rebuilt whenever the screen's bindings *may* have changed (focus moved, the
screen resumed, the app regained focus). On the way to the session list's first rows that
work cost more than drawing the rows. This footer is one widget: it reads the screen's
shown bindings, compares them with what it shows, and repaints its one line only on a
difference. It looks like Textual's compact footer (the same theme variables, the command
palette's key pinned to the right behind a thin rule) and answers a click on a key as
Textual's does. Keys that do not fit are left out whole, never cut in the middle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget


@dataclass(frozen=True)
class FooterKey:
    """One key as the footer shows it."""

    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str
    palette: bool = False
    """The command palette's key, pinned to the right."""


RULE = "▏"
"""What separates the command palette's key from the rest (Textual's ``vkey`` border)."""


class Footer(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer--key", "footer--description", "footer--rule"}
    DEFAULT_CSS = """
    Footer {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        .footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .footer--rule {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._keys: tuple[FooterKey, ...] | None = None
        self._spans: list[tuple[int, int, FooterKey]] = []
        """Where each drawn key is (start, end cell), for clicks and tooltips."""
        self._check_pending = False

    # -- which keys ---------------------------------------------------------------------

    def keys_shown(self) -> tuple[FooterKey, ...]:
        """The screen's shown bindings, one per action (its first key), in binding order,
        and the command palette's key last."""
        app = self.app
        screen = self.screen
        active = screen.active_bindings
        keys: list[FooterKey] = []
        actions: set[str] = set()
        for _namespace, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            keys.append(
                FooterKey(
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    enabled,
                    tooltip or "",
                )
            )
        if app.ENABLE_COMMAND_PALETTE:
            found = active.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, tooltip = found
                keys.append(
                    FooterKey(
                        binding.key,
                        app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        enabled,
                        binding.tooltip or binding.description,
                        palette=True,
                    )
                )
        return tuple(keys)

    @property
    def keys(self) -> tuple[FooterKey, ...]:
        if self._keys is None:
            self._keys = self.keys_shown()
        return self._keys

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if not screen.app.app_focus or screen is not self.screen or self._check_pending:
            return
        self._check_pending = True
        self.call_after_refresh(self._check)

    def _check(self) -> None:
        """Repaint when what the footer would show differs from what it shows."""
        self._check_pending = False
        if not self.is_attached:
            return
        keys = self.keys_shown()
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    # -- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y != 0 or width <= 0:
            return Strip.blank(width, base)
        key_style = base + self.get_component_rich_style("footer--key", partial=True)
        text_style = base + self.get_component_rich_style("footer--description", partial=True)
        dim = Style(dim=True)
        keys = self.keys
        palette = next((k for k in keys if k.palette), None)
        right: list[Segment] = []
        right_width = 0
        if palette is not None:
            rule_style = base + self.get_component_rich_style("footer--rule")
            right = [
                Segment(RULE, rule_style),
                *self._key_segments(palette, key_style, text_style, dim),
                Segment(" ", base),
            ]
            right_width = 1 + _width(palette) + 1
            if right_width > width:
                right, right_width = [], 0
        room = width - right_width
        segments: list[Segment] = []
        spans: list[tuple[int, int, FooterKey]] = []
        x = 0
        for key in keys:
            if key.palette:
                continue
            cells = _width(key)
            if x + cells > room:
                break
            segments.extend(self._key_segments(key, key_style, text_style, dim))
            spans.append((x, x + cells, key))
            x += cells
            if x < room:
                segments.append(Segment(" ", base))  # the space between keys
                x += 1
        if x < room:
            segments.append(Segment(" " * (room - x), base))
        if right:
            spans.append((room + 1, width - 1, palette))  # type: ignore[arg-type]  # right implies palette
            segments.extend(right)
        self._spans = spans
        return Strip(segments, width)

    @staticmethod
    def _key_segments(key: FooterKey, key_style: Style, text_style: Style, dim: Style) -> list[Segment]:
        if not key.enabled:
            key_style, text_style = key_style + dim, text_style + dim
        if not key.description:
            return [Segment(key.display, key_style)]
        return [Segment(key.display, key_style), Segment(f" {key.description}", text_style)]

    # -- the mouse ----------------------------------------------------------------------

    def _key_at(self, x: int) -> FooterKey | None:
        for start, end, key in self._spans:
            if start <= x < end:
                return key
        return None

    def on_click(self, event: events.Click) -> None:
        key = self._key_at(event.x)
        if key is None:
            return
        event.stop()
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self._key_at(event.x)
        self.tooltip = (key.tooltip or None) if key is not None else None


def _width(key: FooterKey) -> int:
    from rich.cells import cell_len

    text = key.display if not key.description else f"{key.display} {key.description}"
    return cell_len(text)
