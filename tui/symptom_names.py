"""The symptom words triage accepts, known without importing the diagnosis.

The command line checks ``--symptom`` and completes it from here; ``roomscope.tui.symptoms``
gives each name its rules and metrics (a test keeps the two in step).
"""

from __future__ import annotations

SYMPTOM_WORDS: dict[str, tuple[str, ...]] = {
    "choppy": ("broken", "breaking-up", "stutter", "stuttering"),
    "robotic": ("metallic", "garbled"),
    "lag": ("latency", "delay", "delayed", "echo", "talking-over"),
    "frozen": ("freeze", "freezing", "frozen-video", "stuck"),
    "blurry": ("pixelated", "low-resolution", "fuzzy"),
    "cant-hear": ("can't-hear", "cannot-hear", "no-audio", "no-sound", "one-way", "silent"),
    "dropped": ("disconnected", "kicked", "reconnecting", "dropped-call"),
}
"""Each symptom's name (the first word to type: no quote, no space) and other ways to say it."""

SYMPTOM_NAMES: tuple[str, ...] = tuple(SYMPTOM_WORDS)


def symptom_name(text: str) -> str:
    """The name ``text`` stands for ('choppy', "can't hear" → 'cant-hear', 'NO AUDIO' →
    'cant-hear'). Raises ValueError naming the valid ones."""
    key = _key(text)
    for name, words in SYMPTOM_WORDS.items():
        if key == _key(name) or any(key == _key(w) for w in words):
            return name
    raise ValueError(f"unknown symptom {text.strip()[:40]!r}; one of: {', '.join(SYMPTOM_NAMES)}")


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())
