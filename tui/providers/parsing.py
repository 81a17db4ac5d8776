"""Helpers the adapters share to read untrusted payloads record by record.

The rule: a record that does not match what the adapter expects costs that record only.
It becomes a placeholder (:func:`placeholder`) carrying ``problem`` (which field, what was
wrong) and whatever identity could be recovered, so the page, and the app, carry on.
A string that was not text (a lone surrogate) costs that string only: the decoder replaced
it with U+FFFD, and :func:`mark_replaced` lists where in the record's ``extra``
(``REPLACED_TEXT``). Times are read with :func:`parse_time` and written with :func:`iso`,
here only. An absurd number (infinite, not a number, or beyond what its kind can be: a
duration of 2^63 seconds, a sampling interval of 2^63 ms) is an unreadable value, None:
:func:`number` reads one by hand, and the ``Annotated`` field types (:data:`Seconds`,
:data:`Count` ...) read them in every adapter's payload models.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar, overload

from pydantic import AfterValidator, BaseModel, BeforeValidator, ValidationError

from roomscope.tui.providers.base import BadPayloadError
from roomscope.tui.providers.jsondecode import replaced_paths

P = TypeVar("P", bound=BaseModel)
U = TypeVar("U")

MAX_TEXT = 500
"""Provider strings longer than this are cut (a display name is not a novel)."""
REPLACED_TEXT = "replaced_text"
"""The ``extra`` key listing a record's strings that were not text and were replaced."""


# ---------------------------------------------------------------------------------------
# Numbers: finite and within what their kind can be, or unreadable (None)

NumberKind = Literal[
    "seconds", "milliseconds", "minutes", "interval_ms", "count", "bytes", "megabytes", "sample"
]
_TEN_YEARS_S = 10 * 366 * 86_400.0
NUMBER_BOUNDS: Mapping[NumberKind, tuple[float, float]] = {
    "seconds": (-_TEN_YEARS_S, _TEN_YEARS_S),
    "milliseconds": (-_TEN_YEARS_S * 1000, _TEN_YEARS_S * 1000),
    "minutes": (-_TEN_YEARS_S / 60, _TEN_YEARS_S / 60),
    "interval_ms": (1e-3, 86_400_000.0),
    "count": (-1e12, 1e12),
    "bytes": (-1e18, 1e18),
    "megabytes": (-1e12, 1e12),
    "sample": (-1e12, 1e12),
}
"""Inclusive bounds per kind. Durations and offsets: ten years either way; a sampling
interval: above 0, at most a day; counts (participants, packets): 10^12; sizes and byte
counters: 10^18 bytes; a measured value (loss, bitrate, jitter, RTT, MOS, fps): 10^12.
Signs are the adapters' business (most clamp a negative duration to 0)."""


def number(value: Any, kind: NumberKind) -> float | None:
    """A JSON number (or numeric text) that is finite and within ``kind``'s bounds, as a
    float; None for anything else (booleans are not numbers)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            found = float(value)
        except OverflowError:  # an int beyond any float
            return None
    elif isinstance(value, str):
        try:
            found = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    low, high = NUMBER_BOUNDS[kind]
    return found if math.isfinite(found) and low <= found <= high else None


def _guard(kind: NumberKind) -> Callable[[Any], Any]:
    """For a numeric payload field, before and after pydantic converts it: a number that
    :func:`number` refuses is None (an unreadable value, not an unreadable record)."""

    def check(value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and number(value, kind) is None:
            return None
        return value

    return check


Seconds = Annotated[float | None, BeforeValidator(_guard("seconds")), AfterValidator(_guard("seconds"))]
"""A payload field holding a duration or offset in seconds (None when absurd)."""
Milliseconds = Annotated[
    float | None, BeforeValidator(_guard("milliseconds")), AfterValidator(_guard("milliseconds"))
]
Minutes = Annotated[float | None, BeforeValidator(_guard("minutes")), AfterValidator(_guard("minutes"))]
IntervalMs = Annotated[
    float | None, BeforeValidator(_guard("interval_ms")), AfterValidator(_guard("interval_ms"))
]
"""A sampling interval in milliseconds: above 0, at most a day."""
Count = Annotated[int | None, BeforeValidator(_guard("count")), AfterValidator(_guard("count"))]
CountValue = Annotated[float | None, BeforeValidator(_guard("count")), AfterValidator(_guard("count"))]
"""A count or counter that may arrive with a fraction (cumulative packet counters)."""
Bytes = Annotated[int | None, BeforeValidator(_guard("bytes")), AfterValidator(_guard("bytes"))]
ByteValue = Annotated[float | None, BeforeValidator(_guard("bytes")), AfterValidator(_guard("bytes"))]
Megabytes = Annotated[float | None, BeforeValidator(_guard("megabytes")), AfterValidator(_guard("megabytes"))]
Sample = Annotated[float | None, BeforeValidator(_guard("sample")), AfterValidator(_guard("sample"))]
"""A measured value: loss, bitrate, jitter, RTT, MOS, frames per second."""


def _epoch_or_text(value: Any) -> Any:
    """A number where a time is expected is Unix seconds or milliseconds (:func:`parse_time`);
    an absurd one is None. Text is left to the field's own ISO 8601 parsing."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return parse_time(value, epochs=True)
    return value


Time = Annotated[datetime | None, BeforeValidator(_epoch_or_text)]
"""An optional payload time: ISO 8601 text, or a sane Unix time (None when absurd)."""


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
            out.append(mark_replaced(raw, convert(parsed)))
        except ValidationError as exc:
            out.append(placeholder(index, raw, describe_validation_error(exc)))
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
            out.append(placeholder(index, raw, f"{type(exc).__name__}: {exc}"[:200]))
    return out


def mark_replaced(raw: Any, record: U) -> U:
    """``record`` (a unified model mapped from ``raw``) with the paths of ``raw``'s replaced
    strings under ``extra[REPLACED_TEXT]``; unchanged when none were replaced or the record
    has no ``extra``."""
    paths = replaced_paths(raw)
    if not paths or not isinstance(record, BaseModel):
        return record
    extra = getattr(record, "extra", None)
    if not isinstance(extra, dict):
        return record
    marked: U = record.model_copy(update={"extra": {**extra, REPLACED_TEXT: list(paths[:20])}})
    return marked


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
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float
        return None
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
