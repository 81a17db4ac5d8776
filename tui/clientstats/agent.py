"""The browser, in a few words, from a user-agent string or from User-Agent Client Hints."""

from __future__ import annotations

import re
from typing import Any

from roomscope.tui.text import clean

_UA_PATTERNS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/([\d.]+)")),
    ("Opera", re.compile(r"OPR/([\d.]+)")),
    ("Firefox", re.compile(r"Firefox/([\d.]+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/([\d.]+)")),
    ("Safari", re.compile(r"Version/([\d.]+).*Safari/")),
)
_GENERIC_BRANDS = ("Chromium",)


def from_user_agent(user_agent: str | None) -> str | None:
    """``Chrome 99.0.4844.51`` from a user-agent string (None when it names no browser)."""
    if not user_agent:
        return None
    for name, pattern in _UA_PATTERNS:
        match = pattern.search(user_agent)
        if match:
            return f"{name} {match.group(1)}"
    return None


def from_brands(brands: Any) -> str | None:
    """``Google Chrome 142.0.7426.0`` from a client-hints brand list
    (``[{"brand": ..., "version": ...}]``), skipping GREASE ("Not A Brand") and Chromium
    when a more specific brand is listed."""
    if isinstance(brands, dict):
        brands = brands.get("fullVersionList") or brands.get("brands")
    if not isinstance(brands, list):
        return None
    named: list[tuple[str, str]] = []
    for entry in brands:
        if not isinstance(entry, dict):
            continue
        brand = clean(entry.get("brand"), 40)
        version = clean(entry.get("version"), 40)
        if brand and "brand" not in brand.lower():
            named.append((brand, version))
    if not named:
        return None
    specific = [b for b in named if b[0] not in _GENERIC_BRANDS] or named
    brand, version = specific[0]
    return f"{brand} {version}".strip()
