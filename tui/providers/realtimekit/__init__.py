"""Cloudflare RealtimeKit (formerly Dyte): sessions, participants, peer events, recordings,
chat/transcript/summary links and per-peer call quality.

* ``provider``: the provider class (paths, envelopes, paging, what is asked when);
* ``payloads``: the API's record shapes and field-by-field reading;
* ``mapping``: records to the unified models, one function per kind;
* ``quality``: per-stream samples to one series per metric;
* ``cursors``: the opaque cursors and paging arithmetic;
* ``errors``: the failure envelopes and the ``Ratelimit`` header.
"""

from roomscope.tui.providers.realtimekit.cursors import MAX_PER_PAGE
from roomscope.tui.providers.realtimekit.provider import API_BASE, RealtimeKitProvider

__all__ = ["API_BASE", "MAX_PER_PAGE", "RealtimeKitProvider"]
