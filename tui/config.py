"""Profiles from a TOML file, or credentials straight from the providers' environment variables.

The file (``config_path()``: ``$ROOMSCOPE_CONFIG``, else ``config.toml`` in the platform's
user config directory) holds named profiles, an optional default profile, a theme and key
bindings::

    default_profile = "prod-video"
    theme = "roomscope-dark"

    [keymap]
    "sessions.filter" = "slash,f"

    [profiles.prod-video]
    provider = "signalwire"
    space = "example"
    project_id_env = "SIGNALWIRE_PROJECT_ID"
    token_env = "SIGNALWIRE_API_TOKEN"

Every credential or id ``X`` is given either as a value (``X = "..."``) or by the name of an
environment variable read when the profile is used (``X_env = "NAME"``). Every mistake is
a :class:`ConfigError` naming the file, the line and the field; no message ever holds a
secret. This module runs before the first frame: standard library only.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from roomscope.tui.errors import ConfigError as ConfigError
from roomscope.tui.errors import ConfigProblem as ConfigProblem
from roomscope.tui.providers.registry import PROVIDER_NAMES, PROVIDERS, CredentialSpec, ProviderInfo

APP_NAME = "roomscope"
CONFIG_ENV = "ROOMSCOPE_CONFIG"
ALL = "all"
"""``--profile all``: every profile of the file."""
DEMO_OPTIONS = ("seed", "size", "latency_ms")
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
TOP_LEVEL_KEYS = ("default_profile", "theme", "keymap", "profiles")
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def config_path() -> Path:
    """``$ROOMSCOPE_CONFIG``, else ``<user config dir>/roomscope/config.toml``."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


# ---------------------------------------------------------------------------------------
# Errors


def shown_env_name(name: str) -> str:
    """An environment variable's name as messages show it.

    A name that does not look like one (mixed case and no underscore, or very long) may
    be a token pasted into ``token_env`` by mistake: it is not repeated."""
    if ENV_NAME.fullmatch(name) and len(name) <= 40 and (name.isupper() or "_" in name):
        return name
    return "(the name given, not repeated here: it does not look like a variable name)"


# ---------------------------------------------------------------------------------------
# Profiles


@dataclass(frozen=True, repr=False)
class ProfileConfig:
    """One profile, as validated; credentials are resolved when used, never stored twice."""

    name: str
    provider: str
    values: Mapping[str, str] = field(default_factory=dict)
    """Credentials and ids given inline (``token = "..."``)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Credentials and ids given by environment variable name (``token_env = "NAME"``)."""
    base_url: str | None = None
    seed: int | None = None
    size: int | None = None
    latency_ms: float | None = None
    source: Path | None = None
    """The file it came from; ``None`` for ``--provider`` (environment) and the built-in demo."""
    line: int | None = None
    lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each key of the profile in ``source``."""

    @property
    def info(self) -> ProviderInfo:
        return PROVIDERS[self.provider]

    @property
    def label(self) -> str:
        return self.info.label

    def _spec(self, key: str) -> CredentialSpec:
        spec = self.info.credential(key)
        if spec is None:
            raise ConfigError(
                f"a {self.provider} profile has no {key}", path=self.source, field=self._field(key)
            )
        return spec

    def _field(self, key: str) -> str:
        return f"profiles.{self.name}.{key}" if self.source is not None else key

    def value(self, key: str) -> str:
        """The credential or id ``key``, from the file or from its environment variable now."""
        self._spec(key)
        if key in self.values:
            return self.values[key]
        name = self.env.get(key)
        found = os.environ.get(name, "").strip() if name else ""
        if found:
            return found
        raise self._unset_error([key])

    def secret(self, key: str) -> str:
        """A secret's value, read at use time. Never print, log or cache it."""
        return self.value(key)

    def unset_env(self) -> list[str]:
        """The keys whose environment variable is not set (or empty)."""
        return [
            key
            for key, name in self.env.items()
            if key not in self.values and not os.environ.get(name, "").strip()
        ]

    def require_env(self) -> None:
        """:class:`ConfigError` naming every environment variable this profile still needs."""
        missing = self.unset_env()
        if missing:
            raise self._unset_error(missing)

    def _unset_error(self, keys: Sequence[str]) -> ConfigError:
        if self.source is None:
            names = " and ".join(shown_env_name(self.env.get(k, k)) for k in keys)
            return ConfigError(
                f"--provider {self.provider}: set {names} in the environment "
                "(or use a profile in the config file: roomscope config init)"
            )
        problems = [
            ConfigProblem(
                f"environment variable {shown_env_name(self.env[k])} is not set",
                self.source,
                self.lines.get(f"{k}_env", self.line),
                None,
                f"profiles.{self.name}.{k}_env",
            )
            for k in keys
            if k in self.env
        ]
        return ConfigError(problems=problems or [ConfigProblem(f"no value for {keys[0]}", self.source)])

    def scrub(self, text: str) -> str:
        """``text`` with every secret of this profile that is available now replaced by ``***``."""
        from roomscope.tui.redact import Redactor

        redactor = Redactor()
        available: dict[str, str] = {}
        for spec in self.info.credentials:
            try:
                available[spec.key] = self.value(spec.key)
            except ConfigError:
                continue
        for spec in self.info.credentials:
            secret = available.get(spec.key)
            if spec.secret and secret is not None:
                redactor.add(secret)
                for other in self.info.credentials:
                    if not other.secret and other.key in available:
                        redactor.add_basic(available[other.key], secret)
        return redactor(text)

    def describe(self) -> str:
        """One line naming the provider and where each credential comes from; no secret."""
        parts: list[str] = []
        for spec in self.info.credentials:
            if spec.key in self.values:
                parts.append(
                    f"{spec.key} (set inline)" if spec.secret else f"{spec.key} {self.values[spec.key]}"
                )
            elif spec.key in self.env:
                name = self.env[spec.key]
                unset = "" if os.environ.get(name, "").strip() else " (not set)"
                parts.append(f"{spec.key} from ${shown_env_name(name)}{unset}")
        if self.provider == "demo":
            if self.seed is not None:
                parts.append(f"seed {self.seed}")
            if self.size is not None:
                parts.append(f"{self.size:,} sessions")
            if self.latency_ms is not None:
                parts.append(f"latency {self.latency_ms:g} ms")
        if self.base_url:
            parts.append(f"base URL {self.base_url}")
        origin = "" if self.source is not None else (" from the environment" if self.env else "")
        text = f"{self.name}: {self.label}{origin}"
        return text + (f" ({', '.join(parts)})" if parts else "")

    def demo_options(self) -> dict[str, int | float]:
        """The demo profile's ``seed``, ``size`` and ``latency_ms``, those that are set."""
        options = {"seed": self.seed, "size": self.size, "latency_ms": self.latency_ms}
        return {key: value for key, value in options.items() if value is not None}

    def __repr__(self) -> str:
        return f"ProfileConfig({self.describe()!r})"


DEMO_PROFILE = ProfileConfig(name="demo", provider="demo")
"""The built-in profile used when no file (or no profile) is configured."""


@dataclass(frozen=True)
class Config:
    path: Path
    exists: bool
    profiles: Mapping[str, ProfileConfig] = field(default_factory=dict)
    default_profile: str | None = None
    theme: str | None = None
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id -> keys, e.g. ``{"sessions.filter": "slash,f"}``."""
    warnings: tuple[str, ...] = ()
    """Not errors, but worth saying on stderr (``load_config`` also returns them joined)."""


# ---------------------------------------------------------------------------------------
# Where each key is written: line numbers for messages


def _parse_key(text: str, pos: int) -> tuple[list[str], int] | None:
    """A TOML key (bare, quoted, dotted) starting at ``pos``: its parts and the end."""
    parts: list[str] = []
    n = len(text)
    while True:
        while pos < n and text[pos] in " \t":
            pos += 1
        if pos >= n:
            return None
        char = text[pos]
        if char == '"':
            end = pos + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end >= n:
                return None
            raw = text[pos + 1 : end]
            parts.append(raw.replace('\\"', '"').replace("\\\\", "\\"))
            pos = end + 1
        elif char == "'":
            end = text.find("'", pos + 1)
            if end < 0:
                return None
            parts.append(text[pos + 1 : end])
            pos = end + 1
        else:
            match = BARE_KEY.match(text, pos)
            if not match:
                return None
            parts.append(match.group())
            pos = match.end()
        while pos < n and text[pos] in " \t":
            pos += 1
        if pos < n and text[pos] == ".":
            pos += 1
            continue
        return parts, pos


def _strip_strings(text: str) -> str:
    """``text`` without string literals and comments (to count brackets)."""
    out = re.sub(r'"(?:\\.|[^"\\])*"|\'[^\']*\'', "", text)
    return out.split("#", 1)[0]


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line (1-based) where each table and key path is first written."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    multiline: str | None = None
    depth = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if multiline is not None:
            if multiline in raw:
                multiline = None
            continue
        if depth > 0:
            stripped = _strip_strings(raw)
            depth += stripped.count("[") - stripped.count("]")
            continue
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            parsed = _parse_key(line, 2 if line.startswith("[[") else 1)
            if parsed:
                table = tuple(parsed[0])
                for i in range(1, len(table) + 1):
                    lines.setdefault(table[:i], number)
            continue
        parsed = _parse_key(line, 0)
        if not parsed or not line[parsed[1] :].startswith("="):
            continue
        path = table + tuple(parsed[0])
        for i in range(len(table) + 1, len(path) + 1):
            lines.setdefault(path[:i], number)
        value = line[parsed[1] + 1 :].lstrip()
        for quote in ('"""', "'''"):
            if value.startswith(quote) and value.count(quote) == 1:
                multiline = quote
        if value.startswith("["):
            stripped = _strip_strings(value)
            depth = max(0, stripped.count("[") - stripped.count("]"))
    return lines


class _Checker:
    """Collects problems with their file, line and field."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = key_lines(text)
        self.problems: list[ConfigProblem] = []

    def line(self, *keys: str) -> int | None:
        path = tuple(keys)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def add(self, keys: Sequence[str], reason: str) -> None:
        self.problems.append(ConfigProblem(reason, self.path, self.line(*keys), None, ".".join(keys)))

    def string(self, keys: Sequence[str], value: object) -> str | None:
        if not isinstance(value, str):
            self.add(keys, f"expected a string, got {_kind(value)}")
            return None
        if not value.strip():
            self.add(keys, "must not be empty")
            return None
        return value.strip()


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return "a date/time"


def _unknown(name: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, choices, n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return f"(expected one of: {', '.join(choices)}){hint}"


# ---------------------------------------------------------------------------------------
# Loading


def load_config(path: Path | None = None, *, required: bool = False) -> tuple[Config, str | None]:
    """Read and validate the config file (``config_path()`` by default).

    Returns the config and a warning for stderr (``None`` if all is well): inline secrets
    in a file other users can read, plain http to a remote host. An absent file is an
    empty config (the built-in demo profile is used) unless ``required`` (an explicit
    path). Every problem is reported at once in one :class:`ConfigError`; environment
    variables are checked when a profile is selected or used, so an unset variable of a
    profile you do not use is no error."""
    path = path if path is not None else config_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError("no such file", path=path) from None
        return Config(path=path, exists=False), None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a TOML file", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror or exc})", path=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError("not UTF-8 text", path=path, line=line) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, exc) from None
    config = _validate(path, text, document)
    warnings = list(config.warnings)
    inline = _inline_secret_fields(config)
    if inline and os.name == "posix":
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            mode = 0
        if mode & 0o077:
            warnings.append(
                f"{path} holds inline secrets ({', '.join(inline)}) and other users can "
                f"read it (mode {mode:04o}); run: chmod 600 {path} (or use token_env)"
            )
    config = replace(config, warnings=tuple(warnings))
    return config, "; ".join(warnings) or None


def _syntax_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    message = str(exc)
    line = column = None
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        message = message[: match.start()]
    elif message.endswith("(at end of document)"):
        line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        message = message[: -len("(at end of document)")].rstrip() + " at the end of the file"
    return ConfigError(problems=[ConfigProblem(f"invalid TOML: {message}", path, line, column)])


def _inline_secret_fields(config: Config) -> list[str]:
    return [
        f"profiles.{profile.name}.{spec.key}"
        for profile in config.profiles.values()
        for spec in profile.info.credentials
        if spec.secret and spec.key in profile.values
    ]


def _validate(path: Path, text: str, document: dict[str, Any]) -> Config:
    check = _Checker(path, text)
    warnings: list[str] = []
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            check.add([key], f"unknown key {_unknown(key, TOP_LEVEL_KEYS)}")

    theme = None
    if "theme" in document:
        theme = check.string(["theme"], document["theme"])

    keymap: dict[str, str] = {}
    if "keymap" in document:
        raw_keymap = document["keymap"]
        if isinstance(raw_keymap, dict):
            for keys, binding in _flatten(raw_keymap, ("keymap",)):
                value = check.string(keys, binding)
                if value is not None:
                    keymap[".".join(keys[1:])] = value
        else:
            check.add(["keymap"], f"expected a table of binding id = keys, got {_kind(raw_keymap)}")

    profiles: dict[str, ProfileConfig] = {}
    raw_profiles = document.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        check.add(["profiles"], f"expected a table of profiles, got {_kind(raw_profiles)}")
        raw_profiles = {}
    for name, table in raw_profiles.items():
        profile = _profile(check, name, table, warnings)
        if profile is not None:
            profiles[name] = profile

    default = None
    if "default_profile" in document:
        default = check.string(["default_profile"], document["default_profile"])
        if default is not None and default not in profiles and default not in (ALL, DEMO_PROFILE.name):
            names = ", ".join(raw_profiles) or "none"
            check.add(["default_profile"], f'no profile named "{default}" (profiles: {names})')

    if check.problems:
        raise ConfigError(problems=check.problems)
    return Config(
        path=path,
        exists=True,
        profiles=profiles,
        default_profile=default,
        theme=theme,
        keymap=keymap,
        warnings=tuple(warnings),
    )


def _flatten(table: dict[str, Any], prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, (*prefix, key))
        else:
            yield (*prefix, key), value


def _profile(check: _Checker, name: str, table: object, warnings: list[str]) -> ProfileConfig | None:
    where = ["profiles", name]
    if not isinstance(table, dict):
        check.add(where, f"expected a table ([profiles.{name}]), got {_kind(table)}")
        return None
    if not PROFILE_NAME.fullmatch(name) or name == ALL:
        reason = (
            f'"{ALL}" is reserved (--profile {ALL} selects every profile)'
            if name == ALL
            else "a profile name is 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
        check.add(where, reason)
        return None
    if "provider" not in table:
        check.add([*where, "provider"], f"missing (one of: {', '.join(PROVIDER_NAMES)})")
        return None
    provider = table["provider"]
    if not isinstance(provider, str):
        check.add([*where, "provider"], f"expected a string, got {_kind(provider)}")
        return None
    if provider not in PROVIDERS:
        check.add([*where, "provider"], f'unknown provider "{provider}" {_unknown(provider, PROVIDER_NAMES)}')
        return None
    info = PROVIDERS[provider]
    allowed = ["provider"]
    for spec in info.credentials:
        allowed += [spec.key, f"{spec.key}_env"]
    allowed += ["base_url"] if info.credentials else list(DEMO_OPTIONS)
    before = len(check.problems)
    for key in table:
        if key not in allowed:
            check.add([*where, key], f"unknown key for a {provider} profile {_unknown(key, allowed)}")

    values: dict[str, str] = {}
    env: dict[str, str] = {}
    for spec in info.credentials:
        inline, by_env = table.get(spec.key), table.get(f"{spec.key}_env")
        if inline is not None and by_env is not None:
            check.add([*where, spec.key], f"set either {spec.key} or {spec.key}_env, not both")
        elif inline is not None:
            if not isinstance(inline, str):
                check.add([*where, spec.key], f"expected a string, got {_kind(inline)}")
            elif not inline.strip():
                check.add([*where, spec.key], "must not be empty")
            else:
                values[spec.key] = inline.strip()
        elif by_env is not None:
            keys = [*where, f"{spec.key}_env"]
            if not isinstance(by_env, str):
                check.add(keys, f"expected the name of an environment variable, got {_kind(by_env)}")
            elif not ENV_NAME.fullmatch(by_env.strip()):
                hint = f" (to give the value itself, write {spec.key} = ...)" if spec.secret else ""
                check.add(keys, f"not an environment variable name (letters, digits and _){hint}")
            else:
                env[spec.key] = by_env.strip()
        else:
            check.add(
                [*where, spec.key],
                f'missing: {spec.help} (write {spec.key} = "..." or {spec.key}_env = "{spec.env}")',
            )

    base_url = None
    if "base_url" in table and "base_url" in allowed:
        base_url = _base_url(check, [*where, "base_url"], table["base_url"], warnings)

    options: dict[str, int | float] = {}
    if not info.credentials:
        for key in DEMO_OPTIONS:
            if key in table:
                number = _number(check, [*where, key], table[key], integer=key != "latency_ms")
                if number is not None:
                    options[key] = number
    if len(check.problems) > before:
        return None
    lines = {key: line for key in table if (line := check.line(*where, key)) is not None}
    seed, size, latency = options.get("seed"), options.get("size"), options.get("latency_ms")
    return ProfileConfig(
        name=name,
        provider=provider,
        values=values,
        env=env,
        base_url=base_url,
        seed=int(seed) if seed is not None else None,
        size=int(size) if size is not None else None,
        latency_ms=float(latency) if latency is not None else None,
        source=check.path,
        line=check.line(*where),
        lines=lines,
    )


def _number(check: _Checker, keys: list[str], value: object, *, integer: bool) -> int | float | None:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        check.add(keys, f"expected {'an integer' if integer else 'a number'}, got {_kind(value)}")
        return None
    assert isinstance(value, (int, float))
    bounds = {"seed": (0, 2**63 - 1), "size": (1, 10_000_000), "latency_ms": (0, 60_000)}[keys[-1]]
    if not bounds[0] <= value <= bounds[1]:
        check.add(keys, f"must be between {bounds[0]:,} and {bounds[1]:,}")
        return None
    return value


def _base_url(check: _Checker, keys: list[str], value: object, warnings: list[str]) -> str | None:
    from urllib.parse import urlsplit

    text = check.string(keys, value)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        check.add(keys, "not a valid URL")
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        check.add(keys, "expected an http:// or https:// URL with a host")
        return None
    if parts.username or parts.password:
        check.add(keys, "must not hold credentials (use token / token_env)")
        return None
    if parts.query or parts.fragment:
        check.add(keys, "must not have a query or fragment")
        return None
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        line = check.line(*keys)
        warnings.append(
            f"{check.path}:{line}: {'.'.join(keys)}: plain http to {parts.hostname} "
            "sends the token unencrypted"
        )
    return text.rstrip("/")


# ---------------------------------------------------------------------------------------
# Credentials from the environment, and choosing profiles


def profile_from_env(provider: str) -> ProfileConfig:
    """``--provider NAME`` with no config file: credentials from the provider's own variables.

    Raises :class:`ConfigError` naming exactly the variables still to set."""
    info = PROVIDERS.get(provider)
    if info is None:
        raise ConfigError(f'unknown provider "{provider}" {_unknown(provider, PROVIDER_NAMES)}')
    if not info.credentials:
        return DEMO_PROFILE
    profile = ProfileConfig(
        name=provider,
        provider=provider,
        env={spec.key: spec.env for spec in info.credentials},
    )
    profile.require_env()
    return profile


def select_profiles(
    config: Config, requested: str | None, *, require_env: bool = True
) -> list[ProfileConfig]:
    """The profiles to open.

    ``--profile NAME`` that one (``demo`` is the built-in demo unless the file defines a
    profile of that name); ``--profile all`` every profile; otherwise ``default_profile``
    when set, else every profile when there are several, the only one when there is one,
    and the built-in demo when the file is absent or has none. With ``require_env`` the
    chosen profiles' environment variables must be set (one :class:`ConfigError` naming
    file, line and field of each unset one); ``config check`` passes ``False`` and lets
    each profile's check report its own."""
    choice = requested if requested is not None else config.default_profile
    profiles = list(config.profiles.values())
    if choice == ALL or (choice is None and profiles):
        chosen = profiles or [DEMO_PROFILE]
    elif choice is None:
        chosen = [DEMO_PROFILE]
    elif choice in config.profiles:
        chosen = [config.profiles[choice]]
    elif choice == DEMO_PROFILE.name:
        chosen = [DEMO_PROFILE]
    else:
        names = [*config.profiles, *([] if DEMO_PROFILE.name in config.profiles else [DEMO_PROFILE.name])]
        where = f" in {config.path}" if config.exists else f" (no config file at {config.path})"
        raise ConfigError(f'no profile named "{choice}"{where}; profiles: {", ".join(names)}, or "{ALL}"')
    problems: list[ConfigProblem] = []
    for profile in chosen if require_env else ():
        try:
            profile.require_env()
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems=problems)
    return chosen


# ---------------------------------------------------------------------------------------
# The example file


EXAMPLE = """\
# roomscope configuration (TOML).
#
# roomscope reads this file from $ROOMSCOPE_CONFIG, or else from the path that
# `roomscope config path` prints. Check it with `roomscope config check`.
#
# Profiles: one [profiles.NAME] table per account. Pick one with --profile NAME, all of
# them with --profile all. Without --profile: default_profile below if set, else every
# profile when there are several, else the only one; with no file at all, the demo world.
#
# Credentials and ids: write either the value (token = "...") or the name of an
# environment variable that holds it (token_env = "NAME"), read each time roomscope
# starts. Prefer *_env for tokens. This file is created readable by you only (0600);
# keep it so if you put a token inline.

# The profile opened when --profile is not given (a profile name, or "all").
default_profile = "sandbox"

# The colour theme (the command palette, ctrl+p, lists them).
# theme = "roomscope-dark"

# Key bindings: binding id = comma-separated keys. The help screen (?) shows the ids.
[keymap]
# "sessions.filter" = "slash,f"

# SignalWire Video: HTTP Basic auth with the project id and an API token (Video scope).
[profiles.signalwire]
provider = "signalwire"
space = "example"                         # name, host (example.signalwire.com) or URL;
                                          # or: space_env = "SIGNALWIRE_SPACE"
project_id_env = "SIGNALWIRE_PROJECT_ID"  # or: project_id = "your-project-uuid"
token_env = "SIGNALWIRE_API_TOKEN"        # or: token = "PT..." (inline)
# base_url = "http://127.0.0.1:4011"      # optional: another server URL (a proxy, a mock)

# Telnyx Rooms: an API key (v2).
[profiles.telnyx]
provider = "telnyx"
token_env = "TELNYX_API_KEY"              # or: token = "KEY..."
# base_url = "https://api.telnyx.com/v2"

# Whereby (insights API): an API key from the dashboard (Configure > API).
[profiles.whereby]
provider = "whereby"
token_env = "WHEREBY_API_KEY"             # or: token = "eyJ..."
# base_url = "https://api.whereby.dev/v1"

# Cloudflare RealtimeKit: account id, app id, and an API token with the Realtime permission.
[profiles.realtimekit]
provider = "realtimekit"
account_id_env = "CLOUDFLARE_ACCOUNT_ID"  # or: account_id = "32 hex digits"
app_id_env = "REALTIMEKIT_APP_ID"         # or: app_id = "your-app-id"
token_env = "CLOUDFLARE_API_TOKEN"        # or: token = "..."
# base_url = "https://api.cloudflare.com/client/v4"

# The demo world: synthetic sessions, no account needed.
[profiles.sandbox]
provider = "demo"
seed = 7            # the same seed gives the same world
size = 5000         # number of sessions (1 - 10,000,000)
latency_ms = 80     # simulated network latency per request
"""


def write_example(path: Path, *, force: bool = False) -> Path:
    """Write the commented example config (mode 0600; its directory 0700 if created).

    Refuses to replace an existing file unless ``force``: :class:`ConfigError`."""
    path = path.expanduser()
    parent = path.parent
    if not parent.exists():
        try:
            parent.mkdir(parents=True, mode=0o700)
            parent.chmod(0o700)
        except OSError as exc:
            raise ConfigError(f"cannot create the directory ({exc.strerror or exc})", path=parent) from None
    if path.exists() and not force:
        raise ConfigError("already exists; use --force to replace it", path=path)
    target = path if not force else path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
            os.write(fd, EXAMPLE.encode())
        finally:
            os.close(fd)
        if target != path:
            os.replace(target, path)
    except FileExistsError:
        raise ConfigError("already exists; use --force to replace it", path=path) from None
    except OSError as exc:
        if target != path:
            target.unlink(missing_ok=True)
        raise ConfigError(f"cannot be written ({exc.strerror or exc})", path=path) from None
    return path
