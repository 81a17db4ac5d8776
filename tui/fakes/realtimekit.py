"""A fake Cloudflare RealtimeKit API serving the demo world in RealtimeKit's shapes.

Paths live under ``/accounts/{account_id}/realtime/kit/{app_id}`` (after whatever base
path the client uses). Auth is ``Authorization: Bearer DEMO_API_TOKEN``; a wrong or
missing token gets the Cloudflare gateway's 401 body, a wrong account its 403 body; the
service's own errors use ``{success:false, error:{code,message}}``.

Choices the constructor makes selectable (both shapes exist in the wild):

* ``generation="peer-report"`` (current: quality in ``/sessions/peer-report/{peer_id}``,
  none in the participant details) or ``"legacy"`` (``peer_stats``/``quality_stats`` in
  the participant details; the peer-report path answers 404);
* ``wrap_session``: session details as ``data.session`` (older) or as ``data`` (current);
* ``sessions_paging``: ``paging`` top-level on ``/sessions`` (current SDK) or in ``data``.

Quality samples are built from ``DemoWorld.samples``: each world sample ``i`` (the 2 s
interval after ``start + 2i``) becomes stream samples stamped at the end of that interval
(with a few ms of deterministic jitter), carrying cumulative byte and packet counters
whose growth over the interval reproduces the world's bitrate and loss %, and the world's
jitter, RTT and an E-model MOS as gauges. A stream starts with a counters-only sample at
the start of its first interval. A reconnect starts a new peer, with new streams.
"""

from __future__ import annotations

import hashlib
import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.demo.world import (
    DEMO_HOST,
    MAX_DURATION_S,
    DemoParticipant,
    DemoSamples,
    DemoSession,
    DemoWorld,
)
from roomscope.tui.fakes.common import FakeApi, Missing, json_response
from roomscope.tui.fakes.requests import (
    BadParameter,
    Params,
    bearer,
    boolean,
    choice,
    choices,
    number,
    numbered_page,
    timestamp,
    uuid_text,
)
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.providers.parsing import iso
from roomscope.tui.providers.realtimekit import RealtimeKitProvider
from roomscope.tui.quality import mos_estimate

DEMO_ACCOUNT_ID = "3f6b1c0d9e8a4b7c2d5e6f7a8b9c0d1e"
"""A 32-hex Cloudflare account id."""
DEMO_APP_ID = "7c1e4b2a9d3f4e5a8b6c0d2e4f6a8b0c"
DEMO_API_TOKEN = "rtk-demo-token-5d0c7e1a9b3f"

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
"""Larger ``per_page`` values are served as this many (the real cap is undocumented)."""
AUDIO_KBPS = 40.0
AUDIO_PPS = 50.0
VIDEO_PACKET_BYTES = 1100.0
SDK = ("web-core", "1.36.2")
MEETING_CREATED = "2025-06-01T09:00:00.000Z"
LINK_TTL = timedelta(hours=1)

Generation = Literal["peer-report", "legacy"]

FILTERS = ("device_info", "ip_information", "precall_network_information", "events", "quality_stats")
RECORDING_STATUSES = ("INVOKED", "RECORDING", "UPLOADING", "UPLOADED", "ERRORED", "PAUSED")
TRANSCRIPT_FORMATS = ("SRT", "VTT", "JSON", "CSV")
CLIENT_EVENT_NAMES = {
    "mute": "audio_off",
    "unmute": "audio_on",
    "screenshare_start": "screenshare_started",
    "screenshare_stop": "screenshare_stopped",
}
ENGINES = {"Chrome": "Blink", "Edge": "Blink", "Electron": "Blink", "Firefox": "Gecko", "Safari": "WebKit"}


def derived_uuid(*parts: object) -> str:
    h = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from ``parts``."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32


def peer_id(participant: DemoParticipant, k: int) -> str:
    """The peer of connection ``k``: the first one is the participant id itself."""
    return participant.id if k == 0 else derived_uuid("peer", participant.id, k)


def present_s(participant: DemoParticipant, now: datetime) -> float:
    return sum(
        (min(iv.leave, now) - iv.join).total_seconds() for iv in participant.intervals if iv.join <= now
    )


def has_video(participant: DemoParticipant) -> bool:
    return participant.bitrate_base >= 100.0


# ---------------------------------------------------------------------------------------
# Quality samples


@dataclass(frozen=True)
class Run:
    """Consecutive connected world samples ``first..last`` of one peer (connection ``k``)."""

    k: int
    first: int
    last: int


def runs(samples: DemoSamples, participant: DemoParticipant) -> list[Run]:
    values = samples.series.get("rtt", [])
    out: list[Run] = []
    start: int | None = None
    for i, value in enumerate([*values, None]):
        if value is not None and start is None:
            start = i
        elif value is None and start is not None:
            at = samples.start + timedelta(seconds=start * samples.interval_s)
            k = max((n for n, iv in enumerate(participant.intervals) if iv.join <= at), default=0)
            out.append(Run(k, start, i - 1))
            start = None
    return out


class StreamWriter:
    """Cumulative counters of one stream, written as RealtimeKit samples."""

    def __init__(self, ids: dict[str, Any], direction: str, audio: bool) -> None:
        self.ids = ids
        self.direction = direction
        self.audio = audio
        self.bytes = 0.0
        self.packets = 0
        self.lost = 0
        self.frames = 0.0
        self.samples: list[dict[str, Any]] = []

    def baseline(self, at: datetime) -> None:
        counters = ("bytes_sent", "packets_sent") if self.direction == "send" else ("bytes_received",)
        sample: dict[str, Any] = {"timestamp": iso(at), **self.ids, "packets_lost": 0}
        for key in counters:
            sample[key] = 0
        if self.direction == "recv":
            sample["packets_received"] = 0
        self.samples.append(sample)

    def add(self, at: datetime, dt: float, kbps: float, loss_pct: float, gauges: dict[str, Any]) -> None:
        chunk = kbps * 1000.0 / 8.0 * dt
        self.bytes += chunk
        packets = round(AUDIO_PPS * dt) if self.audio else max(1, round(chunk / VIDEO_PACKET_BYTES))
        lost = min(packets, round(loss_pct * packets / 100.0))
        self.packets += packets
        self.lost += lost
        sample: dict[str, Any] = {"timestamp": iso(at), **self.ids}
        if self.direction == "send":
            sample.update(bytes_sent=round(self.bytes), packets_sent=self.packets, packets_lost=self.lost)
        else:
            received = self.packets - self.lost
            sample.update(bytes_received=round(self.bytes), packets_received=received, packets_lost=self.lost)
        fps = gauges.get("frames_per_second")
        if fps is not None:
            self.frames += fps * dt
            key = "frames_encoded" if self.direction == "send" else "frames_decoded"
            sample[key] = round(self.frames)
        sample.update(gauges)
        self.samples.append(sample)


@dataclass
class PeerQuality:
    """Everything a peer's quality report (or legacy quality_stats entry) needs."""

    streams: dict[str, list[StreamWriter]]
    rows: list[dict[str, float]]
    """Per written sample: the world's values (for summaries)."""
    first: datetime | None
    last: datetime | None


# ---------------------------------------------------------------------------------------


class FakeRealtimeKit(FakeApi):
    name = "realtimekit"

    def __init__(
        self,
        world: DemoWorld,
        *,
        clock: Clock = utcnow,
        latency_s: float = 0.0,
        generation: Generation = "peer-report",
        wrap_session: bool = False,
        sessions_paging: Literal["top", "data"] = "top",
    ) -> None:
        super().__init__(world, clock=clock, latency_s=latency_s)
        if generation not in ("peer-report", "legacy"):
            raise ValueError(f"unknown generation {generation!r}")
        self.generation: Generation = generation
        self.wrap_session = wrap_session
        self.sessions_paging = sessions_paging
        self._peers: dict[str, tuple[int, int, int]] = {}
        """peer id -> (session slot, participant index, connection k)."""
        self._scanned = False

    # -- auth and errors -----------------------------------------------------------------

    def authorized(self, request: httpx.Request) -> bool:
        return bearer(request) == DEMO_API_TOKEN

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return self.gateway_error(401, 10000, "Authentication error")

    @staticmethod
    def gateway_error(status: int, code: int, message: str) -> httpx.Response:
        """The Cloudflare API gateway's failure envelope."""
        body = {
            "success": False,
            "errors": [{"code": code, "message": message}],
            "messages": [],
            "result": None,
        }
        return json_response(status, body)

    def error(self, request: httpx.Request, status: int, message: str) -> httpx.Response:
        return json_response(status, {"success": False, "error": {"code": status, "message": message}})

    # -- routing -------------------------------------------------------------------------

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        marker = path.find("/accounts/")
        if marker < 0:
            raise Missing("Route not found")
        parts = [p for p in path[marker:].split("/") if p]
        if len(parts) < 5 or parts[2:4] != ["realtime", "kit"]:
            raise Missing("Route not found")
        if parts[1] != DEMO_ACCOUNT_ID:
            return self.gateway_error(403, 9109, "Unauthorized to access requested resource")
        if parts[4] != DEMO_APP_ID:
            raise Missing(f"App {parts[4]} not found")
        try:
            return self._dispatch(parts[5:], request.url.params)
        except BadParameter as exc:
            return self.error(request, 400, exc.message)

    def _dispatch(self, rest: list[str], params: Params) -> httpx.Response:
        match rest:
            case ["sessions"]:
                return self._ok(self.sessions(params))
            case ["sessions", "peer-report", peer]:
                return self._ok(self.peer_report(peer, params))
            case ["sessions", session_id]:
                return self._ok(self.session_details(session_id, params))
            case ["sessions", session_id, "participants"]:
                return self._ok(self.participants(session_id, params))
            case ["sessions", session_id, "participants", participant_id]:
                return self._ok(self.participant_details(session_id, participant_id, params))
            case ["sessions", session_id, ("chat" | "transcript" | "summary") as kind]:
                return self._ok(self.artifact(session_id, kind, params))
            case ["recordings"]:
                return self._ok(self.recordings(params))
            case ["recordings", recording_id]:
                return self._ok(self.recording(recording_id))
        raise Missing("Route not found")

    @staticmethod
    def _ok(body: dict[str, Any]) -> httpx.Response:
        return json_response(200, body)

    # -- parameters ----------------------------------------------------------------------

    @staticmethod
    def _page(params: Params) -> tuple[int, int]:
        page_no = number(params, "page_no", minimum=0)
        per_page = number(params, "per_page", minimum=0)
        page = max(1, int(page_no)) if page_no is not None else 1
        size = int(per_page) if per_page else DEFAULT_PER_PAGE
        return page, max(1, min(size, MAX_PER_PAGE))

    @staticmethod
    def _paging(offset: int, count: int, total: int) -> dict[str, int]:
        return {
            "total_count": total,
            "start_offset": offset + 1 if count else offset,
            "end_offset": offset + count,
        }

    # -- sessions ------------------------------------------------------------------------

    def _session(self, session_id: str) -> DemoSession:
        session = self.world.session(self.session_index(session_id))
        if session.start > self.clock():
            raise Missing(f"No session {session_id}")
        return session

    def session_indices(
        self, now: datetime, status: str | None, since: datetime | None, until: datetime | None
    ) -> list[int]:
        """World indices of sessions started by ``now`` matching status/time, newest first."""
        world = self.world
        until = min(until, now) if until is not None else now
        lo = world.first_index_at_or_before(until)
        hi = world.last_index_at_or_after(since) if since is not None else world.size - 1
        if hi < lo:
            return []
        horizon = max(lo, min(world.live_horizon(now), hi + 1))
        head = [
            i
            for i in range(lo, horizon)
            if status is None or (status == "LIVE") == world.is_live(world.session(i), now)
        ]
        return head if status == "LIVE" else head + list(range(horizon, hi + 1))

    def sessions(self, params: Params) -> dict[str, Any]:
        page, per_page = self._page(params)
        sort_by = choice(params, "sort_by", ("minutesConsumed", "createdAt")) or "createdAt"
        order = choice(params, "sort_order", ("ASC", "DESC")) or "DESC"
        status = choice(params, "status", ("LIVE", "ENDED"))
        since, until = timestamp(params, "start_time"), timestamp(params, "end_time")
        search = params.get("search", "").strip().casefold()
        meeting = params.get("associated_id")
        now = self.clock()
        indices = self.session_indices(now, status, since, until)
        if search or meeting:
            kept = []
            for i in indices:
                s = self.world.session(i)
                if meeting and s.room_id != meeting:
                    continue
                if search and not any(search in v.casefold() for v in (s.title, s.room_id, s.id)):
                    continue
                kept.append(i)
            indices = kept
        if sort_by == "minutesConsumed":
            minutes = {i: self._minutes(self.world.session(i), now) for i in indices}
            indices.sort(key=lambda i: (minutes[i], -i), reverse=order == "DESC")
        elif order == "ASC":
            indices.reverse()
        offset, chunk = numbered_page(indices, page, per_page)
        records = [self.session_record(self.world.session(i), now) for i in chunk]
        paging = self._paging(offset, len(chunk), len(indices))
        if self.sessions_paging == "data":
            return {"success": True, "data": {"sessions": records, "paging": paging}}
        return {"success": True, "data": {"sessions": records}, "paging": paging}

    def _minutes(self, s: DemoSession, now: datetime) -> float:
        return round(sum(present_s(p, now) for p in self.world.visible_participants(s, now)) / 60.0, 2)

    def session_record(self, s: DemoSession, now: datetime, *, detail: bool = False) -> dict[str, Any]:
        world = self.world
        visible = world.visible_participants(s, now)
        live = world.is_live(s, now)
        ended = world.ended_at(s, now)
        connected = sum(1 for p in visible if any(iv.join <= now < iv.leave for iv in p.intervals))
        record: dict[str, Any] = {
            "id": s.id,
            "associated_id": s.room_id,
            "meeting_display_name": s.title,
            "type": "meeting",
            "status": "LIVE" if live else "ENDED",
            "created_at": iso(s.start),
            "started_at": iso(s.start),
            "updated_at": iso(ended or now),
            "live_participants": connected if live else 0,
            "max_concurrent_participants": DemoProvider._max_concurrent(visible, now),
            "minutes_consumed": self._minutes(s, now),
            "organization_id": DEMO_APP_ID,
            "meta": {"region": s.region, "layout": s.layout},
        }
        if ended is not None:
            record["ended_at"] = iso(ended)
        if detail:
            record["breakout_rooms"] = []
        return record

    def session_details(self, session_id: str, params: Params) -> dict[str, Any]:
        boolean(params, "include_breakout_rooms")
        record = self.session_record(self._session(session_id), self.clock(), detail=True)
        return {"success": True, "data": {"session": record} if self.wrap_session else record}

    # -- participants --------------------------------------------------------------------

    def _register(self, s: DemoSession, p: DemoParticipant) -> None:
        for k in range(len(p.intervals)):
            self._peers[peer_id(p, k)] = (s.slot, p.index, k)

    def participant_record(
        self, s: DemoSession, p: DemoParticipant, now: datetime, *, peer_events: bool
    ) -> dict[str, Any]:
        self._register(s, p)
        gone = p.left_at <= now
        record: dict[str, Any] = {
            "id": p.id,
            "user_id": p.user_id,
            "display_name": p.name,
            "preset_name": f"group_call_{p.role}",
            "joined_at": iso(p.joined_at),
            "duration": round(present_s(p, now) / 60.0, 4),
            "created_at": iso(p.joined_at),
            "updated_at": iso(p.left_at if gone else now),
        }
        if p.external_id is not None:
            record["custom_participant_id"] = p.external_id
        if gone:
            record["left_at"] = iso(p.left_at)
        if peer_events:
            record["peer_events"] = self.peer_events(s, p, now)
        return record

    def peer_events(self, s: DemoSession, p: DemoParticipant, now: datetime) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for k, iv in enumerate(p.intervals):
            if iv.join > now:
                break
            peer = peer_id(p, k)
            socket = derived_uuid("socket", peer)
            moments = [
                ("PEER_CREATED", iv.join - timedelta(milliseconds=800), 0.0),
                ("PEER_JOINING", iv.join, 0.0),
            ]
            if iv.leave <= now:
                minutes = round((iv.leave - iv.join).total_seconds() / 60.0, 4)
                moments.append(("PEER_LEAVING", iv.leave, minutes))
            for name, at, minutes in moments:
                out.append(
                    {
                        "id": derived_uuid("peer-event", peer, name),
                        "peer_id": peer,
                        "event_name": name,
                        "created_at": iso(at),
                        "updated_at": iso(at + timedelta(milliseconds=6)),
                        "minutes_consumed": minutes,
                        "preset_view_type": "GROUP_CALL",
                        "participant_id": p.id,
                        "session_id": s.id,
                        "socket_session_id": socket,
                    }
                )
        return out

    def participants(self, session_id: str, params: Params) -> dict[str, Any]:
        s = self._session(session_id)
        page, per_page = self._page(params)
        sort_by = choice(params, "sort_by", ("joinedAt", "duration"))
        order = choice(params, "sort_order", ("ASC", "DESC")) or "ASC"
        choice(params, "view", ("raw", "consolidated"))
        include = boolean(params, "include_peer_events") is True
        search = params.get("search", "").strip().casefold()
        now = self.clock()
        people = self.world.visible_participants(s, now)
        if search:
            people = [
                p
                for p in people
                if any(search in (v or "").casefold() for v in (p.id, p.external_id, p.name))
            ]
        if sort_by == "joinedAt":
            people.sort(key=lambda p: (p.joined_at, p.index), reverse=order == "DESC")
        elif sort_by == "duration":
            people.sort(key=lambda p: (present_s(p, now), p.index), reverse=order == "DESC")
        elif order == "DESC":
            people.reverse()
        offset, chunk = numbered_page(people, page, per_page)
        records = [self.participant_record(s, p, now, peer_events=include) for p in chunk]
        return {
            "success": True,
            "data": {"participants": records, "paging": self._paging(offset, len(chunk), len(people))},
        }

    def _participant(self, s: DemoSession, participant_id: str, now: datetime) -> DemoParticipant:
        for p in self.world.visible_participants(s, now):
            if p.id == participant_id:
                return p
        raise Missing(f"No participant {participant_id} in session {s.id}")

    def participant_details(self, session_id: str, participant_id: str, params: Params) -> dict[str, Any]:
        s = self._session(session_id)
        now = self.clock()
        p = self._participant(s, participant_id, now)
        include = boolean(params, "include_peer_events") is True
        filters = choices(params, "filters", FILTERS)
        record = self.participant_record(s, p, now, peer_events=include)
        if self.generation == "legacy":
            wanted = set(FILTERS) if filters is None else filters
            stats = self.legacy_peer_stats(s, p, now, wanted)
            if stats:
                record["peer_stats"] = stats
            if "quality_stats" in wanted:
                record["quality_stats"] = self.legacy_quality_stats(s, p, now)
        return {"success": True, "data": {"participant": record}}

    # -- device, network, client events --------------------------------------------------

    @staticmethod
    def user_agent(p: DemoParticipant) -> str:
        return f"Mozilla/5.0 ({p.os} {p.os_version}) {p.browser}/{p.browser_version}"

    def client_events(self, s: DemoSession, p: DemoParticipant, now: datetime) -> list[tuple[datetime, str]]:
        return [
            (e.at, CLIENT_EVENT_NAMES[e.kind])
            for e in self.world.events(s, now)
            if e.participant_id == p.id and e.kind in CLIENT_EVENT_NAMES
        ]

    def legacy_peer_stats(
        self, s: DemoSession, p: DemoParticipant, now: datetime, wanted: set[str]
    ) -> dict[str, Any]:
        stats: dict[str, Any] = {}
        if "device_info" in wanted:
            stats["device_info"] = {
                "browser": p.browser,
                "browser_version": p.browser_version,
                "engine": ENGINES.get(p.browser, "Blink"),
                "os": p.os,
                "os_version": p.os_version,
                "is_mobile": p.device_type in ("mobile", "tablet"),
                "user_agent": self.user_agent(p),
                "sdk_name": SDK[0],
                "sdk_version": SDK[1],
                "cpus": 8,
                "memory": 8,
                "webgl_support": "2",
            }
        if "ip_information" in wanted:
            stats["ip_information"] = {
                "city": p.city,
                "region": p.region,
                "country": p.country,
                "ipv4": p.ip,
                "org": f"{p.asn} {p.isp}",
                "ip_location": "0.0000,0.0000",
                "portal": "",
                "timezone": "UTC",
            }
        if "precall_network_information" in wanted:
            stats["precall_network_information"] = {
                "effective_networktype": p.connection,
                "rtt": round(p.rtt_base, 1),
                "backend_rtt": round(p.rtt_base * 1.1, 1),
                "jitter": round(p.jitter_base, 1),
                "fractional_loss": round(p.loss_base / 100.0, 4),
                "throughtput": round(p.bitrate_base * 3.0, 1),
                "turn_connectivity": True,
                "relay_connectivity": True,
                "reflexive_connectivity": p.connection != "vpn",
            }
        if "events" in wanted:
            stats["events"] = [
                {"type": name, "timestamp": iso(at)} for at, name in self.client_events(s, p, now)
            ]
        if stats:
            stats["status"] = "left" if p.left_at <= now else "joined"
            stats["config"] = "group_call"
        return stats

    def report_metadata(
        self, s: DemoSession, p: DemoParticipant, k: int, now: datetime, wanted: set[str]
    ) -> dict[str, Any]:
        iv = p.intervals[k]
        meta: dict[str, Any] = {}
        if "device_info" in wanted:
            meta.update(
                sdk_name=SDK[0],
                sdk_version=SDK[1],
                sdk_type="web",
                room_view_type="GROUP_CALL",
                browser_metadata={
                    "browser": p.browser,
                    "browser_version": p.browser_version,
                    "engine": ENGINES.get(p.browser, "Blink"),
                    "user_agent": self.user_agent(p),
                    "webgl_support": True,
                },
                device_info={
                    "cpus": 8,
                    "is_mobile": p.device_type in ("mobile", "tablet"),
                    "os": p.os,
                    "os_version": p.os_version,
                },
                audio_devices_updates=[
                    {
                        "timestamp": iso(iv.join),
                        "added": [
                            {"device_id": "default", "kind": "audioinput", "label": "Default microphone"}
                        ],
                        "removed": [],
                    }
                ],
                selected_device_updates=[
                    {
                        "timestamp": iso(iv.join),
                        "device": {
                            "device_id": "default",
                            "kind": "audioinput",
                            "label": "Default microphone",
                        },
                    }
                ],
            )
        if "ip_information" in wanted:
            meta["ip_information"] = {
                "asn": {"asn": p.asn, "name": p.isp, "type": "isp"},
                "city": p.city,
                "region": p.region,
                "country": p.country,
                "ipv4": p.ip,
                "org": f"{p.asn} {p.isp}",
            }
        if "precall_network_information" in wanted:
            meta["pc_metadata"] = [
                {
                    "timestamp": iso(iv.join),
                    "effective_network_type": p.connection,
                    "reflexive_connectivity": p.connection != "vpn",
                    "relay_connectivity": True,
                    "turn_connectivity": True,
                }
            ]
            meta["candidate_pairs"] = {
                "producing_transport": [self._candidate_pair(p, "send")],
                "consuming_transport": [self._candidate_pair(p, "recv")],
            }
        if "events" in wanted:
            until = iv.leave if k + 1 < len(p.intervals) else now
            meta["events"] = [
                {"name": name, "timestamp": iso(at), "metadata": {"peer_id": peer_id(p, k)}}
                for at, name in self.client_events(s, p, now)
                if iv.join <= at <= until
            ]
        return meta

    @staticmethod
    def _candidate_pair(p: DemoParticipant, direction: str) -> dict[str, Any]:
        return {
            "nominated": True,
            "current_round_trip_time": round(p.rtt_base / 1000.0, 4),
            "available_outgoing_bitrate": round(p.bitrate_base * 1500.0),
            "local_candidate_type": "srflx",
            "local_candidate_protocol": "udp",
            "local_candidate_network_type": p.connection,
            "local_candidate_address": p.ip,
            "local_candidate_port": 50000 + (p.index % 1000),
            "remote_candidate_type": "host",
            "remote_candidate_protocol": "udp",
            "remote_candidate_address": "198.51.100.10",
            "remote_candidate_port": 443 if direction == "send" else 444,
        }

    # -- quality -------------------------------------------------------------------------

    def _tick(self, samples: DemoSamples, p: DemoParticipant, i: int) -> datetime:
        """When world sample ``i``'s interval starts, give or take up to 90 ms."""
        jitter_ms = round(_unit("tick", p.id, i) * 180.0) - 90
        return samples.start + timedelta(seconds=i * samples.interval_s, milliseconds=jitter_ms)

    def peer_quality(self, s: DemoSession, p: DemoParticipant, k: int, now: datetime) -> PeerQuality:
        """Streams of connection ``k``: audio/video producers and consumers (one consumer
        per remote participant, up to two per medium)."""
        samples = self.world.samples(s, p, now)
        series = samples.series
        peer = peer_id(p, k)
        video = has_video(p)
        others = [q for q in self.world.participants(s) if q.id != p.id][:2]
        remotes = [q.id for q in others] or [derived_uuid("remote", s.id)]
        streams: dict[str, list[StreamWriter]] = {
            "audio_producer": [self._writer(peer, "send", "audio", None, "0")],
            "audio_consumer": [
                self._writer(peer, "recv", "audio", r, str(2 + n)) for n, r in enumerate(remotes)
            ],
        }
        if video:
            streams["video_producer"] = [self._writer(peer, "send", "video", None, "1")]
            streams["video_consumer"] = [
                self._writer(peer, "recv", "video", r, str(4 + n)) for n, r in enumerate(remotes)
            ]
        rows: list[dict[str, float]] = []
        first = last = None
        nominal_recv = min(6000.0, p.bitrate_base * 0.8 * min(max(1, s.participant_count - 1), 6))
        for run in runs(samples, p):
            if run.k != k:
                continue
            begin = self._tick(samples, p, run.first)
            first = first or begin
            for writers in streams.values():
                for writer in writers:
                    writer.baseline(begin)
            for i in range(run.first, run.last + 1):
                start, end = self._tick(samples, p, i), self._tick(samples, p, i + 1)
                last = end
                dt = (end - start).total_seconds()
                # A run holds connected samples only: every series has a value at i.
                ls, lr, bs, br, jit, rtt = (
                    float(series[key][i] or 0.0)
                    for key in (
                        "packet_loss_send",
                        "packet_loss_recv",
                        "bitrate_send",
                        "bitrate_recv",
                        "jitter",
                        "rtt",
                    )
                )
                mos = round(mos_estimate(rtt, jit, max(ls, lr)), 2)
                rows.append({"loss_send": ls, "loss_recv": lr, "rtt": rtt, "jitter": jit, "mos": mos})
                audio_send = min(AUDIO_KBPS, bs * 0.5) if video else bs
                audio_recv = min(AUDIO_KBPS * len(remotes), br * 0.5) if video else br
                send_fps = round(min(30.0, 30.0 * bs / p.bitrate_base), 1)
                recv_fps = round(min(30.0, 30.0 * br / nominal_recv), 1)
                audio_gauges = {"jitter": jit, "mos_quality": mos}
                video_gauges = {"jitter": round(jit * 0.8, 1), "mos_quality": mos}
                size = {"frame_width": 1280, "frame_height": 720}
                if send_fps < 20:
                    size = {"frame_width": 640, "frame_height": 360}
                streams["audio_producer"][0].add(end, dt, audio_send, ls, {**audio_gauges, "rtt": rtt})
                for writer in streams["audio_consumer"]:
                    writer.add(
                        end, dt, audio_recv / len(remotes), lr, {**audio_gauges, "concealment_events": 0}
                    )
                if video:
                    streams["video_producer"][0].add(
                        end,
                        dt,
                        bs - audio_send,
                        ls,
                        {**video_gauges, **size, "rtt": rtt, "frames_per_second": send_fps},
                    )
                    for writer in streams["video_consumer"]:
                        writer.add(
                            end,
                            dt,
                            (br - audio_recv) / len(remotes),
                            lr,
                            {**video_gauges, **size, "frames_per_second": recv_fps, "frames_dropped": 0},
                        )
        return PeerQuality(streams, rows, first, last)

    @staticmethod
    def _writer(peer: str, direction: str, media: str, remote: str | None, mid: str) -> StreamWriter:
        ssrc = int(_unit("ssrc", peer, media, remote) * 2**31)
        ids: dict[str, Any] = {"mid": mid, "ssrc": ssrc}
        if direction == "send":
            ids["producer_id"] = derived_uuid("producer", peer, media)
        else:
            ids["consumer_id"] = derived_uuid("consumer", peer, media, remote)
            ids["producer_id"] = derived_uuid("producer", remote, media)
            ids["peer_id"] = remote
        return StreamWriter(ids, direction, media == "audio")

    @staticmethod
    def _distribution(values: Sequence[float]) -> dict[str, float]:
        ordered = sorted(values)

        def pct(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

        return {
            "avg": round(statistics.fmean(ordered), 3),
            "p50": pct(0.5),
            "p75": pct(0.75),
            "p90": pct(0.9),
        }

    @staticmethod
    def _fractions(values: Sequence[float], marks: Sequence[float], suffix: str) -> dict[str, float]:
        out = {"avg": round(statistics.fmean(values), 3)}
        for mark in marks:
            out[f"{mark:g}{suffix}_or_greater_event_fraction"] = round(
                sum(1 for v in values if v >= mark) / len(values), 4
            )
        return out

    def cumulative(self, rows: list[dict[str, float]], direction: str, video: bool) -> dict[str, Any]:
        if not rows:
            return {}
        loss = [r["loss_send" if direction == "send" else "loss_recv"] for r in rows]
        out: dict[str, Any] = {
            "packet_loss": self._fractions(loss, (5, 10, 25, 50), ""),
            "quality_mos": self._distribution([r["mos"] for r in rows]),
        }
        if direction == "send":
            out["rtt"] = self._fractions([r["rtt"] for r in rows], (100, 250, 500), "ms")
        else:
            out["jitter_buffer_delay"] = self._fractions(
                [r["jitter"] * 2 for r in rows], (100, 250, 500), "ms"
            )
        if video:
            out["frame_per_second"] = self._distribution([30.0])
        return out

    def report_quality(self, s: DemoSession, p: DemoParticipant, k: int, now: datetime) -> dict[str, Any]:
        peer = self.peer_quality(s, p, k, now)
        quality: dict[str, Any] = {}
        for name in ("audio_producer", "audio_consumer", "video_producer", "video_consumer"):
            writers = peer.streams.get(name, [])
            quality[name] = [sample for w in writers for sample in w.samples]
            if writers and peer.rows:
                direction = "send" if name.endswith("producer") else "recv"
                quality[f"{name}_cumulative"] = self.cumulative(
                    peer.rows, direction, name.startswith("video")
                )
        for name in ("audio_producer", "audio_consumer", "video_producer", "video_consumer"):
            quality[f"screenshare_{name}"] = []
        return quality

    def legacy_quality_stats(self, s: DemoSession, p: DemoParticipant, now: datetime) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for k in range(len(p.intervals)):
            peer = self.peer_quality(s, p, k, now)
            if not peer.rows:
                continue
            consumer = peer.streams["audio_consumer"][0].samples
            audio = [
                {
                    "timestamp": sample["timestamp"],
                    "concealment_events": 0,
                    "packets_lost": sample["packets_lost"] - before["packets_lost"],
                    "jitter": sample["jitter"],
                    "quality": sample["mos_quality"],
                }
                for before, sample in itertools.pairwise(consumer)
                if "jitter" in sample
            ]
            video_writer = peer.streams.get("video_producer", [])
            video = [
                {
                    "timestamp": sample["timestamp"],
                    "frame_width": sample["frame_width"],
                    "frame_height": sample["frame_height"],
                    "frames_dropped": 0,
                    "frames_per_second": sample["frames_per_second"],
                    "packets_lost": sample["packets_lost"] - before["packets_lost"],
                    "jitter": sample["jitter"],
                    "quality": sample["mos_quality"],
                }
                for writer in video_writer
                for before, sample in itertools.pairwise(writer.samples)
                if "jitter" in sample
            ]
            rows = peer.rows
            out.append(
                {
                    "peer_id": peer_id(p, k),
                    "start": iso(peer.first),
                    "end": iso(peer.last),
                    "audio_bandwidth": AUDIO_KBPS,
                    "video_bandwidth": round(p.bitrate_base, 1) if has_video(p) else 0,
                    "audio_packet_loss": round(statistics.fmean(r["loss_recv"] for r in rows), 3),
                    "video_packet_loss": round(statistics.fmean(r["loss_recv"] for r in rows), 3)
                    if has_video(p)
                    else 0,
                    "average_quality": round(statistics.fmean(r["mos"] for r in rows), 3),
                    "audio_stats": audio,
                    "video_stats": video,
                }
            )
        return out

    # -- peer report ---------------------------------------------------------------------

    def _find_peer(self, peer: str) -> tuple[DemoSession, DemoParticipant, int]:
        found = self._peers.get(peer)
        if found is None and not self._scanned:
            self._scanned = True
            for index in range(self.world.size):
                s = self.world.session(index)
                for p in self.world.participants(s):
                    self._register(s, p)
            found = self._peers.get(peer)
        if found is None:
            raise Missing(f"No peer {peer}")
        slot, participant_index, k = found
        index = self.world.anchor_slot - slot
        if not 0 <= index < self.world.size:
            raise Missing(f"No peer {peer}")
        s = self.world.session(index)
        p = self.world.participants(s)[participant_index]
        if p.intervals[k].join > self.clock():
            raise Missing(f"No peer {peer}")
        return s, p, k

    def peer_report(self, peer: str, params: Params) -> dict[str, Any]:
        if self.generation == "legacy":
            raise Missing("Route not found")
        filters = choices(params, "filters", FILTERS)
        include = boolean(params, "include_peer_events") is True
        s, p, k = self._find_peer(peer)
        now = self.clock()
        wanted = set(FILTERS) if filters is None else filters
        record = self.participant_record(s, p, now, peer_events=include)
        record["session_id"] = s.id
        record["role"] = p.role
        report: dict[str, Any] = {}
        metadata = self.report_metadata(s, p, k, now, wanted)
        if metadata:
            report["metadata"] = metadata
        if "quality_stats" in wanted:
            report["quality"] = self.report_quality(s, p, k, now)
        record["peer_report"] = report
        return {"success": True, "data": {"participant": record}}

    # -- chat, transcript, summary -------------------------------------------------------

    def artifact(self, session_id: str, kind: str, params: Params) -> dict[str, Any]:
        s = self._session(session_id)
        now = self.clock()
        ended = self.world.ended_at(s, now) is not None
        expiry = iso(now + LINK_TTL)
        if kind == "chat":
            if not ended or hashlib.blake2b(s.id.encode(), digest_size=1).digest()[0] % 2:
                raise Missing("No chat messages found for this session")
            return {
                "success": True,
                "data": {
                    "chat_download_url": f"https://{DEMO_HOST}/chat/{s.id}.csv",
                    "chat_download_url_expiry": expiry,
                },
            }
        if kind == "transcript":
            fmt = choice(params, "format", TRANSCRIPT_FORMATS) or "CSV"
            if not (ended and s.recorded):
                raise Missing("No transcript found for this session")
            return {
                "success": True,
                "data": {
                    "sessionId": s.id,
                    "transcript_download_url": f"https://{DEMO_HOST}/transcript/{s.id}.{fmt.lower()}",
                    "transcript_download_url_expiry": expiry,
                },
            }
        if not (ended and s.recorded):
            raise Missing("No summary found for this session")
        return {
            "success": True,
            "data": {
                "sessionId": s.id,
                "summaryDownloadUrl": f"https://{DEMO_HOST}/summary/{s.id}.txt",
                "summaryDownloadUrlExpiry": expiry,
            },
        }

    # -- recordings ----------------------------------------------------------------------

    def recording_record(self, s: DemoSession, index: int, now: datetime) -> dict[str, Any]:
        r = self.world.recordings(s, now)[index]
        done = r.ended_at <= now
        record: dict[str, Any] = {
            "id": r.id,
            "session_id": s.id,
            "status": "UPLOADED" if done else "RECORDING",
            "invoked_time": iso(r.started_at - timedelta(seconds=3)),
            "started_time": iso(r.started_at),
            "stopped_time": iso(r.ended_at) if done else None,
            "recording_duration": round(((r.ended_at if done else now) - r.started_at).total_seconds()),
            "file_size": r.size_bytes if done else None,
            "download_url": r.url if done else None,
            "download_url_expiry": iso(now + LINK_TTL) if done else None,
            "audio_download_url": None,
            "output_file_name": f"{r.id}.{r.format}",
            "storage_config": None,
            "meeting": {
                "id": s.room_id,
                "title": s.title,
                "created_at": MEETING_CREATED,
                "updated_at": MEETING_CREATED,
                "record_on_start": False,
                "status": "ACTIVE",
            },
            "start_reason": {
                "reason": "API_CALL",
                "caller": {"type": "ORGANIZATION", "name": "roomscope demo"},
            },
        }
        if done:
            record["stop_reason"] = {"reason": "ALL_PEERS_LEFT"}
        return record

    def recordings(self, params: Params) -> dict[str, Any]:
        page, per_page = self._page(params)
        meeting = uuid_text(params, "meeting_id")
        choice(params, "sort_by", ("invokedTime",))
        order = choice(params, "sort_order", ("ASC", "DESC")) or "DESC"
        since, until = timestamp(params, "start_time"), timestamp(params, "end_time")
        statuses = choices(params, "status", RECORDING_STATUSES)
        expired = boolean(params, "expired")
        search = params.get("search", "").strip().casefold()
        now = self.clock()
        lower = since - timedelta(seconds=MAX_DURATION_S) if since is not None else None
        found: list[tuple[datetime, dict[str, Any]]] = []
        for i in self.session_indices(now, None, lower, until):
            s = self.world.session(i)
            if not s.recorded or (meeting is not None and s.room_id != meeting):
                continue
            if search and not any(search in v.casefold() for v in (s.room_id, s.title)):
                continue
            for n, r in enumerate(self.world.recordings(s, now)):
                invoked = r.started_at - timedelta(seconds=3)
                if (since and invoked < since) or (until and invoked > until):
                    continue
                record = self.recording_record(s, n, now)
                if statuses and record["status"] not in statuses:
                    continue
                if expired:
                    continue  # links are minted per request: none has expired
                found.append((invoked, record))
        found.sort(key=lambda item: (item[0], item[1]["id"]), reverse=order == "DESC")
        offset, rows = numbered_page(found, page, per_page)
        chunk = [record for _at, record in rows]
        return {"success": True, "data": chunk, "paging": self._paging(offset, len(chunk), len(found))}

    def recording(self, recording_id: str) -> dict[str, Any]:
        now = self.clock()
        for i in self.session_indices(now, None, None, None):
            s = self.world.session(i)
            if not s.recorded:
                continue
            for n, r in enumerate(self.world.recordings(s, now)):
                if r.id == recording_id:
                    return {"success": True, "data": self.recording_record(s, n, now)}
        raise Missing(f"No recording {recording_id}")


def demo_provider(
    world: DemoWorld,
    *,
    profile: str = "realtimekit-demo",
    clock: Clock = utcnow,
    latency_s: float = 0.0,
    generation: Generation = "peer-report",
    **http_options: Any,
) -> RealtimeKitProvider:
    """The real adapter wired to a fake RealtimeKit over ``world`` (no network)."""
    fake = FakeRealtimeKit(world, clock=clock, latency_s=latency_s, generation=generation)
    return RealtimeKitProvider(
        profile,
        api_token=DEMO_API_TOKEN,
        account_id=DEMO_ACCOUNT_ID,
        app_id=DEMO_APP_ID,
        transport=fake.transport(),
        clock=clock,
        **http_options,
    )


__all__ = [
    "DEMO_ACCOUNT_ID",
    "DEMO_API_TOKEN",
    "DEMO_APP_ID",
    "FakeRealtimeKit",
    "demo_provider",
]
