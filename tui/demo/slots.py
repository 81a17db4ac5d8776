"""The demo world's clock: time slots, a slot's start and the anchor. Standard library only.

The world cuts time into slots of ``span / size`` seconds, counted from the Unix epoch; its
*anchor* is the newest slot whose session has started by the moment it is looked at from.
A world's seed, spacing and anchor name what it answers, so the demo provider names its
world (the cache keys of its answers) with this module alone: an answer from the cache
never builds the world (``roomscope.tui.demo.world``, whose many record types cost
start-up time).
"""

from __future__ import annotations

import hashlib
import math
import random
from datetime import datetime, timedelta

from roomscope.tui.limits import DEMO_MIN_SIZE

SPAN = timedelta(days=30)
"""How far back the world reaches from its anchor, unless told otherwise."""


def rng(*parts: object) -> random.Random:
    """The generator of one thing of the world, seeded from what names it."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def spacing_s(size: int, span: timedelta = SPAN) -> float:
    """Seconds between the starts of two slots of a world of ``size`` sessions."""
    if size < DEMO_MIN_SIZE:
        raise ValueError(f"demo size must be at least {DEMO_MIN_SIZE}")
    return span.total_seconds() / size


def slot_start_s(seed: int, spacing: float, slot: int) -> int:
    """When the session of ``slot`` starts (POSIX seconds): the first draw of its generator."""
    return round((slot + rng("s", seed, slot).uniform(0.0, 0.9)) * spacing)


def anchor_slot(seed: int, spacing: float, reference: datetime) -> int:
    """The newest slot whose session has started by ``reference``."""
    slot = math.floor(reference.timestamp() / spacing)
    if slot_start_s(seed, spacing, slot) > reference.timestamp():
        slot -= 1  # the slot's session has not started yet: not news
    return slot


def identity(seed: int, spacing: float, anchor: int) -> str:
    """Names a world as an instance serves it (for cache keys): its seed, its spacing and
    its anchor. Lists are read by position from the anchor, so two instances started at
    different times (two anchors) answer the same request differently and must not share
    cached answers; one anchor always gives the same answers."""
    return f"seed={seed},spacing={spacing:.6f},anchor={anchor}"
