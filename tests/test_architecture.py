"""The dependency direction of ARCHITECTURE.md, checked at run time as well as by `lint-imports`.

`make lint` runs the import contracts of pyproject.toml (layers, no Textual in the core, screens
independent, no circles inside a package). These tests check what a static contract cannot:
which modules a headless command really loads, and that no import circle exists anywhere in the
package, function-level imports included.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _loaded_after(code: str, tmp_path: Path) -> set[str]:
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    for name in list(env):
        if name.startswith(("ROOMSCOPE_", "SIGNALWIRE_", "TELNYX_", "WHEREBY_", "CLOUDFLARE_")):
            del env[name]
    probe = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.__stderr__.write('MODULES ' + ' '.join(sorted(sys.modules)) + '\\n'))\n"
        + code
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


@pytest.mark.parametrize(
    "argv",
    [
        ["sessions", "--provider", "demo", "--demo-latency", "0", "--limit", "3", "--json"],
        ["sessions", "--provider", "demo", "--demo-latency", "0", "--limit", "3", "--csv"],
        ["config", "path"],
    ],
)
def test_a_headless_command_never_loads_textual(argv: list[str], tmp_path: Path) -> None:
    code = f"from roomscope.tui.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
    loaded = _loaded_after(code, tmp_path)
    assert "roomscope.tui.cli" in loaded
    textual = sorted(m for m in loaded if m == "textual" or m.startswith("textual."))
    assert not textual, f"`roomscope {' '.join(argv)}` loaded {textual[:5]}"


def test_importing_the_store_and_every_adapter_never_loads_textual(tmp_path: Path) -> None:
    code = (
        "import roomscope.tui.store, roomscope.tui.headless, roomscope.tui.providers.registry\n"
        "from roomscope.tui.providers.registry import PROVIDER_NAMES\n"
        "import importlib\n"
        "for name in PROVIDER_NAMES:\n"
        "    importlib.import_module(f'roomscope.tui.providers.{name}')\n"
    )
    loaded = _loaded_after(code, tmp_path)
    assert "roomscope.tui.providers.realtimekit" in loaded
    assert not [m for m in loaded if m.startswith("textual")]


def test_no_import_circle_anywhere_in_the_package() -> None:
    """Every import counts, at module top or inside a function: a circle is a design error."""
    grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (the [test] extra)")
    graph = grimp.build_graph("roomscope", cache_dir=None)
    modules = sorted(graph.modules)
    index = {m: i for i, m in enumerate(modules)}
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & graph.modules) for m in modules}
    # Tarjan's strongly connected components, iteratively.
    counter = 0
    low: dict[str, int] = {}
    order: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in modules:
        if root in order:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                order[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in order:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], order[target])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == order[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component, key=index.__getitem__))
    assert not circles, "import circles: " + "; ".join(" <-> ".join(c) for c in circles)
