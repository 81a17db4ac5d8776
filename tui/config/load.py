"""Reading the config file: bytes, UTF-8, TOML, validation, and the warnings worth saying
(inline secrets in a file other users can read; plain http to a remote host)."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import replace
from pathlib import Path

from roomscope.tui.config.paths import config_path
from roomscope.tui.config.profiles import Config
from roomscope.tui.config.validate import validate
from roomscope.tui.errors import ConfigError, ConfigProblem


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
    import tomllib  # only when there is a file to read: most starts have none

    try:
        document = tomllib.loads(text)
        config = validate(path, text, document)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, exc) from None
    except RecursionError:  # thousands of nested arrays, tables or dotted keys
        raise ConfigError("invalid TOML: nested too deeply", path=path) from None
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


def _syntax_error(path: Path, text: str, exc: ValueError) -> ConfigError:
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
