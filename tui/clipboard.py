"""Copying text to the terminal's clipboard (OSC 52), through tmux or screen when they sit in
between, and saying what really happened.

The terminal gives no answer to OSC 52, so "copied" can only be a belief. One case is known
to fail silently: tmux with its defaults (``set-clipboard external`` and, since tmux 3.3,
``allow-passthrough off``) drops what an application sends. Then the user is told what was
sent and the one line of tmux configuration that makes it work.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass

OSC52_LIMIT = 74_994
"""Bytes of base64 a terminal is trusted to accept in one OSC 52 sequence."""

TMUX_FIX = "set -g set-clipboard on"
"""The tmux setting that lets an application's OSC 52 reach the clipboard."""

OptionReader = Callable[[str], str | None]
"""Reads one of tmux's global options (None when it cannot be read)."""


@dataclass(frozen=True)
class Copy:
    """What to write to the terminal, and how sure we are that it reaches the clipboard."""

    sequence: str
    through: str | None = None
    """``"tmux"`` or ``"screen"`` when a multiplexer relays it, else None."""
    doubtful: bool = False
    """True when the multiplexer is known (or likely) to drop it."""


def tmux_option(name: str) -> str | None:
    """``tmux show-options -gv NAME`` of the tmux server this process runs in (found through
    ``$TMUX``, as tmux itself does); None when tmux cannot say (no tmux, no server, an old
    tmux without that option)."""
    tmux = shutil.which("tmux")
    if tmux is None:
        return None
    try:
        done = subprocess.run(
            [tmux, "show-options", "-gv", name],
            capture_output=True,
            text=True,
            timeout=1.0,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None


def osc52(text: str, environ: Mapping[str, str], read_option: OptionReader = tmux_option) -> Copy | None:
    """The OSC 52 sequence that puts ``text`` on the clipboard from inside this terminal;
    None when it is too long for a terminal to accept."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if len(payload) > OSC52_LIMIT:
        return None
    sequence = f"\x1b]52;c;{payload}\x07"
    if environ.get("TMUX"):
        if read_option("set-clipboard") == "on":
            return Copy(sequence, through="tmux")  # tmux takes it and sets the clipboard itself
        wrapped = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
        passthrough = read_option("allow-passthrough")
        return Copy(wrapped, through="tmux", doubtful=passthrough not in ("on", "all"))
    if environ.get("TERM", "").startswith("screen"):
        return Copy(f"\x1bP{sequence}\x1b\\", through="screen")
    return Copy(sequence)


def copied_note(copy: Copy, text: str, what: str) -> str:
    """What to tell the user once ``copy`` has been written."""
    if copy.doubtful:
        return (
            f"Sent {what} to the clipboard through tmux (OSC 52): {text}. tmux drops it with its "
            f"default settings; to enable it, add `{TMUX_FIX}` to ~/.tmux.conf "
            "and run `tmux source-file ~/.tmux.conf`."
        )
    return f"Copied {what}: {text}"
