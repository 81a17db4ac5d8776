"""The commented example config (``example.toml`` beside this module) and ``roomscope config init``,
which writes it."""

from __future__ import annotations

import os
from pathlib import Path

from roomscope.tui.errors import ConfigError

EXAMPLE_FILE = "example.toml"


def example_bytes() -> bytes:
    """The example config, exactly as ``roomscope config init`` writes it."""
    from importlib.resources import files

    return files("roomscope.tui.config").joinpath(EXAMPLE_FILE).read_bytes()


def write_example(path: Path, *, force: bool = False) -> Path:
    """Write the commented example config (mode 0600; its directory 0700 if created).

    Refuses to replace an existing file unless ``force``: :class:`ConfigError`."""
    content = example_bytes()
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
            os.write(fd, content)
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
