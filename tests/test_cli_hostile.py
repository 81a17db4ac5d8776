"""The command line against hostile input: provider strings, error bodies, config files,
argument values. Nothing that reaches a terminal can act on it, no value ends in a
traceback, and every refusal has its documented exit code.

Provider data comes from the demo world and from the real adapters over their fake APIs
(``--demo-provider``), with names and error bodies swapped for hostile ones.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roomscope.tui.demo import data
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.fakes.common import FakeApi, Fault
from roomscope.tui.providers.http import HttpClient
from roomscope.tui.text import terminal_safe
from tests.support.cli import Run, runner

# The name: sets the window title, then writes "evil" to the clipboard (OSC 52).
PWNED = "\u001b]2;PWNED\u0007\u001b]52;c;ZXZpbA==\u0007"
# ... with a readable part, a right-to-left override, an 8-bit CSI, a NUL and a bell.
MALLORY = f"Mallory{PWNED}\u202eevil\x9b31m\x00\x07 \u2066x\u2069"
ACTIVE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""What a terminal could act on in output (a newline between records is fine)."""
ADAPTERS = ["signalwire", "telnyx", "whereby", "realtimekit"]


def assert_inert(text: str) -> None:
    found = ACTIVE.search(text)
    assert found is None, f"{found.group()!r} at {found.start()}: {text[max(0, found.start() - 40) :][:80]!r}"


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return runner(capsys, monkeypatch)


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every person in the demo world is MALLORY, every session title starts with her."""
    monkeypatch.setattr(DemoWorld, "_name", staticmethod(lambda rng, is_bot: MALLORY))
    monkeypatch.setattr(data, "SESSION_TITLES", tuple(MALLORY + t for t in data.SESSION_TITLES))
    monkeypatch.setattr(data, "NON_LATIN_TITLES", tuple(MALLORY + t for t in data.NON_LATIN_TITLES))


def provider_args(provider: str) -> list[str]:
    return [] if provider == "demo" else ["--demo-provider", provider]


def an_ended_session(run: Run, provider: str) -> str:
    found = run(*provider_args(provider), "sessions", "--json", "--status", "ended", "--limit", "1")
    assert found.code == 0, found.err
    sessions = found.json()
    assert isinstance(sessions, list)
    return str(sessions[0]["id"])


def fail_every_request(monkeypatch: pytest.MonkeyPatch, status: int, body: Any) -> None:
    """Every fake API answers ``status`` with ``body``; retries do not wait."""
    monkeypatch.setattr(FakeApi, "_take_fault", lambda self, request: Fault(status, body))
    monkeypatch.setattr(HttpClient, "_backoff", lambda self, attempt: 0.0)


def error_body(message: str) -> dict[str, Any]:
    """One body every provider's error reader finds ``message`` in."""
    return {"errors": [{"detail": message}], "error": {"message": message}, "message": message}


# ---------------------------------------------------------------------------------------
# Terminal injection: CSV, tables, JSON, stderr, config messages, the log file


def test_terminal_safe_makes_the_hostile_names_inert() -> None:
    assert terminal_safe(PWNED) == ""
    assert terminal_safe(MALLORY) == "Malloryevil31m x"


@pytest.mark.usefixtures("hostile")
@pytest.mark.parametrize("provider", ["demo", *ADAPTERS])
@pytest.mark.parametrize("command", ["sessions", "participants", "events"])
def test_csv_is_inert_and_still_csv(run: Run, provider: str, command: str) -> None:
    argv = [command, an_ended_session(run, provider)] if command != "sessions" else [command]
    result = run(*provider_args(provider), *argv, "--csv")
    if (provider, command) == ("telnyx", "events"):
        assert result.code == 8  # Telnyx has no event timeline
        return
    assert result.code == 0, result.err
    assert_inert(result.out)
    assert_inert(result.err)
    rows = result.csv()
    assert rows
    column = {"sessions": "name", "participants": "name", "events": "participant_name"}[command]
    shown = [r[column] for r in rows if r[column].startswith("Mallory")]
    if command == "sessions" and provider in ("telnyx", "whereby"):
        assert not shown  # these two have no session names
    else:
        assert shown and all(s.startswith("Malloryevil31m x") for s in shown), shown[:3]
    assert "PWNED" not in result.out


@pytest.mark.usefixtures("hostile")
@pytest.mark.parametrize("provider", ["demo", "realtimekit"])
def test_tables_are_inert(run: Run, provider: str) -> None:
    session = an_ended_session(run, provider)
    for argv in (["sessions"], ["session", session], ["participants", session], ["events", session]):
        result = run(*provider_args(provider), *argv)
        assert result.code == 0, result.err
        assert_inert(result.out)
        assert "Malloryevil31m" in result.out


@pytest.mark.usefixtures("hostile")
@pytest.mark.parametrize("provider", ["demo", "whereby"])
def test_json_keeps_the_exact_string_and_is_inert(run: Run, provider: str) -> None:
    session = an_ended_session(run, provider)
    result = run(*provider_args(provider), "participants", session, "--json")
    assert result.code == 0
    assert_inert(result.out)
    people = result.json()
    assert isinstance(people, list) and people
    assert {p["name"] for p in people if p["role"] != "bot"} >= {MALLORY}
    assert "\\u001b]2;PWNED\\u0007" in result.out and "\\u202e" in result.out and "\\u009b" in result.out


@pytest.mark.parametrize("provider", ADAPTERS)
@pytest.mark.parametrize(("status", "code"), [(401, 4), (500, 5), (418, 9)])
def test_provider_error_messages_on_stderr_are_inert(
    run: Run, monkeypatch: pytest.MonkeyPatch, provider: str, status: int, code: int
) -> None:
    fail_every_request(monkeypatch, status, error_body(MALLORY))
    result = run("--demo-provider", provider, "sessions")
    assert result.code == code, result.err
    assert result.err.startswith("roomscope: error: ")
    assert "Malloryevil31m" in result.err
    assert_inert(result.err)
    assert result.out == ""


@pytest.mark.parametrize("status", [401, 500])
def test_provider_error_bodies_in_plain_text_are_inert(
    run: Run, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setattr(
        FakeApi, "_take_fault", lambda self, request: Fault(status, raw=MALLORY.encode("utf-8"))
    )
    monkeypatch.setattr(HttpClient, "_backoff", lambda self, attempt: 0.0)
    result = run("--demo-provider", "telnyx", "sessions", "--csv")
    assert result.code in (4, 5)
    assert "Malloryevil31m" in result.err
    assert_inert(result.err)


def test_the_log_file_is_inert(run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fail_every_request(monkeypatch, 503, error_body(MALLORY))
    log = tmp_path / "debug.log"
    result = run("--demo-provider", "telnyx", "--log-file", str(log), "sessions")
    assert result.code == 5
    text = log.read_text("utf-8")
    assert "retrying" in text and "Malloryevil31m" in text
    assert_inert(text.replace("\n", ""))


@pytest.mark.parametrize(
    "body",
    [
        f'"{PWNED}" = 1\n',  # an unknown top-level key
        '[profiles.x]\nprovider = "demo\\u001b]2;PWNED\\u0007\\u202e"\n',  # an unknown provider
        '[profiles."\\u001b]52;c;ZXZpbA==\\u0007"]\nprovider = "demo"\n',  # a bad profile name
        'default_profile = "\\u001b[2J\\u009b31m"\n',
        '[keymap]\n"\\u001b]2;x\\u0007" = "x"\n',
        'theme = "\\u001b]2;x\\u0007"\n',
    ],
)
def test_config_errors_are_inert(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(body, "utf-8")
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    for argv in (["sessions"], ["config", "check"]):
        result = run(*argv)
        assert result.code == 2, result.err
        assert f"{path}:" in result.err
        assert_inert(result.err)
        assert_inert(result.out)


def test_a_config_error_keeps_one_problem_per_line(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('"a\\nb\\rc" = 1\n"d\\u2028e" = 2\n', "utf-8")
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    result = run("sessions")
    assert result.code == 2
    lines = result.err.strip().split("\n")
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"roomscope: error: {path}:1: ") and lines[1].startswith(f"{path}:2: ")


# ---------------------------------------------------------------------------------------
# Exit codes: the provider rejected the request


@pytest.mark.parametrize("status", [400, 405, 409, 418, 422])
def test_a_rejected_request_is_9(run: Run, monkeypatch: pytest.MonkeyPatch, status: int) -> None:
    fail_every_request(monkeypatch, status, error_body("bad filter"))
    result = run("--demo-provider", "telnyx", "sessions")
    assert result.code == 9, result.err
    assert f"rejected the request (HTTP {status}: bad filter)" in result.err


def test_realtimekit_success_false_is_9(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"success": False, "error": {"code": 1001, "message": "app is suspended"}}
    monkeypatch.setattr(FakeApi, "_take_fault", lambda self, request: Fault(200, body))
    result = run("--demo-provider", "realtimekit", "sessions")
    assert result.code == 9, result.err
    assert "app is suspended" in result.err


def test_exit_code_9_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    from roomscope.tui import cli

    assert "rejected the request" in cli.EXIT_CODES[9]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    assert re.search(r"^\| 9 \| the provider rejected the request", readme, re.MULTILINE)


# ---------------------------------------------------------------------------------------
# Ids: checked before any path is built


BAD_IDS = [
    "",
    ".",
    "..",
    "a/b",
    "../sessions",
    "x?y=1",
    "x#frag",
    "%2e%2e",
    "a b",
    "\t",
    "a\x1b[2J",
    "é\u202e",
]


@pytest.fixture
def no_request(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The fake APIs record every path asked for: a bad id must ask for none."""
    paths: list[str] = []
    original = FakeApi.handler

    async def recording(self: FakeApi, request: Any) -> Any:
        paths.append(request.url.path)
        return await original(self, request)

    monkeypatch.setattr(FakeApi, "handler", recording)
    yield paths


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("provider", ["demo", "signalwire", "realtimekit"])
def test_a_bad_session_id_is_2_before_any_request(
    run: Run, no_request: list[str], provider: str, bad: str
) -> None:
    for argv in (["session", bad], ["participants", bad, "--csv"], ["events", bad], ["recordings", bad]):
        result = run(*provider_args(provider), *argv)
        assert result.code == 2, (argv, result.err)
        assert "not a valid session id" in result.err
        assert_inert(result.err)
    assert no_request == []


@pytest.mark.parametrize("bad", [b for b in BAD_IDS if b != "a/b"])
def test_a_bad_participant_id_is_2(run: Run, no_request: list[str], bad: str) -> None:
    good = "00000000-0000-4000-8000-000000000000"
    for argv in (["quality", good, bad], ["events", good, "--participant", bad]):
        result = run("--demo-provider", "whereby", *argv)
        assert result.code == 2, (argv, result.err)
        assert "not a valid participant id" in result.err
    assert no_request == []


def test_a_whereby_participant_id_may_hold_a_slash(run: Run) -> None:
    """Whereby's participant ids start with '/' and travel as a query value."""
    good = "00000000-0000-4000-8000-000000000000"
    result = run("--demo-provider", "whereby", "quality", good, "/4b3b-participant")
    assert "not a valid participant id" not in result.err
    assert result.code != 2, result.err


def test_a_slash_in_a_participant_id_is_refused_where_it_would_enter_a_path(run: Run) -> None:
    listed = run("--demo-provider", "realtimekit", "sessions", "--limit", "1", "--json")
    good = json.loads(listed.out)[0]["id"]
    result = run("--demo-provider", "realtimekit", "quality", good, "a/b")
    assert result.code == 2, result.err
    assert_inert(result.err)


def test_odd_but_possible_ids_still_reach_the_provider(run: Run) -> None:
    for odd in ("room:meeting", "a.b", "..a", "café", "-1", "x" * 300, "/standup|9f2c", "a|b|c"):
        result = run("session", odd)
        assert result.code == 3, (odd, result.err)  # asked for, and not found
        assert "No session with id" in result.err


# ---------------------------------------------------------------------------------------
# Base URLs


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://user:s3cr3t-pass@127.0.0.1:9/v2", "must not hold credentials"),
        ("https://s3cr3t-pass@api.example.com", "must not hold credentials"),
        ("http://127.0.0.1:9/v2?api_key=s3cr3t-pass", "must not have a query string or fragment"),
        ("http://127.0.0.1:9/v2?", "must not have a query string or fragment"),
        ("http://127.0.0.1:9/v2#s3cr3t-pass", "must not have a query string or fragment"),
        ("http://[::1", "not a valid URL"),
        ("http://127.0.0.1:99999", "port"),
        ("http://127.0.0.1:0", "port"),
        ("http://127.0.0.1:-1", "not a valid URL"),
        ("http://127.0.0.1:x", "not a valid URL"),
        ("ftp://example.com", "http:// or https://"),
        ("http://", "http:// or https://"),
        ("example.com", "http:// or https://"),
        ("", "must not be empty"),
        ("http://exa mple.com", "not a valid URL"),
        ("http://example.com/a b", "not a valid URL"),
        ("http://ex\x1b]2;x\x07ample.com", "not a valid URL"),
        ("http://example.com\\@evil.com", "not a valid URL"),
        ("http://-bad-.com", "not a valid host"),
        ("http://a..b", "not a valid host"),
    ],
)
def test_a_bad_base_url_is_2_and_never_echoes_a_secret(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, reason: str
) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", "KEY-not-the-point")
    log = tmp_path / "debug.log"
    result = run("--provider", "telnyx", "--base-url", url, "--log-file", str(log), "sessions")
    assert result.code == 2, result.err
    assert result.err.startswith("roomscope: error: --base-url: ")
    assert reason in result.err
    assert "s3cr3t" not in result.err
    assert_inert(result.err)
    assert "s3cr3t" not in (log.read_text() if log.exists() else "")
    checked = run("--provider", "telnyx", "--base-url", url, "config", "check")
    assert checked.code == 2, checked.err
    assert checked.err.startswith("roomscope: error: --base-url: ") and "s3cr3t" not in checked.err
    # the same rule for a profile's base_url, with file and line
    path = tmp_path / "config.toml"
    path.write_text(
        f'[profiles.tx]\nprovider = "telnyx"\ntoken_env = "TELNYX_API_KEY"\nbase_url = {json.dumps(url)}\n',
        "utf-8",
    )
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    for argv in (["sessions"], ["config", "check"]):
        checked = run(*argv)
        assert checked.code == 2, checked.err
        assert f"{path}:4: profiles.tx.base_url: " in checked.err
        assert "s3cr3t" not in checked.err + checked.out
        assert_inert(checked.err)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/v2/",
        "https://api.example.com/client/v4",
        "http://[::1]:9/",
        "http://localhost:65535",
        "https://bücher.example/v1",
        "https://xn--bcher-kva.example/v1",
    ],
)
def test_a_good_base_url_is_used(run: Run, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Nothing listens there: the request is made and fails as unreachable (5), not as usage."""
    import httpx

    async def refused(self: Any, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", refused)
    monkeypatch.setattr(HttpClient, "_backoff", lambda self, attempt: 0.0)
    monkeypatch.setenv("TELNYX_API_KEY", "KEY-not-the-point")
    result = run("--provider", "telnyx", "--base-url", url, "sessions")
    assert result.code == 5, result.err
    assert "unreachable" in result.err


def test_a_base_url_the_checks_accept_is_one_httpx_accepts() -> None:
    """The configuration's checks (standard library only) never let through a URL the HTTP
    library refuses, except an internationalised host, which is asked of httpx when the
    provider is built (``needs_idna_check``)."""
    import itertools
    import random

    import httpx

    from roomscope.tui.config import base_url_problem, needs_idna_check

    rng = random.Random(11)
    pieces = "aZ09-._:/@[]%?#é日\u0300\u05d0\uff41\u2603 \x00"
    hosts = [
        "127.0.0.1",
        "[::1]",
        "[fe80::1%25eth0]",
        "1.2.3.999",
        "01.2.3.4",
        "a_b.example",
        "xn--bcher-kva.ch",
    ]
    hosts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) + ".example" for _ in range(3000)]
    accepted = 0
    for host, port, path in itertools.product(hosts, ["", ":1", ":65535", ":70000"], ["", "/", "/v2/x"]):
        url = f"https://{host}{port}{path}"
        if base_url_problem(url) is not None:
            continue
        accepted += 1
        try:
            httpx.URL(url.rstrip("/") + "/")
        except (httpx.InvalidURL, ValueError):
            assert needs_idna_check(url), url
    assert accepted > 1000


@pytest.mark.parametrize(
    ("url", "when"),
    [
        ("https://☃.net", "read"),  # a symbol: refused as the file is read
        ("https://xn--n3h.net/v2", "read"),
        ("http://xn--zz.com", "read"),  # not punycode
        ("https://ａｂｃ.com", "built"),  # full-width letters: IDNA refuses, asked when built
        ("https://aא.com/v2", "built"),  # mixed directions
    ],
)
def test_an_internationalised_host_the_http_library_refuses_is_2(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, when: str
) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", "KEY-not-the-point")
    result = run("--provider", "telnyx", "--base-url", url, "sessions")
    assert result.code == 2, result.err
    assert result.err.startswith("roomscope: error: --base-url: not a valid host name")
    path = tmp_path / "config.toml"
    path.write_text(
        f'[profiles.tx]\nprovider = "telnyx"\ntoken_env = "TELNYX_API_KEY"\nbase_url = "{url}"\n', "utf-8"
    )
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    result = run("sessions")
    assert result.code == 2, result.err
    assert f"{path}:4: profiles.tx.base_url: not a valid host name" in result.err
    checked = run("config", "check")
    assert checked.code == 2, checked.err
    expected = f"{path}:4: profiles.tx.base_url: not a valid host name"
    assert expected in (checked.err if when == "read" else checked.out)
    if when == "built":
        assert f"tx: FAILED: {expected}" in checked.out
    assert run("--provider", "telnyx", "--base-url", url, "config", "check").code == 2


# ---------------------------------------------------------------------------------------
# Command-line values


def test_a_limit_beyond_the_pages_kept_in_memory_prints_every_row(run: Run) -> None:
    """The store keeps 48 pages of a list in memory; 12,000 rows are read a chunk at a time."""
    result = run(
        "sessions", "--limit", "12000", "--csv", "--demo-size", "20000", "--demo-latency", "0", fast=False
    )
    assert result.code == 0, result.err
    rows = result.csv()
    assert len(rows) == 12000
    assert len({r["id"] for r in rows}) == 12000
    assert [r["started_at"] for r in rows] == sorted((r["started_at"] for r in rows), reverse=True)


@pytest.mark.parametrize(
    ("since", "reason"),
    [
        ("99999999999d", "too far back"),
        ("9" * 400 + "d", "too far back"),
        ("99999999999999999999w", "too far back"),
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("-5d", "expected a span"),
        ("nan", "expected a span"),
        ("inf h", "expected a span"),
        ("0001-01-01", None),
        ("9999-12-31T23:59:59", None),
        ("24h\x1b[2J", "expected a span"),
        ("2026-13-01", "expected a span"),
        ("\x00", "expected a span"),
    ],
)
def test_since_values(run: Run, since: str, reason: str | None) -> None:
    result = run("sessions", f"--since={since}", "--limit", "1")
    if reason is None:
        assert result.code == 0, result.err
        return
    assert result.code == 2, result.err
    assert result.err.startswith("roomscope: error: --since: ")
    assert reason in result.err
    assert_inert(result.err)


def test_the_log_file_must_be_writable_where_it_says(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "debug.log"
    for argv in (["sessions", "--limit", "1"], ["config", "check"], ["cache", "info"]):
        result = run(*argv, "--log-file", str(missing))
        assert result.code == 2, (argv, result.err)
        assert "--log-file" in result.err and "no-such-dir" in result.err
    assert not missing.parent.exists()  # not created behind the user's back
    for bad in ("", str(tmp_path), "\x00"):
        result = run("sessions", "--log-file", bad)
        assert result.code == 2, (bad, result.err)
        assert "--log-file" in result.err
    good = tmp_path / "debug.log"
    assert run("cache", "info", "--log-file", str(good)).code == 0
    assert good.exists()


def test_a_config_nested_too_deeply_is_a_config_error(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    for body in (
        "theme = " + "[" * 5000 + "]" * 5000 + "\n",
        "theme = " + "{a=" * 5000 + "1" + "}" * 5000 + "\n",
        "[keymap]\n" + ".".join(["a"] * 5000) + ' = "x"\n',
    ):
        path.write_text(body, "utf-8")
        for argv in (["sessions"], ["config", "check"]):
            result = run(*argv)
            assert result.code == 2, result.err
            assert result.err.startswith(f"roomscope: error: {path}")
            assert "nested too deeply" in result.err


ODD_VALUES = [
    "",
    " ",
    "-1",
    "0",
    "1e400",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "9" * 50,
    "-" + "9" * 50,
    "1_000",
    "0x10",
    "٣",
    "é\u202e",
    "\x1b]2;x\x07",
    "\x00",
    "a\nb",
    "\udcff",  # a byte that is not UTF-8, as Python passes it on (surrogateescape)
    "x" * 5000,
]
OPTIONS = [
    ["--provider"],
    ["--profile"],
    ["--base-url"],
    ["--demo-provider"],
    ["--demo-size"],
    ["--demo-seed"],
    ["--demo-latency"],
    ["--cache-dir"],
    ["--theme"],
    ["--log-file"],
    ["sessions", "--since"],
    ["sessions", "--status"],
    ["sessions", "--filter"],
    ["sessions", "--limit"],
    ["session"],
    ["participants"],
    ["events", "00000000-0000-4000-8000-000000000000", "--participant"],
    ["quality", "00000000-0000-4000-8000-000000000000"],
    ["cache"],
    ["config"],
]


@pytest.mark.parametrize("option", OPTIONS, ids=lambda o: "-".join(o))
def test_no_option_value_ends_in_a_traceback(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, option: list[str]
) -> None:
    """Every option, every odd value: a usage error (2), a clean refusal or success; never
    an unexpected error (1) or a traceback (the runner fails on one)."""
    monkeypatch.chdir(tmp_path)
    for value in ODD_VALUES:
        argv = [*option, value]
        if option[0].startswith("--"):  # a global option: give it a command
            argv = [*argv, "sessions", "--limit", "1"]
        result = run(*argv, fast=option[0] not in ("--demo-size", "--demo-latency"))
        assert result.code in (0, 2, 3, 8), (argv, result.code, result.err)
        assert_inert(result.err)
        if result.code == 2:
            assert result.err.startswith("roomscope: error: "), (argv, result.err)


def test_odd_environment_values_end_cleanly(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (
        ("ROOMSCOPE_CONFIG", "/no/such/dir/\x1b]2;x\x07/config.toml"),
        ("ROOMSCOPE_CACHE_DIR", "/proc/nope\x1b[2J"),
    ):
        monkeypatch.setenv(name, value)
        result = run("sessions", "--limit", "1")
        assert result.code in (0, 2), result.err
        assert_inert(result.err)


# ---------------------------------------------------------------------------------------
# SIGNALWIRE_SPACE


@pytest.mark.parametrize(
    "space",
    [
        "bad/space",
        "two words",
        "example.signalwire.com/api",
        "https://user:pw@x.signalwire.com",
        "-x-",
        "a" * 64,
        "x:99999",
    ],
)
def test_a_bad_signalwire_space_is_a_configuration_error(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, space: str
) -> None:
    monkeypatch.setenv("SIGNALWIRE_SPACE", space)
    monkeypatch.setenv("SIGNALWIRE_PROJECT_ID", "4f0e1b5c-0000-4000-8000-000000000000")
    monkeypatch.setenv("SIGNALWIRE_API_TOKEN", "PT-secret-token-123")
    result = run("--provider", "signalwire", "sessions")
    assert result.code == 2, result.err
    assert "SIGNALWIRE_SPACE" in result.err and "not a space" in result.err
    assert "PT-secret-token-123" not in result.err
    assert run("--provider", "signalwire", "config", "check").code == 2
    path = tmp_path / "config.toml"
    path.write_text(
        f'[profiles.sw]\nprovider = "signalwire"\nspace = {json.dumps(space)}\n'
        'project_id_env = "SIGNALWIRE_PROJECT_ID"\ntoken_env = "SIGNALWIRE_API_TOKEN"\n',
        "utf-8",
    )
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    result = run("sessions")
    assert result.code == 2, result.err
    assert f"{path}:3: profiles.sw.space: not a space" in result.err


# ---------------------------------------------------------------------------------------
# Ids at the provider layer: whichever adapter builds the path


@pytest.mark.parametrize("bad", ["", ".", ".."])
@pytest.mark.parametrize("provider", ADAPTERS)
async def test_an_adapter_never_sends_a_path_step_as_an_id(
    no_request: list[str], provider: str, bad: str
) -> None:
    """``sessions/..`` is the API root, ``sessions/`` the list: never asked for an id."""
    from roomscope.tui.errors import NotFoundError, ProviderError
    from roomscope.tui.providers.registry import build_demo_backed
    from tests.conftest import fixed_now

    adapter = build_demo_backed(provider, size=50, clock=fixed_now)
    try:
        for call in (
            lambda: adapter.get_session(bad),
            lambda: adapter.list_participants(bad, None, 10),
            lambda: adapter.get_participant("00000000-0000-4000-8000-000000000000", bad),
        ):
            if provider == "whereby":  # ids go in query parameters, where a dot is no step
                with contextlib.suppress(ProviderError):
                    await call()
                continue
            with pytest.raises(NotFoundError):
                await call()
    finally:
        await adapter.aclose()
    for path in no_request:
        assert not any(s in ("", ".", "..") for s in path.split("/")[1:]), path


def test_path_step_finds_what_a_url_would_resolve() -> None:
    from roomscope.tui.providers.http import path_step

    assert path_step("api/video/room_sessions/abc") is None
    assert path_step("/api/video/room_sessions/abc") is None
    assert path_step("/api/video/room_sessions/") == ""
    assert path_step("sessions/a.b/..c") is None
    assert path_step("sessions?x=..") is None
    assert path_step("sessions/..") == ".."
    assert path_step("sessions/./events") == "."
    assert path_step("sessions//events") == ""
    assert path_step("sessions/%2E%2e/events") == "%2E%2e"
