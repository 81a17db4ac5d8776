"""Read one dump file: open it (plain or gzip), detect its format, stream it through the
right reader, build the normalised result.

:func:`read_dump` raises a :class:`~roomscope.tui.clientstats.errors.DumpError` when nothing
can be read (not a dump, cut before anything usable, an unknown version, too large); a dump
that is partly readable gives what was read, and ``ClientDump.skipped`` says what was not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from roomscope.tui.clientstats import chrome_rtcstats, rtcstats, webrtc_internals
from roomscope.tui.clientstats.build import build
from roomscope.tui.clientstats.detect import Detected, detect_format
from roomscope.tui.clientstats.errors import NotADumpError
from roomscope.tui.clientstats.model import ClientDump, DumpFormat
from roomscope.tui.clientstats.raw import Collector, Notes
from roomscope.tui.clientstats.stream import DEFAULT_LIMITS, DumpStream, ReadLimits, open_dump
from roomscope.tui.clock import Clock, utcnow

Reader = Callable[[DumpStream, Detected, Collector], None]
READERS: dict[DumpFormat, Reader] = {
    DumpFormat.WEBRTC_INTERNALS: webrtc_internals.read,
    DumpFormat.RTCSTATS: rtcstats.read,
    DumpFormat.RTCSTATS_DUMP: chrome_rtcstats.read,
}


def read_dump(
    path: Path | str,
    *,
    name: str | None = None,
    clock: Clock = utcnow,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> ClientDump:
    """Read the dump at ``path`` (``name``: how messages and labels call it; the file name by
    default). Sample times more than a day after ``clock()`` are dropped as absurd."""
    path = Path(path)
    name = name or path.name
    detected = detect_format(path, name, limits)
    collector = Collector(Notes(), clock().timestamp() * 1000.0)
    with open_dump(path, name, limits) as dump:
        READERS[detected.format](dump, detected, collector)
        compressed, bytes_read = dump.compressed, dump.bytes_read
    if not collector.read_anything and len(collector.notes):
        first = collector.notes.items()[0]
        raise NotADumpError(name, f"nothing could be read ({first.why})", where=first.where)
    return build(collector, name=name, fmt=detected.format, compressed=compressed, bytes_read=bytes_read)
