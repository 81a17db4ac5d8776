"""Validation: a parsed TOML document becomes a :class:`Config`, or one :class:`ConfigError`
listing every problem at once, each with its file, line and field."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from roomscope.tui.config.messages import ENV_NAME, expected_one_of
from roomscope.tui.config.profiles import ALL, DEMO_PROFILE, Config, ProfileConfig
from roomscope.tui.config.toml_lines import key_lines
from roomscope.tui.config.urls import base_url_problem
from roomscope.tui.errors import ConfigError, ConfigProblem
from roomscope.tui.keymap import remap
from roomscope.tui.limits import DEMO_MAX_SIZE, DEMO_MIN_SIZE
from roomscope.tui.providers.registry import PROVIDER_NAMES, PROVIDERS
from roomscope.tui.text import terminal_safe
from roomscope.tui.theme_names import THEME_NAMES

TOP_LEVEL_KEYS = ("default_profile", "theme", "keymap", "profiles")
DEMO_OPTIONS = ("seed", "size", "latency_ms")
DEMO_BOUNDS: dict[str, tuple[int, int]] = {
    "seed": (0, 2**63 - 1),
    "size": (DEMO_MIN_SIZE, DEMO_MAX_SIZE),
    "latency_ms": (0, 60_000),
}
"""The inclusive range of each demo option."""
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


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
        """One problem; what it repeats of the file (keys, values) cannot break its line or
        act on a terminal."""
        field, shown = terminal_safe(".".join(keys)), terminal_safe(reason)
        self.problems.append(ConfigProblem(shown, self.path, self.line(*keys), None, field))

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


def validate(path: Path, text: str, document: dict[str, Any]) -> Config:
    check = _Checker(path, text)
    warnings: list[str] = []
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            check.add([key], f"unknown key {expected_one_of(key, TOP_LEVEL_KEYS)}")

    theme = None
    if "theme" in document:
        theme = check.string(["theme"], document["theme"])
        if theme is not None and theme not in THEME_NAMES:
            check.add(["theme"], f'unknown theme "{theme}" {expected_one_of(theme, THEME_NAMES)}')
            theme = None

    keymap: dict[str, str] = {}
    if "keymap" in document:
        raw_keymap = document["keymap"]
        if isinstance(raw_keymap, dict):
            for keys, binding in _flatten(raw_keymap, ("keymap",)):
                value = check.string(keys, binding)
                if value is None:
                    continue
                checked = remap(".".join(keys[1:]), value)
                if checked.problem is not None:
                    check.add(keys, checked.problem)
                else:
                    keymap[".".join(keys[1:])] = checked.keys
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
        check.add(
            [*where, "provider"], f'unknown provider "{provider}" {expected_one_of(provider, PROVIDER_NAMES)}'
        )
        return None
    info = PROVIDERS[provider]
    allowed = ["provider"]
    for spec in info.credentials:
        allowed += [spec.key, f"{spec.key}_env"]
    allowed += ["base_url"] if info.credentials else list(DEMO_OPTIONS)
    before = len(check.problems)
    for key in table:
        if key not in allowed:
            check.add([*where, key], f"unknown key for a {provider} profile {expected_one_of(key, allowed)}")

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
            elif spec.check is not None and (problem := spec.check(inline)) is not None:
                check.add([*where, spec.key], problem)
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
    bounds = DEMO_BOUNDS[keys[-1]]
    if not bounds[0] <= value <= bounds[1]:
        check.add(keys, f"must be between {bounds[0]:,} and {bounds[1]:,}")
        return None
    return value


def _base_url(check: _Checker, keys: list[str], value: object, warnings: list[str]) -> str | None:
    from urllib.parse import urlsplit

    if not isinstance(value, str):
        check.add(keys, f"expected a string, got {_kind(value)}")
        return None
    problem = base_url_problem(value)
    if problem is not None:
        check.add(keys, problem)
        return None
    text = value.strip()
    host = urlsplit(text).hostname
    if urlsplit(text).scheme.lower() == "http" and host not in ("localhost", "127.0.0.1", "::1"):
        line = check.line(*keys)
        warnings.append(
            f"{check.path}:{line}: {'.'.join(keys)}: plain http to {host} sends the token unencrypted"
        )
    return text.rstrip("/")
