"""How configuration messages name things: an environment variable (never a pasted token), and
a choice that is not one of the allowed ones (with a did-you-mean hint)."""

from __future__ import annotations

import re
from collections.abc import Sequence

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
"""What an environment variable's name may look like in a profile (``token_env = "NAME"``)."""


def shown_env_name(name: str) -> str:
    """An environment variable's name as messages show it.

    A name that does not look like one (mixed case and no underscore, or very long) may
    be a token pasted into ``token_env`` by mistake: it is not repeated."""
    if ENV_NAME.fullmatch(name) and len(name) <= 40 and (name.isupper() or "_" in name):
        return name
    return "(the name given, not repeated here: it does not look like a variable name)"


def expected_one_of(name: str, choices: Sequence[str]) -> str:
    """``(expected one of: a, b, c); did you mean "b"?`` for ``name`` not in ``choices``."""
    import difflib

    close = difflib.get_close_matches(name, choices, n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return f"(expected one of: {', '.join(choices)}){hint}"
