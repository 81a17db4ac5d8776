"""Profiles: one provider account each, as validated from the file (or built for ``--provider``).

A :class:`ProfileConfig` holds credentials given inline and the names of the environment
variables that hold the others; those are read when the profile is used, never stored twice,
and no message or ``repr`` ever shows a secret. :class:`Config` is the whole file, validated.
Standard library only: this runs before the first frame.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from roomscope.tui.config.messages import shown_env_name
from roomscope.tui.errors import ConfigError, ConfigProblem
from roomscope.tui.providers.registry import PROVIDERS, CredentialSpec, ProviderInfo

ALL = "all"
"""``--profile all``: every profile of the file."""


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
        """The credential or id ``key``, from the file or from its environment variable now.

        :class:`ConfigError` when it is unset, or when it is not what the provider's table
        says it may be (a SignalWire space with a ``/`` in it)."""
        spec = self._spec(key)
        if key in self.values:
            found = self.values[key]
        else:
            name = self.env.get(key)
            found = os.environ.get(name, "").strip() if name else ""
            if not found:
                raise self._unset_error([key])
        problem = spec.check(found) if spec.check is not None else None
        if problem is not None:
            raise self._bad_value_error(key, problem)
        return found

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

    def _bad_value_error(self, key: str, problem: str) -> ConfigError:
        name = self.env.get(key) if key not in self.values else None
        if name is None:
            return ConfigError(
                problem, path=self.source, line=self.lines.get(key, self.line), field=self._field(key)
            )
        shown = shown_env_name(name)
        if self.source is None:
            return ConfigError(f"--provider {self.provider}: {shown}: {problem}")
        return ConfigError(
            f"environment variable {shown}: {problem}",
            path=self.source,
            line=self.lines.get(f"{key}_env", self.line),
            field=f"profiles.{self.name}.{key}_env",
        )

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
