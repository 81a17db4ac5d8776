"""One call from a file path to an import attached to a participant (the TUI's import key):
read the dump, make its record, write it. Blocking: run it in a thread."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from roomscope.tui.clientstats import read_dump
from roomscope.tui.clock import Clock
from roomscope.tui.imports.convert import attached_to, record_of
from roomscope.tui.imports.library import ImportLibrary, new_id
from roomscope.tui.imports.records import Attachment, ImportRecord
from roomscope.tui.models import Participant, Session
from roomscope.tui.text import clean


def attach_file(
    library: ImportLibrary, path: str, session: Session, participant: Participant, *, clock: Clock
) -> ImportRecord:
    """Import the dump at ``path`` for ``participant`` of ``session`` and keep it in
    ``library``. Raises ``DumpError`` (nothing written) when it is no dump or holds no
    statistics, ``OSError`` when the import cannot be written."""
    dump = read_dump(Path(path).expanduser(), clock=clock)
    now: datetime = clock()
    record = record_of(dump, import_id=new_id(), attached=None, name="", now=now)
    attachment = Attachment(
        provider=session.provider,
        profile=session.profile,
        session_id=session.id,
        participant_id=participant.id,
        participant_name=clean(participant.title, 120),
    )
    record = attached_to(record, attachment, attachment.participant_name)
    library.add(record)
    return record
