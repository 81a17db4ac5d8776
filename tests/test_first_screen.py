"""The session list's first screen kept between runs: what is written, and what is refused."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roomscope.tui.first_screen import FILE_NAME, MAX_ROWS, MAX_TEXT, FirstScreenFile, identity, signature
from roomscope.tui.kinds import SessionStatus
from roomscope.tui.models import Session
from roomscope.tui.sources import Sources, _profile_identity

START = datetime(2026, 12, 2, 10, 5, tzinfo=UTC)


def sessions(count: int = 3) -> list[Session]:
    return [
        Session(
            provider="demo",
            profile="demo",
            id=f"s-{i}",
            name=f"Call {i}",
            room_name="room" if i % 2 else None,
            status=SessionStatus.LIVE if i == 0 else SessionStatus.ENDED,
            started_at=START - timedelta(minutes=10 * i),
            duration_s=600.5 + i,
            participant_count=i,
            problem="unreadable" if i == 2 else None,
        )
        for i in range(count)
    ]


def test_rows_come_back_as_written(tmp_path: Path) -> None:
    kept = FirstScreenFile(tmp_path, identity(["demo"]))
    written = sessions(5)
    kept.write(written, total=5_000, multi_profile=True, now=1_000.0)
    read = kept.read()
    assert read is not None
    assert read.total == 5_000 and read.multi_profile and read.saved_at == 1_000.0
    assert signature(read.rows) == signature(written)
    assert [r.title for r in read.rows] == [s.title for s in written]
    assert [r.is_live for r in read.rows] == [s.is_live for s in written]
    assert stat.S_IMODE((tmp_path / FILE_NAME).stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name != FILE_NAME], "no temporary file is left"


def test_only_the_first_rows_are_kept_and_long_strings_are_cut(tmp_path: Path) -> None:
    kept = FirstScreenFile(tmp_path, "k")
    many = sessions(MAX_ROWS + 20)
    long = many[0].model_copy(update={"name": "x" * (MAX_TEXT * 3)})
    kept.write([long, *many[1:]], total=None, multi_profile=False, now=1.0)
    read = kept.read()
    assert read is not None and len(read.rows) == MAX_ROWS
    assert read.rows[0].name == "x" * MAX_TEXT
    assert read.total is None


def test_rows_of_other_sources_are_not_shown(tmp_path: Path) -> None:
    FirstScreenFile(tmp_path, identity(["a", "token-1"])).write(
        sessions(), total=3, multi_profile=False, now=1.0
    )
    assert FirstScreenFile(tmp_path, identity(["a", "token-2"])).read() is None
    assert FirstScreenFile(tmp_path, identity(["a", "token-1"])).read() is not None


def test_the_key_holds_no_credential(tmp_path: Path) -> None:
    secret = "sk_live_abcdefghijklmnop"
    key = identity(["work", "signalwire", "https://x.example", secret])
    kept = FirstScreenFile(tmp_path, key)
    kept.write(sessions(), total=3, multi_profile=False, now=1.0)
    assert secret not in (tmp_path / FILE_NAME).read_text()
    assert identity(["ab", "c"]) != identity(["a", "bc"]), "parts are separated"


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: "not json {",
        lambda d: json.dumps([d]),
        lambda d: json.dumps({**d, "version": 99}),
        lambda d: json.dumps({**d, "saved_at": "yesterday"}),
        lambda d: json.dumps({**d, "total": -1}),
        lambda d: json.dumps({**d, "multi_profile": 1}),
        lambda d: json.dumps({**d, "rows": {"a": 1}}),
        lambda d: json.dumps({**d, "rows": [*d["rows"], 7]}),
        lambda d: json.dumps({**d, "rows": [{**d["rows"][0], "status": "exploded"}]}),
        lambda d: json.dumps({**d, "rows": [{**d["rows"][0], "started_at": "2026-12-02T10:05:00"}]}),
        lambda d: json.dumps({**d, "rows": [{**d["rows"][0], "started_at": "soon"}]}),
        lambda d: json.dumps({**d, "rows": [{**d["rows"][0], "duration_s": -5}]}),
        lambda d: json.dumps({**d, "rows": [{**d["rows"][0], "participant_count": 1.5}]}),
        lambda d: json.dumps({**d, "rows": [{**d["rows"][0], "participant_count": True}]}),
        lambda d: json.dumps({**d, "rows": [{**d["rows"][0], "name": "y" * (MAX_TEXT + 1)}]}),
        lambda d: json.dumps({**d, "rows": [{**d["rows"][0], "id": ""}]}),
        lambda d: json.dumps({**d, "rows": [{k: v for k, v in d["rows"][0].items() if k != "name"}]}),
        lambda d: json.dumps({**d, "rows": [{**d["rows"][0], "room_name": ["a"]}]}),
        lambda d: "[" * 100_000,
    ],
)
def test_a_damaged_file_is_ignored(tmp_path: Path, damage: object) -> None:
    kept = FirstScreenFile(tmp_path, "k")
    kept.write(sessions(), total=3, multi_profile=False, now=1.0)
    good = json.loads((tmp_path / FILE_NAME).read_text())
    (tmp_path / FILE_NAME).write_text(damage(good))  # type: ignore[operator]
    assert kept.read() is None
    kept.write(sessions(), total=3, multi_profile=False, now=2.0)  # the next write replaces it
    assert kept.read() is not None


def test_a_huge_file_is_not_read(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_bytes(b" " * (2 << 20))
    assert FirstScreenFile(tmp_path, "k").read() is None


def test_no_directory_no_file_no_error(tmp_path: Path) -> None:
    kept = FirstScreenFile(tmp_path / "missing", "k")
    kept.write(sessions(), total=3, multi_profile=False, now=1.0)
    assert kept.read() is None
    assert not (tmp_path / "missing").exists()
    kept.forget()


def test_the_sources_identity_follows_the_credentials_in_use(monkeypatch: pytest.MonkeyPatch) -> None:
    from roomscope.tui.config.profiles import ProfileConfig

    profile = ProfileConfig(name="work", provider="telnyx", env={"token": "RS_TEST_TOKEN"})
    monkeypatch.setenv("RS_TEST_TOKEN", "one")
    first = identity(_profile_identity(profile, None, None, None))
    monkeypatch.setenv("RS_TEST_TOKEN", "two")
    second = identity(_profile_identity(profile, None, None, None))
    assert first != second
    assert identity(_profile_identity(profile, "https://proxy.example", None, None)) != second
    demo = ProfileConfig(name="demo", provider="demo")
    assert identity(_profile_identity(demo, None, 1, None)) != identity(
        _profile_identity(demo, None, 2, None)
    )


def test_every_way_of_naming_sources_has_an_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import argparse

    from roomscope.tui.sources import resolve_sources

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(tmp_path / "none.toml"))

    def sources(**options: object) -> Sources:
        return resolve_sources(argparse.Namespace(**options))

    fake = sources(demo_provider="whereby", demo_seed=3, demo_size=100)
    assert fake.identity and "whereby" in fake.identity
    other_seed = sources(demo_provider="whereby", demo_seed=4, demo_size=100)
    assert identity(fake.identity) != identity(other_seed.identity)
    demo = sources(provider="demo")
    assert demo.identity and identity(demo.identity) != identity(fake.identity)


def test_reading_the_first_screen_imports_nothing_heavy(tmp_path: Path) -> None:
    """It runs while the first frame is built: no pydantic, no Textual, no store."""
    import subprocess
    import sys

    FirstScreenFile(tmp_path, "k").write(sessions(), total=3, multi_profile=False, now=1.0)
    code = (
        "import sys; from pathlib import Path; "
        "from roomscope.tui.first_screen import FirstScreenFile; "
        f"shown = FirstScreenFile(Path({str(tmp_path)!r}), 'k').read(); "
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('pydantic', 'textual', 'httpx', 'sqlite3') "
        "or m.startswith('roomscope.tui.store')]; "
        "print(len(shown.rows), ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["3"]
