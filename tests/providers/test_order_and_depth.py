"""Telnyx in depth (one participant by id, compositions beside recordings, a participant
count checked against the participant list) and the order and identity assumptions of
SignalWire and Telnyx made safe (a page that is not newest first is sorted and said; events
that name no member are said to be unattributable)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.fakes.signalwire import FakeSignalWire
from roomscope.tui.fakes.telnyx import DEMO_API_KEY, FakeTelnyx
from roomscope.tui.models import SessionQuery, SessionStatus
from roomscope.tui.providers.base import Capability, NotFoundError, UnsupportedError
from roomscope.tui.providers.order import OrderCheck, newest_first
from roomscope.tui.providers.telnyx import TelnyxProvider
from roomscope.tui.store.planner import plan_query
from tests.conftest import NOW, fixed_now
from tests.providers.test_signalwire import make_provider as make_signalwire
from tests.providers.test_telnyx import first, requests_to, validate
from tests.support.openapi import requires_specs

BASE = "https://api.telnyx.com/v2"


@pytest.fixture
def telnyx(world: DemoWorld) -> FakeTelnyx:
    return FakeTelnyx(world, clock=fixed_now)


@pytest.fixture
def signalwire(world: DemoWorld) -> FakeSignalWire:
    return FakeSignalWire(world, clock=fixed_now)


def make_telnyx(transport: httpx.AsyncBaseTransport) -> TelnyxProvider:
    async def no_wait(_s: float) -> None:
        return None

    return TelnyxProvider("tx", api_key=DEMO_API_KEY, transport=transport, clock=fixed_now, sleep=no_wait)


def rewriting(fake: Any, tail: str, edit: Callable[[dict[str, Any]], Any]) -> httpx.MockTransport:
    """The fake, with the JSON of answers whose path ends with ``tail`` rewritten."""

    async def handler(request: httpx.Request) -> httpx.Response:
        response: httpx.Response = await fake.handler(request)
        if request.url.path.endswith(tail) and response.status_code == 200:
            return httpx.Response(200, content=json.dumps(edit(response.json())).encode())
        return response

    return httpx.MockTransport(handler)


# ---------------------------------------------------------------------------------------
# Telnyx: one participant, compositions, the participant count


async def test_one_participant_is_one_request(telnyx: FakeTelnyx, world: DemoWorld) -> None:
    session = first(world, lambda s: world.ended_at(s, NOW) is not None and s.participant_count > 3)
    person = world.visible_participants(session, NOW)[-1]
    provider = make_telnyx(telnyx.transport())
    got = await provider.get_participant(session.id, person.id)
    assert (got.id, got.name, got.session_id, got.joined_at) == (
        person.id,
        person.name,
        session.id,
        person.joined_at,
    )
    assert [r.url.path for r in telnyx.requests] == [f"/v2/room_participants/{person.id}"]
    other = first(world, lambda s: s.id != session.id and world.ended_at(s, NOW) is not None)
    with pytest.raises(NotFoundError, match="no participant"):
        await provider.get_participant(other.id, person.id)  # of another session: not this one's
    with pytest.raises(NotFoundError):
        await provider.get_participant(session.id, "0f0f0f0f-0000-4000-8000-000000000000")


async def test_compositions_follow_the_recordings(telnyx: FakeTelnyx, world: DemoWorld) -> None:
    session = first(world, lambda s: s.recorded and world.ended_at(s, NOW) is not None)
    provider = make_telnyx(telnyx.transport())
    items, cursor = [], None
    while True:
        page = await provider.list_recordings(session.id, cursor, 1)
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    mixed = [r for r in items if r.extra.get("kind") == "composition"]
    assert len(mixed) == 1 and items[-1] is mixed[0]
    composition = mixed[0]
    assert (
        composition.status == "completed"
        and composition.format == "mp4"
        and composition.participant_id is None
    )
    assert composition.url == f"https://demo.roomscope.invalid/compositions/{session.id}.mp4"
    assert composition.extra["resolution"] == "1280x720"
    asked = requests_to(telnyx, "/room_compositions")
    assert asked and all(r.url.params["filter[session_id]"] == session.id for r in asked)


async def test_hostile_compositions_cost_only_themselves(telnyx: FakeTelnyx, world: DemoWorld) -> None:
    session = first(world, lambda s: s.recorded and world.ended_at(s, NOW) is not None)

    def spoil(body: dict[str, Any]) -> dict[str, Any]:
        body["data"] = [*body["data"], {"id": 7, "size_mb": "huge"}, {"id": "x", "duration_secs": 1e300}]
        return body

    page = await make_telnyx(rewriting(telnyx, "/room_compositions", spoil)).list_recordings(
        session.id, None, 50
    )
    mixed = [r for r in page.items if r.extra.get("kind") == "composition" or r.problem]
    assert len(mixed) == 3
    assert mixed[1].problem is not None
    assert mixed[2].duration_s is None and mixed[2].problem is None


async def test_an_undercounting_include_participants_is_corrected(
    telnyx: FakeTelnyx, world: DemoWorld
) -> None:
    session = first(world, lambda s: world.ended_at(s, NOW) is not None and s.participant_count >= 4)
    people = world.visible_participants(session, NOW)

    def cap(body: dict[str, Any]) -> dict[str, Any]:
        body["data"]["participants"] = body["data"]["participants"][:2]  # a silent cap
        return body

    provider = make_telnyx(rewriting(telnyx, f"/room_sessions/{session.id}", cap))
    got = await provider.get_session(session.id)
    assert got.participant_count == len(people)
    assert got.extra["participants_embedded"] == 2
    assert got.extra["participant_count_from"].startswith("participant list")
    assert got.max_concurrent is not None and got.max_concurrent >= 2
    assert any("include_participants gave 2" in n for n in provider.notices)

    honest = make_telnyx(telnyx.transport())
    plain = await honest.get_session(session.id)
    assert plain.participant_count == len(people) and "participants_embedded" not in plain.extra
    assert honest.notices == ()


@requires_specs
async def test_the_new_fake_routes_validate_against_the_spec(telnyx: FakeTelnyx, world: DemoWorld) -> None:
    session = first(world, lambda s: s.recorded and world.ended_at(s, NOW) is not None)
    person = world.visible_participants(session, NOW)[0]
    async with httpx.AsyncClient(transport=telnyx.transport(), base_url=BASE) as client:
        headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
        listing = validate(
            await client.get("/room_compositions", params={"filter[session_id]": session.id}, headers=headers)
        )
        assert len(listing["data"]) == 1
        composition = listing["data"][0]["id"]
        validate(await client.get(f"/room_compositions/{composition}", headers=headers))
        validate(
            await client.get("/room_compositions", params={"filter[status]": "completed"}, headers=headers)
        )
        validate(await client.get(f"/room_participants/{person.id}", headers=headers))


# ---------------------------------------------------------------------------------------
# Order: a page that is not newest first


def reversed_data(body: dict[str, Any]) -> dict[str, Any]:
    body["data"] = list(reversed(body["data"]))
    return body


async def test_telnyx_page_out_of_order_is_sorted_and_said(telnyx: FakeTelnyx) -> None:
    provider = make_telnyx(rewriting(telnyx, "/room_sessions", reversed_data))
    before = provider.notices
    assert before == ()
    page = await provider.list_sessions(SessionQuery(), None, 10)
    starts = [s.started_at for s in page.items]
    assert starts == sorted(starts, reverse=True)  # type: ignore[type-var]
    assert (provider.newest_first, TelnyxProvider.newest_first) == (False, True)
    notices = provider.notices
    assert len(notices) == 1 and "another order than newest first" in notices[0]
    # the store's next plan reads the whole list and sorts it here
    assert plan_query(SessionQuery(), [provider]).sources[0].sort_by_start


async def test_signalwire_page_out_of_order_is_sorted_and_said(signalwire: FakeSignalWire) -> None:
    provider = make_signalwire(rewriting(signalwire, "/room_sessions", reversed_data))
    page = await provider.list_sessions(SessionQuery(), None, 10)
    starts = [s.started_at for s in page.items]
    assert starts == sorted(starts, reverse=True)  # type: ignore[type-var]
    assert provider.newest_first is False and "SignalWire Video listed" in provider.notices[0]


async def test_in_order_pages_say_nothing(signalwire: FakeSignalWire, telnyx: FakeTelnyx) -> None:
    for provider in (make_signalwire(signalwire.transport()), make_telnyx(telnyx.transport())):
        cursor = None
        for _ in range(3):
            page = await provider.list_sessions(SessionQuery(status=SessionStatus.ENDED), cursor, 5)
            cursor = page.next_cursor
        assert provider.newest_first is True and provider.notices == ()


def test_order_check_across_pages() -> None:
    from datetime import timedelta

    from roomscope.tui.models import Session

    def session(minutes: int, problem: str | None = None) -> Session:
        return Session(
            provider="x", id=str(minutes), started_at=NOW - timedelta(minutes=minutes), problem=problem
        )

    check = OrderCheck()
    assert not check.violated(None, [session(1), session(2), session(2)], "p2")
    assert check.violated("p2", [session(1)], None)  # newer than the page before it
    assert not OrderCheck().violated(None, [session(5), session(1, problem="bad"), session(6)], None)
    hostile = [session(3), session(1, problem="unreadable"), Session(provider="x", id="none"), session(9)]
    assert [s.id for s in newest_first(hostile)] == ["3", "9", "1", "none"]


# ---------------------------------------------------------------------------------------
# SignalWire: events that name no member


async def test_unattributable_events_are_said(signalwire: FakeSignalWire, world: DemoWorld) -> None:
    session = next(
        s
        for s in (world.session(i) for i in range(world.size))
        if s.start <= NOW and world.ended_at(s, NOW) is not None and s.participant_count > 2
    )
    person = world.visible_participants(session, NOW)[0]

    def renamed(body: dict[str, Any]) -> dict[str, Any]:
        for event in body["data"]:
            if event.get("room_participant_id"):
                event["room_participant_id"] = "other-" + event["room_participant_id"]
        return body

    provider = make_signalwire(rewriting(signalwire, "/events", renamed))
    with pytest.raises(UnsupportedError, match="could not be attributed") as caught:
        await provider.list_events(session.id, None, 1000, participant_id=person.id)
    assert caught.value.capability is Capability.PARTICIPANT_EVENTS
    # The session's own list still shows them all, and says why a member's timeline (the
    # store picks it out of this list) cannot be shown.
    fresh = make_signalwire(rewriting(signalwire, "/events", renamed))
    everything = await fresh.list_events(session.id, None, 1000)
    assert everything.items
    said = fresh.unattributed(session.id)
    assert said is not None and "could not be attributed" in said and fresh.notices == (said,)

    matched = make_signalwire(signalwire.transport())
    mine = await matched.list_events(session.id, None, 1000, participant_id=person.id)
    assert mine.items and all(e.participant_id == person.id for e in mine.items)
    await matched.list_events(session.id, None, 1000)
    assert matched.unattributed(session.id) is None and matched.notices == ()


async def test_attribution_is_judged_over_every_page(signalwire: FakeSignalWire, world: DemoWorld) -> None:
    """Small pages: the first names no participant (session events), so the verdict waits
    for the last page; a walk that finds a member's event anywhere is attributable."""
    session = next(
        s
        for s in (world.session(i) for i in range(world.size))
        if s.start <= NOW and world.ended_at(s, NOW) is not None and s.participant_count > 2
    )
    provider = make_signalwire(signalwire.transport())
    cursor, pages = None, 0
    while True:
        page = await provider.list_events(session.id, cursor, 1)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages > 2 and provider.unattributed(session.id) is None
