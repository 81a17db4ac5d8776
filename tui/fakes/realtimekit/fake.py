"""The fake Cloudflare RealtimeKit API: auth, routing, parameters and endpoints over the
demo world (its records are built in :mod:`.records`, its quality samples in :mod:`.quality`).

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

A peer report asked for without ``filters`` also carries ``peer_stats`` (one connection
check) and ``quality_stats`` (totals): fields known from the SDK types only
(cloudflare-python ``session_get_participant_data_from_peer_id_response``), not from the
reconstructed spec, which validates the rest of the body.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.demo.world import DEMO_HOST, MAX_DURATION_S, DemoParticipant, DemoSession, DemoWorld
from roomscope.tui.fakes.common import FakeApi, Missing, json_response
from roomscope.tui.fakes.realtimekit import quality, records
from roomscope.tui.fakes.realtimekit.ids import DEMO_ACCOUNT_ID, DEMO_API_TOKEN, DEMO_APP_ID, peer_id
from roomscope.tui.fakes.realtimekit.records import LINK_TTL, present_s
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
from roomscope.tui.providers.parsing import iso
from roomscope.tui.providers.realtimekit import RealtimeKitProvider

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
"""Larger ``per_page`` values are served as this many (the real cap is undocumented)."""

Generation = Literal["peer-report", "legacy"]

FILTERS = ("device_info", "ip_information", "precall_network_information", "events", "quality_stats")
RECORDING_STATUSES = ("INVOKED", "RECORDING", "UPLOADING", "UPLOADED", "ERRORED", "PAUSED")
TRANSCRIPT_FORMATS = ("SRT", "VTT", "JSON", "CSV")


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
            minutes = {i: records.minutes(self.world, self.world.session(i), now) for i in indices}
            indices.sort(key=lambda i: (minutes[i], -i), reverse=order == "DESC")
        elif order == "ASC":
            indices.reverse()
        offset, chunk = numbered_page(indices, page, per_page)
        rows = [self.session_record(self.world.session(i), now) for i in chunk]
        paging = self._paging(offset, len(chunk), len(indices))
        if self.sessions_paging == "data":
            return {"success": True, "data": {"sessions": rows, "paging": paging}}
        return {"success": True, "data": {"sessions": rows}, "paging": paging}

    def session_record(self, s: DemoSession, now: datetime, *, detail: bool = False) -> dict[str, Any]:
        return records.session_record(self.world, s, now, detail=detail)

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
        """The participant's record; its peers become known to ``/sessions/peer-report``."""
        self._register(s, p)
        return records.participant_record(s, p, now, peer_events=peer_events)

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
        rows = [self.participant_record(s, p, now, peer_events=include) for p in chunk]
        return {
            "success": True,
            "data": {"participants": rows, "paging": self._paging(offset, len(chunk), len(people))},
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
            stats = records.legacy_peer_stats(self.world, s, p, now, wanted)
            if stats:
                record["peer_stats"] = stats
            if "quality_stats" in wanted:
                record["quality_stats"] = quality.legacy_quality_stats(self.world, s, p, now)
        return {"success": True, "data": {"participant": record}}

    # -- device, network, client events --------------------------------------------------

    # -- quality -------------------------------------------------------------------------

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
        metadata = records.report_metadata(self.world, s, p, k, now, wanted)
        if metadata:
            report["metadata"] = metadata
        samples = quality.peer_quality(self.world, s, p, k, now) if "quality_stats" in wanted else None
        if samples is not None:
            report["quality"] = quality.report_quality(samples)
        record["peer_report"] = report
        if filters is None and samples is not None:  # the whole report (SDK-only fields too)
            record["peer_stats"] = records.report_peer_stats(p, k)
            record["quality_stats"] = quality.report_quality_stats(p, k, samples)
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
                record = records.recording_record(self.world, s, n, now)
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
                    return {"success": True, "data": records.recording_record(self.world, s, n, now)}
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
