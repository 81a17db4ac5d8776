"""The themes roomscope ships, registered as Textual themes, the app's stylesheet, and how
quality verdicts look.

``roomscope-dark`` is the default; ``roomscope-light`` suits bright terminals. Textual's
built-in themes (including ``ansi-dark`` and ``ansi-light``, which use the terminal's own
palette) stay available. ``NO_COLOR`` is honoured by Textual itself (every colour becomes a
grey); the app then sets :data:`MONOCHROME` among the theme's variables, and verdicts are
told apart by weight (bold, reverse, underline) rather than by a grey that may be dark.
"""

from __future__ import annotations

from collections.abc import Mapping
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

MONOCHROME = "roomscope-monochrome"
"""A theme variable the app sets (to ``on``) when colours are off: NO_COLOR, TERM=dumb."""

_VERDICT_LOOK: dict[str, tuple[str, str]] = {
    "poor": ("bold", "error"),
    "fair": ("bold", "warning"),
    "good": ("", "success"),
    "unknown": ("dim", ""),
}
"""In colour, per verdict: the weight and the theme variable of its colour."""

_VERDICT_LOOK_MONOCHROME: dict[str, str] = {
    "poor": "bold reverse not dim",
    "fair": "bold underline not dim",
    "good": "not dim",
    "unknown": "italic not dim",
}
"""Without colour, per verdict: weight only, never dim (a dim grey on a dark background is
what NO_COLOR users could not read), even inside a line that is dim itself."""


def verdict_style(variables: Mapping[str, str], verdict: str) -> str:
    """The Rich style of ``verdict`` ("poor", "fair", "good", "unknown") in the theme whose
    variables are given. The verdict is always written out too, so it reads without colour."""
    if variables.get(MONOCHROME) == "on":
        return _VERDICT_LOOK_MONOCHROME[verdict]
    weight, variable = _VERDICT_LOOK[verdict]
    colour = variables.get(variable, "") if variable else ""
    return f"{weight} {colour}".strip()
