"""The fake RealtimeKit's ids: the demo account, app and token it accepts, and the ids it
derives deterministically from the demo world (one peer per connection, the first being
the participant id itself; producers, consumers, sockets)."""

from __future__ import annotations

import hashlib

from roomscope.tui.demo.world import DemoParticipant

DEMO_ACCOUNT_ID = "3f6b1c0d9e8a4b7c2d5e6f7a8b9c0d1e"
"""A 32-hex Cloudflare account id."""
DEMO_APP_ID = "7c1e4b2a9d3f4e5a8b6c0d2e4f6a8b0c"
DEMO_API_TOKEN = "rtk-demo-token-5d0c7e1a9b3f"


def derived_uuid(*parts: object) -> str:
    h = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


def unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from ``parts``."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32


def peer_id(participant: DemoParticipant, k: int) -> str:
    """The peer of connection ``k``: the first one is the participant id itself."""
    return participant.id if k == 0 else derived_uuid("peer", participant.id, k)
