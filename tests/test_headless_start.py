"""What a headless answer from the cache loads: not the demo world, not pydantic's plugin
lookup (unless the user asks for plugins)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGV = ["sessions", "--provider", "demo", "--demo-latency", "0", "--limit", "1", "--json"]


def _loaded(tmp_path: Path, **extra_env: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMSCOPE_", "PYDANTIC_"))}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_CONFIG_HOME=str(tmp_path / "config"), **extra_env)
    code = (
        "import sys, io, contextlib\n"
        "from roomscope.tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main({ARGV!r})\n"
        "sys.__stderr__.write(f'CODE {code} MODULES ' + ' '.join(sorted(sys.modules)) + '\\n')\n"
    )
    loaded: set[str] = set()
    for _ in range(2):  # the first run fills the cache, the second answers from it
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
        )
        line = next(x for x in done.stderr.splitlines() if x.startswith("CODE "))
        assert line.startswith("CODE 0 "), done.stderr
        loaded = set(line.split()[3:])
    return loaded


def test_an_answer_from_the_cache_loads_no_world_and_no_plugin_lookup(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path)
    assert "roomscope.tui.providers.demo" in loaded
    assert "pydantic.plugin._schema_validator" in loaded
    assert "roomscope.tui.demo.world" not in loaded
    assert "importlib.metadata" not in loaded


def test_a_user_who_enables_pydantic_plugins_gets_the_real_lookup(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, PYDANTIC_DISABLE_PLUGINS="")
    assert "importlib.metadata" in loaded


def test_the_tuis_store_skips_the_plugin_lookup_too(tmp_path: Path) -> None:
    """The TUI builds its store after the first frame; the first rows wait for it and for the
    first model's validator: no ``importlib.metadata`` scan on that path either."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMSCOPE_", "PYDANTIC_"))}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    code = (
        "import sys\n"
        "from roomscope.tui.cli import build_app\n"
        "app = build_app(['--provider', 'demo', '--demo-latency', '0'])\n"
        "store = app._store_factory()\n"
        "from roomscope.tui.models import SessionQuery\n"
        "SessionQuery(text='x')\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert "pydantic.plugin._schema_validator" in loaded
    assert "importlib.metadata" not in loaded
    assert not any(name.startswith("roomscope.tui.clientstats") for name in loaded)
