"""Whereby's meeting content: temporary download links of recordings
(``GET /recordings/{id}/access-link``), transcriptions (``GET /transcriptions``, each with
``GET /transcriptions/{id}/access-link``) and summaries (``GET /summaries``,
``GET /summaries/{id}``), as the payload models and the mapping to unified records.

Transcriptions and summaries are listed account-wide (no session filter): a session's are
the ones whose ``roomSessionId`` is the session's. Access links carry ``accessLink`` and
``expires`` (epoch milliseconds); ``validForSeconds`` (1-43,200, default 3,600) asks for a
lifetime. Summaries are a beta feature: an account without it answers 403 or 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from roomscope.tui.models import Artifact, Recording
from roomscope.tui.providers.parsing import Seconds, Time, as_utc, iso, jsonable, number, text

PROVIDER = "whereby"
LINK_VALID_S = 3_600
"""``validForSeconds`` asked for each access link (Whereby's default)."""
SUMMARY_CHARS = 4_000
"""A summary's text is kept up to this many characters (the rest is cut, and said)."""


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class WbAccessLink(_Lenient):
    accessLink: str = Field(min_length=1)
    expires: Any = None


class WbTranscription(_Lenient):
    transcriptionId: str = Field(min_length=1)
    roomSessionId: str | None = None
    roomName: str | None = None
    filename: str | None = None
    startDate: Time = None
    endDate: Time = None
    state: str | None = None
    createdAt: Time = None
    durationInSeconds: Seconds = None


class WbSummary(_Lenient):
    summaryId: str = Field(min_length=1)
    transcriptionId: str | None = None
    roomSessionId: str | None = None
    roomName: str | None = None
    summary: Any = None
    startDate: Time = None
    endDate: Time = None
    state: str | None = None
    template: str | None = None
    createdAt: Time = None
    modifiedAt: Time = None


def link_expiry(link: WbAccessLink) -> datetime | None:
    """``expires`` (epoch milliseconds) as a time; None when unreadable."""
    millis = number(link.expires, "bytes")  # (epoch milliseconds exceed the duration bounds)
    if millis is None or not 0 < millis < 1e14:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000.0, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _url(link: WbAccessLink) -> str | None:
    url = link.accessLink.strip()
    return url if url.startswith(("https://", "http://")) and len(url) <= 8_000 else None


def with_link(recording: Recording, link: WbAccessLink | None, problem: str | None) -> Recording:
    """The recording with its temporary download link, or why it has none."""
    extra = dict(recording.extra)
    if link is None or _url(link) is None:
        extra["access_link"] = problem or "Whereby sent no usable access link"
        return recording.model_copy(update={"extra": extra})
    return recording.model_copy(
        update={"url": _url(link), "url_expires_at": link_expiry(link), "extra": extra}
    )


def _extension(filename: str | None) -> str | None:
    if not filename or "." not in filename:
        return None
    ext = filename.rsplit(".", 1)[1].lower()
    return ext if 1 <= len(ext) <= 5 and ext.isalnum() else None


def transcript(
    session_id: str, record: WbTranscription, link: WbAccessLink | None, problem: str | None
) -> Artifact:
    state = text(record.state)
    note = problem if link is None or _url(link) is None else None
    if note is None and state and state.lower() != "completed":
        note = f"state: {state}"
    extra: dict[str, Any] = {
        key: value
        for key, value in (
            ("transcription_id", text(record.transcriptionId)),
            ("filename", text(record.filename)),
            ("state", state),
            ("duration_s", record.durationInSeconds),
            ("started_at", iso(as_utc(record.startDate))),
            ("ended_at", iso(as_utc(record.endDate))),
        )
        if value is not None
    }
    return Artifact(
        provider=PROVIDER,
        session_id=session_id,
        kind="transcript",
        url=_url(link) if link is not None else None,
        expires_at=link_expiry(link) if link is not None else None,
        format=_extension(record.filename),
        note=note or (None if link is not None else "Whereby sent no access link"),
        extra=extra,
    )


def summary_text(raw: Any) -> str | None:
    """The words of a summary: ``{"summary": "..."}`` (the spec's example), a plain string,
    or any other JSON shown as it came."""
    if isinstance(raw, dict) and isinstance(raw.get("summary"), str):
        raw = raw["summary"]
    if isinstance(raw, str):
        words = raw.strip()
    elif raw is None:
        return None
    else:
        words = str(jsonable(raw))
    if not words:
        return None
    return words if len(words) <= SUMMARY_CHARS else words[: SUMMARY_CHARS - 1] + "…"


def summary(session_id: str, record: WbSummary) -> Artifact:
    words = summary_text(record.summary)
    state = text(record.state)
    template = text(record.template)
    extra: dict[str, Any] = {
        key: value
        for key, value in (
            ("summary_id", text(record.summaryId)),
            ("transcription_id", text(record.transcriptionId)),
            ("template", template),
            ("state", state),
            ("summary", words),
        )
        if value is not None
    }
    first = words.splitlines()[0][:200] if words else None
    head = " · ".join(x for x in (template, state if state and state.lower() != "completed" else None) if x)
    return Artifact(
        provider=PROVIDER,
        session_id=session_id,
        kind="summary",
        format="text",
        note=": ".join(x for x in (head, first) if x) or "empty summary",
        extra=extra,
    )
