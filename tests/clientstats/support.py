"""Helpers of the clientstats tests: the shared samples, and reading with the fixed clock.

The samples (``../shared/samples/webrtc-stats``, or under ``ROOMSCOPE_SHARED_DIR``) are
third-party dumps kept outside the project; tests that need them are skipped, with that
reason, when the folder is absent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from roomscope.tui.clientstats import ClientDump, read_dump
from tests.conftest import fixed_now

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ROOMSCOPE_SHARED_DIR", REPO.parent / "shared"))
SAMPLES = SHARED / "samples" / "webrtc-stats"

requires_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(),
    reason=f"WebRTC statistics samples not found at {SAMPLES} "
    "(set ROOMSCOPE_SHARED_DIR to the shared folder)",
)


def read(path: Path, **options: Any) -> ClientDump:
    """``read_dump`` with the suite's fixed clock."""
    return read_dump(path, clock=fixed_now, **options)
