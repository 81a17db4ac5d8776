"""The least-recently-used map the adapters remember recent answers in."""

from __future__ import annotations

from roomscope.tui.lru import LRU


def test_the_least_recently_used_entry_goes_first() -> None:
    lru: LRU[str, int] = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "a" is now the most recent
    lru.put("c", 3)
    assert "b" not in lru and lru.get("a") == 1 and lru.get("c") == 3 and len(lru) == 2


def test_membership_does_not_refresh_and_none_values_are_kept() -> None:
    lru: LRU[str, str | None] = LRU(2)
    lru.put("gone", None)
    lru.put("x", "X")
    assert "gone" in lru and lru.get("gone") is None
    lru.put("y", "Y")  # "gone" was read last, so "x" is dropped
    assert "gone" in lru and "x" not in lru
    assert "y" in lru
    lru.put("z", "Z")  # membership tests did not refresh "gone"
    assert "gone" not in lru


def test_pop_forgets_and_a_missing_key_reads_none() -> None:
    lru: LRU[int, str] = LRU(3)
    lru.put(1, "one")
    lru.pop(1)
    lru.pop(2)
    assert lru.get(1) is None and len(lru) == 0
