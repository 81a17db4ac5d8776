"""The installed ``roomscope`` command in a real terminal (tmux), driven like a person would.

Skipped only when tmux is not installed (CI installs it). The first frame appears before the
data store is ready and keys pressed before rows exist are lost, so every step waits for
what it needs on screen before pressing the next key.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

TMUX = shutil.which("tmux")
WIDTH, HEIGHT = 120, 40
PATIENCE_S = 20.0


class Terminal:
    """One detached tmux session running one command."""

    def __init__(self, name: str, socket_dir: str) -> None:
        self.name = name
        self.env = {**os.environ, "TMUX_TMPDIR": socket_dir}
        self.env.pop("TMUX", None)

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        assert TMUX is not None
        return subprocess.run(
            [TMUX, "-L", self.name, *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env=self.env,
        )

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name).stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", self.name, key)
            time.sleep(0.05)

    def wait_until(self, predicate: Callable[[str], bool], what: str, *, timeout: float = PATIENCE_S) -> str:
        """Until ``predicate(screen)`` holds on one capture of the pane; that capture."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen}")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    if TMUX is None:
        pytest.skip("tmux is not installed (apt-get install tmux); CI installs it")
    script = Path(sys.executable).with_name("roomscope")
    if not script.exists():
        pytest.fail(f"the roomscope console script is not installed next to {sys.executable}")
    name = f"roomscope-e2e-{uuid.uuid4().hex[:8]}"
    status_file = tmp_path / "exit-status"
    command = " ".join(
        shlex.quote(part)
        for part in (
            str(script),
            "--provider",
            "demo",
            "--demo-latency",
            "0",
            "--demo-size",
            "2000",
            "--cache-dir",
            str(tmp_path / "cache"),
        )
    )
    # the wrapper records the exit status, then keeps the pane open to be read
    wrapper = f"{command}; echo $? > {shlex.quote(str(status_file))}; sleep 60"
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "ROOMSCOPE_CONFIG": str(tmp_path / "no-config.toml"),
        "ROOMSCOPE_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("TMUX", None)
    # its own tmux server (-L, socket in a private directory): never touches the user's sessions
    socket_dir = tempfile.mkdtemp(prefix="rs-tmux-")
    env["TMUX_TMPDIR"] = socket_dir
    term = Terminal(name, socket_dir)
    assert TMUX is not None
    started = subprocess.run(
        [
            TMUX,
            "-L",
            name,
            "-f",
            os.devnull,
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            wrapper,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    try:
        yield term, status_file
    finally:
        term.tmux("kill-session", "-t", name)
        term.tmux("kill-server")
        shutil.rmtree(socket_dir, ignore_errors=True)


def test_walk_down_and_back_then_quit(terminal: tuple[Terminal, Path]) -> None:
    term, status_file = terminal

    def first_line(screen: str) -> str:
        lines = screen.splitlines()
        return lines[0] if lines else ""

    # The terminal is redrawn piece by piece: wait until everything a step needs is on the
    # same capture before judging it (or pressing the next key).

    # the list: wait for real rows (the status line counts them), not for "loading"
    screen = term.wait_until(
        lambda s: (
            re.search(r"\d+/2,000 sessions", s) is not None
            and re.search(r"today \d\d:\d\d .*(● live|ended)", s) is not None
            and first_line(s).strip().startswith("Sessions")
        ),
        "the session list",
    )
    assert "demo world" in screen

    term.keys("j", "Enter")
    term.wait_until(lambda s: "3 Participants" in s, "the session screen")
    term.keys("3")  # the participants tab (the screen opens on the findings)
    screen = term.wait_until(
        lambda s: (
            re.search(r"\d+ participants, worst quality first", s) is not None
            and re.search(r"● (poor|fair|good)", s) is not None
            and "Sessions › " in first_line(s)
        ),
        "the session screen with its verdicts",
    )
    assert "Participants" in screen and "Events" in screen and "Recordings" in screen

    term.keys("Enter")
    card = ("Who", "Present", "Device", "Network", "Location")
    screen = term.wait_until(
        lambda s: (
            re.search(r"Quality  ● (poor|fair|good)", s) is not None
            and all(re.search(rf"^ {label}\s", s, re.MULTILINE) for label in card)
            and first_line(s).count("›") == 2
        ),
        "the participant card",
    )
    assert "Quality summary" in screen

    term.keys("Enter")
    panels = ("Packet loss (send) (%)", "Packet loss (recv) (%)", "Bitrate (send)", "Jitter", "RTT", "MOS")
    screen = term.wait_until(
        lambda s: (
            all(f"{label}" in s for label in panels)
            and "› Quality" in first_line(s)
            # its figures (after its verdict when it is fair or poor: which it is depends on
            # the session the clock puts second)
            and re.search(r"Packet loss \(send\) \(%\)  (● (poor|fair) .*)?min [\d.]+  avg", s) is not None
        ),
        "the quality panels with their figures",
    )
    assert "Bitrate (send)" in screen

    term.keys("Escape")
    term.wait_until(lambda s: "Quality summary" in s and first_line(s).count("›") == 2, "the participant")
    term.keys("Escape")
    term.wait_until(
        lambda s: "participants, worst quality first" in s and first_line(s).count("›") == 1, "the session"
    )
    term.keys("Escape")
    term.wait_until(
        lambda s: "›" not in first_line(s) and re.search(r"\d+/2,000 sessions", s) is not None, "the list"
    )

    term.keys("q")
    deadline = time.monotonic() + PATIENCE_S
    while not status_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status_file.exists(), f"roomscope did not exit; the screen shows:\n{term.screen()}"
    assert status_file.read_text().strip() == "0"
    assert "Traceback" not in term.screen()
