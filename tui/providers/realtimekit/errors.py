"""How Cloudflare RealtimeKit says what went wrong: the service's and the Cloudflare API
gateway's failure envelopes, and the ``Ratelimit`` header's wait."""

from __future__ import annotations

from typing import Any

import httpx

from roomscope.tui.providers.http import (
    ErrorDetail,
    generic_error_detail,
    parse_rate_limit_reset,
    response_json,
)


def error_detail(response: httpx.Response) -> ErrorDetail:
    """RealtimeKit's ``{success:false, error:{code,message}}`` and the Cloudflare gateway's
    ``{success:false, errors:[{code,message}], messages, result:null}``; 429 hints from
    the ``Ratelimit`` header."""
    retry = parse_rate_limit_reset(response.headers.get("ratelimit"), fields=True)
    try:
        body = response_json(response)
    except ValueError:
        body = None
    return ErrorDetail(failure_message(body) or generic_error_detail(response).message, retry)


def failure_message(body: Any) -> str | None:
    """The message of either failure envelope (gateway codes kept: they are searchable)."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str) and error["message"].strip():
        return str(error["message"]).strip()
    errors = body.get("errors")
    parts: list[str] = []
    for item in errors[:3] if isinstance(errors, list) else []:
        if isinstance(item, dict) and isinstance(item.get("message"), str) and item["message"].strip():
            code = item.get("code")
            parts.append(item["message"].strip() + (f" (code {code})" if isinstance(code, int) else ""))
    return "; ".join(parts) or None


RECORDINGS_KEPT_DAYS = 7
"""Chat, recordings and transcripts are kept 7 days (cloudflare-docs
``realtime/realtimekit/data-retention.mdx``)."""
ANALYTICS_KEPT_DAYS = 183
"""Call analytics (sessions, participants, peer reports) are kept 6 months."""


def retention_note(path: str) -> str:
    """What a 404 on ``path`` may mean: the data outlived RealtimeKit's retention."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["recordings"] or parts[-1:] in (["chat"], ["transcript"], ["summary"]):
        return (
            f"RealtimeKit keeps chat, recordings and transcripts for {RECORDINGS_KEPT_DAYS} days: "
            "an older one answers 404 (expired, not necessarily absent)."
        )
    return (
        "RealtimeKit keeps call analytics for 6 months: an older session, participant or peer "
        "report answers 404 (expired, not necessarily absent)."
    )
