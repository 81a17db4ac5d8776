"""Widths as terminals count them: spacing combining marks (Devanagari vowel signs …) take a
cell, so a row holding such a name keeps its columns in line."""

from __future__ import annotations

import ctypes
import ctypes.util
import locale
from collections.abc import Callable

import pytest
from rich import cells

from roomscope.tui.cellwidth import cell_len, match_terminal, set_cell_size, with_spacing_marks
from roomscope.widgets.cells import fit

NAMES = ["प्रिया शर्मा", "राहुल वर्मा", "বাংলা নাম", "தமிழ் பெயர்", "Nguyễn Văn An", "团队周会", "Zoë"]


def libc_width() -> Callable[[str], int]:
    """The C library's wcswidth, as tmux and xterm count (skips where it cannot be had)."""
    name = ctypes.util.find_library("c")
    if name is None:
        pytest.skip("no C library to ask for wcswidth")
    try:
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    except locale.Error:
        pytest.skip("no C.UTF-8 locale: wcswidth cannot measure non-ASCII text")
    libc = ctypes.CDLL(name)
    libc.wcswidth.argtypes = [ctypes.c_wchar_p, ctypes.c_size_t]
    libc.wcswidth.restype = ctypes.c_int

    def width(text: str) -> int:
        return int(libc.wcswidth(text, len(text)))

    return width


def test_rich_internals_are_what_the_width_fix_expects() -> None:
    """An upgrade of Rich that moves them must fail here, not silently misalign rows."""
    assert match_terminal()
    load = getattr(cells, "load_cell_table")  # noqa: B009  # not exported to the type checker
    assert hasattr(cells.get_character_cell_size, "cache_clear")
    assert hasattr(cells.cached_cell_len, "cache_clear")
    assert hasattr(load("auto"), "_replace")


def test_spacing_marks_take_a_cell_and_nothing_else_changes() -> None:
    match_terminal()
    assert cell_len("\u093e") == 1  # DEVANAGARI VOWEL SIGN AA (Mc)
    assert cell_len("\u094d") == 0  # DEVANAGARI SIGN VIRAMA (Mn) stays zero wide
    assert cell_len("e\u0301") == 1  # a combining acute accent (Mn) too
    assert cell_len("团队") == 4 and cell_len("abc") == 3


def test_names_measure_as_the_terminal_draws_them() -> None:
    width = libc_width()
    match_terminal()
    for name in NAMES:
        assert cell_len(name) == width(name), name
        assert width(fit(name, 20)) == 20, name
        assert width(fit(name, 6)) == 6, name  # cut with an ellipsis
        assert width(set_cell_size(name, 12)) == 12, name


def test_a_table_of_ranges_is_split_around_the_marks() -> None:
    widths = [(0x0900, 0x0903, 0), (0x093C, 0x0940, 0), (0x1100, 0x115F, 2)]
    assert with_spacing_marks(widths) == [
        (0x0900, 0x0902, 0),
        (0x0903, 0x0903, 1),  # VISARGA (Mc)
        (0x093C, 0x093D, 0),  # NUKTA (Mn), AVAGRAHA (Lo, zero here as given)
        (0x093E, 0x0940, 1),  # vowel signs AA, I, II (Mc)
        (0x1100, 0x115F, 2),
    ]
