"""How Whereby says what went wrong: its error bodies (and a Prism mock's problem+json),
and how long a 429 asks to wait."""

from __future__ import annotations

import math

import httpx

from roomscope.tui.providers.http import (
    ErrorDetail,
    generic_error_detail,
    parse_rate_limit_reset,
    response_json,
)


def whereby_error_detail(response: httpx.Response) -> ErrorDetail:
    """Whereby's 429 body is ``{"error": "...", "data": {"msLeft": <ms>}}``; 401 and 404 have
    no documented body. Validation failures from a mock (Prism) come as problem+json with a
    ``validation`` list, whose messages say more than its generic ``detail``."""
    message: str | None = None
    retry_after: float | None = None
    try:
        body = response_json(response)
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str) and error.strip():
            message = error.strip()
        data = body.get("data")
        if isinstance(data, dict):
            left = data.get("msLeft")
            if isinstance(left, (int, float)) and not isinstance(left, bool) and math.isfinite(left):
                retry_after = max(0.0, float(left) / 1000.0)
        validation = body.get("validation")
        if message is None and isinstance(validation, list):
            said = [
                v["message"]
                for v in validation[:3]
                if isinstance(v, dict) and isinstance(v.get("message"), str)
            ]
            if said:
                message = "; ".join(said)
    if message is None:
        message = generic_error_detail(response).message
    if retry_after is None and response.status_code == 429:
        # "a date": an HTTP date, ISO 8601 or Unix seconds/milliseconds
        retry_after = parse_rate_limit_reset(
            response.headers.get("x-ratelimit-reset"), epoch_above=1e8, milliseconds_above=1e11, dates=True
        )
    return ErrorDetail(message, retry_after)
