"""The unified domain model every provider maps into.

All models are frozen pydantic v2 models. Every record keeps the name of the provider
it came from and the provider's own fields that have no unified home (``extra``), so the
detail views can show them. A record the adapter could not read is still a record: it
carries a ``problem`` (the reason) and whatever identity could be recovered, so one bad
record costs that record only, never its page.

Durations are always seconds. Timestamps are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from roomscope.tui.kinds import EventKind as EventKind
from roomscope.tui.kinds import Metric as Metric
from roomscope.tui.kinds import SessionStatus as SessionStatus
from roomscope.tui.kinds import SortKey as SortKey


class Model(BaseModel):
    """Base of every unified model: immutable, strict about its own field names."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class SessionQuery(Model):
    """What a session list asks for. ``text`` is matched against id, name and room."""

    since: datetime | None = None
    until: datetime | None = None
    status: SessionStatus | None = None
    text: str = ""
    sort: SortKey = SortKey.START
    descending: bool = True

    def without_text(self) -> SessionQuery:
        return self.model_copy(update={"text": ""})


class Session(Model):
    provider: str
    profile: str = ""
    id: str
    name: str = ""
    room_id: str | None = None
    room_name: str | None = None
    status: SessionStatus = SessionStatus.UNKNOWN
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: float | None = None
    participant_count: int | None = None
    max_concurrent: int | None = None
    live_participants: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    problem: str | None = None

    @property
    def title(self) -> str:
        """The best human name for this session."""
        return self.name or self.room_name or self.id

    @property
    def is_live(self) -> bool:
        return self.status is SessionStatus.LIVE


class DeviceInfo(Model):
    browser: str | None = None
    browser_version: str | None = None
    os: str | None = None
    os_version: str | None = None
    device_type: str | None = None
    user_agent: str | None = None
    sdk: str | None = None


class NetworkInfo(Model):
    isp: str | None = None
    asn: str | None = None
    ip: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    connection_type: str | None = None


class Participant(Model):
    provider: str
    session_id: str
    id: str
    name: str = ""
    user_id: str | None = None
    external_id: str | None = None
    role: str | None = None
    joined_at: datetime | None = None
    left_at: datetime | None = None
    duration_s: float | None = None
    reconnects: int | None = None
    device: DeviceInfo | None = None
    network: NetworkInfo | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    problem: str | None = None

    @property
    def title(self) -> str:
        return self.name or self.user_id or self.external_id or self.id


class Event(Model):
    provider: str
    session_id: str
    id: str
    at: datetime | None = None
    kind: EventKind = EventKind.OTHER
    name: str = ""
    participant_id: str | None = None
    participant_name: str | None = None
    level: str | None = None
    detail: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)
    problem: str | None = None


class Recording(Model):
    provider: str
    session_id: str
    id: str
    status: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: float | None = None
    size_bytes: int | None = None
    format: str | None = None
    url: str | None = None
    url_expires_at: datetime | None = None
    participant_id: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    problem: str | None = None


class Artifact(Model):
    """A downloadable by-product of a session: chat log, transcript, summary."""

    provider: str
    session_id: str
    kind: str
    url: str | None = None
    expires_at: datetime | None = None
    format: str | None = None
    note: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class QualitySeries(Model):
    """One metric of one participant over time.

    Samples are either regular (``interval_s`` set, sample *i* at ``start + i*interval_s``)
    or irregular (``offsets_s`` holds each sample's seconds after ``start``). ``None`` in
    ``values`` is a gap (no sample, participant away).

    ``peer_id`` names the other end of a per-pair series: for a receive metric, the
    participant whose media was received. ``None`` (the usual case) is the participant's
    aggregate over every stream.
    """

    provider: str
    session_id: str
    participant_id: str
    metric: Metric
    unit: str
    unit_documented: bool = True
    source: str = ""
    start: datetime
    interval_s: float | None = None
    offsets_s: list[float] | None = None
    values: list[float | None]
    peer_id: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    def offset(self, index: int) -> float:
        """Seconds after ``start`` of sample ``index``."""
        if self.offsets_s is not None:
            return self.offsets_s[index]
        return index * (self.interval_s or 0.0)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list. ``next_cursor`` is opaque: only its provider reads it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    items: list[T]
    next_cursor: str | None = None
    total: int | None = None
