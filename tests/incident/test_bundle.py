"""Incident bundles: the files, their content, nothing secret, and all-or-nothing writing."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.fakes.signalwire import DEMO_TOKEN
from tests.conftest import NOW
from tests.support.cli import Run, runner

WINDOW = "00:00..now"
TOKENS = {
    "SIGNALWIRE_API_TOKEN": "PT9f8e7d6c5b4a39281706f5e4d3c2b1a0998877665544332211",
    "SIGNALWIRE_PROJECT_ID": "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "SIGNALWIRE_SPACE": "example-space",
    "TELNYX_API_KEY": "KEY0187A6B5C4D3E2F1_abcdefghijklmnopqrstuv",
    "WHEREBY_API_KEY": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3aGVyZWJ5In0.c2lnbmF0dXJlLXNlY3JldC0xMjM0",
    "CLOUDFLARE_API_TOKEN": "cf_9Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0GfEdCbA",
    "CLOUDFLARE_ACCOUNT_ID": "0123456789abcdef0123456789abcdef",
    "REALTIMEKIT_APP_ID": "8c0f2b1e-3d4a-4b5c-9d6e-7f8091a2b3c4",
}
SECRETS = [v for k, v in TOKENS.items() if k.endswith(("TOKEN", "KEY"))] + [DEMO_TOKEN]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return runner(capsys, monkeypatch)


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return DemoWorld(seed=7, size=500, now=NOW)


def files_of(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): p.read_text("utf-8") for p in sorted(path.rglob("*")) if p.is_file()}


def test_a_window_bundle(run: Run, tmp_path: Path, world: DemoWorld) -> None:
    result = run("bundle", "--window", WINDOW, "-o", str(tmp_path), "--utc")
    assert result.code == 0, result.err
    path = Path(result.out.strip())
    assert path.parent == tmp_path and path.name.startswith("roomscope-incident-20261122-0000-")
    files = files_of(path)
    assert {"summary.md", "bundle.json"} <= set(files)
    quality = [name for name in files if name.startswith("quality/")]
    assert quality, "the involved participants' samples"
    body = json.loads(files["bundle.json"])
    assert body["format"] == "roomscope-incident-bundle/1"
    assert body["window"]["start"] == "2026-11-22T00:00:00Z"
    assert {s["id"] for s in body["sessions"]} == {world.session(i).id for i in range(9)}
    assert sorted(i["quality_file"] for i in body["involved"] if i["quality_file"]) == sorted(quality)
    summary = files["summary.md"]
    for heading in (
        "## What happened",
        "## Who",
        "## Evidence",
        "## Thresholds used",
        "## Data freshness",
        "## Reproduce",
    ):
        assert heading in summary
    assert "roomscope window 2026-11-22T00:00:00Z..2026-11-22T10:00:00Z --utc --json" in summary
    rows = list(csv.DictReader(io.StringIO(files[quality[0]])))
    assert rows and set(rows[0]) == {"metric", "unit", "peer_id", "offset_s", "at", "value"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary directory is left"
    for name in files:
        assert (path / name).stat().st_mode & 0o077 == 0


def test_a_session_bundle(run: Run, tmp_path: Path, world: DemoWorld) -> None:
    session = world.session(21)  # the All-hands with a loss spike
    result = run("bundle", session.id, "-o", str(tmp_path))
    assert result.code == 0, result.err
    path = Path(result.out.strip())
    body = json.loads((path / "bundle.json").read_text("utf-8"))
    assert [s["id"] for s in body["sessions"]] == [session.id]
    assert body["window"] is None and body["sessions"][0]["findings"]
    assert f"roomscope bundle {session.id}" in (path / "summary.md").read_text("utf-8")


def test_nothing_secret_in_a_bundle(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real-looking tokens in the environment, a real adapter (SignalWire's, against its fake
    API, whose token is registered as a secret): none of them in any file of the bundle."""
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    result = run("bundle", "--window", "06:00..now", "-o", str(tmp_path), "--demo-provider", "signalwire")
    assert result.code == 0, result.err
    path = Path(result.out.strip())
    files = files_of(path)
    assert len(files) >= 2
    for name, text in files.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret[:6]}… in {name}"
    for secret in SECRETS:
        assert secret not in result.out + result.err


def test_provider_text_holding_a_token_is_scrubbed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A provider echoing a credential back (in a session's name) does not carry it into a bundle."""
    from datetime import UTC, datetime

    from roomscope.tui.incident.bundle import BundleData, write
    from roomscope.tui.incident.scan import WindowRow
    from roomscope.tui.models import Session

    token = TOKENS["TELNYX_API_KEY"]
    monkeypatch.setenv("TELNYX_API_KEY", token)
    start = datetime(2026, 11, 22, 9, tzinfo=UTC)
    session = Session(provider="telnyx", profile="t", id="s1", name=f"call token={token}", started_at=start)
    row = WindowRow(session=session, start=start, end=start, summary=f"? {token}")
    data = BundleData(
        title=f"Leaky {token}",
        window=None,
        rows=[row],
        involved=[],
        caveats=[],
        commands=[],
        generated_at=NOW,
        profiles=[("t", "Telnyx")],
    )
    path = write(data, tmp_path)
    for text in files_of(path).values():
        assert token not in text and token.replace("_", "\\_") not in text
        assert "***" in text


def test_an_unwritable_directory_is_5_and_leaves_nothing(run: Run, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    # Root writes anywhere a mode forbids; /proc takes no new directory from anyone.
    target = locked / "sub" if not os.access(locked, os.W_OK) else Path("/proc/roomscope-bundle")
    try:
        result = run("bundle", "--window", WINDOW, "-o", str(target))
        assert result.code == 5
        assert result.out == ""
        assert "cannot write a bundle" in result.err
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_a_file_in_the_way_is_5(run: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("bundle", "--window", WINDOW, "-o", str(blocker))
    assert result.code == 5 and "cannot write a bundle" in result.err


def test_a_failure_midway_leaves_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from roomscope.tui.incident import bundle

    def broken(data: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundle, "summary_markdown", broken)
    data = bundle.BundleData(
        title="x", window=None, rows=[], involved=[], caveats=[], commands=[], generated_at=NOW, profiles=[]
    )
    with pytest.raises(bundle.BundleError, match="No space left on device"):
        bundle.write(data, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["bundle"], 2, "a session id or --window"),
        (["bundle", "abc", "--window", WINDOW], 2, "a session id or --window"),
        (["bundle", "--window", "10:10-10:00"], 2, "before the start"),
        (["bundle", "--window", "2026-11-19T00:00Z..2026-11-21T00:00Z"], 5, "24h at most"),
        (["bundle", "no-such-session"], 3, "No session"),
    ],
)
def test_bad_input(run: Run, tmp_path: Path, argv: list[str], code: int, words: str) -> None:
    result = run(*argv, "-o", str(tmp_path))
    assert result.code == code, result.err
    assert words in result.err
    assert list(tmp_path.iterdir()) == []
