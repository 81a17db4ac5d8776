"""Untrusted text made safe to show (roomscope.tui.text) and the formatting helpers (roomscope.tui.fmt)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from rich.text import Text

from roomscope.tui import fmt
from roomscope.tui.demo.data import HOSTILE_NAMES, NON_LATIN_NAMES, NON_LATIN_TITLES
from roomscope.tui.text import clean, inert_json, terminal_safe
from tests.conftest import NOW

# -- clean ---------------------------------------------------------------------------------------


def _has_controls(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Eve\x1b[2J\x1b[31mred", "Evered"),  # CSI: clear screen, colour
        ("a\x1b[38;5;196mb\x1b[0mc", "abc"),
        ("\x1b]0;pwned title\x07Bob", "Bob"),  # OSC window title, BEL-terminated
        ("\x1b]8;;https://evil.invalid\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink, ST
        ("x\x1bcy", "xy"),  # RIS (full reset)
        ("a\x1b7b\x1b8c", "abc"),  # save / restore cursor
        ("box\x1b(0lqk\x1b(B", "boxlqk"),  # charset switch (DEC line drawing) and back
        ("up\x1bMx", "upx"),  # reverse index
        ("Bob\x07\x08\x00bell", "Bobbell"),  # C0 controls
        ("del\x7fete", "delete"),  # DEL
        ("c1\x9b31m\x85\x90x", "c131mx"),  # C1 controls (CSI, NEL, DCS) vanish
        ("Trent\u202eevil", "Trentevil"),  # right-to-left override
        ("\u2066iso\u2069\u202a\u202b\u202c\u202d\u200e\u200fx", "isox"),  # other bidi controls
        ("zero\u200bwidth\ufeff", "zerowidth"),  # zero-width space, BOM
    ],
)
def test_clean_strips_dangerous_characters(raw: str, expected: str) -> None:
    out = clean(raw)
    assert out == expected
    assert not _has_controls(out)
    assert "\x1b" not in out


def test_clean_collapses_newlines_and_tabs() -> None:
    assert clean("first\nsecond") == "first second"
    assert clean("a\r\n\t\tb") == "a b"
    assert clean("a\x0b\x0cb") == "a b"
    assert clean("\n\n  padded \t") == "padded"
    separated = clean("line\u2028sep\u2029para")
    assert "\u2028" not in separated and "\u2029" not in separated
    assert separated.replace(" ", "") == "lineseppara"


def test_clean_truncates_with_an_ellipsis() -> None:
    long = "Oscar " + "x" * 400
    out = clean(long)
    assert len(out) == 200 and out.endswith("…")
    assert out.startswith("Oscar xxx")
    assert clean("abcdefghij", limit=5) == "abcd…"
    assert clean("abcde", limit=5) == "abcde"


def test_clean_of_none_and_non_strings() -> None:
    assert clean(None) == ""
    assert clean(42) == "42"
    assert clean(3.5) == "3.5"


@pytest.mark.parametrize("name", [*NON_LATIN_NAMES, *NON_LATIN_TITLES])
def test_clean_keeps_non_latin_text(name: str) -> None:
    assert clean(name) == name


@pytest.mark.parametrize("name", ["Ana 🎧", "🚀 launch", "☕☕", "Zoë 🌸", "Hiro 💻", "👍🏽 ok", "🇯🇵 team"])
def test_clean_keeps_emoji(name: str) -> None:
    assert clean(name) == name


def test_clean_keeps_combining_marks() -> None:
    decomposed = "Zoe\u0308 Nguye\u0302\u0303n"  # Zoë, Nguyễn with combining marks
    assert clean(decomposed) == decomposed


def test_rich_markup_stays_literal_text() -> None:
    for raw in ("[bold red]Mallory[/bold red]", "[link=https://example.invalid]click me[/link]"):
        out = clean(raw)
        assert out == raw  # just characters: the square brackets survive
        console = Console(width=120, record=True, color_system=None)
        console.print(Text(out))
        assert console.export_text().strip() == raw


def test_every_hostile_demo_name_comes_out_inert() -> None:
    for raw in HOSTILE_NAMES:
        out = clean(raw)
        assert not _has_controls(out)
        assert "\u202e" not in out
        assert out  # something is left to show
        assert len(out) <= 200


# -- fmt -----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _local_time() -> Iterator[None]:
    fmt.set_utc(False)
    yield
    fmt.set_utc(False)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (None, "—"),
        (float("nan"), "—"),
        (-5, "0s"),
        (0, "0s"),
        (42, "42s"),
        (59.4, "59s"),
        (59.6, "1m00s"),
        (60, "1m00s"),
        (725, "12m05s"),
        (3599, "59m59s"),
        (3600, "1h00m"),
        (3780, "1h03m"),
        (26 * 3600 + 120, "26h02m"),
    ],
)
def test_duration(seconds: float | None, expected: str) -> None:
    assert fmt.duration(seconds) == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (0, "just now"),
        (4.9, "just now"),
        (-30, "just now"),  # clock skew: never "in the future"
        (5, "5s ago"),
        (42, "42s ago"),
        (59.9, "59s ago"),
        (60, "1m ago"),
        (300, "5m ago"),
        (3599, "59m ago"),
        (3600, "1h ago"),
        (3 * 3600 + 1800, "3h ago"),
        (86400, "1d ago"),
        (2 * 86400 + 5, "2d ago"),
    ],
)
def test_ago(delta: float, expected: str) -> None:
    now = NOW.timestamp()
    assert fmt.ago(now - delta, now) == expected


def test_ago_never() -> None:
    assert fmt.ago(None, NOW.timestamp()) == "never"


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (None, "—"),
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (1500, "1.5 kB"),
        (2_500_000, "2.5 MB"),
        (3_000_000_000, "3.0 GB"),
        (5_000_000_000_000, "5000.0 GB"),
    ],
)
def test_size(count: int | None, expected: str) -> None:
    assert fmt.size(count) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "+0:00"),
        (-3, "+0:00"),
        (9.9, "+0:09"),
        (65, "+1:05"),
        (725, "+12:05"),
        (3599, "+59:59"),
        (3600, "+1:00:00"),
        (3723, "+1:02:03"),
    ],
)
def test_offset(seconds: float, expected: str) -> None:
    assert fmt.offset(seconds) == expected


def test_number() -> None:
    assert fmt.number(None) == "—"
    assert fmt.number(float("nan")) == "—"
    assert fmt.number(3.14159) == "3.1"
    assert fmt.number(3.14159, 2) == "3.14"
    assert fmt.number(1234.5) == "1,234"


def test_short_when() -> None:
    # The suite runs with TZ=UTC; NOW is Sunday 2026-11-22 10:00.
    assert NOW.strftime("%a") == "Sun"
    assert fmt.short_when(None, NOW) == "—"
    assert fmt.short_when(NOW.replace(hour=8, minute=5), NOW) == "today 08:05"
    assert fmt.short_when(NOW - timedelta(days=1), NOW) == "Sat 10:00"
    assert fmt.short_when(NOW - timedelta(days=5, hours=1), NOW) == "Tue 09:00"
    assert fmt.short_when(NOW - timedelta(days=6, minutes=1), NOW) == "11-16 09:59"
    assert fmt.short_when(datetime(2026, 1, 3, 7, 30, tzinfo=UTC), NOW) == "01-03 07:30"
    assert fmt.short_when(NOW + timedelta(days=2), NOW) == "11-24 10:00"  # future: a date


def test_when_and_utc_switch() -> None:
    moment = datetime(2026, 11, 22, 9, 5, 12, tzinfo=UTC)
    assert fmt.when(None) == "—"
    assert fmt.when(moment) == "2026-11-22 09:05"
    assert fmt.when(moment, seconds=True, date=False) == "09:05:12"
    fmt.set_utc(True)
    assert fmt.local(moment).utcoffset() == timedelta(0)
    assert fmt.when(moment, seconds=True) == "2026-11-22 09:05:12"


def test_clean_keeps_joiners_that_scripts_and_emoji_need() -> None:
    assert clean("👩\u200d💻 dev") == "👩\u200d💻 dev"  # one emoji, not two
    assert clean("می\u200cخواهم") == "می\u200cخواهم"  # Persian needs the non-joiner
    assert clean("line\u2028break") == "line break"


# -- terminal_safe and inert_json ------------------------------------------------------------

TERMINAL_ACTIVE = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]) + (
    "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


def test_terminal_safe_keeps_everything_but_what_a_terminal_acts_on() -> None:
    assert terminal_safe("plain ASCII, kept as is: 100% ok?") == "plain ASCII, kept as is: 100% ok?"
    assert terminal_safe("  padded  ") == "  padded  "  # nothing stripped or cut: a cell keeps its value
    assert terminal_safe("x" * 5000) == "x" * 5000
    assert terminal_safe(None) == "" and terminal_safe(12) == "12"
    assert terminal_safe("a\nb\r\nc\td") == "a b c d"  # one record, one line
    assert terminal_safe("\u001b]2;PWNED\u0007\u001b]52;c;ZXZpbA==\u0007") == ""
    assert terminal_safe("Trent\u202eevil") == "Trentevil"
    assert terminal_safe("lone \ud800 surrogate") == "lone \ufffd surrogate"
    for name in (*NON_LATIN_NAMES, *NON_LATIN_TITLES, "Zoë 👩‍💻", "میرزا\u200cزاده"):
        assert terminal_safe(name) == name


@pytest.mark.parametrize("character", list(TERMINAL_ACTIVE))
def test_terminal_safe_drops_every_active_character(character: str) -> None:
    out = terminal_safe(f"a{character}")
    assert out in ("a", "a ")
    assert clean(f"a{character}") == "a"
    if character != "\x1b":  # ESC b is an escape sequence: it goes whole
        assert terminal_safe(f"a{character}b") in ("ab", "a b")


def test_inert_json_parses_back_to_the_exact_value() -> None:
    import json

    hostile = [
        "\u001b]2;PWNED\u0007\u001b]52;c;ZXZpbA==\u0007",
        "Trent\u202eevil",
        "c1\x9b31m\x85\x90x\x7f",
        "line\u2028sep\u2029para",
        "lone \ud800 surrogate",
        "zero\u200bwidth\ufeff\u061c",
        "Zoë 日本 👩‍💻 \u200c",
    ]
    value = {"names": hostile, "nested": {"k\u202e": hostile[0]}, "n": 1.5, "none": None}
    text = inert_json(value)
    assert json.loads(text) == value
    assert not any(ch in TERMINAL_ACTIVE and ch != "\n" for ch in text)
    assert "\\ud800" in text and "\\u202e" in text and "\\u009b" in text
    assert "Zoë 日本 👩‍💻 \u200c" in text  # readable text stays readable
    assert text.encode("utf-8")  # no lone surrogate left to fail on the way out
    assert inert_json([1, "a"], indent=None) == '[1, "a"]'


def test_a_printable_string_is_already_terminal_safe() -> None:
    """``terminal_safe`` returns a printable string as it is: everything it removes or
    replaces (escape sequences, C0/C1 controls, bidi and zero-width format characters, line
    and paragraph separators, lone surrogates) is not printable. Checked against the full
    slow path for every code point of the Basic Multilingual Plane and a few beyond."""
    from roomscope.tui import text as module

    def slow(value: str) -> str:
        value = module._ESCAPE_SEQUENCE.sub("", value)
        value = module._WHITESPACE.sub(" ", value)
        value = module._DROPPED.sub("", value)
        return module._LONE_SURROGATE.sub("\ufffd", value)

    points = [*range(0x10000), 0x1F600, 0x1F469, 0xE0001, 0xF0000, 0x10FFFF]
    printable = [chr(c) for c in points if chr(c).isprintable()]
    assert len(printable) > 40_000
    for ch in printable:
        assert slow(ch) == ch, hex(ord(ch))
        assert terminal_safe(f"a{ch}b") == f"a{ch}b"
    for ch in ("\x1b", "\u202e", "\u200b", "\u2028", "\x85", "\t", "\ud800"):
        assert not ch.isprintable()
        assert terminal_safe(f"a{ch}b") == slow(f"a{ch}b") != f"a{ch}b"
