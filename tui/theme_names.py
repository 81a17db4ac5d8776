"""The names of the colour themes the app can show, known without importing Textual.

``config check`` and the start-up refuse an unknown ``theme`` in the config file with
``file:line: theme: reason`` before anything else runs. The themes are roomscope's own
(``themes/``) and Textual's built-in ones; a test compares this list with both.
"""

from __future__ import annotations

ROOMSCOPE_THEMES: tuple[str, ...] = ("roomscope-dark", "roomscope-light")
"""The themes defined in ``roomscope.themes``, the default first."""

TEXTUAL_THEMES: tuple[str, ...] = (
    "textual-dark",
    "textual-light",
    "nord",
    "gruvbox",
    "catppuccin-mocha",
    "dracula",
    "tokyo-night",
    "monokai",
    "flexoki",
    "catppuccin-latte",
    "catppuccin-frappe",
    "catppuccin-macchiato",
    "solarized-light",
    "solarized-dark",
    "rose-pine",
    "rose-pine-moon",
    "rose-pine-dawn",
    "atom-one-dark",
    "atom-one-light",
    "ansi-dark",
    "ansi-light",
)
"""Textual's built-in themes (``textual.theme.BUILTIN_THEMES``) in the pinned version."""

THEME_NAMES: tuple[str, ...] = ROOMSCOPE_THEMES + TEXTUAL_THEMES
