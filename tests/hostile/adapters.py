"""The four adapters as the hostile harness drives them: the credentials their fakes accept
(as the environment variables ``roomscope --provider NAME`` reads), the fake API that
produces well-formed answers to mutate, and how to build the adapter in process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from roomscope.tui.clock import utcnow
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.fakes import signalwire as fake_signalwire
from roomscope.tui.fakes import telnyx as fake_telnyx
from roomscope.tui.fakes import whereby as fake_whereby
from roomscope.tui.fakes.common import FakeApi
from roomscope.tui.fakes.realtimekit import fake as fake_realtimekit
from roomscope.tui.fakes.realtimekit import ids as realtimekit_ids
from roomscope.tui.models import SessionQuery
from roomscope.tui.providers.base import Provider
from roomscope.tui.providers.registry import build_provider
from roomscope.tui.redact import REDACTOR

WORLD_SIZE = 40


@dataclass(frozen=True)
class Adapter:
    name: str
    env: dict[str, str]
    """Credentials, as ``--provider NAME`` reads them."""
    secrets: tuple[str, ...]
    """What must never appear in any output."""
    fake: Callable[[DemoWorld], FakeApi]


ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (
        Adapter(
            "signalwire",
            {
                "SIGNALWIRE_SPACE": fake_signalwire.DEMO_SPACE,
                "SIGNALWIRE_PROJECT_ID": fake_signalwire.DEMO_PROJECT_ID,
                "SIGNALWIRE_API_TOKEN": fake_signalwire.DEMO_TOKEN,
            },
            (fake_signalwire.DEMO_TOKEN,),
            lambda world: fake_signalwire.FakeSignalWire(world),
        ),
        Adapter(
            "telnyx",
            {"TELNYX_API_KEY": fake_telnyx.DEMO_API_KEY},
            (fake_telnyx.DEMO_API_KEY,),
            lambda world: fake_telnyx.FakeTelnyx(world),
        ),
        Adapter(
            "whereby",
            {"WHEREBY_API_KEY": fake_whereby.DEMO_API_KEY},
            (fake_whereby.DEMO_API_KEY,),
            lambda world: fake_whereby.FakeWhereby(world),
        ),
        Adapter(
            "realtimekit",
            {
                "CLOUDFLARE_API_TOKEN": realtimekit_ids.DEMO_API_TOKEN,
                "CLOUDFLARE_ACCOUNT_ID": realtimekit_ids.DEMO_ACCOUNT_ID,
                "REALTIMEKIT_APP_ID": realtimekit_ids.DEMO_APP_ID,
            },
            (realtimekit_ids.DEMO_API_TOKEN,),
            lambda world: fake_realtimekit.FakeRealtimeKit(world),
        ),
    )
}
NAMES = tuple(ADAPTERS)


def world() -> DemoWorld:
    return DemoWorld(seed=7, size=WORLD_SIZE, now=utcnow())


@dataclass(frozen=True)
class _Profile:
    """The smallest profile ``build_provider`` accepts: credentials from ``Adapter.env``."""

    adapter: Adapter
    base_url: str | None = None
    seed: int | None = None
    size: int | None = None
    latency_ms: float | None = None

    @property
    def name(self) -> str:
        return f"{self.adapter.name}-hostile"

    @property
    def provider(self) -> str:
        return self.adapter.name

    def secret(self, key: str) -> str:
        from roomscope.tui.providers.registry import provider_info

        spec = provider_info(self.adapter.name).credential(key)
        assert spec is not None
        return self.adapter.env[spec.env]

    def scrub(self, text: str) -> str:
        return REDACTOR(text)


def build(adapter: Adapter, base_url: str, **http_options: Any) -> Provider:
    """The real adapter for ``adapter``, talking to ``base_url``."""
    return build_provider(_Profile(adapter), base_url=base_url, **http_options)


async def first_ids(provider: Provider) -> tuple[str, str]:
    """A session with participants, and its first participant."""
    page = await provider.list_sessions(SessionQuery(), None, 10)
    for session in page.items:
        people = await provider.list_participants(session.id, None, 5)
        if people.items:
            return session.id, people.items[0].id
    raise AssertionError("no session with participants")
