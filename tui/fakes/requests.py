"""Reading a fake API's requests: the credentials sent, query parameters by type and bounds,
and numbered pages.

Each parameter check raises :class:`BadParameter` naming the parameter, the rule it breaks
and what it must be; each fake answers that in its provider's own error shape.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Literal, Protocol, TypeVar, overload

import httpx

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

Params = Mapping[str, str]
"""A request's query (``httpx.QueryParams`` is one): the first value of each name."""

Rule = Literal["type", "minimum", "maximum", "choice", "format"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class BadParameter(Exception):
    """A query parameter the API refuses: ``name`` must be ``expected`` (``rule`` says which
    check failed; ``bound`` is the limit a number crossed)."""

    def __init__(self, name: str, rule: Rule, expected: str, bound: float | None = None) -> None:
        super().__init__(f"{name} must be {expected}")
        self.name = name
        self.rule: Rule = rule
        self.expected = expected
        self.bound = bound

    @property
    def message(self) -> str:
        """``"<name> must be <expected>"``."""
        return str(self)


# ---------------------------------------------------------------------------------------
# Credentials


def bearer(request: httpx.Request) -> str | None:
    """The token of ``Authorization: Bearer <token>``."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def basic(request: httpx.Request) -> tuple[str, str] | None:
    """(user, password) of ``Authorization: Basic ...``."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


# ---------------------------------------------------------------------------------------
# Query parameters (None: not given)


@overload
def integer(
    params: Params, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int: ...


@overload
def integer(
    params: Params, name: str, default: None = None, *, minimum: int | None = None, maximum: int | None = None
) -> int | None: ...


def integer(
    params: Params,
    name: str,
    default: int | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """A whole number within ``minimum``..``maximum``; ``default`` when not given."""
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, "type", "an integer") from None
    _check_bounds(name, value, minimum, maximum)
    return value


def number(params: Params, name: str, *, minimum: float | None = None) -> float | None:
    """A number (an empty value counts as not given) of at least ``minimum``."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(name, "type", "a number") from None
    _check_bounds(name, value, minimum, None)
    return value


def _check_bounds(name: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is None and maximum is None:
        return
    if minimum is not None and maximum is not None:
        expected = f"between {minimum:g} and {maximum:g}"
    elif minimum is not None:
        expected = f"greater than or equal to {minimum:g}"
    else:
        expected = f"less than or equal to {maximum:g}"
    if minimum is not None and value < minimum:
        raise BadParameter(name, "minimum", expected, minimum)
    if maximum is not None and value > maximum:
        raise BadParameter(name, "maximum", expected, maximum)


def boolean(params: Params, name: str) -> bool | None:
    """``true`` or ``false``."""
    raw = params.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise BadParameter(name, "type", "a boolean (true or false)")
    return raw == "true"


def choice(params: Params, name: str, allowed: Iterable[str]) -> str | None:
    """One of ``allowed``."""
    raw = params.get(name)
    if raw is None:
        return None
    options = tuple(allowed)
    if raw not in options:
        raise BadParameter(name, "choice", f"one of {', '.join(options)}")
    return raw


def choices(params: Params, name: str, allowed: Iterable[str]) -> set[str] | None:
    """A comma separated list of some of ``allowed`` (an empty value counts as not given)."""
    raw = params.get(name)
    if not raw:
        return None
    options = tuple(allowed)
    chosen = set(raw.split(","))
    if chosen - set(options):
        raise BadParameter(name, "choice", f"a comma separated list of {', '.join(options)}")
    return chosen


def timestamp(params: Params, name: str, *, zone: bool = True) -> datetime | None:
    """An ISO 8601 date-time; with ``zone``, one that names its time zone."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, "format", "an ISO 8601 date-time") from None
    if zone and value.tzinfo is None:
        raise BadParameter(name, "format", "an ISO 8601 date-time with a time zone")
    return value


def day(params: Params, name: str) -> date | None:
    """An ISO 8601 date, ``YYYY-MM-DD``."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, "format", "an ISO 8601 date (YYYY-MM-DD)") from None


def uuid_text(params: Params, name: str) -> str | None:
    """A UUID in its usual 8-4-4-4-12 hex form."""
    raw = params.get(name)
    if raw is None:
        return None
    if not _UUID.match(raw):
        raise BadParameter(name, "format", "a valid UUID")
    return raw


# ---------------------------------------------------------------------------------------
# Pages


class Rows(Protocol[T_co]):
    """What a numbered page is cut from: a list, or anything indexable with a length."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int, /) -> T_co: ...


def numbered_page(rows: Rows[T], number: int, size: int) -> tuple[int, list[T]]:
    """Page ``number`` (from 1) of ``size`` rows: its offset and its rows."""
    offset = (number - 1) * size
    return offset, [rows[i] for i in range(max(0, offset), min(offset + size, len(rows)))]
