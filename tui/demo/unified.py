"""The demo world as unified models, with each session's true incident in ``extra``.

The shapes are the demo provider's (``roomscope.tui.providers.demo``), plus what the world
knows and an API would not say: ``extra["incident"]`` on the session and on each
participant the incident is about (kind, cause, who, window: ``DemoWorld.truth``), the
sender's video series (``fps_send``, ``cpu_limited``) and, for sessions of up to
``PAIR_LIMIT`` people, per-sender receive loss (``QualitySeries.peer_id``). Tests and
benchmarks measure the diagnosis against that truth; ``bundle`` builds everything one
session has, without a provider or an event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from roomscope.tui.demo.world import DEMO_HOST, DemoEvent, DemoParticipant, DemoSession, DemoWorld
from roomscope.tui.models import (
    DeviceInfo,
    Event,
    EventKind,
    Metric,
    NetworkInfo,
    Participant,
    QualitySeries,
    Session,
    SessionStatus,
)

PROVIDER = "demo"
UNITS: dict[str, tuple[Metric, str]] = {
    "packet_loss_send": (Metric.LOSS_SEND, "%"),
    "packet_loss_recv": (Metric.LOSS_RECV, "%"),
    "bitrate_send": (Metric.BITRATE_SEND, "kbps"),
    "bitrate_recv": (Metric.BITRATE_RECV, "kbps"),
    "jitter": (Metric.JITTER, "ms"),
    "rtt": (Metric.RTT, "ms"),
    "fps_send": (Metric.FPS_SEND, "fps"),
    "cpu_limited": (Metric.CPU_LIMITED, "%"),
}


def session_extra(world: DemoWorld, s: DemoSession) -> dict[str, Any]:
    """The session's provider fields, its incident's truth among them (None: clean)."""
    return {
        "region": s.region,
        "layout": s.layout,
        "max_members": s.max_members,
        "recording": s.recorded,
        "room_url": f"https://{DEMO_HOST}/rooms/{s.room_name}",
        "incident": world.truth(s),
    }


def participant_extra(world: DemoWorld, s: DemoSession, p: DemoParticipant) -> dict[str, Any]:
    """The participant's provider fields; ``incident`` when the incident is about it."""
    extra: dict[str, Any] = {"bot": True} if p.is_bot else {}
    truth = world.participant_truth(s, p)
    if truth is not None:
        extra["incident"] = truth
    return extra


def session_model(world: DemoWorld, s: DemoSession, now: datetime, profile: str = "demo") -> Session:
    live = world.is_live(s, now)
    ended = world.ended_at(s, now)
    visible = world.visible_participants(s, now)
    return Session(
        provider=PROVIDER,
        profile=profile,
        id=s.id,
        name=s.title,
        room_id=s.room_id,
        room_name=s.room_name,
        status=SessionStatus.LIVE if live else SessionStatus.ENDED,
        started_at=s.start,
        ended_at=ended,
        duration_s=max(0.0, ((ended or now) - s.start).total_seconds()),
        participant_count=len(visible),
        live_participants=sum(1 for p in visible if p.left_at > now) if live else 0,
        extra=session_extra(world, s),
    )


def api_participant(
    s: DemoSession, p: DemoParticipant, now: datetime, *, provider: str = PROVIDER, extra: dict[str, Any]
) -> Participant:
    """A participant as the demo API serves it (the demo provider and the truth bundle alike)."""
    gone = p.left_at <= now
    present = sum((min(iv.leave, now) - iv.join).total_seconds() for iv in p.intervals if iv.join <= now)
    return Participant(
        provider=provider,
        session_id=s.id,
        id=p.id,
        name=p.name,
        user_id=p.user_id,
        external_id=p.external_id,
        role=p.role,
        joined_at=p.joined_at,
        left_at=p.left_at if gone else None,
        duration_s=max(0.0, present),
        reconnects=sum(1 for iv in p.intervals[1:] if iv.join <= now),
        device=DeviceInfo(
            browser=p.browser,
            browser_version=p.browser_version,
            os=p.os,
            os_version=p.os_version,
            device_type=p.device_type,
            user_agent=f"Mozilla/5.0 ({p.os} {p.os_version}) {p.browser}/{p.browser_version}",
            sdk="roomscope-demo/1.0",
        ),
        network=NetworkInfo(
            isp=p.isp,
            asn=p.asn,
            ip=p.ip,
            city=p.city,
            region=p.region,
            country=p.country,
            connection_type=p.connection,
        ),
        extra=extra,
    )


def participant_model(world: DemoWorld, s: DemoSession, p: DemoParticipant, now: datetime) -> Participant:
    """The API's participant with the incident's truth among its provider fields."""
    return api_participant(s, p, now, extra=participant_extra(world, s, p))


def api_event(s: DemoSession, e: DemoEvent, *, provider: str = PROVIDER) -> Event:
    """An event as the demo API serves it."""
    return Event(
        provider=provider,
        session_id=s.id,
        id=e.id,
        at=e.at,
        kind=EventKind(e.kind),
        name=e.kind.replace("_", "."),
        participant_id=e.participant_id,
        participant_name=e.participant_name,
        level="warning" if e.kind in ("reconnect", "quality") else "info",
        detail=e.detail,
    )


def event_models(world: DemoWorld, s: DemoSession, now: datetime) -> list[Event]:
    return [api_event(s, e) for e in world.events(s, now)]


def quality_models(
    world: DemoWorld,
    s: DemoSession,
    p: DemoParticipant,
    now: datetime,
    *,
    pairs: bool = True,
    provider: str = PROVIDER,
) -> list[QualitySeries]:
    """Every series of ``p``: the six network metrics, its video metrics if it sends video,
    and (``pairs``, small sessions) the receive loss of each sender's media."""
    samples = world.samples(s, p, now, pairs=pairs)
    out = []
    for key, values in (*samples.series.items(), *samples.video.items()):
        metric, unit = UNITS[key]
        out.append(
            QualitySeries(
                provider=provider,
                session_id=s.id,
                participant_id=p.id,
                metric=metric,
                unit=unit,
                start=samples.start,
                interval_s=samples.interval_s,
                values=values,
            )
        )
    for sender, values in samples.pairs.items():
        out.append(
            QualitySeries(
                provider=provider,
                session_id=s.id,
                participant_id=p.id,
                metric=Metric.LOSS_RECV,
                unit="%",
                source=f"receive loss of {sender}'s media",
                start=samples.start,
                interval_s=samples.interval_s,
                values=values,
                peer_id=sender,
            )
        )
    return out


@dataclass(frozen=True)
class Bundle:
    """Everything one demo session has, as a diagnosis takes it."""

    session: Session
    participants: list[Participant]
    events: list[Event]
    series: dict[str, list[QualitySeries]] = field(default_factory=dict)

    @property
    def truth(self) -> dict[str, Any] | None:
        incident = self.session.extra.get("incident")
        return incident if isinstance(incident, dict) else None


def bundle(world: DemoWorld, s: DemoSession, now: datetime, *, pairs: bool = True) -> Bundle:
    people = world.visible_participants(s, now)
    return Bundle(
        session=session_model(world, s, now),
        participants=[participant_model(world, s, p, now) for p in people],
        events=event_models(world, s, now),
        series={p.id: quality_models(world, s, p, now, pairs=pairs) for p in people},
    )
