"""The store: the one object screens and headless commands ask for data.

It owns the providers, the disk cache and every collection built from them. A session list
is built from the query plan (:mod:`~roomscope.tui.store.planner`): one paged collection per
provider, merged, filtered and sorted here where the APIs cannot. Details (a session, its
participants, events, recordings, artifacts, quality) go through the
:class:`~roomscope.tui.store.fetcher.Fetcher`, with an expiry that depends on whether the
data can still change (ended sessions never expire). Every slow step (sqlite, decoding,
generating) runs in a worker thread so the loop that draws the screen never waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter

from roomscope.tui.cache import Cache, make_key
from roomscope.tui.errors import Capability, NotFoundError, ProviderError, UnsupportedError, unsupported
from roomscope.tui.limits import (
    DIAGNOSIS_MEMO,
    FILTER_CONCURRENCY,
    LINK_TTL_S,
    LIST_TTL_S,
    LIVE_TTL_S,
    QUALITY_CONCURRENCY,
)
from roomscope.tui.lru import LRU
from roomscope.tui.models import (
    Artifact,
    Event,
    Page,
    Participant,
    QualitySeries,
    Recording,
    Session,
    SessionQuery,
    SessionStatus,
    SortKey,
)
from roomscope.tui.providers.base import Provider
from roomscope.tui.store.collections import Collection, PagedCollection
from roomscope.tui.store.fetcher import Fetcher
from roomscope.tui.store.planner import plan_query, sort_value
from roomscope.tui.store.signals import Freshness, Signal, StoreStatus
from roomscope.tui.store.views import FilteredCollection, MergedCollection, SortedCollection

if TYPE_CHECKING:
    from roomscope.tui import quality
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.imports.library import ImportLibrary

T = TypeVar("T")


@dataclass(frozen=True)
class SessionRef:
    """One session of one profile."""

    profile: str
    session_id: str


@dataclass(frozen=True)
class QualityReport:
    """One participant's quality series (with the MOS estimate, in display order) and their
    assessment; :func:`roomscope.tui.present.quality_summary_rows` puts it into words."""

    session_id: str
    participant_id: str
    series: list[QualitySeries]
    assessment: quality.QualityAssessment
    freshness: Freshness | None = None
    # Per-sender receive series (``QualitySeries.peer_id``): evidence for attribution, not
    # panels of their own; ``series`` holds the participant's own series only.
    peers: list[QualitySeries] = field(default_factory=list)


class Store:
    """Owns the providers, the cache and every collection built from them."""

    def __init__(
        self,
        providers: Sequence[Provider],
        cache: Cache | None,
        *,
        offline: bool = False,
        swr: bool = True,
        clock: Callable[[], float] = time.time,
        imports: ImportLibrary | None = None,
    ) -> None:
        if not providers:
            raise ValueError("a store needs at least one provider")
        self.providers = list(providers)
        self.cache = cache
        self.clock = clock
        self.imports = imports
        """Imported client statistics: their series join the provider's (``_series``)."""
        self.status = StoreStatus(offline_mode=offline, cache_note=cache.note if cache else None)
        self.status_changed = Signal()
        self.updated = Signal()
        """Emitted when a background revalidation brought new detail data."""
        self.fetcher = Fetcher(cache, self.status, self.status_changed, offline=offline, swr=swr, clock=clock)
        self._collections: OrderedDict[tuple[SessionQuery, tuple[str, ...]], Collection[Session]] = (
            OrderedDict()
        )
        self._quality_gate = asyncio.Semaphore(QUALITY_CONCURRENCY)
        self._diagnoses: LRU[str, SessionDiagnosis] = LRU(DIAGNOSIS_MEMO)
        self._diagnosing: dict[str, asyncio.Future[SessionDiagnosis]] = {}

    # -- providers -----------------------------------------------------------------------

    def provider(self, profile: str) -> Provider:
        for provider in self.providers:
            if provider.profile == profile:
                return provider
        raise NotFoundError(f"No profile named {profile!r}.")

    def notices(self) -> list[tuple[Provider, str]]:
        """What the adapters found out about their APIs while answering (a list in another
        order than documented, counts that disagree, events naming no member), in order."""
        return [(p, str(sentence)) for p in self.providers for sentence in getattr(p, "notices", ())]

    @property
    def profiles(self) -> list[str]:
        return [p.profile for p in self.providers]

    # -- session lists -------------------------------------------------------------------

    def sessions(
        self, query: SessionQuery, profiles: Sequence[str] | None = None, *, renew: bool = False
    ) -> Collection[Session]:
        """The (memoised) collection for ``query`` over ``profiles`` (default: all of them),
        merged, filtered and sorted as needed. ``renew``: a new one, read afresh (live mode
        builds the list again beside the one on screen), which replaces the memoised one."""
        chosen = tuple(profiles) if profiles else tuple(self.profiles)
        key = (query, chosen)
        found = None if renew else self._collections.get(key)
        if found is not None:
            self._collections.move_to_end(key)
            return found
        providers = [self.provider(name) for name in chosen]
        collection = self._build(query, providers)
        self._collections[key] = collection
        while len(self._collections) > 8:
            self._collections.popitem(last=False)
        return collection

    def sessions_apart(
        self, query: SessionQuery, profiles: Sequence[str] | None = None
    ) -> Collection[Session]:
        """A collection for ``query`` of its own, not the memoised one the screens share: for a
        reader that must neither let go of the pages a list on screen shows nor leave its own
        misses in them (a read from the cache only). Its pages still come from the disk cache."""
        chosen = tuple(profiles) if profiles else tuple(self.profiles)
        return self._build(query, [self.provider(name) for name in chosen])

    def _build(self, query: SessionQuery, providers: Sequence[Provider]) -> Collection[Session]:
        plan = plan_query(query, providers, datetime.fromtimestamp(self.clock(), UTC))
        sources: list[Collection[Session]] = []
        for part in plan.sources:
            source: Collection[Session]
            if part.sort_by_start and query.descending and _partitioned(part.provider):
                # Listed partition by partition: newest first as the partitions are read.
                from roomscope.tui.store.partitioned import PartitionedCollection

                source = PartitionedCollection(
                    provider=part.provider, fetcher=self.fetcher, query=part.query, clock=self.clock
                )
            elif part.sort_by_start:
                # This API cannot list in start order: read it all and sort it here.
                source = SortedCollection(
                    self._paged_sessions(part.provider, part.query),
                    sort_value(SortKey.START),
                    query.descending,
                    SortKey.START,
                    profile=part.provider.profile,
                )
            else:
                source = self._paged_sessions(part.provider, part.query)
            sources.append(source)
        base: Collection[Session]
        if len(sources) == 1:
            base = sources[0]
        else:
            base = MergedCollection(sources, descending=plan.merge_descending)
        if plan.filters:
            resolve = None
            if plan.needs:  # terms the rows alone cannot decide: ask for what they need
                from roomscope.tui.store.facts import resolver

                resolve = resolver(self, plan.parsed)
            base = FilteredCollection(
                base,
                plan.keep,
                past=plan.past_range if plan.newest_first else None,
                position=self._time_position(query.model_copy(update={"since": plan.floor}))
                if plan.newest_first
                else None,
                resolve=resolve,
                concurrency=FILTER_CONCURRENCY,
            )
        if plan.sort:
            base = SortedCollection(base, sort_value(query.sort), query.descending, query.sort)
        return base

    def _paged_sessions(self, provider: Provider, query: SessionQuery) -> PagedCollection[Session]:
        seekable = Capability.SEEK in provider.capabilities and Capability.TOTAL in provider.capabilities

        def ttl(page: Page[Session]) -> float | None:
            return LIVE_TTL_S if any(s.is_live for s in page.items) else LIST_TTL_S

        return PagedCollection(
            provider=provider,
            fetcher=self.fetcher,
            kind="sessions",
            params=query.model_dump(mode="json"),
            load=lambda cursor, limit: provider.list_sessions(query, cursor, limit),
            adapter=_session_page(),
            ttl=ttl,
            page_size=provider.page_size,
            seek=(lambda offset, limit: provider.page_cursor(query, offset, limit)) if seekable else None,
            clock=self.clock,
            position=self._time_position(query) if query.sort is SortKey.START and query.descending else None,
        )

    def _time_position(self, query: SessionQuery) -> Callable[[Session], float | None] | None:
        """How far through a newest-first list with a start of its time range a session is
        (0: the range's end, 1: its start), for the time left of a long load; None when the
        list has no such bound."""
        since = query.since
        if since is None:
            return None
        floor = since.timestamp()

        def position(session: Session) -> float | None:
            if session.started_at is None:
                return None
            top = query.until.timestamp() if query.until is not None else self.clock()
            if top <= floor:
                return None
            return min(1.0, max(0.0, (top - session.started_at.timestamp()) / (top - floor)))

        return position

    # -- one session and what hangs off it -----------------------------------------------

    @staticmethod
    def _detail_ttl(session: Session | None) -> float | None:
        if session is None or session.status is not SessionStatus.ENDED:
            return LIVE_TTL_S
        return None

    async def session(self, ref: SessionRef) -> Session:
        provider = self.provider(ref.profile)
        value, _f = await self.fetcher.fetch(
            provider=provider,
            kind="session",
            params=ref.session_id,
            cursor=None,
            limit=None,
            loader=lambda: provider.get_session(ref.session_id),
            adapter=_session(),
            ttl=self._detail_ttl,
            on_fresh=lambda _v, _f: self.updated.emit(),
        )
        return value

    async def _all_pages(
        self,
        provider: Provider,
        kind: str,
        params: Any,
        load: Callable[[str | None, int], Awaitable[Page[T]]],
        adapter: TypeAdapter[Page[T]],
        ttl: Callable[[Page[T]], float | None],
        limit: int,
    ) -> list[T]:
        items: list[T] = []
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page, _f = await self.fetcher.fetch(
                provider=provider,
                kind=kind,
                params=params,
                cursor=cursor,
                limit=limit,
                loader=functools.partial(load, cursor, limit),
                adapter=adapter,
                ttl=ttl,
                on_fresh=lambda _v, _f: self.updated.emit(),
            )
            items.extend(page.items)
            cursor = page.next_cursor
            if cursor is None or cursor in seen:
                return items
            seen.add(cursor)

    def _require(self, provider: Provider, capability: Capability) -> None:
        if capability not in provider.capabilities:
            raise unsupported(provider, capability)

    async def participants(self, session: Session) -> list[Participant]:
        provider = self.provider(session.profile)
        self._require(provider, Capability.PARTICIPANTS)
        ttl = self._detail_ttl(session)
        return await self._all_pages(
            provider,
            "participants",
            session.id,
            lambda cursor, limit: provider.list_participants(session.id, cursor, limit),
            _participant_page(),
            lambda _p: ttl,
            provider.page_size,
        )

    async def participant(self, session: Session, participant_id: str) -> Participant:
        provider = self.provider(session.profile)
        value, _f = await self.fetcher.fetch(
            provider=provider,
            kind="participant",
            params=[session.id, participant_id],
            cursor=None,
            limit=None,
            loader=lambda: provider.get_participant(session.id, participant_id),
            adapter=_participant(),
            ttl=lambda _p: self._detail_ttl(session),
            on_fresh=lambda _v, _f: self.updated.emit(),
        )
        return value

    async def events(self, session: Session, participant_id: str | None = None) -> list[Event]:
        provider = self.provider(session.profile)
        self._require(provider, Capability.EVENTS)
        if participant_id is not None and Capability.PARTICIPANT_EVENTS not in provider.capabilities:
            every = await self.events(session)
            return [e for e in every if e.participant_id == participant_id]
        ttl = self._detail_ttl(session)
        return await self._all_pages(
            provider,
            "events",
            [session.id, participant_id],
            lambda cursor, limit: provider.list_events(session.id, cursor, limit, participant_id),
            _event_page(),
            lambda _p: ttl,
            max(provider.page_size, 100),
        )

    async def recordings(self, session: Session) -> list[Recording]:
        provider = self.provider(session.profile)
        self._require(provider, Capability.RECORDINGS)
        ttl = LINK_TTL_S if session.status is SessionStatus.ENDED else LIVE_TTL_S
        return await self._all_pages(
            provider,
            "recordings",
            session.id,
            lambda cursor, limit: provider.list_recordings(session.id, cursor, limit),
            _recording_page(),
            lambda _p: ttl,
            provider.page_size,
        )

    async def artifacts(self, session: Session) -> list[Artifact]:
        provider = self.provider(session.profile)
        self._require(provider, Capability.ARTIFACTS)
        ttl = LINK_TTL_S if session.status is SessionStatus.ENDED else LIVE_TTL_S
        value, _f = await self.fetcher.fetch(
            provider=provider,
            kind="artifacts",
            params=session.id,
            cursor=None,
            limit=None,
            loader=lambda: provider.list_artifacts(session.id),
            adapter=_artifacts(),
            ttl=lambda _v: ttl,
            on_fresh=lambda _v, _f: self.updated.emit(),
        )
        return value

    async def quality(self, session: Session, participant_id: str) -> QualityReport:
        freshness_box: list[Freshness] = []
        series = await self._series(session, participant_id, freshness_box)
        return await asyncio.to_thread(self._report, session.id, participant_id, series, freshness_box[0])

    async def _series(
        self, session: Session, participant_id: str, freshness_out: list[Freshness] | None = None
    ) -> list[QualitySeries]:
        """The participant's series as the provider gives them (per-sender ones included),
        then those of the dumps imported for it (each labelled with its dump as source)."""
        provider = self.provider(session.profile)
        imported: list[QualitySeries] = []
        if self.imports is not None:
            imported = await asyncio.to_thread(
                self.imports.series_for, session.provider, session.id, participant_id
            )
        if not imported:
            self._require(provider, Capability.QUALITY)
        series: list[QualitySeries] = []
        freshness = Freshness(fetched_at=self.clock(), from_cache=False, stale=False)
        if Capability.QUALITY in provider.capabilities:
            try:
                async with self._quality_gate:
                    series, freshness = await self.fetcher.fetch(
                        provider=provider,
                        kind="quality",
                        params=[session.id, participant_id],
                        cursor=None,
                        limit=None,
                        loader=lambda: provider.get_quality(session.id, participant_id),
                        adapter=_series(),
                        ttl=lambda _v: self._detail_ttl(session),
                        on_fresh=lambda _v, _f: self.updated.emit(),
                    )
            except NotFoundError:
                if not imported:
                    raise
        if freshness_out is not None:
            freshness_out.append(freshness)
        return [*series, *imported]

    # -- diagnosis -----------------------------------------------------------------------

    def _diagnosis_key(self, session: Session) -> str:
        from roomscope.tui.diagnosis import DIAGNOSIS_VERSION

        provider = self.provider(session.profile)
        params: list[object] = [session.id, DIAGNOSIS_VERSION]
        if self.imports is not None:  # an import changes the diagnosis: a key of its own
            params += sorted(r.id for r in self.imports.for_session(session.provider, session.id))
        return make_key(provider.identity, "diagnosis", params, None, None)

    def known_diagnosis(self, session: Session) -> SessionDiagnosis | None:
        """The session's diagnosis if it is in memory (no waiting: a table paints with it).
        With none in memory the answer is known without a key, which would import the
        diagnosis package (~15 ms) while the list paints its first rows."""
        if len(self._diagnoses) == 0:
            return None
        return self._diagnoses.get(self._diagnosis_key(session))

    async def diagnosis(self, session: Session) -> SessionDiagnosis:
        """What went wrong in ``session`` (:func:`roomscope.tui.diagnosis.diagnose`), from
        memory, the disk cache (ended sessions for good, live ones for ``LIVE_TTL_S``) or
        computed from its participants, events and quality series. Concurrent asks for one
        session share one computation."""
        key = self._diagnosis_key(session)
        found = self._diagnoses.get(key)
        if found is not None:
            return found
        running = self._diagnosing.get(key)
        if running is None:
            running = asyncio.ensure_future(self._diagnose(key, session))
            self._diagnosing[key] = running
            running.add_done_callback(lambda _t: self._diagnosing.pop(key, None))
        return await asyncio.shield(running)

    async def _diagnose(self, key: str, session: Session) -> SessionDiagnosis:
        adapter = _diagnosis()
        if self.cache is not None:
            entry = await asyncio.to_thread(self.cache.get, key)
            if (
                entry is not None
                and (entry.expires_at is None or entry.expires_at > self.clock())
                and not self.fetcher.superseded(entry.fetched_at, entry.expires_at)
            ):
                try:
                    cached = adapter.validate_json(entry.body)
                except ValueError:
                    cached = None  # an older or damaged entry: computed again below
                if cached is not None:
                    self._remember_diagnosis(key, session, cached)
                    return cached
        result = await self._compute_diagnosis(session)
        ttl = self._detail_ttl(session)
        if self.cache is not None:
            now = self.clock()
            try:
                body = adapter.dump_json(result)
            except ValueError:
                body = None
            if body is not None:
                await asyncio.to_thread(
                    self.cache.put,
                    key,
                    profile=session.profile,
                    kind="diagnosis",
                    body=body,
                    fetched_at=now,
                    expires_at=None if ttl is None else now + ttl,
                )
        self._remember_diagnosis(key, session, result)
        return result

    def _remember_diagnosis(self, key: str, session: Session, result: SessionDiagnosis) -> None:
        # Only ended sessions stay in memory: a live one's is asked again after its TTL.
        if session.status is SessionStatus.ENDED:
            self._diagnoses.put(key, result)

    async def _compute_diagnosis(self, session: Session) -> SessionDiagnosis:
        from roomscope.tui.diagnosis import diagnose

        provider = self.provider(session.profile)
        participants = await self.participants(session)
        events: list[Event] = []
        if Capability.EVENTS in provider.capabilities:
            try:
                events = await self.events(session)
            except NotFoundError:
                events = []
        series: dict[str, list[QualitySeries]] = {}
        imported = []
        if self.imports is not None:
            imported = await asyncio.to_thread(self.imports.for_session, session.provider, session.id)
        if Capability.QUALITY in provider.capabilities or imported:

            async def one(participant: Participant) -> None:
                # no samples (or none from this provider, nor imported): the diagnosis says so
                with contextlib.suppress(NotFoundError, UnsupportedError):
                    series[participant.id] = await self._series(session, participant.id)

            await asyncio.gather(*(one(p) for p in participants))
        return await asyncio.to_thread(diagnose, session, participants, events, series)

    @staticmethod
    def _report(
        session_id: str, participant_id: str, series: list[QualitySeries], freshness: Freshness
    ) -> QualityReport:
        from roomscope.tui import quality  # the metrics maths, only once a report is asked for

        own = [s for s in series if s.peer_id is None]
        peers = [s for s in series if s.peer_id is not None]
        if any("import_id" in s.extra for s in own):
            # Imported series sit beside the provider's of each metric, after them (the
            # provider's RTT, when there is one, gives the MOS estimate).
            rank = {name: i for i, name in enumerate(quality.METRIC_ORDER)}
            own.sort(key=lambda s: "import_id" not in s.extra)
            ordered = quality.order_series(quality.with_mos(own))
            full = sorted(ordered, key=lambda s: (rank.get(str(s.metric), 99), "import_id" in s.extra))
        else:
            full = quality.order_series(quality.with_mos(own))
        return QualityReport(session_id, participant_id, full, quality.assess(full), freshness, peers)

    async def find_session(self, session_id: str) -> Session:
        """Look a session id up in every profile (the palette's jump)."""
        errors: list[ProviderError] = []
        for provider in self.providers:
            try:
                return await self.session(SessionRef(provider.profile, session_id))
            except ProviderError as exc:
                errors.append(exc)
        not_found = [e for e in errors if isinstance(e, NotFoundError)]
        if len(not_found) == len(errors):
            raise NotFoundError(f"No session with id {session_id!r}.")
        raise next(e for e in errors if not isinstance(e, NotFoundError))

    # -- life cycle ----------------------------------------------------------------------

    def reanchor(self) -> bool:
        """Ask each provider whose session list is read from an anchor (the demo world) to
        move it to now, so sessions begun since appear; True when one moved. A real
        provider's list needs nothing of the kind: its first page simply changes."""
        moved = False
        for provider in self.providers:
            move = getattr(provider, "reanchor", None)
            if callable(move) and move():
                moved = True
        return moved

    def refresh_live(self) -> None:
        """Live mode's refresh: what can still change is asked again when next wanted (and
        waited for); ended sessions' details and diagnoses stay (``Fetcher.refresh_live``)."""
        self.fetcher.refresh_live()

    def refresh(self) -> None:
        """Revalidate everything: cached data stays on screen until fresh data replaces it."""
        self.fetcher.refresh()
        for collection in self._collections.values():
            collection.refresh()
        self.status.last_error = None
        self.status_changed.emit()

    async def aclose(self) -> None:
        await self.fetcher.aclose()
        for provider in self.providers:
            with contextlib.suppress(Exception):
                await provider.aclose()
        if self.cache is not None:
            self.cache.close()


def _partitioned(provider: Provider) -> bool:
    """The provider lists its sessions partition by partition (imported only when a list
    cannot be had in start order, which a first screen usually does not need)."""
    from roomscope.tui.providers.partitioned import PartitionedSessions

    return isinstance(provider, PartitionedSessions)


# Validators are built on first use: the first page should not pay for the quality models.
@functools.cache
def _diagnosis() -> TypeAdapter[SessionDiagnosis]:
    from roomscope.tui.diagnosis import SessionDiagnosis

    return TypeAdapter(SessionDiagnosis)


@functools.cache
def _session_page() -> TypeAdapter[Page[Session]]:
    return TypeAdapter(Page[Session])


@functools.cache
def _participant_page() -> TypeAdapter[Page[Participant]]:
    return TypeAdapter(Page[Participant])


@functools.cache
def _event_page() -> TypeAdapter[Page[Event]]:
    return TypeAdapter(Page[Event])


@functools.cache
def _recording_page() -> TypeAdapter[Page[Recording]]:
    return TypeAdapter(Page[Recording])


@functools.cache
def _session() -> TypeAdapter[Session]:
    return TypeAdapter(Session)


@functools.cache
def _participant() -> TypeAdapter[Participant]:
    return TypeAdapter(Participant)


@functools.cache
def _artifacts() -> TypeAdapter[list[Artifact]]:
    return TypeAdapter(list[Artifact])


@functools.cache
def _series() -> TypeAdapter[list[QualitySeries]]:
    return TypeAdapter(list[QualitySeries])
