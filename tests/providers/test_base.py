"""The provider abstraction: the one sentence for a missing capability."""

from __future__ import annotations

from roomscope.tui.errors import unsupported
from roomscope.tui.providers.base import BaseProvider, Capability
from roomscope.tui.providers.demo import DemoProvider


def test_a_missing_capability_says_the_declared_reason_or_names_itself() -> None:
    demo = DemoProvider(latency_s=0.0, size=10)
    declared = unsupported(demo, Capability.TEXT_SEARCH)
    assert str(declared) == DemoProvider.missing[Capability.TEXT_SEARCH]
    assert declared.capability is Capability.TEXT_SEARCH and declared.provider == "demo"
    plain = BaseProvider("p").unsupported(Capability.QUALITY)
    assert str(plain) == "provider does not provide quality." and plain.provider == "base"
