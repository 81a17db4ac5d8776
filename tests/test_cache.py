"""The disk cache (roomscope.tui.cache): private files, WAL, schema versions, recovery, entries."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from roomscope.tui.cache import FILE_NAME, SCHEMA_VERSION, Cache, Entry, default_cache_dir, make_key
from tests.conftest import fixed_time

needs_modes = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file modes"
)


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path), isolation_level=None)


@pytest.fixture
def cache(cache_dir: Path) -> Iterator[Cache]:
    c = Cache.open(cache_dir, clock=fixed_time)
    yield c
    c.close()


def put(
    c: Cache,
    key: str,
    *,
    profile: str = "work",
    kind: str = "sessions",
    fetched_at: float | None = None,
    expires_at: float | None = None,
) -> None:
    c.put(
        key,
        profile=profile,
        kind=kind,
        body=f"body:{key}".encode(),
        fetched_at=fetched_at,
        expires_at=expires_at,
    )


# -- the file --------------------------------------------------------------------------------


def test_default_dir_honours_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOMSCOPE_CACHE_DIR", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x"
    monkeypatch.delenv("ROOMSCOPE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "roomscope"


def test_open_without_a_directory_uses_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOMSCOPE_CACHE_DIR", str(tmp_path / "env-cache"))
    c = Cache.open()
    try:
        assert c.path == tmp_path / "env-cache" / FILE_NAME
        assert c.persistent and c.note is None
    finally:
        c.close()


def test_file_and_directory_are_private(cache: Cache, cache_dir: Path) -> None:
    assert cache.path == cache_dir / FILE_NAME
    assert mode(cache_dir) == 0o700
    assert mode(cache_dir / FILE_NAME) == 0o600
    for i in range(20):
        put(cache, f"k{i}")
    wal = Path(f"{cache.path}-wal")
    assert wal.exists()
    assert mode(wal) == 0o600
    shm = Path(f"{cache.path}-shm")
    if shm.exists():
        assert mode(shm) == 0o600


def test_an_existing_loose_file_is_tightened(cache_dir: Path) -> None:
    cache_dir.mkdir(mode=0o700)
    path = cache_dir / FILE_NAME
    path.touch()
    os.chmod(path, 0o644)
    c = Cache.open(cache_dir)
    try:
        assert mode(path) == 0o600
        assert c.persistent
    finally:
        c.close()


def test_wal_journal_and_schema_version(cache: Cache) -> None:
    assert cache.path is not None
    with raw(cache.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = [row[1] for row in conn.execute("PRAGMA table_info(entries)")]
    assert columns == ["key", "profile", "kind", "body", "fetched_at", "expires_at"]
    assert cache.info().schema == SCHEMA_VERSION


def test_another_schema_version_is_dropped_and_rebuilt(cache_dir: Path) -> None:
    cache_dir.mkdir(mode=0o700)
    path = cache_dir / FILE_NAME
    conn = raw(path)
    conn.execute("CREATE TABLE entries (old_key TEXT, payload TEXT)")
    conn.execute("INSERT INTO entries VALUES ('a', 'b')")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    c = Cache.open(cache_dir, clock=fixed_time)
    try:
        assert c.persistent
        assert c.info().entries == 0
        put(c, "fresh")
        assert c.get("fresh") is not None
    finally:
        c.close()
    with raw(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert "old_key" not in [row[1] for row in check.execute("PRAGMA table_info(entries)")]


def test_the_same_schema_version_keeps_its_entries(cache_dir: Path) -> None:
    first = Cache.open(cache_dir, clock=fixed_time)
    put(first, "kept")
    first.close()
    second = Cache.open(cache_dir, clock=fixed_time)
    try:
        entry = second.get("kept")
        assert entry is not None and entry.body == b"body:kept"
    finally:
        second.close()


def test_a_corrupt_file_is_moved_aside_and_rebuilt(cache_dir: Path) -> None:
    cache_dir.mkdir(mode=0o700)
    path = cache_dir / FILE_NAME
    garbage = b"this is not sqlite at all\x00\xff" * 300
    path.write_bytes(garbage)
    c = Cache.open(cache_dir, clock=fixed_time)
    try:
        assert c.persistent and c.path == path
        assert c.note is not None and "rebuilt" in c.note
        moved = sorted(cache_dir.glob(f"{FILE_NAME}.corrupt-*"))
        assert len(moved) == 1
        assert moved[0].read_bytes() == garbage
        assert moved[0].name in c.note
        put(c, "after")
        assert c.get("after") is not None
        assert mode(path) == 0o600
        assert c.info().note == c.note
    finally:
        c.close()


@needs_modes
def test_an_unwritable_directory_gives_an_in_memory_cache(tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    os.chmod(parent, 0o500)
    try:
        c = Cache.open(parent / "cache", clock=fixed_time)
        try:
            assert not c.persistent and c.path is None
            assert c.note is not None and "without a disk cache" in c.note
            put(c, "memory")
            entry = c.get("memory")
            assert entry is not None and entry.body == b"body:memory"
            info = c.info()
            assert info.path == ":memory:" and not info.persistent and info.entries == 1
        finally:
            c.close()
        assert not (parent / "cache").exists()
    finally:
        os.chmod(parent, 0o700)


def test_a_directory_that_cannot_be_created_gives_an_in_memory_cache(tmp_path: Path) -> None:
    # Works as root too: a regular file where a parent directory should be.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    c = Cache.open(blocker / "cache", clock=fixed_time)
    try:
        assert not c.persistent
        assert c.note is not None and "cache disabled" in c.note and str(blocker / "cache") in c.note
        put(c, "k")
        assert c.get("k") is not None
    finally:
        c.close()


def test_a_directory_without_write_access_gives_an_in_memory_cache(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The access check itself, independent of who runs the tests.
    cache_dir.mkdir()
    monkeypatch.setattr("roomscope.tui.cache.os.access", lambda *_a, **_k: False)
    c = Cache.open(cache_dir)
    try:
        assert not c.persistent
        assert c.note is not None and "Permission denied" in c.note
        assert not (cache_dir / FILE_NAME).exists()
    finally:
        c.close()


@needs_modes
def test_an_existing_read_only_cache_directory_gives_an_in_memory_cache(cache_dir: Path) -> None:
    cache_dir.mkdir()
    os.chmod(cache_dir, 0o500)
    try:
        c = Cache.open(cache_dir)
        try:
            assert not c.persistent
            assert c.note is not None and str(cache_dir) in c.note
        finally:
            c.close()
    finally:
        os.chmod(cache_dir, 0o700)


# -- entries -----------------------------------------------------------------------------------


def test_get_put_delete(cache: Cache) -> None:
    assert cache.get("missing") is None
    cache.put("k", profile="work", kind="session", body=b"\x00json\xff", expires_at=fixed_time() + 60)
    entry = cache.get("k")
    assert entry == Entry(body=b"\x00json\xff", fetched_at=fixed_time(), expires_at=fixed_time() + 60)
    cache.put("k", profile="work", kind="session", body=b"v2", fetched_at=5.0)
    replaced = cache.get("k")
    assert replaced is not None and (replaced.body, replaced.fetched_at, replaced.expires_at) == (
        b"v2",
        5.0,
        None,
    )
    cache.delete("k")
    assert cache.get("k") is None
    cache.delete("k")  # deleting twice is fine


def test_clear_one_profile_or_everything(cache: Cache) -> None:
    for i in range(3):
        put(cache, f"a{i}", profile="alpha")
    for i in range(2):
        put(cache, f"b{i}", profile="beta", kind="participants")
    assert cache.clear("alpha") == 3
    assert cache.get("a0") is None and cache.get("b0") is not None
    assert cache.clear("nobody") == 0
    assert cache.clear() == 2
    assert cache.info().entries == 0


def test_info_counts(cache: Cache) -> None:
    cache.put("x", profile="alpha", kind="sessions", body=b"1", fetched_at=100.0)
    cache.put("y", profile="alpha", kind="session", body=b"2", fetched_at=300.0)
    cache.put("z", profile="beta", kind="sessions", body=b"3", fetched_at=200.0)
    info = cache.info()
    assert info.persistent and info.path == str(cache.path)
    assert info.entries == 3
    assert info.by_kind == {"sessions": 2, "session": 1}
    assert info.by_profile == {"alpha": 2, "beta": 1}
    assert (info.oldest, info.newest) == (100.0, 300.0)
    assert info.size_bytes > 0
    assert info.note is None


def test_entries_without_expiry_never_expire() -> None:
    forever = Entry(body=b"", fetched_at=0.0, expires_at=None)
    assert forever.is_fresh(0.0)
    assert forever.is_fresh(1e12)
    timed = Entry(body=b"", fetched_at=0.0, expires_at=100.0)
    assert timed.is_fresh(99.9)
    assert not timed.is_fresh(100.0)
    assert not timed.is_fresh(1e12)


def test_expiry_survives_a_reopen(cache_dir: Path) -> None:
    c = Cache.open(cache_dir, clock=fixed_time)
    c.put("ended", profile="p", kind="participants", body=b"x", expires_at=None)
    c.put("live", profile="p", kind="participants", body=b"x", expires_at=fixed_time() + 10)
    c.close()
    again = Cache.open(cache_dir, clock=fixed_time)
    try:
        ended, live = again.get("ended"), again.get("live")
        assert ended is not None and ended.expires_at is None and ended.is_fresh(fixed_time() + 1e9)
        assert live is not None and live.is_fresh(fixed_time()) and not live.is_fresh(fixed_time() + 11)
    finally:
        again.close()


def test_make_key_is_stable_and_distinguishes_its_parts() -> None:
    base = make_key("demo:a", "sessions", {"status": "live", "text": ""}, None, 50)
    assert base == make_key("demo:a", "sessions", {"text": "", "status": "live"}, None, 50)
    variants = {
        make_key("demo:b", "sessions", {"status": "live", "text": ""}, None, 50),
        make_key("demo:a", "events", {"status": "live", "text": ""}, None, 50),
        make_key("demo:a", "sessions", {"status": "ended", "text": ""}, None, 50),
        make_key("demo:a", "sessions", {"status": "live", "text": ""}, "2", 50),
        make_key("demo:a", "sessions", {"status": "live", "text": ""}, None, 100),
    }
    assert base not in variants and len(variants) == 5


def test_a_file_broken_while_in_use_degrades_to_memory(cache: Cache) -> None:
    put(cache, "before")
    cache._conn.close()  # simulate the file going away under us
    assert cache.get("before") is None  # no exception: a miss
    assert not cache.persistent
    assert cache.note is not None and "without a disk cache" in cache.note
    put(cache, "after")
    assert cache.get("after") is not None


# ---------------------------------------------------------------------------------------
# Text the encoder refuses


def test_keys_of_text_that_is_not_unicode() -> None:
    """A command-line byte that was not UTF-8 arrives as a lone surrogate."""
    key = make_key("p:\udcff", "sessions", {"text": "caf\udce9", "id": "\ud800"}, "\udfff", 10)
    assert key == make_key("p:\udcff", "sessions", {"text": "caf\udce9", "id": "\ud800"}, "\udfff", 10)
    assert key != make_key("p:\udcfe", "sessions", {"text": "caf\udce9", "id": "\ud800"}, "\udfff", 10)


async def test_an_answer_the_encoder_refuses_is_served_not_cached(cache: Cache) -> None:
    from pydantic import TypeAdapter

    from roomscope.tui.models import Page, Session
    from roomscope.tui.store.fetcher import Fetcher
    from roomscope.tui.store.signals import Signal, StoreStatus

    class Source:
        name = "test"
        profile = "work"
        identity = "test:work"
        list_identity = "test:work"

    page = Page[Session](items=[Session(provider="test", id="s1", name="bad \ud800 name")])

    async def loader() -> Page[Session]:
        return page

    fetcher = Fetcher(cache, StoreStatus(), Signal(), offline=False, swr=False, clock=fixed_time)
    value, freshness = await fetcher.fetch(
        provider=Source(),  # type: ignore[arg-type]
        kind="sessions",
        params={},
        cursor=None,
        limit=10,
        loader=loader,
        adapter=TypeAdapter(Page[Session]),
        ttl=lambda _v: 60.0,
    )
    assert value is page and not freshness.from_cache
    assert cache.info().entries == 0
