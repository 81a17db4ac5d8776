"""The config file's ``theme`` and ``[keymap]``: checked without Textual (``config check`` and
the start-up find the same mistakes, as ``file:line: field: reason``), and the static lists
they are checked against compared with the live app and Textual."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import string
import textwrap
from pathlib import Path

import pytest

from roomscope.tui import cli, keymap, sources
from roomscope.tui.config import ConfigError, load_config
from roomscope.tui.keymap import BINDING_IDS, KEPT_KEYS, NAMED_KEYS, remap
from roomscope.tui.theme_names import ROOMSCOPE_THEMES, TEXTUAL_THEMES, THEME_NAMES
from tests.conftest import fixed_now
from tests.support.cli import Run, runner


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return runner(capsys, monkeypatch)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(body).lstrip("\n"), "utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [str(p) for p in caught.value.problems]


def found_everywhere(run: Run, monkeypatch: pytest.MonkeyPatch, path: Path, expected: str) -> None:
    """``config check``, a headless command and the TUI's start-up all refuse the file with
    the same ``file:line: field: reason``."""
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    for argv in (["config", "check"], ["sessions", "--limit", "1"]):
        result = run(*argv)
        assert result.code == 2, (argv, result.err)
        assert expected in result.err, result.err
    with pytest.raises(sources.UsageError) as caught:
        cli.build_app([], clock=fixed_now)
    assert expected in str(caught.value)


# ---------------------------------------------------------------------------------------
# theme


def test_an_unknown_theme_is_a_config_error(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write(tmp_path, 'default_profile = "demo"\ntheme = "nope"\n')
    assert problems(path) == [
        f'{path}:2: theme: unknown theme "nope" (expected one of: {", ".join(THEME_NAMES)})'
    ]
    found_everywhere(run, monkeypatch, path, f'{path}:2: theme: unknown theme "nope"')
    near = write(tmp_path, 'theme = "roomscope-drak"\n')
    assert problems(near)[0].endswith('; did you mean "roomscope-dark"?')


@pytest.mark.parametrize("name", ["roomscope-dark", "roomscope-light", "nord", "ansi-dark", "textual-light"])
def test_known_themes_load(tmp_path: Path, name: str) -> None:
    config, _ = load_config(write(tmp_path, f'theme = "{name}"\n'))
    assert config.theme == name


def test_the_theme_names_are_the_apps() -> None:
    from textual.app import App
    from textual.theme import BUILTIN_THEMES

    from roomscope.themes import DEFAULT_THEME, THEMES

    assert tuple(BUILTIN_THEMES) == TEXTUAL_THEMES
    assert tuple(t.name for t in THEMES) == ROOMSCOPE_THEMES
    assert ROOMSCOPE_THEMES[0] == DEFAULT_THEME
    app = App[None]()
    for theme in THEMES:
        app.register_theme(theme)
    assert set(THEME_NAMES) == set(app.available_themes)


# ---------------------------------------------------------------------------------------
# [keymap]


def test_an_unknown_binding_id_is_a_config_error(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write(tmp_path, '[keymap]\n"sessions.filter" = "f"\n"sessions.flter" = "x"\n"nope" = "y"\n')
    assert problems(path) == [
        f'{path}:3: keymap.sessions.flter: unknown binding id; did you mean "sessions.filter"?',
        f"{path}:4: keymap.nope: unknown binding id (? in the app lists every binding id)",
    ]
    found_everywhere(run, monkeypatch, path, f"{path}:3: keymap.sessions.flter: unknown binding id")


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        ("", "must not be empty"),
        ("x,,y", "an empty key name"),
        ("x,", "an empty key name"),
        ("ctrl+", 'no key after the last "+"'),
        ("ctlr+x", '"ctlr" is not a modifier'),
        ("ctrl+ctrl+x", "a modifier twice"),
        ("foo", "not a key name"),
        ("Up", 'key names are lower case ("up")'),
        ("ctrl+PageDown", 'key names are lower case ("pagedown")'),
        ("shift+a", "shift with a character never arrives"),
        ("shift+question_mark", "shift with a character never arrives"),
        ("\u001b", "not a key"),
        ("ctrl+\u0007", "not a key"),
        ("f25", "not a key name"),
        ("left_sqare_bracket", "not a key name"),
    ],
)
def test_an_impossible_key_name_is_a_config_error(tmp_path: Path, keys: str, reason: str) -> None:
    toml_value = keys.replace("\u001b", "\\u001b").replace("\u0007", "\\u0007")
    path = write(tmp_path, f'[keymap]\n"sessions.refresh" = "{toml_value}"\n')
    found = problems(path)
    assert len(found) == 1 and found[0].startswith(f"{path}:2: keymap.sessions.refresh: "), found
    assert reason in found[0]


def test_an_impossible_key_name_fails_everywhere(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write(tmp_path, '[keymap]\n"sessions.refresh" = "ctlr+r"\n')
    found_everywhere(
        run, monkeypatch, path, f'{path}:2: keymap.sessions.refresh: "ctlr+r": "ctlr" is not a modifier'
    )


@pytest.mark.parametrize(
    ("binding", "keys", "dropped", "fix"),
    [
        ("list.down", "x", "down", "x,down"),
        ("help.up", "i", "up", "i,up"),
        ("list.top", "t", "home", "t,home"),
        ("list.page-down", "ctrl+d", "pagedown", "ctrl+d,pagedown"),
        ("nav.back", "b", "escape", "b,escape"),
        ("filter.down", "tab", "down", "tab,down"),
    ],
)
def test_a_keymap_that_drops_an_arrow_key_is_a_config_error(
    tmp_path: Path, binding: str, keys: str, dropped: str, fix: str
) -> None:
    path = write(tmp_path, f'[keymap]\n"{binding}" = "{keys}"\n')
    assert problems(path) == [
        f'{path}:2: keymap.{binding}: drops {dropped} (its keys are "{BINDING_IDS[binding]}"); '
        f'write "{fix}" to keep it'
    ]


def test_the_dropped_arrow_fails_everywhere(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write(tmp_path, '[keymap]\nlist.down = "x"\n')
    found_everywhere(run, monkeypatch, path, f"{path}:2: keymap.list.down: drops down")


def test_keys_are_normalised_as_textual_names_them(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [keymap]
        "list.down" = " x , down "
        "sessions.filter" = "/,f"
        "app.help" = "?,h"
        "sessions.refresh" = "shift+ctrl+r,R,r"
        "participant.next" = "],l,],l"
        "sessions.sort" = "alt+shift+s"
        "sessions.copy" = "ctrl+shift+left"
        "list.page-down" = "pagedown,space,shift+tab"
        """,
    )
    config, _ = load_config(path)
    assert config.keymap == {
        "list.down": "x,down",
        "sessions.filter": "slash,f",
        "app.help": "question_mark,h",
        "sessions.refresh": "ctrl+shift+r,R,r",
        "participant.next": "right_square_bracket,l",
        "sessions.sort": "alt+shift+s",
        "sessions.copy": "ctrl+shift+left",
        "list.page-down": "pagedown,space,shift+tab",
    }


def _live_bindings() -> dict[str, str]:
    from textual.binding import Binding

    import roomscope.screens
    import roomscope.widgets

    names = ["roomscope.tui.app", "roomscope.tui.commands"]
    for package in (roomscope.screens, roomscope.widgets):
        names += [m.name for m in pkgutil.iter_modules(package.__path__, package.__name__ + ".")]
    found: dict[str, str] = {}
    for name in names:
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == name:
                for binding in cls.__dict__.get("BINDINGS", ()) or ():
                    if isinstance(binding, Binding) and binding.id:
                        assert binding.id not in found, f"binding id {binding.id} twice"
                        found[binding.id] = binding.key
    return found


def test_the_binding_registry_is_the_live_bindings() -> None:
    assert dict(BINDING_IDS) == _live_bindings()


def test_every_default_binding_is_a_valid_keymap_entry() -> None:
    for binding, keys in BINDING_IDS.items():
        assert remap(binding, keys) == keymap.Remap(keys), binding


def test_key_names_agree_with_textual() -> None:
    from textual.keys import Keys, _character_to_key

    characters = [chr(c) for c in range(0x21, 0x7F)] + [chr(c) for c in range(0xA1, 0x250)] + list("€→✓日本")
    for character in characters:
        if character.isprintable():
            assert keymap.character_key(character) == _character_to_key(character), character
            # a character's name is a valid key, and stands for that very key
            assert remap("sessions.refresh", keymap.character_key(character)).problem is None, character
    textual_named = {k.value for k in Keys if "+" not in k.value and not k.value.startswith("<")}
    assert textual_named >= NAMED_KEYS
    assert textual_named - NAMED_KEYS == {"return", "ctrl-at"}  # never the name of a key press
    assert KEPT_KEYS <= NAMED_KEYS
    assert set(string.ascii_letters + string.digits) == {
        keymap.character_key(c) for c in string.ascii_letters + string.digits
    }


def test_a_remapped_key_works_in_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The normalised keys are what Textual matches key presses against."""
    import asyncio

    from roomscope.tui.app import RoomscopeApp

    path = write(tmp_path, '[keymap]\n"app.help" = " h , ? "\n')
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    app = cli.build_app(["--demo-latency", "0", "--demo-size", "50"], clock=fixed_now)
    assert isinstance(app, RoomscopeApp)

    async def press() -> str:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("question_mark")
            await pilot.pause()
            return type(app.screen).__name__

    assert asyncio.run(press()) == "HelpScreen"
