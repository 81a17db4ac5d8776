"""The local ``imports`` source: each dump imported without a participant to attach it to
is a session of its own, with one participant (the browser that wrote it).

Its quality series are not served here: the store merges imported series into every
provider's answers (``Store._series``), this source's included, so they are read once,
from the import library. The identity changes whenever the set of such imports does, so
no cached list outlives an import or its removal.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping

from roomscope.tui.errors import Capability, NotFoundError
from roomscope.tui.imports import OWN_PARTICIPANT, OWN_SESSION_PROVIDER, ImportLibrary, ImportRecord
from roomscope.tui.models import (
    DeviceInfo,
    Page,
    Participant,
    QualitySeries,
    Session,
    SessionQuery,
    SessionStatus,
)
from roomscope.tui.providers.base import BaseProvider


class ImportsProvider(BaseProvider):
    name = OWN_SESSION_PROVIDER
    label = "Imported dumps"
    capabilities = frozenset({Capability.PARTICIPANTS, Capability.QUALITY, Capability.DEVICE_INFO})
    missing: Mapping[Capability, str] = {
        Capability.EVENTS: "An imported dump has no session events.",
        Capability.RECORDINGS: "An imported dump has no recordings.",
        Capability.ARTIFACTS: "An imported dump has no session details beyond its statistics.",
    }

    def __init__(self, library: ImportLibrary) -> None:
        super().__init__(OWN_SESSION_PROVIDER)
        self.library = library
        self._identity = self._fingerprint(library.own_sessions())

    @staticmethod
    def _fingerprint(records: list[ImportRecord]) -> str:
        digest = hashlib.sha256(" ".join(sorted(r.id for r in records)).encode()).hexdigest()[:12]
        return f"{OWN_SESSION_PROVIDER}:{digest}"

    @property
    def identity(self) -> str:
        return self._identity

    async def _records(self) -> list[ImportRecord]:
        records = await asyncio.to_thread(self.library.own_sessions)
        self._identity = self._fingerprint(records)
        return records

    async def _record(self, session_id: str) -> ImportRecord:
        found = next((r for r in await self._records() if r.id == session_id), None)
        if found is None:
            raise NotFoundError(f"No imported dump with id {session_id!r}.", provider=self.name)
        return found

    @staticmethod
    def _session(record: ImportRecord) -> Session:
        duration = None
        if record.first_at is not None and record.last_at is not None:
            duration = (record.last_at - record.first_at).total_seconds()
        return Session(
            provider=OWN_SESSION_PROVIDER,
            profile=OWN_SESSION_PROVIDER,
            id=record.id,
            name=record.title,
            room_name=record.source,
            status=SessionStatus.ENDED,
            started_at=record.first_at,
            ended_at=record.last_at,
            duration_s=duration,
            participant_count=1,
            extra={"file": record.file, "format": record.format, "skipped": len(record.skipped)},
        )

    @staticmethod
    def _participant(record: ImportRecord) -> Participant:
        return Participant(
            provider=OWN_SESSION_PROVIDER,
            session_id=record.id,
            id=OWN_PARTICIPANT,
            name=record.name or record.browser or OWN_PARTICIPANT,
            joined_at=record.first_at,
            left_at=record.last_at,
            duration_s=ImportsProvider._session(record).duration_s,
            device=DeviceInfo(browser=record.browser) if record.browser else None,
            extra={"import_id": record.id, "source": record.source},
        )

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        # No filter is declared: the store filters and sorts what this gives (newest first here).
        kept = [self._session(r) for r in await self._records()]
        kept.sort(key=lambda s: s.started_at.timestamp() if s.started_at else 0.0, reverse=True)
        offset = int(cursor) if cursor and cursor.isdigit() else 0
        page = kept[offset : offset + max(1, limit)]
        more = offset + len(page) < len(kept)
        return Page[Session](
            items=page, next_cursor=str(offset + len(page)) if more else None, total=len(kept)
        )

    async def get_session(self, session_id: str) -> Session:
        return self._session(await self._record(session_id))

    async def list_participants(self, session_id: str, cursor: str | None, limit: int) -> Page[Participant]:
        return Page[Participant](items=[self._participant(await self._record(session_id))], total=1)

    async def get_quality(self, session_id: str, participant_id: str) -> list[QualitySeries]:
        """Nothing of its own: the store adds the import's series (as for every provider)."""
        record = await self._record(session_id)
        if participant_id != OWN_PARTICIPANT:
            raise NotFoundError(f"No participant {participant_id!r} in {record.id!r}.", provider=self.name)
        return []

    async def check(self) -> str:
        return f"{len(await self._records())} imported dumps as sessions of their own"
