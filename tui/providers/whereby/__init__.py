"""Whereby (REST API v1, insights endpoints) behind the provider protocol.

* ``provider``: the provider class (requests, the room-by-room session walk, lookups);
* ``payloads``: the API's record shapes;
* ``mapping``: records to the unified models, and the events derived from them;
* ``quality``: the four ``/insights/participant`` series, read defensively;
* ``useragent``: browser, OS and device type from a user agent;
* ``rooms``: pages of rooms, which rooms can hold a session, sort evidence;
* ``cursors``: the opaque cursors;
* ``errors``: Whereby's error bodies and rate-limit waits.
"""

from roomscope.tui.providers.whereby.errors import whereby_error_detail
from roomscope.tui.providers.whereby.mapping import detail_events, event_kind
from roomscope.tui.providers.whereby.provider import API_URL, WherebyProvider
from roomscope.tui.providers.whereby.quality import quality_series
from roomscope.tui.providers.whereby.useragent import parse_user_agent

__all__ = [
    "API_URL",
    "WherebyProvider",
    "detail_events",
    "event_kind",
    "parse_user_agent",
    "quality_series",
    "whereby_error_detail",
]
