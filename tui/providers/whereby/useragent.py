"""Browser, OS and device type from a browser user agent (Whereby reports only the agent)."""

from __future__ import annotations

import re

from roomscope.tui.models import DeviceInfo
from roomscope.tui.providers.parsing import text

BROWSERS: tuple[tuple[str, str], ...] = (
    ("Electron", r"Electron/([\d.]+)"),
    ("Edge", r"Edg(?:e|A|iOS)?/([\d.]+)"),
    ("Opera", r"OPR/([\d.]+)"),
    ("Samsung Internet", r"SamsungBrowser/([\d.]+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/([\d.]+)"),
    ("Chrome", r"(?:Chrome|CriOS)/([\d.]+)"),
    ("Safari", r"Version/([\d.]+).*Safari/"),
)


def parse_user_agent(agent: str | None) -> DeviceInfo | None:
    """Browser, OS and device type from a browser user agent (best effort; unknown parts stay
    None and the raw string is kept)."""
    ua = text(agent)
    if ua is None:
        return None
    browser = version = None
    for name, pattern in BROWSERS:
        found = re.search(pattern, ua)
        if found:
            browser, version = name, found.group(1)
            break
    os_name = os_version = None
    if found := re.search(r"iPhone OS ([\d_]+)", ua):
        os_name, os_version = "iOS", found.group(1).replace("_", ".")
    elif found := re.search(r"iPad.*? OS ([\d_]+)", ua):
        os_name, os_version = "iPadOS", found.group(1).replace("_", ".")
    elif found := re.search(r"Android ([\d.]+)", ua):
        os_name, os_version = "Android", found.group(1)
    elif found := re.search(r"Windows NT ([\d.]+)", ua):
        os_name, os_version = "Windows", found.group(1)
    elif found := re.search(r"Mac OS X ([\d_.]+)", ua):
        os_name, os_version = "macOS", found.group(1).replace("_", ".")
    elif "CrOS" in ua:
        os_name = "ChromeOS"
    elif "Ubuntu" in ua:
        os_name = "Ubuntu"
    elif "Linux" in ua:
        os_name = "Linux"
    if "iPad" in ua or ("Android" in ua and "Mobile" not in ua):
        kind: str | None = "tablet"
    elif "Mobi" in ua or "iPhone" in ua:
        kind = "mobile"
    elif os_name in ("Windows", "macOS", "Linux", "Ubuntu", "ChromeOS"):
        kind = "desktop"
    else:
        kind = None
    return DeviceInfo(
        browser=browser,
        browser_version=version,
        os=os_name,
        os_version=os_version,
        device_type=kind,
        user_agent=ua,
    )
