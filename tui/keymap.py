"""The key bindings a config file's ``[keymap]`` may change, and the rules a remapping follows.

:data:`BINDING_IDS` lists every binding id of the app, its screens and widgets with its
default keys (a test compares it with the live bindings). A remapping is checked and
normalised by :func:`remap` without importing Textual, so ``roomscope config check`` and
the start-up find the same mistakes:

- an unknown binding id;
- an impossible key name (the footer would show it and nothing would ever press it):
  a key is an optional ``+``-joined set of modifiers (alt, ctrl, hyper, meta, shift,
  super) and one key: a single character, a character's name (``slash``,
  ``question_mark``, ``left_square_bracket``), or a named key (``up``, ``enter``,
  ``pagedown``, ``f1`` ...); ``shift`` with a printable character needs another modifier
  (shift+a arrives as ``A``);
- a remapping that drops a key the whole app relies on (an arrow, Home/End, PgUp/PgDn,
  Escape) from a binding that had it: keys are added to, not taken from, those.

Keys are normalised the way Textual names key presses: spaces around commas go, a single
character becomes its name (``?`` -> ``question_mark``) and modifiers are sorted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

BINDING_IDS: Mapping[str, str] = {
    "app.help": "question_mark",
    "app.palette": "ctrl+p",
    "app.quit": "ctrl+c",
    "nav.back": "escape",
    "nav.quit": "q",
    "help.close": "escape,q,question_mark",
    "help.down": "j,down",
    "help.up": "k,up",
    "sessions.filter": "slash",
    "sessions.sort": "s",
    "sessions.reverse": "S",
    "sessions.status": "v",
    "sessions.range": "t",
    "sessions.refresh": "r",
    "sessions.live": "L",
    "sessions.pause": "p",
    "sessions.copy": "y",
    "sessions.quality-sort": "Q",
    "sessions.scan": "D",
    "sessions.clear": "escape",
    "sessions.quit": "q",
    "sessions.bundle": "b",
    "sessions.export": "e",
    "session.open": "enter",
    "session.tab-findings": "1",
    "session.tab-heatmap": "2",
    "session.tab-participants": "3",
    "session.tab-events": "4",
    "session.tab-recordings": "5",
    "session.tab-info": "6",
    "session.refresh": "r",
    "session.copy": "y",
    "session.bundle": "b",
    "session.export": "e",
    "participant.quality": "enter",
    "participant.prev": "left_square_bracket,p",
    "participant.next": "right_square_bracket,n",
    "participant.tab-summary": "1",
    "participant.tab-events": "2",
    "participant.refresh": "r",
    "participant.copy": "y",
    "participant.import": "i",
    "participant.import-cancel": "escape",
    "quality.prev": "left_square_bracket,p",
    "quality.next": "right_square_bracket,n",
    "quality.down": "j,down",
    "quality.up": "k,up",
    "quality.cursor-left": "h,left",
    "quality.cursor-right": "l,right",
    "quality.cursor-left-far": "H,shift+left",
    "quality.cursor-right-far": "L,shift+right",
    "quality.home": "home",
    "quality.end": "end",
    "quality.zoom-in": "plus,equals_sign",
    "quality.zoom-out": "minus",
    "quality.zoom-reset": "0",
    "quality.senders": "s",
    "quality.refresh": "r",
    "quality.copy": "y",
    "filter.clear": "escape",
    "filter.done": "enter",
    "filter.down": "down",
    "list.down": "j,down",
    "list.up": "k,up",
    "list.top": "g,home",
    "list.bottom": "G,end",
    "list.page-down": "pagedown,ctrl+f",
    "list.page-up": "pageup,ctrl+b",
    "list.open": "enter",
    "table.down": "j",
    "table.up": "k",
    "table.top": "g",
    "table.bottom": "G",
    "findings.down": "j",
    "findings.up": "k",
    "findings.top": "g",
    "findings.bottom": "G",
    "heatmap.left": "h,left",
    "heatmap.right": "l,right",
    "heatmap.far-left": "H",
    "heatmap.far-right": "L",
    "heatmap.first": "home",
    "heatmap.last": "end",
    "heatmap.down": "j,down",
    "heatmap.up": "k,up",
    "heatmap.metric": "m",
    "app.window": "w",
    "app.mark": "space",
    "app.compare": "C",
    "app.copy-summary": "Y",
    "compare.clear": "x",
    "compare.left": "h,left",
    "compare.right": "l,right",
    "window.edit": "w",
    "window.refresh": "r",
    "window.copy": "y",
    "window.groups": "o",
    "window.bundle": "b",
    "window.export": "e",
    "groups.export": "e",
    "groups.next": "d",
    "groups.prev": "D",
    "prompt.cancel": "escape",
    "rows.down": "j,down",
    "rows.up": "k,up",
    "rows.top": "g,home",
    "rows.bottom": "G,end",
    "rows.page-down": "pagedown,ctrl+f",
    "rows.page-up": "pageup,ctrl+b",
    "rows.open": "enter",
    "participant.history": "H",
    "groups.history": "H",
    "history.fetch": "f",
    "history.span": "t",
    "history.export": "e",
    "history.copy": "y",
}
"""Every binding id -> its default keys, as the screens, widgets and app declare them."""

MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
"""In the order Textual names them (``ctrl+shift+left``)."""
NAMED_KEYS = frozenset(
    {
        "escape",
        "enter",
        "tab",
        "space",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "pageup",
        "pagedown",
        "up",
        "down",
        "left",
        "right",
        *(f"f{n}" for n in range(1, 25)),
    }
)
"""Keys with a name and no character."""
KEPT_KEYS = frozenset({"up", "down", "left", "right", "home", "end", "pageup", "pagedown", "escape"})
"""Keys the whole app relies on: a remapping may add keys to a binding that has one of
these, never take it away."""

# How Textual names a character that is not a letter or digit: its Unicode name in
# lower case with '_' for ' ' and '-', and these friendlier names instead.
_FRIENDLIER = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def character_key(character: str) -> str:
    """The key name of a single character, as Textual names the key press (``?`` ->
    ``question_mark``, ``a`` -> ``a``)."""
    if character.isalnum():
        return character
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return {"\t": "tab"}.get(character, character)
    return _FRIENDLIER.get(name, name)


def _character_of(name: str) -> str | None:
    """The printable character whose key name is ``name`` (``question_mark`` -> ``?``)."""
    unfriendly = {v: k for k, v in _FRIENDLIER.items()}.get(name, name)
    candidates = [unfriendly.replace("_", " ").upper()]
    for i, ch in enumerate(unfriendly):  # names with '-' ("less-than sign"): every place
        if ch == "_":
            candidates.append((unfriendly[:i] + "-" + unfriendly[i + 1 :]).replace("_", " ").upper())
    for candidate in candidates:
        try:
            character = unicodedata.lookup(candidate)
        except KeyError:
            continue
        if len(character) == 1 and character.isprintable() and character_key(character) == name:
            return character
    return None


def _key_problem_and_name(text: str) -> tuple[str | None, str]:
    """(problem, normalised key) for one key of a comma-separated list."""
    key = text.strip()
    if not key:
        return "an empty key name (two commas in a row, or a comma at an end?)", key
    if len(key) == 1:
        if not key.isprintable():
            return "not a key (a control character)", key
        return None, character_key(key)
    *mods, base = key.split("+")
    if not base:  # "ctrl++": the "+" key is called "plus"
        return f'"{key}": no key after the last "+" (the + key is called plus)', key
    unknown = [m for m in mods if m not in MODIFIERS]
    if unknown:
        return f'"{key}": "{unknown[0]}" is not a modifier (one of: {", ".join(MODIFIERS)})', key
    if len(set(mods)) != len(mods):
        return f'"{key}": a modifier twice', key
    printable = False
    if len(base) == 1:
        if not base.isprintable():
            return f'"{key}": not a key (a control character)', key
        base = character_key(base)
        printable = base != "space"
    elif base not in NAMED_KEYS:
        if base.lower() in NAMED_KEYS:
            return f'"{key}": key names are lower case ("{base.lower()}")', key
        if _character_of(base) is None:
            return (
                f'"{key}": not a key name (a character, a character\'s name such as slash or '
                "question_mark, or one of: up, down, left, right, home, end, pageup, pagedown, "
                "enter, escape, tab, space, backspace, delete, insert, f1-f24)"
            ), key
        printable = True
    if printable and "shift" in mods and len(mods) == 1:
        return f'"{key}": shift with a character never arrives (shift+a is pressed as A)', key
    return None, "+".join([*sorted(mods, key=MODIFIERS.index), base])


@dataclass(frozen=True)
class Remap:
    """A checked ``[keymap]`` entry: the normalised keys, or why it cannot be used."""

    keys: str
    problem: str | None = None


def remap(binding_id: str, value: str) -> Remap:
    """Check and normalise ``binding_id = value`` from a config file's ``[keymap]``."""
    if binding_id not in BINDING_IDS:
        import difflib

        close = difflib.get_close_matches(binding_id, list(BINDING_IDS), n=1)
        hint = f'; did you mean "{close[0]}"?' if close else " (? in the app lists every binding id)"
        return Remap(value, f"unknown binding id{hint}")
    names: list[str] = []
    for part in value.split(","):
        problem, name = _key_problem_and_name(part)
        if problem is not None:
            return Remap(value, problem)
        if name not in names:
            names.append(name)
    default = BINDING_IDS[binding_id].split(",")
    dropped = [k for k in default if k in KEPT_KEYS and k not in names]
    if dropped:
        keep = ",".join([*names, *dropped])
        return Remap(
            value,
            f'drops {" and ".join(dropped)} (its keys are "{BINDING_IDS[binding_id]}"); '
            f'write "{keep}" to keep {"it" if len(dropped) == 1 else "them"}',
        )
    return Remap(",".join(names))
