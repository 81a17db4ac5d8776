"""Helpers the adapters share to read untrusted payloads record by record.

The rule: a record that does not match what the adapter expects costs that record only.
It becomes a placeholder (:func:`placeholder`) carrying ``problem`` (which field, what was
wrong) and whatever identity could be recovered, so the page, and the app, carry on.
Times are read with :func:`parse_time` and written with :func:`iso`, here only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, overload

from pydantic import BaseModel, ValidationError

from roomscope.tui.providers.base import BadPayloadError

P = TypeVar("P", bound=BaseModel)
U = TypeVar("U")

MAX_TEXT = 500
"""Provider strings longer than this are cut (a display name is not a novel)."""


def describe_validation_error(exc: ValidationError) -> str:
    """'start_time: Input should be a valid datetime (got "yesterday")' for the first error."""
    errors = exc.errors(include_url=False)
    if not errors:
        return "does not match the expected shape"
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "record"
    message = str(first.get("msg", "invalid"))
    value = first.get("input")
    shown = ""
    if isinstance(value, (str, int, float, bool)) or value is None:
        text = repr(value)
        shown = f" (got {text[:40]}{'…' if len(text) > 40 else ''})"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {message}{shown}{more}"


def recover_id(raw: Any, *keys: str) -> str | None:
    """The first usable identifier in a raw record, for a placeholder."""
    if not isinstance(raw, Mapping):
        return None
    for key in keys or ("id",):
        value = raw.get(key)
        if isinstance(value, (str, int)) and str(value).strip():
            return str(value)[:120]
    return None


def placeholder(
    model: type[P],
    raw: Any,
    problem: str,
    *,
    id_keys: Sequence[str] = ("id",),
    fallback_id: str,
    keep_raw: bool = False,
    **fields: Any,
) -> P:
    """The stand-in for a record that could not be read (``problem`` says why): the id
    recovered from ``raw`` (the first of ``id_keys`` holding one; none when ``id_keys`` is
    empty) or else ``fallback_id``, the ``fields`` the adapter knows anyway (provider,
    session, a recovered name), and with ``keep_raw`` a bounded copy of ``raw`` in ``extra``."""
    if keep_raw:
        fields["extra"] = {"raw": jsonable(raw)}
    found = recover_id(raw, *id_keys) if id_keys else None
    return model(id=found or fallback_id, problem=problem, **fields)


def recover_name(raw: Any, key: str) -> str:
    """A display name from a raw record, for a placeholder ("" when there is none)."""
    value = raw.get(key) if isinstance(raw, Mapping) else None
    return (text(value) or "") if isinstance(value, str) else ""


def parse_records(
    raw_items: Any,
    model: type[P],
    convert: Callable[[P], U],
    placeholder: Callable[[int, Any, str], U],
    *,
    provider: str,
    what: str,
) -> list[U]:
    """Validate each raw record with ``model`` and map it with ``convert``.

    ``raw_items`` must be a list (otherwise the page itself is unreadable: BadPayloadError).
    A record that fails validation or conversion becomes ``placeholder(index, raw, reason)``.
    """
    if not isinstance(raw_items, list):
        raise BadPayloadError(
            f"{provider}: expected a list of {what}, got {type(raw_items).__name__}.",
            provider=provider,
            field=what,
        )
    out: list[U] = []
    for index, raw in enumerate(raw_items):
        try:
            parsed = model.model_validate(raw)
            out.append(convert(parsed))
        except ValidationError as exc:
            out.append(placeholder(index, raw, describe_validation_error(exc)))
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
            out.append(placeholder(index, raw, f"{type(exc).__name__}: {exc}"[:200]))
    return out


def parse_one(raw: Any, model: type[P], *, provider: str, what: str) -> P:
    """Validate a single record; an unreadable one is a BadPayloadError naming the field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        reason = describe_validation_error(exc)
        raise BadPayloadError(
            f"{provider} sent an unreadable {what}: {reason}", provider=provider, field=reason.split(":")[0]
        ) from None


def text(value: Any) -> str | None:
    """A provider string, trimmed to ``MAX_TEXT``; None for empty or non-text."""
    if value is None:
        return None
    cleaned = (value if isinstance(value, str) else str(value)).strip()
    if not cleaned:
        return None
    return cleaned if len(cleaned) <= MAX_TEXT else cleaned[: MAX_TEXT - 1] + "…"


def as_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken as UTC (every provider documents UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_time(value: Any, *, epochs: bool = False) -> datetime | None:
    """An absolute time from untrusted input, in UTC: ISO 8601 text (``Z`` or an offset;
    naive is taken as UTC) and, with ``epochs``, a number of Unix seconds or milliseconds.
    None for anything else."""
    if isinstance(value, str):
        try:
            return as_utc(datetime.fromisoformat(value.strip()))
        except (ValueError, OverflowError):
            return None
    if not epochs or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    if number > 1e11:
        number /= 1000.0
    if number <= 1e8:
        return None
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None


Precision = Literal["s", "ms", "us"]


@overload
def iso(moment: datetime, *, precision: Precision = "ms") -> str: ...


@overload
def iso(moment: None, *, precision: Precision = "ms") -> None: ...


@overload
def iso(moment: datetime | None, *, precision: Precision = "ms") -> str | None: ...


def iso(moment: datetime | None, *, precision: Precision = "ms") -> str | None:
    """A time as the APIs write it: RFC 3339 in UTC with ``Z``, to whole seconds (``s``),
    milliseconds (``ms``, e.g. ``2026-11-22T10:00:00.000Z``) or microseconds (``us``)."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    if precision == "s":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if precision == "us":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def jsonable(value: Any, *, depth: int = 0) -> Any:
    """A copy of ``value`` safe to keep in ``extra`` (JSON types only, bounded)."""
    if depth > 6:
        return "…"
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= 2000 else value[:1999] + "…"
    if isinstance(value, Mapping):
        return {str(k)[:100]: jsonable(v, depth=depth + 1) for k, v in list(value.items())[:100]}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, depth=depth + 1) for v in list(value)[:100]]
    return str(value)[:200]


def extras(raw: Mapping[str, Any], known: set[str]) -> dict[str, Any]:
    """The provider's own fields that the unified model has no place for."""
    return {k: jsonable(v) for k, v in raw.items() if k not in known}
