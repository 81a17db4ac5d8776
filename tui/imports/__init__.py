"""Imported browser statistics: user data kept under the platformdirs user data directory
(``roomscope.tui.paths.imports_dir``; clearing the cache keeps them).

An import is the participant-level series of one dump (chrome://webrtc-internals, rtcstats,
RTCStatsDump), attached to a participant of any provider's session or opening a session of
its own. ``records`` (what an import is), ``convert`` (a read dump into a record),
``library`` (the files: atomic, 0600). ``convert`` is imported from its module (it reads the
dump formats, which opening a store does not need). The store merges an attached import's series with the
provider's (``Store._series``); the headless commands are in ``roomscope.tui.import_command``.
"""

from roomscope.tui.imports.library import ID_PATTERN, ImportLibrary, new_id
from roomscope.tui.imports.records import (
    OWN_PARTICIPANT,
    OWN_SESSION_PROVIDER,
    Attachment,
    ImportRecord,
)

__all__ = [
    "ID_PATTERN",
    "OWN_PARTICIPANT",
    "OWN_SESSION_PROVIDER",
    "Attachment",
    "ImportLibrary",
    "ImportRecord",
    "new_id",
]
