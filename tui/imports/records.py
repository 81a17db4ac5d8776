"""What one import is: the series read from a browser's statistics dump, where they belong
(a participant of a provider's session, or a session of their own), and what was skipped.

The dump itself is not kept: an import holds the participant-level series
(:func:`roomscope.tui.clientstats.quality_series.to_quality_series`) and a few facts about
the file, so a 100 MB dump becomes a record of a few hundred kB.
"""

from __future__ import annotations

from datetime import datetime

from roomscope.tui.models import Model, QualitySeries

RECORD_VERSION = 1
"""Bumped when the record's shape changes; a record of another version is not read."""
OWN_SESSION_PROVIDER = "imports"
"""The provider (and profile) name of the sessions imports open of their own."""
OWN_PARTICIPANT = "browser"
"""The one participant of such a session: the browser that wrote the dump."""


class Attachment(Model):
    """The participant an import belongs to."""

    provider: str
    profile: str
    session_id: str
    participant_id: str
    participant_name: str = ""


class ImportRecord(Model):
    version: int = RECORD_VERSION
    id: str
    imported_at: datetime
    file: str
    """The dump's file name (not its path)."""
    source: str
    """How its series name their source: ``webrtc-internals dump call.txt``."""
    format: str
    format_version: str
    browser: str | None = None
    compressed: bool = False
    bytes_read: int = 0
    name: str = ""
    """``--name``: who the browser was (the title of a session of its own)."""
    first_at: datetime | None = None
    last_at: datetime | None = None
    peer_connections: int = 0
    attached: Attachment | None = None
    """``None``: the import is a session of its own (under the ``imports`` source)."""
    skipped: list[str] = []
    series: list[QualitySeries] = []

    @property
    def title(self) -> str:
        return self.name or self.file

    @property
    def target(self) -> str:
        """Where it belongs, in words: 'demo session s-1 · participant p-2 (Alice)'."""
        a = self.attached
        if a is None:
            return "a session of its own"
        who = f" ({a.participant_name})" if a.participant_name else ""
        return f"{a.profile} session {a.session_id} · participant {a.participant_id}{who}"

    def belongs_to(self, provider: str, session_id: str, participant_id: str | None = None) -> bool:
        a = self.attached
        if a is None:
            return provider == OWN_SESSION_PROVIDER and session_id == self.id
        if (a.provider, a.session_id) != (provider, session_id):
            return False
        return participant_id is None or a.participant_id == participant_id
