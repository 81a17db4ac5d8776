"""A fake Cloudflare RealtimeKit API serving the demo world in RealtimeKit's shapes.

* ``fake``: the API (auth, routing, parameters, endpoints) and ``demo_provider``;
* ``records``: sessions, participants, peer events, device and network, recordings;
* ``quality``: per-stream quality samples with cumulative counters (and legacy stats);
* ``ids``: the demo account, app and token, and the ids derived from the world.
"""

from roomscope.tui.fakes.realtimekit.fake import FakeRealtimeKit, demo_provider
from roomscope.tui.fakes.realtimekit.ids import DEMO_ACCOUNT_ID, DEMO_API_TOKEN, DEMO_APP_ID, peer_id
from roomscope.tui.fakes.realtimekit.records import present_s

__all__ = [
    "DEMO_ACCOUNT_ID",
    "DEMO_API_TOKEN",
    "DEMO_APP_ID",
    "FakeRealtimeKit",
    "demo_provider",
    "peer_id",
    "present_s",
]
