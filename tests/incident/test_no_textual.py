"""The incident commands run without Textual (the headless path stays light)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_architecture import _loaded_after

DEMO = ["--provider", "demo", "--demo-latency", "0", "--demo-size", "200"]


@pytest.mark.parametrize(
    "argv",
    [
        ["window", "00:00..now", "--json", *DEMO],
        ["groups", "--by", "isp", "--window", "06:00..now", *DEMO],
        ["history", "--room", "daily-standup", "--since", "1d", "--fetch", *DEMO],
    ],
)
def test_an_incident_command_never_loads_textual(argv: list[str], tmp_path: Path) -> None:
    code = f"from roomscope.tui.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
    loaded = _loaded_after(code, tmp_path)
    assert "roomscope.tui.incident.scan" in loaded
    textual = sorted(m for m in loaded if m == "textual" or m.startswith("textual."))
    assert not textual, f"`roomscope {' '.join(argv)}` loaded {textual[:5]}"
