"""The configuration layer (roomscope.tui.config) and the provider registry
(roomscope.tui.providers.registry)."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import importlib.util
import inspect
import os
import stat
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from roomscope.tui import cli, sources
from roomscope.tui.config import (
    DEMO_PROFILE,
    Config,
    ConfigError,
    ProfileConfig,
    config_path,
    load_config,
    profile_from_env,
    select_profiles,
    write_example,
)
from roomscope.tui.config.example import example_bytes
from roomscope.tui.config.toml_lines import key_lines
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.limits import DEMO_LATENCY_MS, DEMO_MAX_SIZE, DEMO_MIN_SIZE, DEMO_SEED, DEMO_SIZE
from roomscope.tui.providers import registry
from roomscope.tui.providers.base import AuthError, BaseProvider, NotFoundError
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.providers.http import BearerAuth, HttpClient
from roomscope.tui.providers.registry import (
    PROVIDER_NAMES,
    PROVIDERS,
    build_demo_backed,
    build_provider,
    check_profile,
    check_profiles,
    env_table,
)
from tests.conftest import fixed_now

SECRET = "sekrit-TOKEN-0123456789abcdef"
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def write(tmp_path: Path, body: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip("\n"))
    path.chmod(0o600)
    return path


def load(path: Path) -> Config:
    config, _warning = load_config(path)
    return config


def error_of(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


# ---------------------------------------------------------------------------------------
# Where the file is


def test_config_path_honours_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert config_path() == tmp_path / "elsewhere.toml"


def test_config_path_defaults_to_the_user_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROOMSCOPE_CONFIG")
    from platformdirs import user_config_dir

    assert config_path() == Path(user_config_dir("roomscope", appauthor=False)) / "config.toml"
    assert config_path().name == "config.toml"
    assert config_path().parent.name == "roomscope"


def test_importing_config_and_registry_stays_cheap() -> None:
    code = (
        "import sys, roomscope.tui.config, roomscope.tui.providers.registry; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('httpx', 'pydantic', 'platformdirs', "
        "'textual', 'asyncio') or m.startswith('roomscope.tui.providers.') "
        "and m != 'roomscope.tui.providers.registry']; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_registry_never_imports_the_configuration_layer() -> None:
    """One way only: the configuration layer imports the registry's table of providers; the
    registry (and the error module both share) import nothing of the configuration layer, not
    even inside a function or for type checking."""
    for module in ("roomscope.tui.providers.registry", "roomscope.tui.errors"):
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None
        for node in ast.walk(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
                assert node.level == 0, f"{module}: relative import"
            else:
                continue
            for name in names:
                assert not (name + ".").startswith("roomscope.tui.config."), f"{module} imports {name}"
    code = (
        "import sys, roomscope.tui.providers.registry; "
        "print(sorted(m for m in sys.modules if m.startswith('roomscope.tui.config')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------
# Loading a good file


GOOD = """
default_profile = "prod-video"   # optional
theme = "roomscope-dark"

[keymap]
"sessions.filter" = "slash,f"
nav.back = "escape,q"

[profiles.prod-video]
provider = "signalwire"
space = "example"
project_id_env = "SIGNALWIRE_PROJECT_ID"
token_env = "SIGNALWIRE_API_TOKEN"
base_url = "http://127.0.0.1:4011/"

[profiles.tx]
provider = "telnyx"
token_env = "TELNYX_API_KEY"

[profiles.rtk]
provider = "realtimekit"
account_id = "023e105f4ecef8ad9ca31a8372d0c353"
app_id = "app123"
token_env = "CLOUDFLARE_API_TOKEN"

[profiles]
sandbox = { provider = "demo", seed = 3, size = 200, latency_ms = 12.5 }
"""


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    config, warning = load_config(path)
    assert warning is None
    assert config.exists and config.path == path
    assert list(config.profiles) == ["prod-video", "tx", "rtk", "sandbox"]
    assert config.default_profile == "prod-video"
    assert config.theme == "roomscope-dark"
    assert config.keymap == {"sessions.filter": "slash,f", "nav.back": "escape,q"}
    assert config.warnings == ()
    sw = config.profiles["prod-video"]
    assert sw.provider == "signalwire" and sw.source == path
    assert sw.values == {"space": "example"}
    assert sw.env == {"project_id": "SIGNALWIRE_PROJECT_ID", "token": "SIGNALWIRE_API_TOKEN"}
    assert sw.base_url == "http://127.0.0.1:4011"
    assert sw.line == line_of(path, "[profiles.prod-video]")
    assert sw.lines["token_env"] == line_of(path, 'token_env = "SIGNALWIRE_API_TOKEN"')
    sandbox = config.profiles["sandbox"]
    assert (sandbox.seed, sandbox.size, sandbox.latency_ms) == (3, 200, 12.5)


def test_credentials_are_read_from_the_environment_at_use_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = load(write(tmp_path, GOOD)).profiles["prod-video"]
    monkeypatch.setenv("SIGNALWIRE_API_TOKEN", "first-token")
    assert profile.secret("token") == "first-token"
    monkeypatch.setenv("SIGNALWIRE_API_TOKEN", "second-token")
    assert profile.secret("token") == "second-token"
    assert profile.value("space") == "example"
    monkeypatch.delenv("SIGNALWIRE_API_TOKEN")
    with pytest.raises(ConfigError) as caught:
        profile.secret("token")
    line = line_of(profile.source or Path(), 'token_env = "SIGNALWIRE_API_TOKEN"')
    assert str(caught.value) == (
        f"{profile.source}:{line}: profiles.prod-video.token_env: "
        "environment variable SIGNALWIRE_API_TOKEN is not set"
    )


def test_an_empty_environment_variable_counts_as_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = load(write(tmp_path, GOOD)).profiles["tx"]
    monkeypatch.setenv("TELNYX_API_KEY", "  ")
    assert profile.unset_env() == ["token"]


def test_absent_file_is_an_empty_config_unless_required(tmp_path: Path) -> None:
    config = load(tmp_path / "nope.toml")
    assert not config.exists and config.profiles == {}
    assert select_profiles(config, None) == [DEMO_PROFILE]
    with pytest.raises(ConfigError, match=r"nope\.toml: no such file"):
        load_config(tmp_path / "nope.toml", required=True)


def test_default_path_is_used_when_none_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[profiles.s]\nprovider = "demo"\n')
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    config, warning = load_config()
    assert list(config.profiles) == ["s"] and warning is None


# ---------------------------------------------------------------------------------------
# Every mistake names the file, the line and the field


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [profiles.prod]
        provider = signalwire
        """,
    )
    message = str(error_of(path))
    assert message.startswith(f"{path}:2:12: invalid TOML: ")
    assert "Invalid value" in message


def test_toml_error_at_the_end_of_the_file_names_the_last_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[profiles.prod]\nprovider = "demo"\ntheme = ')
    error = error_of(path)
    assert error.line == 3
    assert str(error) == f"{path}:3: invalid TOML: Invalid value at the end of the file"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'theme = "a"\ntheme2 = "\xff"\n')
    assert str(error_of(path)) == f"{path}:2: not UTF-8 text"


def test_a_directory_is_not_a_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load(tmp_path)


def test_unknown_provider(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        theme = "nord"

        [profiles.prod]
        # a comment
        provider = "signalwyre"
        """,
    )
    assert str(error_of(path)) == (
        f'{path}:5: profiles.prod.provider: unknown provider "signalwyre" '
        "(expected one of: signalwire, telnyx, whereby, realtimekit, demo); "
        'did you mean "signalwire"?'
    )


def test_unknown_keys_at_every_level(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        themes = "x"

        [profiles.tx]
        provider = "telnyx"
        tokn = "abc"
        token_env = "TELNYX_API_KEY"

        [profiles.sb]
        provider = "demo"
        base_url = "https://example.com"
        """,
    )
    error = error_of(path)
    assert [str(p) for p in error.problems] == [
        f"{path}:1: themes: unknown key (expected one of: default_profile, theme, keymap, profiles); "
        'did you mean "theme"?',
        f"{path}:5: profiles.tx.tokn: unknown key for a telnyx profile "
        '(expected one of: provider, token, token_env, base_url); did you mean "token"?',
        f"{path}:10: profiles.sb.base_url: unknown key for a demo profile "
        "(expected one of: provider, seed, size, latency_ms)",
    ]
    assert (error.path, error.line, error.field) == (path, 1, "themes")


@pytest.mark.parametrize(
    ("body", "line", "field", "reason"),
    [
        ("theme = 5\n", 1, "theme", "expected a string, got an integer"),
        ('theme = ""\n', 1, "theme", "must not be empty"),
        ('default_profile = ["a"]\n', 1, "default_profile", "expected a string, got an array"),
        ("profiles = 3\n", 1, "profiles", "expected a table of profiles, got an integer"),
        ('keymap = "x"\n', 1, "keymap", "expected a table of binding id = keys, got a string"),
        ('[keymap]\n"list.top" = "g,home"\nc = 3\n', 3, "keymap.c", "expected a string, got an integer"),
        ("[profiles]\nprod = 3\n", 2, "profiles.prod", "expected a table ([profiles.prod]), got an integer"),
        ("[profiles.p]\nprovider = 1\n", 2, "profiles.p.provider", "expected a string, got an integer"),
        (
            '[profiles.p]\nprovider = "demo"\nseed = "7"\n',
            3,
            "profiles.p.seed",
            "expected an integer, got a string",
        ),
        (
            '[profiles.p]\nprovider = "demo"\nsize = true\n',
            3,
            "profiles.p.size",
            "expected an integer, got a boolean",
        ),
        (
            '[profiles.p]\nprovider = "demo"\nsize = 0\n',
            3,
            "profiles.p.size",
            "must be between 1 and 10,000,000",
        ),
        (
            '[profiles.p]\nprovider = "demo"\nlatency_ms = 1979-05-27\n',
            3,
            "profiles.p.latency_ms",
            "expected a number, got a date/time",
        ),
        (
            '[profiles.p]\nprovider = "telnyx"\ntoken = 1234567\n',
            3,
            "profiles.p.token",
            "expected a string, got an integer",
        ),
        (
            '[profiles.p]\nprovider = "telnyx"\ntoken_env = ["A"]\n',
            3,
            "profiles.p.token_env",
            "expected the name of an environment variable, got an array",
        ),
        (
            '[profiles.p]\nprovider = "telnyx"\ntoken = "  "\n',
            3,
            "profiles.p.token",
            "must not be empty",
        ),
        (
            '[profiles.p]\nprovider = "telnyx"\ntoken = "a"\ntoken_env = "B"\n',
            3,
            "profiles.p.token",
            "set either token or token_env, not both",
        ),
        (
            '[profiles.p]\nprovider = "telnyx"\ntoken_env = "TELNYX_API_KEY"\nbase_url = "ftp://x"\n',
            4,
            "profiles.p.base_url",
            "expected an http:// or https:// URL with a host",
        ),
        (
            '[profiles.p]\nprovider = "telnyx"\ntoken_env = "TELNYX_API_KEY"\n'
            'base_url = "https://u:pw@api.example.com"\n',
            4,
            "profiles.p.base_url",
            "must not hold credentials (user:password@): "
            "use token / token_env, or the provider's environment variables",
        ),
        (
            '[profiles.p]\nprovider = "telnyx"\ntoken_env = "TELNYX_API_KEY"\n'
            'base_url = "https://api.example.com:99999"\n',
            4,
            "profiles.p.base_url",
            "not a valid URL: the port must be a number from 1 to 65535",
        ),
        (
            "[profiles.p]\nseed = 1\n",
            1,
            "profiles.p.provider",
            "missing (one of: " + ", ".join(PROVIDER_NAMES) + ")",
        ),
        (
            '[profiles.all]\nprovider = "demo"\n',
            1,
            "profiles.all",
            '"all" is reserved (--profile all selects every profile)',
        ),
        (
            '[profiles."my prod"]\nprovider = "demo"\n',
            1,
            "profiles.my prod",
            "a profile name is 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
        ),
        (
            'default_profile = "prod"\n[profiles.a]\nprovider = "demo"\n[profiles.b]\nprovider = "demo"\n',
            1,
            "default_profile",
            'no profile named "prod" (profiles: a, b)',
        ),
    ],
)
def test_each_mistake_names_file_line_and_field(
    tmp_path: Path, body: str, line: int, field: str, reason: str
) -> None:
    path = write(tmp_path, body)
    error = error_of(path)
    assert str(error) == f"{path}:{line}: {field}: {reason}"
    assert (error.path, error.line, error.field) == (path, line, field)


@pytest.mark.parametrize(
    ("provider", "present", "missing"),
    [
        ("signalwire", {"space": "example", "project_id": "p"}, "token"),
        ("signalwire", {"token": "t", "project_id": "p"}, "space"),
        ("signalwire", {"space": "example", "token": "t"}, "project_id"),
        ("telnyx", {}, "token"),
        ("whereby", {}, "token"),
        ("realtimekit", {"app_id": "a", "token": "t"}, "account_id"),
        ("realtimekit", {"account_id": "a", "token": "t"}, "app_id"),
        ("realtimekit", {"account_id": "a", "app_id": "a"}, "token"),
    ],
)
def test_missing_required_fields(
    tmp_path: Path, provider: str, present: dict[str, str], missing: str
) -> None:
    lines = ["# profiles", "", "[profiles.p]", f'provider = "{provider}"']
    lines += [f'{key} = "{value}"' for key, value in present.items()]
    path = write(tmp_path, "\n".join(lines) + "\n")
    spec = PROVIDERS[provider].credential(missing)
    assert spec is not None
    assert str(error_of(path)) == (
        f"{path}:3: profiles.p.{missing}: missing: {spec.help} "
        f'(write {missing} = "..." or {missing}_env = "{spec.env}")'
    )


def test_demo_needs_no_credentials(tmp_path: Path) -> None:
    config = load(write(tmp_path, '[profiles.d]\nprovider = "demo"\n'))
    assert config.profiles["d"].values == {} and config.profiles["d"].env == {}


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [profiles.a]
        provider = "telnyx"

        [profiles.b]
        provider = "demo"
        seed = "x"
        """,
    )
    error = error_of(path)
    assert [(p.line, p.field) for p in error.problems] == [(1, "profiles.a.token"), (6, "profiles.b.seed")]
    assert str(error).count("\n") == 1


def test_lines_of_dotted_keys_and_inline_tables(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        description = '''
        [profiles.fake]
        provider = "nope"
        '''
        [profiles]
        a = { provider = "demo", seed = "x" }
        b.provider = "demo"
        b.size = -1
        c.provider = "telnyx"
        c.token_env = [
          "[profiles.d]",
        ]
        c.tokn = 1
        """,
    )
    error = error_of(path)
    assert [(p.line, p.field) for p in error.problems] == [
        (1, "description"),
        (6, "profiles.a.seed"),
        (8, "profiles.b.size"),
        (13, "profiles.c.tokn"),
        (10, "profiles.c.token_env"),
    ]


def test_key_lines_handles_quoted_and_nested_keys() -> None:
    text = '[ profiles . "a.b" ]\n"x y" = 1\n\'lit\'.z = 2\n[[arr]]\nk = 1\n'
    lines = key_lines(text)
    assert lines[("profiles", "a.b")] == 1
    assert lines[("profiles", "a.b", "x y")] == 2
    assert lines[("profiles", "a.b", "lit", "z")] == 3
    assert lines[("arr", "k")] == 5


def test_a_token_pasted_into_token_env_is_not_repeated(tmp_path: Path) -> None:
    path = write(tmp_path, f'[profiles.p]\nprovider = "whereby"\ntoken_env = "eyJ.{SECRET}"\n')
    message = str(error_of(path))
    assert SECRET not in message
    assert message == (
        f"{path}:3: profiles.p.token_env: not an environment variable name (letters, digits and _) "
        "(to give the value itself, write token = ...)"
    )


def test_a_token_shaped_env_name_that_is_unset_is_not_repeated(tmp_path: Path) -> None:
    token = "PTa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2"
    path = write(
        tmp_path,
        f'[profiles.p]\nprovider = "signalwire"\nspace = "s"\nproject_id = "p"\ntoken_env = "{token}"\n',
    )
    profile = load(path).profiles["p"]
    with pytest.raises(ConfigError) as caught:
        select_profiles(load(path), "p")
    assert token not in str(caught.value)
    assert str(caught.value).startswith(f"{path}:5: profiles.p.token_env: environment variable (the name")
    assert token not in profile.describe()


# ---------------------------------------------------------------------------------------
# Credentials from the providers' own environment variables


ENV_VALUES = {
    "SIGNALWIRE_SPACE": "example.signalwire.com",
    "SIGNALWIRE_PROJECT_ID": "b1f3c1de-0000-4000-8000-000000000001",
    "SIGNALWIRE_API_TOKEN": "PT" + "ab" * 24,
    "TELNYX_API_KEY": "KEY0123_telnyx",
    "WHEREBY_API_KEY": "eyJwhereby.key",
    "CLOUDFLARE_API_TOKEN": "cf-token-123456",
    "CLOUDFLARE_ACCOUNT_ID": "023e105f4ecef8ad9ca31a8372d0c353",
    "REALTIMEKIT_APP_ID": "app123",
}


@pytest.mark.parametrize("provider", [p for p in PROVIDER_NAMES if p != "demo"])
def test_profile_from_env_reads_the_providers_variables(
    provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = PROVIDERS[provider]
    for name in info.env_vars:
        monkeypatch.setenv(name, ENV_VALUES[name])
    profile = profile_from_env(provider)
    assert profile.name == provider and profile.provider == provider and profile.source is None
    for spec in info.credentials:
        assert profile.value(spec.key) == ENV_VALUES[spec.env]
    described = profile.describe()
    for spec in info.credentials:
        if spec.secret:
            assert ENV_VALUES[spec.env] not in described
            assert f"{spec.key} from ${spec.env}" in described


@pytest.mark.parametrize("provider", [p for p in PROVIDER_NAMES if p != "demo"])
def test_profile_from_env_names_exactly_the_missing_variables(
    provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = PROVIDERS[provider]
    present, missing = info.env_vars[:-1], info.env_vars[-1:]
    for name in present:
        monkeypatch.setenv(name, ENV_VALUES[name])
    with pytest.raises(ConfigError) as caught:
        profile_from_env(provider)
    message = str(caught.value)
    assert message == (
        f"--provider {provider}: set {' and '.join(missing)} in the environment "
        "(or use a profile in the config file: roomscope config init)"
    )
    for name in present:
        assert name not in message
        assert ENV_VALUES[name] not in message


def test_profile_from_env_names_every_missing_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        profile_from_env("realtimekit")
    assert "set CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID and CLOUDFLARE_API_TOKEN in" in str(caught.value)


def test_profile_from_env_for_demo_and_unknown_names() -> None:
    assert profile_from_env("demo") == DEMO_PROFILE
    with pytest.raises(ConfigError) as caught:
        profile_from_env("telnix")
    assert str(caught.value) == (
        'unknown provider "telnix" (expected one of: signalwire, telnyx, whereby, realtimekit, demo); '
        'did you mean "telnyx"?'
    )


def test_env_table_lists_every_credential() -> None:
    table = env_table()
    assert ("signalwire", "token", "SIGNALWIRE_API_TOKEN") in table
    assert ("telnyx", "token", "TELNYX_API_KEY") in table
    assert ("whereby", "token", "WHEREBY_API_KEY") in table
    assert ("realtimekit", "app_id", "REALTIMEKIT_APP_ID") in table
    assert len(table) == sum(len(info.credentials) for info in PROVIDERS.values()) == 8
    assert "WHEREBY_API_KEY is roomscope's own name" in PROVIDERS["whereby"].note


# ---------------------------------------------------------------------------------------
# Choosing profiles


def config_with(tmp_path: Path, *names: str, default: str | None = None) -> Config:
    body = f'default_profile = "{default}"\n' if default else ""
    for name in names:
        body += f'[profiles.{name}]\nprovider = "demo"\n'
    return load(write(tmp_path, body))


def test_select_by_name_and_all(tmp_path: Path) -> None:
    config = config_with(tmp_path, "a", "b", "c")
    assert [p.name for p in select_profiles(config, "b")] == ["b"]
    assert [p.name for p in select_profiles(config, "all")] == ["a", "b", "c"]
    assert select_profiles(config, "demo") == [DEMO_PROFILE]


def test_unknown_profile_lists_the_names(tmp_path: Path) -> None:
    config = config_with(tmp_path, "a", "b")
    with pytest.raises(ConfigError) as caught:
        select_profiles(config, "prod")
    assert str(caught.value) == f'no profile named "prod" in {config.path}; profiles: a, b, demo, or "all"'


def test_unknown_profile_without_a_file(tmp_path: Path) -> None:
    config = load(tmp_path / "absent.toml")
    with pytest.raises(
        ConfigError, match=r'no profile named "x" \(no config file at .*absent\.toml\); profiles: demo'
    ):
        select_profiles(config, "x")


def test_default_profile_wins_when_nothing_is_requested(tmp_path: Path) -> None:
    config = config_with(tmp_path, "a", "b", default="b")
    assert [p.name for p in select_profiles(config, None)] == ["b"]
    assert [p.name for p in select_profiles(config, "a")] == ["a"]


def test_default_profile_all(tmp_path: Path) -> None:
    config = config_with(tmp_path, "a", "b", default="all")
    assert [p.name for p in select_profiles(config, None)] == ["a", "b"]


def test_without_default_several_profiles_means_all_and_one_means_it(tmp_path: Path) -> None:
    assert [p.name for p in select_profiles(config_with(tmp_path, "a", "b"), None)] == ["a", "b"]
    assert [p.name for p in select_profiles(config_with(tmp_path, "only"), None)] == ["only"]


def test_a_file_without_profiles_means_the_builtin_demo(tmp_path: Path) -> None:
    config = load(write(tmp_path, 'theme = "nord"\n'))
    assert config.exists
    assert select_profiles(config, None) == [DEMO_PROFILE]
    assert select_profiles(config, "all") == [DEMO_PROFILE]


def test_a_profile_named_demo_replaces_the_builtin_one(tmp_path: Path) -> None:
    config = config_with(tmp_path, "demo")
    (chosen,) = select_profiles(config, "demo")
    assert chosen is config.profiles["demo"] and chosen.source == config.path


def test_selected_profiles_need_their_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(
        tmp_path,
        """
        [profiles.tx]
        provider = "telnyx"
        token_env = "TELNYX_API_KEY"

        [profiles.sb]
        provider = "demo"
        """,
    )
    config = load(path)
    assert [p.name for p in select_profiles(config, "sb")] == ["sb"]
    with pytest.raises(ConfigError) as caught:
        select_profiles(config, None)
    assert (
        str(caught.value)
        == f"{path}:3: profiles.tx.token_env: environment variable TELNYX_API_KEY is not set"
    )
    assert [p.name for p in select_profiles(config, None, require_env=False)] == ["tx", "sb"]
    monkeypatch.setenv("TELNYX_API_KEY", "k-1234")
    assert [p.name for p in select_profiles(config, None)] == ["tx", "sb"]


# ---------------------------------------------------------------------------------------
# The example file


@posix_only
def test_write_example_is_private_and_parses_back(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "config.toml"
    assert write_example(path) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    config, warning = load_config(path)
    assert config.warnings == () and warning is None
    assert {p.provider for p in config.profiles.values()} == set(PROVIDER_NAMES)
    assert config.default_profile == "sandbox"
    assert [p.name for p in select_profiles(config, None)] == ["sandbox"]
    text = path.read_text()
    for info in PROVIDERS.values():
        for spec in info.credentials:
            assert f"{spec.key}_env" in text and spec.env in text
    for key in ("default_profile", "theme", "keymap", "base_url", "seed", "size", "latency_ms"):
        assert key in text


def test_write_example_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n")
    with pytest.raises(ConfigError) as caught:
        write_example(path)
    assert str(caught.value) == f"{path}: already exists; use --force to replace it"
    assert path.read_text() == "# mine\n"


@posix_only
def test_write_example_force_replaces_and_makes_it_private(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n")
    path.chmod(0o644)
    write_example(path, force=True)
    assert path.read_bytes() == example_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


EXAMPLE_SHA256 = "a6a483111fe7427164fd1bce45b258f9bdd4d75e0e9a0dc2b50e12264de3bf2b"
"""The bytes ``roomscope config init`` wrote when the example was a string in the code (2,693
bytes); change it only together with a deliberate change of example.toml."""


def test_config_init_writes_the_example_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(path))
    assert cli.main(["config", "init"]) == 0
    assert f"wrote an example configuration to {path}" in capsys.readouterr().err
    written = path.read_bytes()
    assert written == example_bytes()
    assert len(written) == 2693
    assert hashlib.sha256(written).hexdigest() == EXAMPLE_SHA256


def test_the_example_demo_profile_states_the_demo_defaults() -> None:
    text = example_bytes().decode("utf-8")
    sandbox = tomllib.loads(text)["profiles"]["sandbox"]
    assert (sandbox["seed"], sandbox["size"], sandbox["latency_ms"]) == (
        DEMO_SEED,
        DEMO_SIZE,
        DEMO_LATENCY_MS,
    )
    assert f"number of sessions ({DEMO_MIN_SIZE:,} - {DEMO_MAX_SIZE:,})" in text


# ---------------------------------------------------------------------------------------
# Secrets


INLINE = f"""
[profiles.tx]
provider = "telnyx"
token = "{SECRET}"

[profiles.sw]
provider = "signalwire"
space = "example"
project_id = "proj-1"
token = "{SECRET}"
"""


@posix_only
def test_inline_secret_in_a_readable_file_gives_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, INLINE)
    assert load_config(path)[1] is None
    path.chmod(0o644)
    config, warning = load_config(path)
    assert config.warnings == (warning,)
    assert warning == (
        f"{path} holds inline secrets (profiles.tx.token, profiles.sw.token) and other users can "
        f"read it (mode 0644); run: chmod 600 {path} (or use token_env)"
    )
    assert SECRET not in warning


@posix_only
def test_no_warning_without_inline_secrets(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    path.chmod(0o644)
    assert not any("inline" in w for w in load(path).warnings)


def test_plain_http_to_a_remote_host_warns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[profiles.p]\nprovider = "telnyx"\ntoken_env = "X_KEY"\nbase_url = "http://proxy.example.com/v2"\n',
    )
    config, warning = load_config(path)
    assert config.warnings == (warning,)
    assert warning == (
        f"{path}:4: profiles.p.base_url: plain http to proxy.example.com sends the token unencrypted"
    )


def test_secrets_never_appear_in_errors_describe_or_repr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load(write(tmp_path, INLINE))
    for profile in config.profiles.values():
        assert SECRET not in profile.describe()
        assert SECRET not in repr(profile)
        assert "token (set inline)" in profile.describe()
        assert profile.secret("token") == SECRET
    assert SECRET not in repr(config)
    assert config.profiles["sw"].describe() == (
        "sw: SignalWire Video (space example, project_id proj-1, token (set inline))"
    )
    broken = write(tmp_path, INLINE + "tokn = 1\n", name="broken.toml")
    assert SECRET not in str(error_of(broken))
    monkeypatch.setenv("TELNYX_API_KEY", SECRET)
    from_env = profile_from_env("telnyx")
    assert SECRET not in from_env.describe() and SECRET not in repr(from_env)
    assert from_env.describe() == "telnyx: Telnyx Rooms from the environment (token from $TELNYX_API_KEY)"


def test_scrub_removes_secrets_and_basic_encodings(tmp_path: Path) -> None:
    import base64

    profile = load(write(tmp_path, INLINE)).profiles["sw"]
    basic = base64.b64encode(f"proj-1:{SECRET}".encode()).decode()
    assert profile.scrub(f"a {SECRET} b {basic} c proj-1") == "a *** b *** c proj-1"


def test_demo_options(tmp_path: Path) -> None:
    assert DEMO_PROFILE.demo_options() == {}
    assert load(write(tmp_path, GOOD)).profiles["sandbox"].demo_options() == {
        "seed": 3,
        "size": 200,
        "latency_ms": 12.5,
    }


def test_describe_demo_profile(tmp_path: Path) -> None:
    assert DEMO_PROFILE.describe() == "demo: Demo world"
    profile = load(write(tmp_path, GOOD)).profiles["sandbox"]
    assert profile.describe() == "sandbox: Demo world (seed 3, 200 sessions, latency 12.5 ms)"


# ---------------------------------------------------------------------------------------
# The registry: building providers


def test_every_provider_has_a_row() -> None:
    assert PROVIDER_NAMES == ("signalwire", "telnyx", "whereby", "realtimekit", "demo")
    for info in PROVIDERS.values():
        assert info.module == f"roomscope.tui.providers.{info.name}"
        assert sum(spec.secret for spec in info.credentials) == (0 if info.name == "demo" else 1)


def test_build_demo_from_profile_options(tmp_path: Path) -> None:
    profile = load(write(tmp_path, GOOD)).profiles["sandbox"]
    provider = build_provider(profile, clock=fixed_now)
    assert isinstance(provider, DemoProvider)
    assert (provider.profile, provider.world.seed, provider.world.size) == ("sandbox", 3, 200)
    assert provider.latency_s == pytest.approx(0.0125)
    overridden = build_provider(profile, clock=fixed_now, demo_seed=9, demo_size=50, demo_latency_s=0.0)
    assert isinstance(overridden, DemoProvider)
    assert (overridden.world.seed, overridden.world.size, overridden.latency_s) == (9, 50, 0.0)


def test_build_builtin_demo_defaults() -> None:
    provider = build_provider(DEMO_PROFILE, clock=fixed_now)
    assert isinstance(provider, DemoProvider)
    assert (provider.profile, provider.world.seed, provider.world.size, provider.latency_s) == (
        "demo",
        7,
        5000,
        0.08,
    )


def test_every_demo_default_is_the_named_limit() -> None:
    def defaults(function: Callable[..., object]) -> dict[str, object]:
        return {name: p.default for name, p in inspect.signature(function).parameters.items()}

    world, demo, backed = defaults(DemoWorld), defaults(DemoProvider), defaults(build_demo_backed)
    assert (world["seed"], world["size"]) == (DEMO_SEED, DEMO_SIZE)
    assert (demo["seed"], demo["size"], demo["latency_s"]) == (DEMO_SEED, DEMO_SIZE, DEMO_LATENCY_MS / 1000)
    assert (backed["seed"], backed["size"]) == (DEMO_SEED, DEMO_SIZE)
    with pytest.raises(ValueError, match=f"at least {DEMO_MIN_SIZE}"):
        DemoWorld(size=DEMO_MIN_SIZE - 1)
    assert DemoWorld(size=DEMO_MIN_SIZE).size == DEMO_MIN_SIZE
    parser = cli.build_parser()
    for bad in (str(DEMO_MAX_SIZE + 1), str(DEMO_MIN_SIZE - 1)):
        with pytest.raises(sources.UsageError):
            parser.parse_args(["--demo-size", bad])
    assert parser.parse_args(["--demo-size", str(DEMO_MAX_SIZE)]).demo_size == DEMO_MAX_SIZE


def test_build_unknown_provider_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match='unknown provider "zoom"'):
        build_provider(ProfileConfig(name="z", provider="zoom"))
    with pytest.raises(ConfigError, match='unknown provider "zoom"'):
        build_demo_backed("zoom")


async def test_build_demo_backed_demo() -> None:
    provider = build_demo_backed("demo", seed=3, size=40, latency_s=0.0, clock=fixed_now)
    assert isinstance(provider, DemoProvider)
    assert (provider.world.seed, provider.world.size) == (3, 40)
    assert "40 sessions" in await provider.check()


@pytest.mark.parametrize("name", [p for p in PROVIDER_NAMES if p != "demo"])
async def test_build_demo_backed_uses_the_real_adapter_over_its_fake(name: str) -> None:
    pytest.importorskip(f"roomscope.tui.fakes.{name}", reason=f"the {name} fake API is not available")
    provider = build_demo_backed(name, seed=7, size=60, latency_s=0.0, clock=fixed_now)
    try:
        info = PROVIDERS[name]
        assert type(provider).__name__ == info.class_name
        assert provider.name == name and provider.profile == f"{name}-demo"
        assert await provider.check()
    finally:
        await provider.aclose()


# A stand-in adapter with the adapters' constructor shape, over the real HttpClient.


class StubTelnyx(BaseProvider):
    name = "telnyx"
    label = "Telnyx Rooms"
    built: list[dict[str, Any]] = []
    closed: list[str] = []

    def __init__(
        self,
        profile: str,
        *,
        api_key: str,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = fixed_now,
        **http_options: Any,
    ) -> None:
        super().__init__(profile)
        if api_key == "refused-at-build":
            raise AuthError("Telnyx Rooms needs an API key (TELNYX_API_KEY).", provider=self.name)
        self.base_url = base_url or "https://api.telnyx.com/v2"
        StubTelnyx.built.append(
            {"profile": profile, "api_key": api_key, "base_url": base_url, "clock": clock, **http_options}
        )
        self.http = HttpClient(
            provider=self.name,
            label=self.label,
            base_url=self.base_url,
            auth=BearerAuth(api_key),
            transport=transport,
            **http_options,
        )

    async def check(self) -> str:
        body = await self.http.get_json("/room_sessions", {"page[size]": 1})
        return f"Telnyx Rooms at {self.base_url}: {body['meta']['total_results']} sessions"

    async def aclose(self) -> None:
        StubTelnyx.closed.append(self.profile)
        await self.http.aclose()


async def no_sleep(seconds: float) -> None:
    return None


@pytest.fixture
def stub_telnyx(monkeypatch: pytest.MonkeyPatch) -> type[StubTelnyx]:
    row = dataclasses.replace(PROVIDERS["telnyx"], module=__name__, class_name="StubTelnyx")
    monkeypatch.setitem(registry.PROVIDERS, "telnyx", row)
    monkeypatch.setattr(StubTelnyx, "built", [])
    monkeypatch.setattr(StubTelnyx, "closed", [])
    monkeypatch.setenv("TELNYX_API_KEY", SECRET)
    return StubTelnyx


def answering(status: int, body: Any = None, *, echo: bool = False) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if echo:
            body_out = {"errors": [{"title": "Bad", "detail": f"got {request.headers['authorization']}"}]}
            return httpx.Response(status, json=body_out)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler)


def test_build_passes_credentials_and_base_url(stub_telnyx: type[StubTelnyx], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[profiles.tx]\nprovider = "telnyx"\ntoken_env = "TELNYX_API_KEY"\nbase_url = "http://127.0.0.1:4010"\n',
    )
    profile = load(path).profiles["tx"]
    build_provider(profile, clock=fixed_now, sleep=no_sleep)
    build_provider(profile, base_url="http://127.0.0.1:9999")
    first, second = stub_telnyx.built
    assert first["api_key"] == SECRET and first["profile"] == "tx"
    assert first["base_url"] == "http://127.0.0.1:4010" and first["clock"] is fixed_now
    assert first["sleep"] is no_sleep
    assert second["base_url"] == "http://127.0.0.1:9999"


async def test_check_profile_ok_and_closes(stub_telnyx: type[StubTelnyx]) -> None:
    result = await check_profile(
        profile_from_env("telnyx"), transport=answering(200, {"data": [], "meta": {"total_results": 12}})
    )
    assert result == registry.CheckResult(
        "telnyx", True, "Telnyx Rooms at https://api.telnyx.com/v2: 12 sessions", "telnyx", 0
    )
    assert stub_telnyx.closed == ["telnyx"]


@pytest.mark.parametrize(
    ("status", "body", "message", "exit_code"),
    [
        (
            401,
            {"errors": [{"detail": "Authentication failed"}]},
            "bad or expired token (401: Authentication failed)",
            4,
        ),
        (
            403,
            {"errors": [{"detail": "Not allowed"}]},
            "token lacks permission, or wrong account/space/app (403: Not allowed)",
            4,
        ),
        (404, None, "wrong space/account/app id, or wrong base URL (404)", 3),
        (
            422,
            {"errors": [{"detail": "page[size] must be at most 250"}]},
            "Telnyx Rooms rejected the request (HTTP 422: page[size] must be at most 250).",
            9,
        ),
        (503, {"message": "maintenance"}, "Telnyx Rooms failed with HTTP 503: maintenance.", 5),
        (
            429,
            {"errors": [{"detail": "slow down"}]},
            "Telnyx Rooms is rate limiting requests (429: slow down).",
            6,
        ),
    ],
)
async def test_check_profile_turns_failures_into_reasons(
    stub_telnyx: type[StubTelnyx], status: int, body: Any, message: str, exit_code: int
) -> None:
    result = await check_profile(
        profile_from_env("telnyx"), transport=answering(status, body), sleep=no_sleep, max_attempts=2
    )
    assert (result.ok, result.message, result.exit_code) == (False, message, exit_code)
    assert stub_telnyx.closed == ["telnyx"]


async def test_check_profile_unreachable(stub_telnyx: type[StubTelnyx]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused")

    result = await check_profile(
        profile_from_env("telnyx"), transport=httpx.MockTransport(refuse), sleep=no_sleep, max_attempts=2
    )
    assert (result.ok, result.message) == (False, "unreachable: cannot connect (Connection refused)")


async def test_check_profile_never_shows_the_token(stub_telnyx: type[StubTelnyx]) -> None:
    result = await check_profile(profile_from_env("telnyx"), transport=answering(401, echo=True))
    assert not result.ok
    assert SECRET not in result.message
    assert result.message == "bad or expired token (401: Bad: got Bearer ***)"


async def test_check_profile_scrubs_unexpected_errors(stub_telnyx: type[StubTelnyx]) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"boom with {SECRET}")

    result = await check_profile(profile_from_env("telnyx"), transport=httpx.MockTransport(explode))
    assert result.message == "unexpected error: RuntimeError: boom with ***"
    assert stub_telnyx.closed == ["telnyx"]


async def test_check_profile_error_while_building(
    stub_telnyx: type[StubTelnyx], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", "refused-at-build")
    result = await check_profile(profile_from_env("telnyx"))
    assert (result.ok, result.message, result.exit_code) == (
        False,
        "Telnyx Rooms needs an API key (TELNYX_API_KEY).",
        4,
    )
    assert stub_telnyx.closed == []


def test_errors_without_a_status_keep_their_own_message() -> None:
    error = NotFoundError("No session 'x' in Telnyx Rooms.", provider="telnyx")
    assert registry._reason(error) == "No session 'x' in Telnyx Rooms."


async def test_check_profile_config_error(stub_telnyx: type[StubTelnyx], tmp_path: Path) -> None:
    path = write(tmp_path, '[profiles.tx]\nprovider = "telnyx"\ntoken_env = "MY_TELNYX_KEY"\n')
    result = await check_profile(load(path).profiles["tx"])
    assert result == registry.CheckResult(
        "tx",
        False,
        f"{path}:3: profiles.tx.token_env: environment variable MY_TELNYX_KEY is not set",
        "telnyx",
        2,
    )
    assert stub_telnyx.built == []


async def test_check_profiles_keeps_the_order(stub_telnyx: type[StubTelnyx]) -> None:
    results = await check_profiles(
        [profile_from_env("telnyx"), DEMO_PROFILE],
        transport=answering(200, {"meta": {"total_results": 1}}),
        demo_latency_s=0.0,
        clock=fixed_now,
    )
    assert [(r.profile_name, r.ok) for r in results] == [("telnyx", True), ("demo", True)]
    assert results[1].message == "demo world: 5,000 sessions, seed 7"
