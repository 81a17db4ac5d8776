"""Fake provider APIs over the demo world.

Each module implements one provider's REST paths, auth, filters, paging, page-size limits
and error responses as an ``httpx.MockTransport`` handler. Tests use them to exercise the
real adapters, and ``roomscope --demo-provider NAME`` runs the TUI through a real adapter
against its fake, with no network and no account.
"""
