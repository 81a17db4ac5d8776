"""A read dump into an import record: its participant-level series, labelled with the dump
and the import, for the participant it is attached to (or for a session of its own)."""

from __future__ import annotations

from datetime import UTC, datetime

from roomscope.tui.clientstats import ClientDump, DumpError
from roomscope.tui.clientstats.quality_series import to_quality_series
from roomscope.tui.imports.records import OWN_PARTICIPANT, OWN_SESSION_PROVIDER, Attachment, ImportRecord
from roomscope.tui.text import clean


def _moment(ms: float | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000.0, UTC)


def record_of(
    dump: ClientDump,
    *,
    import_id: str,
    attached: Attachment | None,
    name: str,
    now: datetime,
) -> ImportRecord:
    """The import of ``dump``. Raises ``DumpError`` when it holds no statistics a series
    can be made of (only getUserMedia calls, only connection set-up ...)."""
    if attached is None:
        provider, session_id, participant_id = OWN_SESSION_PROVIDER, import_id, OWN_PARTICIPANT
    else:
        provider, session_id, participant_id = attached.provider, attached.session_id, attached.participant_id
    series = to_quality_series(dump, provider=provider, session_id=session_id, participant_id=participant_id)
    if not series:
        raise DumpError(dump.name, "no call statistics in it (no RTP streams, candidate pairs or ICE states)")
    source = clean(dump.source, 240)
    labelled = [
        s.model_copy(
            update={
                "source": source,
                "extra": {**s.extra, "import_id": import_id, "import_file": clean(dump.name, 120)},
            }
        )
        for s in series
    ]
    return ImportRecord(
        id=import_id,
        imported_at=now,
        file=clean(dump.name, 200),
        source=source,
        format=dump.format.value,
        format_version=clean(dump.version, 80),
        browser=clean(dump.browser, 80) if dump.browser else None,
        compressed=dump.compressed,
        bytes_read=dump.bytes_read,
        name=clean(name, 120),
        first_at=_moment(dump.first_ms),
        last_at=_moment(dump.last_ms),
        peer_connections=len(dump.peer_connections),
        attached=attached,
        skipped=[clean(str(s), 300) for s in dump.skipped],
        series=labelled,
    )


def attached_to(record: ImportRecord, attached: Attachment, name: str) -> ImportRecord:
    """``record`` (read as a session of its own) attached to a participant instead."""
    ids = {
        "provider": attached.provider,
        "session_id": attached.session_id,
        "participant_id": attached.participant_id,
    }
    return record.model_copy(
        update={
            "attached": attached,
            "name": clean(name, 120),
            "series": [s.model_copy(update=ids) for s in record.series],
        }
    )
