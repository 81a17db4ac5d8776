"""Every adapter call through the installed ``roomscope`` headless commands, against
Stoplight Prism mock servers serving each provider's OpenAPI spec.

For each provider a config file (``ROOMSCOPE_CONFIG``) holds one profile whose
``base_url`` is that provider's Prism server and whose credentials pass Prism's security
check (without the right header Prism answers 401 "Invalid security scheme used"). Each
test runs the console script next to ``sys.executable`` with a fresh ``--cache-dir``: the
call must succeed (exit 0, nothing on stderr) and its JSON must hold the values of the
spec's examples. Where a provider lacks the data (Telnyx events and quality, SignalWire
quality) the command must say so and exit 8.

Prism (static mode) answers with a response's example when the spec has one, else with
values built from the schema. What that means per provider:

* Telnyx and Whereby: every record comes from a spec example.
* SignalWire: Prism reads the ``examples`` of plain properties only, not those under
  ``allOf``/``anyOf`` (ids, names, start/end times, durations, statuses): those come
  back as placeholders (a UUID derived from the property name, ``"string"``, the int32
  minimum, the first enum value). The tests assert the fields that carry examples and
  the adapter's handling of the placeholders (a negative duration or size is refused).
* RealtimeKit: only the participant list has examples (Mark and Henry). Sessions,
  participant details, peer reports and recordings have none and their timestamps are
  plain strings, so Prism sends ``"string"``: the adapter marks those records unreadable
  (``problem``) rather than inventing times; see each test. Participant details and peer
  reports are read field by field: their ``"string"`` ids are no UUIDs, so the adapter
  keeps the ids asked for, and samples with no readable time are dropped.

Prism pages do not change with the page asked for (a static ``cursor``/``links``/``meta``),
so the adapters read the same example more than once: the tests check every record.

Servers: ``ROOMSCOPE_PRISM_URLS`` (``telnyx=URL,signalwire=URL,whereby=URL,realtimekit=URL``,
set by ``.ci/run``) when present; otherwise the Prism executable named by
``ROOMSCOPE_PRISM`` or found on ``PATH`` serves the four specs on free ports for the
session; otherwise these tests are skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from roomscope.tui.providers.base import NotFoundError, UnsupportedError
from roomscope.tui.providers.realtimekit import RealtimeKitProvider
from roomscope.tui.providers.signalwire import SignalWireProvider
from roomscope.tui.providers.telnyx import TelnyxProvider
from roomscope.tui.providers.whereby import WherebyProvider
from tests.support.openapi import SPEC_FILES, SPECS, load_spec, requires_specs

pytestmark = [pytest.mark.prism, requires_specs]

PROVIDERS = ("telnyx", "signalwire", "whereby", "realtimekit")
NOT_AVAILABLE = "Prism not available: set ROOMSCOPE_PRISM_URLS or ROOMSCOPE_PRISM, or run .ci/run"
STARTUP_S = 90.0
COMMAND_TIMEOUT_S = 120.0
ROOMSCOPE = Path(sys.executable).parent / "roomscope"

# Credentials: Prism checks the scheme (Bearer / Basic), not the values.
TOKEN = "prism-test-token"
SIGNALWIRE_PROJECT = "a1b2c3d4-5e6f-7890-abcd-ef1234567890"  # the spec's example project_id
RTK_ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"  # the spec's example account identifier
RTK_APP = "prism-app"
RTK_SESSION = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
"""Any UUID: Prism validates ``session_id`` as one, and the spec has no session example."""


# ---------------------------------------------------------------------------------------
# The Prism servers


def _parse_urls(text: str) -> dict[str, str]:
    urls: dict[str, str] = {}
    for item in text.split(","):
        name, sep, url = item.strip().partition("=")
        parts = urlsplit(url.strip())
        if not sep or parts.scheme not in ("http", "https") or not parts.hostname:
            pytest.fail(f"ROOMSCOPE_PRISM_URLS: expected NAME=http://HOST:PORT items, got {item.strip()!r}")
        urls[name.strip()] = url.strip().rstrip("/")
    missing = [p for p in PROVIDERS if p not in urls]
    if missing:
        pytest.fail(f"ROOMSCOPE_PRISM_URLS names no server for {', '.join(missing)} (got {text!r})")
    return {p: urls[p] for p in PROVIDERS}


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _prism_executable() -> str | None:
    named = os.environ.get("ROOMSCOPE_PRISM", "").strip()
    if named:
        found = shutil.which(named)
        if found is None:
            pytest.fail(f"ROOMSCOPE_PRISM={named!r} is not an executable Prism (prism-cli)")
        return found
    return shutil.which("prism")


@dataclass
class _Server:
    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _PrismServers:
    """One ``prism mock`` per spec on 127.0.0.1, each in its own process group."""

    def __init__(self, executable: str, logs: Path) -> None:
        self.executable = executable
        self.logs = logs
        self.servers: list[_Server] = []

    def _spawn(self, name: str, attempt: int) -> _Server:
        port = _free_port()
        log = self.logs / f"prism-{name}-{attempt}.log"
        spec = SPECS / SPEC_FILES[name]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [self.executable, "mock", "-h", "127.0.0.1", "-p", str(port), str(spec)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = _Server(name, port, log, process)
        self.servers.append(server)
        return server

    def start(self) -> dict[str, str]:
        pending = {name: self._spawn(name, 1) for name in PROVIDERS}
        ready: dict[str, str] = {}
        deadline = time.monotonic() + STARTUP_S
        while pending:
            for name, server in list(pending.items()):
                if _listening("127.0.0.1", server.port):
                    ready[name] = server.url
                    del pending[name]
                elif server.process.poll() is not None:
                    attempt = int(server.log.stem.rsplit("-", 1)[1])
                    tail = server.log.read_text(errors="replace")[-2000:]
                    if attempt >= 3 or "EADDRINUSE" not in tail:  # a port taken meanwhile: retry
                        pytest.fail(f"Prism for {name} exited ({server.process.returncode}):\n{tail}")
                    pending[name] = self._spawn(name, attempt + 1)
            if pending and time.monotonic() > deadline:
                logs = "\n".join(s.log.read_text(errors="replace")[-1000:] for s in pending.values())
                pytest.fail(
                    f"Prism did not listen within {STARTUP_S:.0f} s for {', '.join(pending)}:\n{logs}"
                )
            if pending:
                time.sleep(0.1)
        return {name: ready[name] for name in PROVIDERS}

    def stop(self) -> None:
        for server in self.servers:
            self._signal(server, signal.SIGTERM)
        for server in self.servers:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal(server, signal.SIGKILL)
                server.process.wait(timeout=10)

    @staticmethod
    def _signal(server: _Server, sig: signal.Signals) -> None:
        if server.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, sig)  # its own group (start_new_session)


@pytest.fixture(scope="session")
def prism_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Provider name -> base URL of a Prism server serving its spec."""
    given = os.environ.get("ROOMSCOPE_PRISM_URLS", "").strip()
    if given:
        urls = _parse_urls(given)
        for name, url in urls.items():
            if not _listening(*_host_port(url)):
                pytest.fail(f"ROOMSCOPE_PRISM_URLS: nothing listens at {url} ({name})")
        yield urls
        return
    executable = _prism_executable()
    if executable is None:
        pytest.skip(NOT_AVAILABLE)
    servers = _PrismServers(executable, tmp_path_factory.mktemp("prism"))
    try:
        yield servers.start()
    finally:
        servers.stop()


# ---------------------------------------------------------------------------------------
# Running the installed command


@dataclass
class Run:
    args: list[str]
    code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        command = " ".join(["roomscope", *self.args])
        return f"{command} -> exit {self.code}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"

    def ok(self) -> Any:
        """The JSON of a call that succeeded cleanly."""
        assert self.code == 0, str(self)
        assert "Traceback" not in self.stderr, str(self)
        noise = [
            line
            for line in self.stderr.splitlines()
            if line.strip() and not _plain_http_note(line) and not _example_data_note(line)
        ]
        assert not noise, str(self)
        return json.loads(self.stdout)

    def lacks(self, message: str) -> None:
        """The provider does not have this data: said on stderr, exit 8, nothing on stdout."""
        assert self.code == 8, str(self)
        assert "Traceback" not in self.stderr and self.stdout == "", str(self)
        assert self.stderr.startswith("roomscope: error: ") and message in self.stderr, str(self)


def _plain_http_note(line: str) -> bool:
    """The config file's note about plain http to a host other than localhost (a URL from
    ROOMSCOPE_PRISM_URLS may name one): the only stderr line a clean call may print."""
    return line.startswith("roomscope: warning: ") and "sends the token unencrypted" in line


def _example_data_note(line: str) -> bool:
    """What an adapter rightly says about Prism's example answers, which do not agree with
    each other (a session embedding 0 participants while its list counts 55; events naming
    no member): a warning, never an error."""
    return line.startswith("roomscope: warning: ") and (
        "include_participants gave" in line or "could not be attributed to members" in line
    )


PROFILES = {
    "telnyx": 'provider = "telnyx"\ntoken = "{token}"\n',
    "signalwire": (
        'provider = "signalwire"\nspace = "example"\nproject_id = "{project}"\ntoken = "{token}"\n'
    ),
    "whereby": 'provider = "whereby"\ntoken = "{token}"\n',
    "realtimekit": (
        'provider = "realtimekit"\naccount_id = "{account}"\napp_id = "{app}"\ntoken = "{token}"\n'
    ),
}


@pytest.fixture
def roomscope(prism_urls: dict[str, str], tmp_path: Path) -> Callable[..., Run]:
    """``roomscope(provider, *args)``: the installed command with that provider's profile
    and the test's own cache directory (``cache=`` names another one in the test's dir)."""
    if not ROOMSCOPE.is_file():
        pytest.fail(f"the roomscope console script is not installed next to {sys.executable}")
    config = tmp_path / "config.toml"
    tables = []
    for name in PROVIDERS:
        body = PROFILES[name].format(
            token=TOKEN, project=SIGNALWIRE_PROJECT, account=RTK_ACCOUNT, app=RTK_APP
        )
        tables.append(f'[profiles.prism-{name}]\n{body}base_url = "{prism_urls[name]}"\n')
    config.write_text("\n".join(tables), encoding="utf-8")
    config.chmod(0o600)
    hosts = {"127.0.0.1", "localhost", *(urlsplit(u).hostname or "" for u in prism_urls.values())}
    env = {
        **os.environ,
        "ROOMSCOPE_CONFIG": str(config),
        "NO_PROXY": ",".join(sorted(h for h in hosts if h)),
        "no_proxy": ",".join(sorted(h for h in hosts if h)),
    }

    def run(provider: str, *args: str, cache: str = "cache") -> Run:
        argv = ["--profile", f"prism-{provider}", "--cache-dir", str(tmp_path / cache), *args]
        done = subprocess.run(
            [str(ROOMSCOPE), *argv],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        return Run(argv, done.returncode, done.stdout, done.stderr)

    return run


# ---------------------------------------------------------------------------------------
# Reading the specs' examples


def at(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def seconds(start: str, end: str) -> float:
    begin, finish = at(start), at(end)
    assert begin is not None and finish is not None
    return (finish - begin).total_seconds()


def same(got: Any, expected: Any) -> bool:
    """Equal, timestamps compared as instants (the adapters normalise their precision)."""
    if isinstance(got, bool) or isinstance(expected, bool):
        return got is expected
    if isinstance(got, str) and isinstance(expected, str) and got != expected:
        try:
            return at(got) == at(expected)
        except ValueError:
            return False
    if isinstance(got, (int, float)) and isinstance(expected, (int, float)):
        return float(got) == pytest.approx(float(expected))
    return bool(got == expected)


def telnyx_example(schema: str) -> dict[str, Any]:
    example: dict[str, Any] = load_spec("telnyx")["components"]["schemas"][schema]["example"]
    return example


def signalwire_examples(schema: str) -> dict[str, Any]:
    """The properties whose example Prism serves: plain ones, not under allOf/anyOf/oneOf."""
    properties = load_spec("signalwire")["components"]["schemas"][schema]["properties"]
    return {
        key: prop["examples"][0]
        for key, prop in properties.items()
        if prop.get("examples") and not {"allOf", "anyOf", "oneOf"} & prop.keys()
    }


def whereby_result(path: str) -> dict[str, Any]:
    """The example of every property of one ``results`` item of a Whereby insights list."""
    operation = load_spec("whereby")["paths"][path]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    properties = schema["properties"]["results"]["items"]["properties"]
    return {key: prop["example"] for key, prop in properties.items() if "example" in prop}


def rtk_participant_examples() -> list[dict[str, Any]]:
    """The participants of the first example (the one Prism serves) of the participant list."""
    path = "/accounts/{account_id}/realtime/kit/{app_id}/sessions/{session_id}/participants"
    content = load_spec("realtimekit")["paths"][path]["get"]["responses"]["200"]["content"]
    first = next(iter(content["application/json"]["examples"].values()))
    participants: list[dict[str, Any]] = first["value"]["data"]["participants"]
    return participants


def rows(value: Any) -> list[dict[str, Any]]:
    assert isinstance(value, list) and value, f"expected a non-empty JSON list, got {value!r}"
    return value


# ---------------------------------------------------------------------------------------
# Telnyx Rooms: every record is a spec example


class TestTelnyx:
    def session(self) -> dict[str, Any]:
        return telnyx_example("RoomSession")

    def check_session(self, got: dict[str, Any], *, detail: bool = False) -> None:
        ex = self.session()
        assert (got["provider"], got["profile"], got["problem"]) == ("telnyx", "prism-telnyx", None)
        assert (got["id"], got["room_id"]) == (ex["id"], ex["room_id"])
        # The room's unique_name, looked up with GET /rooms/{id} (the Room example).
        assert got["room_name"] == telnyx_example("Room")["unique_name"] == "My Room"
        assert got["status"] == "ended"  # active: false
        assert same(got["started_at"], ex["created_at"]) and same(got["ended_at"], ex["ended_at"])
        # No duration field: ended_at - created_at.
        assert got["duration_s"] == pytest.approx(seconds(ex["created_at"], ex["ended_at"]))
        if detail:
            # One session is checked against its participant list: Prism's list example says
            # 55 (meta.total_results) where the embedded list has none, so the list's count
            # is shown and the session says so (its own pages hold one participant each, too
            # few to work out the peak from).
            total = load_spec("telnyx")["components"]["schemas"]["PaginationMeta"]["properties"]
            assert got["participant_count"] == total["total_results"]["example"] == 55
            assert got["extra"]["participants_embedded"] == len(ex["participants"]) == 0
            assert got["extra"]["participant_count_from"].startswith("participant list")
            assert (got["max_concurrent"], got["live_participants"]) == (None, None)
        else:
            assert got["participant_count"] == len(ex["participants"]) == 0
        assert same(got["extra"]["updated_at"], ex["updated_at"])

    def check_participant(self, got: dict[str, Any], session_id: str) -> None:
        ex = telnyx_example("RoomParticipant")
        assert (got["id"], got["name"], got["session_id"], got["problem"]) == (
            ex["id"],
            ex["context"],
            session_id,
            None,
        )
        assert got["name"] == "Alice"
        assert same(got["joined_at"], ex["joined_at"]) and same(got["left_at"], ex["left_at"])
        assert got["duration_s"] == pytest.approx(seconds(ex["joined_at"], ex["left_at"]))
        # The example belongs to another session id than the one asked for: kept, not hidden.
        assert got["extra"]["session_id"] == ex["session_id"]

    def test_config_check(self, roomscope: Callable[..., Run]) -> None:
        run = roomscope("telnyx", "config", "check")
        assert run.code == 0, str(run)
        total = load_spec("telnyx")["components"]["schemas"]["PaginationMeta"]["properties"]["total_results"]
        assert run.stdout.startswith("prism-telnyx: ok: Telnyx Rooms at "), str(run)
        assert f": {total['example']} room sessions" in run.stdout  # meta.total_results

    def test_sessions(self, roomscope: Callable[..., Run]) -> None:
        for got in rows(roomscope("telnyx", "sessions", "--json").ok()):
            self.check_session(got)

    def test_session(self, roomscope: Callable[..., Run]) -> None:
        sid = self.session()["id"]
        got = roomscope("telnyx", "session", sid, "--json").ok()
        self.check_session(got, detail=True)
        for participant in rows(got["participants"]):
            self.check_participant(participant, sid)

    def test_participants(self, roomscope: Callable[..., Run]) -> None:
        sid = self.session()["id"]
        for got in rows(roomscope("telnyx", "participants", sid, "--json").ok()):
            self.check_participant(got, sid)

    def test_events_are_missing(self, roomscope: Callable[..., Run]) -> None:
        run = roomscope("telnyx", "events", self.session()["id"], "--json")
        run.lacks("Telnyx Rooms has no session event timeline in its REST API.")

    def test_recordings(self, roomscope: Callable[..., Run]) -> None:
        """The per-participant recordings (/room_recordings), then the compositions
        (/room_compositions), each page the spec's example."""
        sid = self.session()["id"]
        ex = telnyx_example("RoomRecording")
        listed = rows(roomscope("telnyx", "recordings", sid, "--json").ok())
        mixed = [r for r in listed if r["extra"].get("kind") == "composition"]
        own = [r for r in listed if r["extra"].get("kind") != "composition"]
        assert mixed and own and listed == own + mixed
        comp = telnyx_example("RoomComposition")
        for got in mixed:
            assert (got["id"], got["session_id"], got["problem"], got["participant_id"]) == (
                comp["id"],
                sid,
                None,
                None,
            )
            assert (got["status"], got["format"], got["url"]) == (
                comp["status"],
                comp["format"],
                comp["download_url"],
            )
            assert got["duration_s"] == comp["duration_secs"] == 84
            assert got["size_bytes"] == comp["size_mb"] * 1_000_000
            assert got["extra"]["resolution"] == comp["resolution"]
            assert same(got["started_at"], comp["started_at"]) and same(got["ended_at"], comp["ended_at"])
        for got in own:
            assert (got["id"], got["session_id"], got["problem"]) == (ex["id"], sid, None)
            assert (got["status"], got["format"], got["url"]) == (
                ex["status"],
                ex["codec"],
                ex["download_url"],
            )
            assert got["participant_id"] == ex["participant_id"]
            assert same(got["started_at"], ex["started_at"]) and same(got["ended_at"], ex["ended_at"])
            assert got["duration_s"] == ex["duration_secs"] == 3660
            assert got["size_bytes"] == round(ex["size_mb"] * 1_000_000) == 5_600_000
            extra = got["extra"]
            assert (extra["type"], extra["size_mb"], extra["room_id"]) == (
                ex["type"],
                ex["size_mb"],
                ex["room_id"],
            )
            assert same(extra["completed_at"], ex["completed_at"])

    def test_quality_is_missing(self, roomscope: Callable[..., Run]) -> None:
        pid = telnyx_example("RoomParticipant")["id"]
        run = roomscope("telnyx", "quality", self.session()["id"], pid, "--json")
        run.lacks("Telnyx Rooms has no per-participant quality samples in its REST API.")

    async def test_one_participant(self, prism_urls: dict[str, str]) -> None:
        """``/room_participants/{id}`` (no headless command reads one participant: the
        adapter is asked directly). The example names another session than the one asked
        for, so it is not that session's participant; asked for with its own, it is."""
        ex = telnyx_example("RoomParticipant")
        provider = TelnyxProvider("prism-telnyx", api_key=TOKEN, base_url=prism_urls["telnyx"])
        try:
            got = await provider.get_participant(ex["session_id"], ex["id"])
            assert (got.id, got.name, got.session_id, got.problem) == (
                ex["id"],
                "Alice",
                ex["session_id"],
                None,
            )
            with pytest.raises(NotFoundError):
                await provider.get_participant(self.session()["id"], ex["id"])
        finally:
            await provider.aclose()


# ---------------------------------------------------------------------------------------
# SignalWire Video: the examples of plain properties, placeholders elsewhere


class TestSignalWire:
    def session_id(self, roomscope: Callable[..., Run]) -> str:
        """The id the list gives: Prism's placeholder for a uuid property named ``id`` (the
        spec's example sits under ``allOf``, which Prism does not read)."""
        first = rows(roomscope("signalwire", "sessions", "--json", cache="lookup").ok())[0]
        sid: str = first["id"]
        return sid

    def check_session(self, got: dict[str, Any], schema: str) -> None:
        assert (got["provider"], got["profile"], got["problem"]) == ("signalwire", "prism-signalwire", None)
        expected = signalwire_examples(schema)
        assert {"created_at", "updated_at", "record_on_start", "locked"} <= expected.keys()
        for key, value in expected.items():
            assert same(got["extra"].get(key), value), (key, got["extra"].get(key), value)
        # Placeholders (examples under anyOf): a UUID id, an enum status (mapped, so not
        # "unknown"), date-times, and int32-minimum durations that the adapter refuses to
        # show as negative.
        assert at(got["started_at"]) is not None and at(got["ended_at"]) is not None
        assert got["status"] in ("live", "ended")
        assert got["duration_s"] == 0.0

    def test_config_check(self, roomscope: Callable[..., Run]) -> None:
        run = roomscope("signalwire", "config", "check")
        assert run.code == 0, str(run)
        assert run.stdout.startswith("prism-signalwire: ok: SignalWire Video at "), str(run)
        assert f", project {SIGNALWIRE_PROJECT}: room sessions readable" in run.stdout

    def test_sessions(self, roomscope: Callable[..., Run]) -> None:
        for got in rows(roomscope("signalwire", "sessions", "--json").ok()):
            self.check_session(got, "Video.RoomSession")
            # cost_in_dollars, enable_room_previews and locked_cover: list items only.
            assert (got["extra"]["cost_in_dollars"], got["extra"]["enable_room_previews"]) == (0.05, True)

    def test_session(self, roomscope: Callable[..., Run]) -> None:
        sid = self.session_id(roomscope)
        got = roomscope("signalwire", "session", sid, "--json").ok()
        assert got["id"] == sid
        self.check_session(got, "Video.RoomSessionSummary")
        assert "cost_in_dollars" not in got["extra"]  # the summary schema forbids it
        for member in rows(got["participants"]):
            self.check_member(member, sid)

    def check_member(self, got: dict[str, Any], sid: str) -> None:
        assert (got["session_id"], got["problem"]) == (sid, None)
        assert (
            got["extra"]["cost_in_dollars"]
            == signalwire_examples("Video.RoomSessionMember")["cost_in_dollars"]
        )
        assert at(got["joined_at"]) is not None and at(got["left_at"]) is not None
        assert got["duration_s"] == 0.0  # the int32 minimum, refused as a negative duration

    def test_participants(self, roomscope: Callable[..., Run]) -> None:
        sid = self.session_id(roomscope)
        for got in rows(roomscope("signalwire", "participants", sid, "--json").ok()):
            self.check_member(got, sid)

    def test_events(self, roomscope: Callable[..., Run]) -> None:
        sid = self.session_id(roomscope)
        ex = signalwire_examples("Video.RoomSessionEvent")
        assert (ex["name"], ex["level"]) == ("room.started", "info")
        for got in rows(roomscope("signalwire", "events", sid, "--json").ok()):
            assert (got["session_id"], got["problem"]) == (sid, None)
            assert (got["name"], got["level"], got["kind"]) == (ex["name"], ex["level"], "session_start")
            assert same(got["at"], ex["created_at"])
            assert got["extra"]["payload"] == {}

    async def test_events_that_name_no_member_are_said(
        self, roomscope: Callable[..., Run], prism_urls: dict[str, str]
    ) -> None:
        """The events' room_participant_id and the members' ids are different placeholders
        (a UUID derived from each property's name): no event names a member. Reading the session's events
        says so (``unattributed``, a notice), and one member's events are refused with that
        sentence rather than shown as an empty timeline. (Asked of the adapter: the store
        picks a member's events out of the session's list itself.)"""
        sid = self.session_id(roomscope)
        provider = SignalWireProvider(
            "prism-signalwire", project_id=SIGNALWIRE_PROJECT, token=TOKEN, base_url=prism_urls["signalwire"]
        )
        try:
            listed = await provider.list_events(sid, None, 50)
            members = await provider.list_participants(sid, None, 50)
            named = {e.participant_id for e in listed.items}
            assert listed.items and not named & {m.id for m in members.items}
            said = provider.unattributed(sid)
            assert said is not None and "could not be attributed to members" in said
            assert provider.notices == (said,)
            with pytest.raises(UnsupportedError, match="could not be attributed"):
                await provider.list_events(sid, None, 50, participant_id=members.items[0].id)
        finally:
            await provider.aclose()

    def test_recordings(self, roomscope: Callable[..., Run]) -> None:
        sid = self.session_id(roomscope)
        ex = signalwire_examples("Video.RoomRecording")
        before = datetime.now(UTC)
        got_rows = rows(roomscope("signalwire", "recordings", sid, "--json").ok())
        after = datetime.now(UTC)
        for got in got_rows:
            assert (got["session_id"], got["problem"]) == (sid, None)
            for key in ("cost_in_dollars", "created_at", "updated_at"):
                assert same(got["extra"][key], ex[key]), key
            # Placeholders: an enum status, the int32 minimum for duration and size (refused
            # as negative), "string" for format and uri.
            assert got["status"] in ("recording", "paused", "processing", "completed")
            assert (got["duration_s"], got["size_bytes"]) == (0.0, None)
            # The uri is valid for media_ttl (900 s, the API's default) from the request.
            expires = at(got["url_expires_at"])
            assert expires is not None and got["url"] == "string"
            assert before + timedelta(seconds=899) <= expires <= after + timedelta(seconds=901)

    def test_quality_is_missing(self, roomscope: Callable[..., Run]) -> None:
        sid = self.session_id(roomscope)
        run = roomscope("signalwire", "quality", sid, sid, "--json")
        run.lacks("SignalWire Video has no per-participant quality samples in its REST API")


# ---------------------------------------------------------------------------------------
# Whereby insights: every record is a spec example


class TestWhereby:
    def room_session(self) -> dict[str, Any]:
        return whereby_result("/insights/room-sessions")

    def participant(self) -> dict[str, Any]:
        return whereby_result("/insights/participants")

    def check_session(self, got: dict[str, Any]) -> None:
        ex = self.room_session()
        assert (got["provider"], got["profile"], got["problem"]) == ("whereby", "prism-whereby", None)
        assert (got["id"], got["room_name"], got["status"]) == (ex["roomSessionId"], ex["roomName"], "ended")
        assert same(got["started_at"], ex["startedAt"]) and same(got["ended_at"], ex["endedAt"])
        assert got["duration_s"] == 3600.0
        assert got["participant_count"] == ex["totalUniqueParticipants"] == 4
        extra = got["extra"]
        assert (extra["participant_minutes"], extra["recorder_minutes"], extra["streamer_minutes"]) == (
            ex["totalParticipantMinutes"],
            ex["totalRecorderMinutes"],
            ex["totalStreamerMinutes"],
        )
        # 3 and 2 (the room-sessions example), not the rooms example's 2 and 1.
        assert (extra["unique_recorders"], extra["unique_streamers"]) == (3, 2)
        assert (extra["unique_recorders"], extra["unique_streamers"]) == (
            ex["totalUniqueRecorders"],
            ex["totalUniqueStreamers"],
        )
        assert (extra["rating"], extra["total_ratings"]) == (ex["rating"], ex["totalRatings"])

    def check_participant(self, got: dict[str, Any]) -> None:
        ex = self.participant()
        assert (got["id"], got["session_id"], got["problem"]) == (
            ex["participantId"],
            ex["roomSessionId"],
            None,
        )
        assert (got["name"], got["user_id"], got["role"]) == (ex["displayName"], ex["userId"], ex["roleName"])
        assert (got["name"], got["role"]) == ("John Doe", "granted_visited")
        assert same(got["joined_at"], ex["joinedAt"]) and same(got["left_at"], ex["leftAt"])
        assert got["duration_s"] == 3600.0
        extra = got["extra"]
        assert (extra["rating"], extra["tags"], extra["comment"]) == (ex["rating"], ex["tags"], ex["comment"])
        # externalId and deviceId have no example: Prism's "string".
        assert (got["external_id"], extra["device_id"]) == ("string", "string")

    def test_config_check(self, roomscope: Callable[..., Run]) -> None:
        run = roomscope("whereby", "config", "check")
        assert run.code == 0, str(run)
        room = whereby_result("/insights/rooms")["roomName"]
        assert "prism-whereby: ok: Whereby insights API at " in run.stdout
        assert f"API key accepted (first room {room})" in run.stdout

    def test_sessions(self, roomscope: Callable[..., Run]) -> None:
        # Rooms (/insights/rooms), then each room's sessions (/insights/room-sessions).
        for got in rows(roomscope("whereby", "sessions", "--json").ok()):
            self.check_session(got)

    def test_session(self, roomscope: Callable[..., Run]) -> None:
        got = roomscope("whereby", "session", self.room_session()["roomSessionId"], "--json").ok()
        self.check_session(got)
        for participant in rows(got["participants"]):
            self.check_participant(participant)

    def test_participants(self, roomscope: Callable[..., Run]) -> None:
        sid = self.room_session()["roomSessionId"]
        for got in rows(roomscope("whereby", "participants", sid, "--json").ok()):
            self.check_participant(got)

    def test_events(self, roomscope: Callable[..., Run]) -> None:
        """Whereby has no event list: the adapter derives them from the session's and the
        participants' times (a repeated participant reads as a reconnect)."""
        ex, person = self.room_session(), self.participant()
        got = rows(roomscope("whereby", "events", ex["roomSessionId"], "--json").ok())
        assert all(e["problem"] is None and e["session_id"] == ex["roomSessionId"] for e in got)
        kinds = {(e["kind"], e["participant_id"], e["participant_name"], at(e["at"])) for e in got}
        pid, name = person["participantId"], person["displayName"]
        assert ("session_start", None, None, at(ex["startedAt"])) in kinds
        assert ("session_end", None, None, at(ex["endedAt"])) in kinds
        assert ("join", pid, name, at(person["joinedAt"])) in kinds
        assert ("leave", pid, name, at(person["leftAt"])) in kinds

    def test_recordings(self, roomscope: Callable[..., Run]) -> None:
        sid = self.room_session()["roomSessionId"]
        ex = load_spec("whereby")["components"]["schemas"]["Recording"]["example"]
        assert ex["roomSessionId"] == sid
        for got in rows(roomscope("whereby", "recordings", sid, "--json").ok()):
            assert (got["id"], got["session_id"], got["problem"]) == (ex["recordingId"], sid, None)
            assert same(got["started_at"], ex["startDate"]) and same(got["ended_at"], ex["endDate"])
            assert got["size_bytes"] == ex["sizeInMegaBytes"] * 1_000_000
            assert (got["format"], got["extra"]["filename"]) == ("mp4", ex["filename"])
            # /recordings/{id}/access-link is not in the trimmed spec: Prism answers 404 and
            # the recording says it has no link.
            assert got["url"] is None and got["extra"]["access_link"].startswith("no access link")

    async def test_transcripts_and_summaries(self, prism_urls: dict[str, str]) -> None:
        """/transcriptions and /summaries (no headless command lists artifacts: the adapter
        is asked directly) are not in the trimmed spec either: Prism answers 404, which is an
        account without them, so the session has none."""
        sid = self.room_session()["roomSessionId"]
        room = self.room_session()["roomName"]
        provider = WherebyProvider("prism-whereby", api_key=TOKEN, base_url=prism_urls["whereby"])
        try:
            assert await provider.list_artifacts(f"{room}|{sid}") == []
        finally:
            await provider.aclose()

    def test_quality(self, roomscope: Callable[..., Run]) -> None:
        """/insights/participant answers (sampleRateMs 2000, userRole "host" ...), but the
        spec gives its four sample series no item shape, so Prism sends empty arrays: the
        report exists and says there are no samples."""
        sid, pid = self.room_session()["roomSessionId"], self.participant()["participantId"]
        got = roomscope("whereby", "quality", sid, pid, "--json").ok()
        assert (got["session_id"], got["participant_id"]) == (sid, pid)
        assert (got["verdict"], got["reason"]) == ("unknown", "no quality samples")
        assert (got["metrics"], got["series"], got["tripped_by"]) == ({}, [], None)


# ---------------------------------------------------------------------------------------
# Cloudflare RealtimeKit: the participant-list example; "string" placeholders elsewhere


class TestRealtimeKit:
    def check_mark(self, got: dict[str, Any], sid: str) -> None:
        mark = rtk_participant_examples()[0]
        assert (got["id"], got["session_id"], got["problem"]) == (mark["id"], sid, None)
        assert (got["name"], got["user_id"], got["external_id"], got["role"]) == (
            mark["display_name"],
            mark["user_id"],
            mark["custom_participant_id"],
            mark["preset_name"],
        )
        assert got["name"] == "Mark"
        assert same(got["joined_at"], mark["joined_at"]) and same(got["left_at"], mark["left_at"])
        assert got["duration_s"] == pytest.approx(mark["duration"] * 60)  # minutes in the API
        assert same(got["extra"]["created_at"], mark["created_at"])
        assert same(got["extra"]["updated_at"], mark["updated_at"])

    def check_henry(self, got: dict[str, Any], sid: str) -> None:
        """The published example has a stray quote in Henry's joined_at: his record says so
        and keeps his id and name."""
        henry = rtk_participant_examples()[1]
        assert henry["joined_at"].endswith('Z"')
        assert (got["id"], got["name"], got["session_id"]) == (henry["id"], "Henry", sid)
        assert got["problem"].startswith("joined_at") and henry["joined_at"] in got["problem"]

    def check_participants(self, got: list[dict[str, Any]], sid: str) -> None:
        marks = [p for p in got if p["name"] == "Mark"]
        henrys = [p for p in got if p["id"] == rtk_participant_examples()[1]["id"]]
        assert marks and henrys and len(marks) + len(henrys) == len(got)
        for participant in marks:
            self.check_mark(participant, sid)
        for participant in henrys:
            self.check_henry(participant, sid)

    def test_config_check(self, roomscope: Callable[..., Run]) -> None:
        run = roomscope("realtimekit", "config", "check")
        assert run.code == 0, str(run)
        assert (
            f"prism-realtimekit: ok: Cloudflare RealtimeKit app {RTK_APP} (account {RTK_ACCOUNT})"
            in run.stdout
        )

    def test_sessions(self, roomscope: Callable[..., Run]) -> None:
        """The session schema has no example and types its timestamps as plain strings:
        Prism sends ``"string"``, which the adapter will not read as a time. The row is
        listed, marked unreadable, with what could be read."""
        for got in rows(roomscope("realtimekit", "sessions", "--json").ok()):
            assert (got["provider"], got["profile"]) == ("realtimekit", "prism-realtimekit")
            assert (got["id"], got["name"], got["started_at"]) == ("string", "string", None)
            assert got["problem"].startswith("started_at") and "(got 'string')" in got["problem"]

    def test_session(self, roomscope: Callable[..., Run]) -> None:
        got = roomscope("realtimekit", "session", RTK_SESSION, "--json").ok()
        # The details are placeholders too: the session keeps the id asked for and says
        # what is unreadable; its participants are the spec's example.
        assert (got["id"], got["status"], got["started_at"]) == (RTK_SESSION, "unknown", None)
        assert got["problem"].startswith("started_at") and "(got 'string')" in got["problem"]
        assert "participants_error" not in got
        self.check_participants(rows(got["participants"]), RTK_SESSION)

    def test_participants(self, roomscope: Callable[..., Run]) -> None:
        got = rows(roomscope("realtimekit", "participants", RTK_SESSION, "--json").ok())
        self.check_participants(got, RTK_SESSION)

    def test_events(self, roomscope: Callable[..., Run]) -> None:
        """Events are the participants' peer events. Prism serves the first participant-list
        example, which has none (the second, with peer_events, needs a Prefer header), so
        the only rows say that Henry's record is unreadable."""
        henry = rtk_participant_examples()[1]
        for got in rows(roomscope("realtimekit", "events", RTK_SESSION, "--json").ok()):
            assert (got["session_id"], got["participant_id"]) == (RTK_SESSION, henry["id"])
            assert got["problem"].startswith("participant joined_at")

    def test_recordings(self, roomscope: Callable[..., Run]) -> None:
        """No recording example: Prism's ``"string"`` timestamps make each record a marked
        placeholder (kept for the session rather than dropped)."""
        for got in rows(roomscope("realtimekit", "recordings", RTK_SESSION, "--json").ok()):
            assert (got["id"], got["session_id"]) == ("string", RTK_SESSION)
            assert got["problem"] is not None and "(got 'string')" in got["problem"]

    def test_participant_events(self, roomscope: Callable[..., Run]) -> None:
        """One participant's events come from its details (no example): its one peer event
        and one client event are there, each marked for its unreadable timestamp, under
        the participant id asked for (the details' own id is ``"string"``)."""
        mark = rtk_participant_examples()[0]
        got = rows(
            roomscope("realtimekit", "events", RTK_SESSION, "--participant", mark["id"], "--json").ok()
        )
        assert len(got) == 2
        for event in got:
            assert (event["session_id"], event["participant_id"], event["at"]) == (
                RTK_SESSION,
                mark["id"],
                None,
            )
            assert "(got 'string')" in event["problem"]
        assert sorted(e["problem"].split(":", 1)[0] for e in got) == ["created_at", "timestamp"]

    def test_quality(self, roomscope: Callable[..., Run]) -> None:
        """The participant details and the peer report have no example: their ids are
        ``"string"`` and every sample's timestamp is ``"string"``. The report is asked for
        with the participant id asked for (the peer-report path takes UUIDs only), its
        samples cannot be placed in time and are dropped, and the legacy ``quality_stats``
        samples likewise: a report with no samples, verdict unknown."""
        mark = rtk_participant_examples()[0]
        got = roomscope("realtimekit", "quality", RTK_SESSION, mark["id"], "--json").ok()
        assert (got["session_id"], got["participant_id"]) == (RTK_SESSION, mark["id"])
        assert (got["verdict"], got["reason"]) == ("unknown", "no quality samples")
        assert (got["metrics"], got["series"], got["tripped_by"], got["tripped_at"]) == ({}, [], None, None)

    async def test_artifacts_and_the_whole_peer_report(self, prism_urls: dict[str, str]) -> None:
        """Chat, transcript (in its four formats) and summary links, and one participant's
        details with its whole peer report (no ``filters``): asked of the adapter directly,
        as no headless command lists artifacts or one participant. The spec has no examples
        here: the links are Prism's ``"string"``."""
        provider = RealtimeKitProvider(
            "prism-realtimekit",
            api_token=TOKEN,
            account_id=RTK_ACCOUNT,
            app_id=RTK_APP,
            base_url=prism_urls["realtimekit"],
        )
        try:
            found = await provider.list_artifacts(RTK_SESSION)
            assert [a.kind for a in found] == [
                "chat",
                "transcript",
                "transcript",
                "transcript",
                "transcript",
                "summary",
            ]
            assert [a.format for a in found if a.kind == "transcript"] == ["csv", "srt", "vtt", "json"]
            mark = rtk_participant_examples()[0]
            got = await provider.get_participant(RTK_SESSION, mark["id"])
            assert got.id == mark["id"] and got.session_id == RTK_SESSION
        finally:
            await provider.aclose()
