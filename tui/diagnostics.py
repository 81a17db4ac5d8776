"""What roomscope tells the user on stderr: ``roomscope: error: …``, ``roomscope: warning: …``
and plain notes (``5 of 500 sessions``).

Messages carry text from providers (error bodies), from the config file and from the
command line; every line of every message is made terminal-safe here, so nothing printed
on stderr can move the cursor, set the title or write the clipboard. A message of several
lines (a config error lists every problem) keeps its lines.
"""

from __future__ import annotations

import sys

from roomscope.tui.text import terminal_safe

PROGRAM = "roomscope"


def lines(message: object) -> str:
    """``message`` with each of its lines made terminal-safe."""
    return "\n".join(terminal_safe(line) for line in str(message).split("\n"))


def error(message: object) -> None:
    _say(f"{PROGRAM}: error: {lines(message)}")


def warning(message: object) -> None:
    _say(f"{PROGRAM}: warning: {lines(message)}")


def note(message: object) -> None:
    """A plain line on stderr (a count, what was done), made terminal-safe."""
    _say(lines(message))


def _say(text: str) -> None:
    print(text, file=sys.stderr)
