"""The key bar at the bottom of every screen: Textual's footer, rebuilt only when the keys it
shows change.

Textual's footer rebuilds every key it shows whenever the screen's bindings *may* have
changed: focus moved, the screen resumed, the app regained focus. While the first screen
comes up that happens three times for the same keys, and each rebuild (a widget per key,
styled and laid out) delays the first rows of the session list. This footer compares what
it would show with what it shows and rebuilds only on a difference, at most once per
refresh.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

FooterKeys = tuple[tuple[object, ...], ...]


class Footer(TextualFooter):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown_keys: FooterKeys | None = None
        self._rebuild_pending = False

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    def keys_shown(self) -> FooterKeys:
        """What ``compose`` would show now: every shown binding's key, how it is displayed,
        its description, action, group, whether it is enabled, and its tooltip."""
        app = self.app
        keys: list[tuple[object, ...]] = []
        for _namespace, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show or binding.action == "command_palette":
                group = binding.group.description if binding.group is not None else None
                keys.append(
                    (
                        binding.key,
                        app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        binding.show,
                        group,
                        enabled,
                        tooltip,
                    )
                )
        keys.append((self.show_command_palette, self.compact, app.ENABLE_COMMAND_PALETTE))
        return tuple(keys)

    async def _rebuild_if_changed(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:
            return
        keys = self.keys_shown()
        if keys == self._shown_keys:
            return
        self._shown_keys = keys
        await self.recompose()
