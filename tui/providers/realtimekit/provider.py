"""The Cloudflare RealtimeKit provider: the API's paths, envelopes and paging behind the
provider protocol. What the records mean is in :mod:`.mapping`, quality maths in :mod:`.quality`.

Every path lives under ``/accounts/{account_id}/realtime/kit/{app_id}`` of the Cloudflare
API and is read with a Bearer API token. Success bodies are ``{success, data, paging?}``;
lists page with ``page_no``/``per_page`` and report ``paging.total_count`` (top-level on
``/sessions``, inside ``data`` on ``/participants``: both places are read everywhere).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from roomscope.tui.clock import Clock, utcnow
from roomscope.tui.lru import LRU
from roomscope.tui.models import (
    Artifact,
    Event,
    Metric,
    Page,
    Participant,
    QualitySeries,
    Recording,
    Session,
    SessionQuery,
    SessionStatus,
    SortKey,
)
from roomscope.tui.providers.base import (
    AuthError,
    BadPayloadError,
    BaseProvider,
    Capability,
    NotFoundError,
    RejectedError,
)
from roomscope.tui.providers.http import BearerAuth, HttpClient, inert_message
from roomscope.tui.providers.parsing import (
    describe_validation_error,
    iso,
    jsonable,
    mark_replaced,
    parse_one,
    parse_records,
    recover_id,
    text,
)
from roomscope.tui.providers.realtimekit import mapping, report
from roomscope.tui.providers.realtimekit.cursors import (
    MAX_PER_PAGE,
    next_page,
    offset_cursor,
    read_page_cursor,
    read_window_cursor,
    total_count,
    window_cursor,
    window_page,
)
from roomscope.tui.providers.realtimekit.errors import (
    RECORDINGS_KEPT_DAYS,
    error_detail,
    failure_message,
    retention_note,
)
from roomscope.tui.providers.realtimekit.limiter import RequestLimiter
from roomscope.tui.providers.realtimekit.payloads import (
    LegacyParticipantDetail,
    LegacyPeerStats,
    LegacyQualityStat,
    ParticipantRecord,
    RecordingRecord,
    SessionRecord,
    field_problem,
    log,
    looks_like_uuid,
    read_lenient,
    read_section,
    summarize,
    usable_id,
)
from roomscope.tui.providers.realtimekit.quality import (
    Point,
    Unread,
    build_series,
    legacy_points,
    receive_extra,
    report_points,
)

API_BASE = "https://api.cloudflare.com/client/v4"
MAX_PEERS = 10
"""Peers (connections) of one participant whose reports are fetched for its quality."""
RECORDING_SLACK = timedelta(minutes=1)
"""Widening of a session's time window when looking for its recordings."""
REPORT_TTL_S = 30.0
"""A peer report read for one view (details, events, quality) serves the others this long."""
TRANSCRIPT_FORMATS = ("CSV", "SRT", "VTT", "JSON")
"""``/transcript?format=``: CSV is the default link; the others are offered beside it."""


class RealtimeKitProvider(BaseProvider):
    name = mapping.PROVIDER
    label = mapping.LABEL
    capabilities = frozenset(
        {
            Capability.PARTICIPANTS,
            Capability.EVENTS,
            Capability.PARTICIPANT_EVENTS,
            Capability.RECORDINGS,
            Capability.QUALITY,
            Capability.ARTIFACTS,
            Capability.DEVICE_INFO,
            Capability.NETWORK_INFO,
            Capability.SEEK,
            Capability.TOTAL,
            Capability.STATUS_FILTER,
            Capability.TIME_FILTER,
            Capability.TEXT_SEARCH,
        }
    )
    sort_keys = frozenset({SortKey.START})
    page_size = 50
    missing: Mapping[Capability, str] = {}

    def __init__(
        self,
        profile: str,
        *,
        api_token: str,
        account_id: str,
        app_id: str,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utcnow,
        limiter: RequestLimiter | None = None,
        **http_options: Any,
    ) -> None:
        super().__init__(profile)
        missing = [
            label
            for label, value in (
                ("an API token (CLOUDFLARE_API_TOKEN)", api_token),
                ("an account id (CLOUDFLARE_ACCOUNT_ID)", account_id),
                ("an app id (REALTIMEKIT_APP_ID)", app_id),
            )
            if not (value or "").strip()
        ]
        if missing:
            raise AuthError(f"{self.label} needs {', '.join(missing)}.", provider=self.name)
        self.account_id = account_id.strip()
        self.app_id = app_id.strip()
        self.base_url = (base_url or API_BASE).rstrip("/")
        self.clock = clock
        self.prefix = (
            f"/accounts/{quote(self.account_id, safe='')}/realtime/kit/{quote(self.app_id, safe='')}"
        )
        self.http = HttpClient(
            provider=self.name,
            label=self.label,
            base_url=self.base_url,
            auth=BearerAuth(api_token.strip()),
            transport=transport,
            error_detail=error_detail,
            **http_options,
        )
        self.limiter = limiter or RequestLimiter(sleep=http_options.get("sleep", asyncio.sleep))
        """The documented request budget (3,500 per 5 min; recordings 1,000 per 50 s)."""
        self._reports: LRU[tuple[str, str], tuple[float, asyncio.Task[dict[str, Any] | None]]] = LRU(64)
        """(peer, session) -> (when asked, the answer): one request serves details, events
        and quality of a participant viewed together."""
        self._owners: LRU[str, str] = LRU(20_000)
        """peer id -> participant id, learnt from every peer event read."""

    @property
    def identity(self) -> str:
        return f"{self.name}:{self.profile}:{self.base_url}:{self.account_id}:{self.app_id}"

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- plumbing ------------------------------------------------------------------------

    def _path(self, *parts: str) -> str:
        return self.prefix + "".join("/" + self.http.segment(part) for part in parts)

    async def _get(self, parts: Sequence[str], params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET and check the ``{success, data}`` envelope; returns the whole body."""
        await self.limiter.acquire(recordings=parts[:1] == ["recordings"])
        path = self._path(*parts)
        try:
            body = await self.http.get_json(path, params)
        except NotFoundError as exc:
            raise NotFoundError(
                f"{exc.message} {retention_note('/'.join(parts))}", provider=self.name, status=exc.status
            ) from None
        what = "/".join(parts[:1]) or "response"
        if not isinstance(body, dict):
            raise BadPayloadError(
                f"{self.label} sent a {type(body).__name__} for {what}, not an object.",
                provider=self.name,
                field="body",
            )
        if body.get("success") is False:
            said = inert_message(failure_message(body) or "") or "no reason given"
            raise RejectedError(f"{self.label} rejected the request: {said}", provider=self.name)
        return body

    def _data(self, body: dict[str, Any], what: str) -> dict[str, Any]:
        data = body.get("data")
        if not isinstance(data, dict):
            raise BadPayloadError(
                f"{self.label} sent an unreadable {what}: 'data' is "
                f"{type(data).__name__ if data is not None else 'missing'}, not an object.",
                provider=self.name,
                field="data",
            )
        return data

    def _list(self, data: dict[str, Any], key: str, what: str) -> Any:
        if key not in data:
            raise BadPayloadError(
                f"{self.label} sent an unreadable {what} page: 'data.{key}' is missing.",
                provider=self.name,
                field=f"data.{key}",
            )
        return data[key]

    # -- sessions ------------------------------------------------------------------------

    def page_cursor(self, query: SessionQuery, offset: int, limit: int) -> str | None:
        return offset_cursor(offset, limit)

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        page_no, per_page = read_page_cursor(cursor, limit)
        ascending = query.sort is SortKey.START and not query.descending
        params: dict[str, Any] = {
            "page_no": page_no,
            "per_page": per_page,
            "sort_by": "createdAt",
            "sort_order": "ASC" if ascending else "DESC",
        }
        if query.status in (SessionStatus.LIVE, SessionStatus.ENDED):
            params["status"] = "LIVE" if query.status is SessionStatus.LIVE else "ENDED"
        if query.since is not None:
            params["start_time"] = iso(query.since)
        if query.until is not None:
            params["end_time"] = iso(query.until)
        if query.text.strip():
            params["search"] = query.text.strip()
        body = await self._get(["sessions"], params)
        data = self._data(body, "session list")
        raw = self._list(data, "sessions", "session list")
        now = self.clock()
        items = parse_records(
            raw,
            SessionRecord,
            lambda record: mapping.session(record, now, profile=self.profile),
            lambda index, item, reason: mapping.session_placeholder(
                index, item, reason, profile=self.profile
            ),
            provider=self.label,
            what="sessions",
        )
        total = total_count(body, data)
        next_cursor = next_page(page_no, per_page, len(raw), total)
        if query.status is SessionStatus.UNKNOWN:
            # The API filters on LIVE/ENDED only; sessions in any other state are picked here.
            items = [s for s in items if s.status is SessionStatus.UNKNOWN]
            total = None
        return Page[Session](items=items, next_cursor=next_cursor, total=total)

    async def get_session(self, session_id: str) -> Session:
        body = await self._get(["sessions", session_id])
        data = self._data(body, "session")
        # Current spec: the session is ``data``; older versions wrap it as ``data.session``.
        raw = data["session"] if isinstance(data.get("session"), dict) else data
        if recover_id(raw, "id") is None:  # not a session record at all
            parse_one(raw, SessionRecord, provider=self.label, what="session")
        try:
            record = SessionRecord.model_validate(raw)
        except ValidationError as exc:
            # As in the list: an unreadable field (the spec types every timestamp as a plain
            # string) marks the session instead of hiding its participants, events and
            # recordings. It keeps the id it was asked for.
            reason = describe_validation_error(exc)
            unreadable = mapping.session_placeholder(0, raw, reason, profile=self.profile)
            return unreadable.model_copy(update={"id": session_id})
        return mark_replaced(raw, mapping.session(record, self.clock(), profile=self.profile))

    # -- participants --------------------------------------------------------------------

    async def list_participants(self, session_id: str, cursor: str | None, limit: int) -> Page[Participant]:
        page_no, per_page = read_page_cursor(cursor, limit)
        body, data, raw = await self._participants_page(session_id, page_no, per_page)
        items = parse_records(
            raw,
            ParticipantRecord,
            lambda record: mapping.participant(session_id, record),
            lambda i, r, why: mapping.participant_placeholder(session_id, i, r, why),
            provider=self.label,
            what="participants",
        )
        total = total_count(data, body)
        self._learn_owners(items)
        return Page[Participant](
            items=items, next_cursor=next_page(page_no, per_page, len(raw), total), total=total
        )

    def _learn_owners(self, participants: Sequence[Participant]) -> None:
        for participant in participants:
            for peer in participant.extra.get("peer_ids") or [participant.id]:
                if isinstance(peer, str):
                    self._owners.put(peer, participant.id)

    async def _participants_page(
        self, session_id: str, page_no: int, per_page: int
    ) -> tuple[dict[str, Any], dict[str, Any], Any]:
        params = {
            "page_no": page_no,
            "per_page": per_page,
            "sort_by": "joinedAt",
            "sort_order": "ASC",
            "include_peer_events": True,
        }
        body = await self._get(["sessions", session_id, "participants"], params)
        data = self._data(body, "participant list")
        return body, data, self._list(data, "participants", "participant list")

    async def _participant_detail(
        self, session_id: str, participant_id: str
    ) -> tuple[LegacyParticipantDetail, str | None]:
        """The participant's details and what of them could not be read (None: all).

        Read field by field: an unreadable field (the spec types every timestamp as a
        plain string) is left out and named, never costing the participant. An id that
        is no use for asking about its peer (not a UUID) is replaced by the id asked for.
        Only a body that is not a participant at all is a BadPayloadError."""
        body = await self._get(
            ["sessions", session_id, "participants", participant_id], {"include_peer_events": True}
        )
        data = self._data(body, "participant")
        raw = data.get("participant", data)
        if not isinstance(raw, Mapping) or not raw.keys() & mapping.DETAIL_FIELDS:
            if isinstance(raw, Mapping):
                shape = "an object with no participant field"
            else:
                shape = "null" if raw is None else type(raw).__name__
            raise BadPayloadError(
                f"{self.label} sent an unreadable participant: 'data.participant' is {shape}.",
                provider=self.name,
                field="data.participant",
            )
        fields = dict(raw)
        problems: list[str] = []
        given = fields.get("id")
        if usable_id(given) is None and not (isinstance(given, str) and given.strip() == participant_id):
            problems.append(
                field_problem({"loc": ("id",), "msg": "not a usable participant id", "input": given})
                + ", showing the id asked for"
            )
            fields["id"] = participant_id
        record, unread = read_lenient(LegacyParticipantDetail, fields)
        if record is None:  # (only the id is required, and it is set: not expected)
            raise BadPayloadError(
                f"{self.label} sent an unreadable participant: {summarize(unread)}",
                provider=self.name,
                field="data.participant",
            )
        return record, summarize([*problems, *unread])

    async def _peer_report(self, peer_id: str, session_id: str) -> dict[str, Any] | None:
        """``data.participant`` of a peer report, read whole (metadata, quality samples and
        summaries, ``peer_stats``, ``quality_stats``: the single-valued ``filters`` would
        need one request per section); None when the API has none (404) or it belongs to
        another session. One answer serves every view of the peer for a short while."""
        self.http.segment(peer_id, "participant id")  # a bad id is not a 404: checked first
        key = (peer_id, session_id.strip().lower())
        now = time.monotonic()
        cached = self._reports.get(key)
        if cached is not None and now - cached[0] < REPORT_TTL_S:
            task = cached[1]
            if not task.done() or (not task.cancelled() and task.exception() is None):
                return await asyncio.shield(task)
        task = asyncio.ensure_future(self._read_peer_report(peer_id, session_id))
        self._reports.put(key, (now, task))
        return await asyncio.shield(task)

    async def _read_peer_report(self, peer_id: str, session_id: str) -> dict[str, Any] | None:
        try:
            body = await self._get(["sessions", "peer-report", peer_id])
        except NotFoundError:
            return None
        data = self._data(body, "peer report")
        participant = data.get("participant")
        if not isinstance(participant, dict):
            return None
        owner = usable_id(participant.get("session_id"))  # an unreadable owner proves nothing
        if owner is not None and owner.lower() != session_id.strip().lower():
            return None
        return participant

    async def get_participant(self, session_id: str, participant_id: str) -> Participant:
        detail, problem = await self._participant_detail(session_id, participant_id)
        stats = read_section(LegacyPeerStats, detail.peer_stats)
        more: dict[str, Any]
        if stats is not None and (stats.device_info or stats.ip_information):
            device, network = mapping.legacy_device(stats), mapping.legacy_network(stats)
            more = {"precall_network": jsonable(stats.precall_network_information)}
            more.update(self._report_extra(detail.peer_stats, detail.quality_stats, None))
        else:
            found = await self._peer_report(detail.id, session_id) or {}
            peer_report = found.get("peer_report")
            metadata = peer_report.get("metadata") if isinstance(peer_report, dict) else None
            metadata = metadata if isinstance(metadata, dict) else {}
            quality = peer_report.get("quality") if isinstance(peer_report, dict) else None
            device = mapping.report_device(metadata)
            network = report.merge_network(
                mapping.report_network(metadata), report.connection_network(found.get("peer_stats"))
            )
            more = {
                key: jsonable(metadata[key])
                for key in ("sdk_type", "room_view_type", "native_metadata")
                if metadata.get(key) not in (None, "", {})
            }
            more.update(self._report_extra(found.get("peer_stats"), found.get("quality_stats"), quality))
            transport = report.candidate_pairs(metadata)
            if transport:
                more["transport"] = transport
        base = mapping.participant(session_id, detail, device=device, network=network)
        extra = {**base.extra, **{k: v for k, v in more.items() if v is not None}}
        return base.model_copy(update={"extra": extra, "problem": problem})

    @staticmethod
    def _report_extra(peer_stats: Any, quality_stats: Any, quality: Any) -> dict[str, Any]:
        """Connection checks, quality totals and the per-stream summaries, for ``extra``."""
        out: dict[str, Any] = report.connection_summary(peer_stats)
        totals = report.quality_totals(quality_stats) if quality_stats is not None else []
        if totals:
            out["quality_totals"] = totals
        summaries = report.cumulative_summaries(quality)
        if summaries:
            out["quality_summary"] = summaries
            issues = report.video_issues(summaries)
            if issues:
                out["video_issues"] = issues
        return out

    # -- events --------------------------------------------------------------------------

    async def list_events(
        self,
        session_id: str,
        cursor: str | None,
        limit: int,
        participant_id: str | None = None,
    ) -> Page[Event]:
        """Peer lifecycle events (PEER_CREATED/JOINING/LEAVING) of every participant, one
        participant page per event page; for one participant, also its client events."""
        if participant_id is not None:
            detail, _problem = await self._participant_detail(session_id, participant_id)
            events = mapping.events_of(session_id, detail, detail.peer_events)
            client = await self._client_events(session_id, detail)
            return Page[Event](items=sorted([*events, *client], key=mapping.event_order), total=None)
        page_no, per_page = read_page_cursor(cursor, limit)
        body, data, raw = await self._participants_page(session_id, page_no, per_page)
        if not isinstance(raw, list):
            raise BadPayloadError(
                f"{self.label}: expected a list of participants, got {type(raw).__name__}.",
                provider=self.name,
                field="data.participants",
            )
        items: list[Event] = []
        for index, raw_participant in enumerate(raw):
            try:
                record = ParticipantRecord.model_validate(raw_participant)
            except ValidationError as exc:
                items.append(mapping.event_placeholder(session_id, raw_participant, index, exc))
                continue
            items.extend(mapping.events_of(session_id, record, record.peer_events))
        return Page[Event](
            items=sorted(items, key=mapping.event_order),
            next_cursor=next_page(page_no, per_page, len(raw), total_count(data, body)),
        )

    async def _client_events(self, session_id: str, detail: LegacyParticipantDetail) -> list[Event]:
        """Client-side events: legacy ``peer_stats.events`` when the details carry them,
        otherwise ``peer_report.metadata.events`` of each of the participant's peers."""
        name = text(detail.display_name)
        stats = read_section(LegacyPeerStats, detail.peer_stats)
        if stats is not None and stats.events is not None:
            sources: list[tuple[str, Any]] = [(detail.id, stats.events)]
        else:
            peers = mapping.peer_ids(detail)[:MAX_PEERS]
            reports = await asyncio.gather(*(self._peer_report(p, session_id) for p in peers))
            sources = []
            for peer, report in zip(peers, reports, strict=True):
                metadata = ((report or {}).get("peer_report") or {}).get("metadata")
                if isinstance(metadata, dict) and isinstance(metadata.get("events"), list):
                    sources.append((peer, metadata["events"]))
        out: list[Event] = []
        for peer, raw_events in sources:
            out.extend(mapping.client_events_of(session_id, detail.id, name, peer, raw_events))
        return out

    # -- recordings ----------------------------------------------------------------------

    async def list_recordings(self, session_id: str, cursor: str | None, limit: int) -> Page[Recording]:
        """``/recordings`` has no session filter: ask for the session's meeting within the
        session's time window (widened by a minute), keep the records whose
        ``session_id`` is this session."""
        if cursor is None:
            session = await self.get_session(session_id)
            window: dict[str, Any] = {"p": 1, "n": max(1, min(limit, MAX_PER_PAGE))}
            if session.room_id and looks_like_uuid(session.room_id):
                window["m"] = session.room_id
            if session.started_at is not None:
                window["s"] = iso(session.started_at - RECORDING_SLACK)
            if session.ended_at is not None:
                window["e"] = iso(session.ended_at + RECORDING_SLACK)
        else:
            window = read_window_cursor(cursor)
        page_no, per_page = window_page(window)
        params: dict[str, Any] = {
            "page_no": page_no,
            "per_page": per_page,
            "sort_by": "invokedTime",
            "sort_order": "ASC",
            "meeting_id": window.get("m"),
            "start_time": window.get("s"),
            "end_time": window.get("e"),
        }
        body = await self._get(["recordings"], params)
        raw = body.get("data")
        items = parse_records(
            raw,
            RecordingRecord,
            lambda r: mapping.recording(session_id, r),
            lambda i, r, why: mapping.recording_placeholder(session_id, i, r, why),
            provider=self.label,
            what="recordings",
        )
        mine = [r for r in items if r.session_id == session_id or r.problem is not None]
        more = next_page(page_no, per_page, len(items), total_count(body))
        return Page[Recording](
            items=mine,
            next_cursor=window_cursor({**window, "p": page_no + 1}) if more else None,
        )

    # -- artifacts -----------------------------------------------------------------------

    async def list_artifacts(self, session_id: str) -> list[Artifact]:
        """Chat (CSV), transcript (CSV, and its SRT, VTT and JSON versions) and summary
        links. A 404 means the artifact does not exist, or no longer: RealtimeKit keeps
        them 7 days, and an artifact missing from a session that ended longer ago than
        that is listed as expired."""
        self.http.segment(session_id, "session id")  # a bad id is not a 404: checked first
        asks: list[tuple[str, str, str, str, str, str | None]] = []
        for kind, path, url_key, expiry_key, default_format in mapping.ARTIFACTS:
            if path == "transcript":
                for fmt in TRANSCRIPT_FORMATS:
                    asks.append((kind, path, url_key, expiry_key, fmt.lower(), fmt))
            else:
                asks.append((kind, path, url_key, expiry_key, default_format, None))
        answers = await asyncio.gather(
            *(
                self._get(["sessions", session_id, path], {"format": fmt} if fmt else None)
                for _k, path, _u, _e, _d, fmt in asks
            ),
            return_exceptions=True,
        )
        out: list[Artifact] = []
        gone: list[str] = []
        for ask, answer in zip(asks, answers, strict=True):
            what, _path, url_key, expiry_key, default_format, wanted = ask
            if isinstance(answer, NotFoundError):
                if what not in gone:
                    gone.append(what)
                continue
            if isinstance(answer, BaseException):
                raise answer
            data = self._data(answer, f"{what} link")
            found = mapping.artifact(session_id, what, data, url_key, expiry_key, default_format)
            if wanted is not None:
                found = found.model_copy(update={"format": wanted.lower()})
            if not any(a.kind == found.kind and a.url == found.url and a.format == found.format for a in out):
                out.append(found)
        gone = [k for k in gone if not any(a.kind == k for a in out)]
        if gone:
            out.extend(await self._expired(session_id, gone))
        return out

    async def _expired(self, session_id: str, kinds: Sequence[str]) -> list[Artifact]:
        """The artifacts a session that ended more than the retention period ago no longer has."""
        try:
            session = await self.get_session(session_id)
        except NotFoundError:
            return []
        ended = session.ended_at
        if ended is None or self.clock() - ended <= timedelta(days=RECORDINGS_KEPT_DAYS):
            return []
        note = (
            f"expired: RealtimeKit keeps chat, recordings and transcripts for {RECORDINGS_KEPT_DAYS} days "
            f"and this session ended {ended:%Y-%m-%d}"
        )
        return [Artifact(provider=self.name, session_id=session_id, kind=kind, note=note) for kind in kinds]

    # -- quality -------------------------------------------------------------------------

    async def get_quality(self, session_id: str, participant_id: str) -> list[QualitySeries]:
        """Peer reports first (one per peer of the participant), legacy ``quality_stats``
        from the participant details when there is no report with samples."""
        detail, _problem = await self._participant_detail(session_id, participant_id)
        peers = mapping.peer_ids(detail)[:MAX_PEERS]
        legacy = [
            s for s in (read_section(LegacyQualityStat, raw) for raw in detail.quality_stats or []) if s
        ]
        unread = Unread()
        points: list[Point] = []
        firsts: list[datetime] = []
        reports = [await self._peer_report(peers[0], session_id)]
        if reports[0] is not None or not legacy:
            # (a 404 for the participant's own peer next to legacy data: no peer reports here)
            reports += await asyncio.gather(*(self._peer_report(peer, session_id) for peer in peers[1:]))
        summaries: dict[str, dict[str, Any]] = {}
        for peer, found_report in zip(peers, reports, strict=False):
            quality = ((found_report or {}).get("peer_report") or {}).get("quality")
            if isinstance(quality, dict):
                found, first = report_points(quality, peer, unread)
                points.extend(found)
                firsts.extend([first] if first is not None else [])
                summaries.update(report.cumulative_summaries(quality))
        generation = "peer-report"
        if not points:
            generation, firsts, unread = "legacy", [], Unread()
            for stat in legacy:
                points.extend(legacy_points(stat, usable_id(stat.peer_id) or detail.id, unread))
        if not points:
            if unread.samples:
                log.debug("realtimekit: no quality samples for %s: %s", participant_id, unread.note())
            return []
        # The series starts at the first sample, counters-only baselines included.
        start = min([p.at for p in points] + firsts)
        for peer in peers:
            self._owners.put(peer, participant_id)
        senders = {p.sender: self._owners.get(p.sender) or p.sender for p in points if p.sender}
        return build_series(
            points,
            start=start,
            generation=generation,
            provider=self.name,
            session_id=session_id,
            participant_id=participant_id,
            note=unread.note(),
            senders=senders,
            extra=_summary_extra(summaries, receive_extra(points)),
        )

    # -- check ---------------------------------------------------------------------------

    async def check(self) -> str:
        body = await self._get(["sessions"], {"page_no": 1, "per_page": 1})
        data = self._data(body, "session list")
        total = total_count(body, data)
        count = f"{total:,} sessions" if total is not None else "sessions readable"
        return f"{self.label} app {self.app_id} (account {self.account_id}): {count}"


def _summary_extra(
    summaries: Mapping[str, Mapping[str, Any]], received: Mapping[str, float]
) -> dict[Metric, dict[str, Any]]:
    """The per-stream ``*_cumulative`` summaries beside the series they summarise."""
    out: dict[Metric, dict[str, Any]] = {}
    for metric, streams in (
        (Metric.LOSS_SEND, ("audio_producer", "video_producer")),
        (Metric.LOSS_RECV, ("audio_consumer", "video_consumer")),
        (Metric.MOS, ("audio_producer", "audio_consumer")),
        (Metric.CPU_LIMITED, ("video_producer",)),
        (Metric.BW_LIMITED, ("video_producer",)),
    ):
        found = {stream: dict(summaries[stream]) for stream in streams if stream in summaries}
        if found:
            out[metric] = {"cumulative": found}
    if received:
        out.setdefault(Metric.LOSS_RECV, {}).update(received)
    return out
