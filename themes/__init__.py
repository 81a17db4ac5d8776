"""The themes roomscope ships, registered as Textual themes, and the app's stylesheet.

``roomscope-dark`` is the default; ``roomscope-light`` suits bright terminals. Textual's
built-in themes (including ``ansi-dark`` and ``ansi-light``, which use the terminal's own
palette) stay available; ``NO_COLOR`` is honoured by Textual itself.
"""

from __future__ import annotations

from pathlib import Path

from textual.theme import Theme

STYLESHEET = Path(__file__).with_name("app.tcss")

ROOMSCOPE_DARK = Theme(
    name="roomscope-dark",
    primary="#4FA3E0",
    secondary="#7AC4B8",
    accent="#E0A44F",
    warning="#E5C07B",
    error="#E06C75",
    success="#6CC287",
    foreground="#D7DCE2",
    background="#12161C",
    surface="#1A1F27",
    panel="#222936",
    boost="#2A3240",
    dark=True,
    variables={
        "footer-key-foreground": "#4FA3E0",
        "block-cursor-background": "#2C4A66",
        "block-cursor-foreground": "#F0F4F8",
        "input-selection-background": "#4FA3E0 35%",
    },
)

ROOMSCOPE_LIGHT = Theme(
    name="roomscope-light",
    primary="#1F6FB2",
    secondary="#2E8B7E",
    accent="#B36B00",
    warning="#9A6A00",
    error="#C0392B",
    success="#2E7D32",
    foreground="#1D232B",
    background="#F7F8FA",
    surface="#FFFFFF",
    panel="#E8ECF1",
    boost="#DDE3EA",
    dark=False,
    variables={
        "footer-key-foreground": "#1F6FB2",
        "block-cursor-background": "#CFE2F3",
        "block-cursor-foreground": "#0B1B2B",
    },
)

THEMES: tuple[Theme, ...] = (ROOMSCOPE_DARK, ROOMSCOPE_LIGHT)
DEFAULT_THEME = ROOMSCOPE_DARK.name
