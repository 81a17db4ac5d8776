"""The Telnyx Rooms adapter, against its fake API, the spec's own examples, and bad data."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from roomscope.tui.demo.world import DemoSession, DemoWorld
from roomscope.tui.fakes.telnyx import DEMO_API_KEY, FakeTelnyx, demo_provider
from roomscope.tui.models import Session, SessionQuery, SessionStatus
from roomscope.tui.providers.base import (
    AuthError,
    BadPayloadError,
    Capability,
    ForbiddenError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
    UnsupportedError,
)
from roomscope.tui.providers.telnyx import (
    MAX_PAGE_SIZE,
    TelnyxProvider,
    decode_page,
    telnyx_error_detail,
    telnyx_message,
)
from tests.conftest import NOW, fixed_now, fixed_time
from tests.support.openapi import examples, load_spec, requires_specs, template_for, validate_body

BASE = "https://api.telnyx.com/v2"
US_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
UNKNOWN_ID = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"


def rate_limit_body() -> dict[str, Any]:
    """Telnyx's 429 body."""
    return FakeTelnyx.error_body("10011", "Too many requests", "You have exceeded the rate limit.")


def rate_limit_headers(reset_s: int, limit: int = 100) -> dict[str, str]:
    """Telnyx's rate-limit headers on a 429."""
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(reset_s),
    }


class Sleeps:
    """A stand-in for asyncio.sleep that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def fake(world: DemoWorld) -> FakeTelnyx:
    return FakeTelnyx(world, clock=fixed_now)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def provider(fake: FakeTelnyx, sleeps: Sleeps) -> AsyncIterator[TelnyxProvider]:
    p = TelnyxProvider("tx", api_key=DEMO_API_KEY, transport=fake.transport(), clock=fixed_now, sleep=sleeps)
    yield p
    await p.aclose()


def started(world: DemoWorld) -> list[DemoSession]:
    """The world's sessions that exist at NOW, newest first (what Telnyx lists)."""
    return [s for s in (world.session(i) for i in range(world.size)) if s.start <= NOW]


def first(world: DemoWorld, predicate: Callable[[DemoSession], bool]) -> DemoSession:
    return next(s for s in started(world) if predicate(s))


def requests_to(fake: FakeTelnyx, fragment: str) -> list[httpx.Request]:
    return [r for r in fake.requests if fragment in r.url.path]


def peak(spans: list[tuple[datetime, datetime]]) -> int:
    """Most spans covering one instant (independent of the adapter's sweep)."""
    return max((sum(1 for a, b in spans if a <= t <= b) for t, _ in spans), default=0)


# ---------------------------------------------------------------------------------------
# 1. Every fake response validates against the spec


async def raw_get(
    fake: FakeTelnyx, path: str, params: dict[str, Any] | None = None, key: str | None = DEMO_API_KEY
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(transport=fake.transport(), base_url=BASE) as client:
        return await client.get(path, params=params, headers=headers)


def validate(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    template = template_for("telnyx", response.request.url.path.removeprefix("/v2"))
    body = response.json()
    validate_body("telnyx", template, body, status)
    return body


def timestamps(body: Any) -> list[str]:
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key.endswith("_at") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(timestamps(value))
    elif isinstance(body, list):
        for value in body:
            found.extend(timestamps(value))
    return found


@requires_specs
async def test_session_lists_validate_on_every_page_and_filter(fake: FakeTelnyx, world: DemoWorld) -> None:
    everyone = started(world)
    total = len(everyone)
    pages = -(-total // 25)
    room = everyone[3].room_id
    day = everyone[40].start.date().isoformat()

    async def get(params: dict[str, Any]) -> list[dict[str, Any]]:
        body = validate(await raw_get(fake, "/room_sessions", params))
        assert all(s["record_type"] == "room_session" for s in body["data"])
        assert all(US_TIMESTAMP.match(t) for t in timestamps(body)), params
        assert body["meta"]["total_pages"] == -(-body["meta"]["total_results"] // body["meta"]["page_size"])
        return list(body["data"])

    assert len(await get({})) == 20  # the default page size
    body = validate(await raw_get(fake, "/room_sessions", {"page[size]": 25}))
    assert body["meta"] == {"page_number": 1, "page_size": 25, "total_pages": pages, "total_results": total}
    middle = await get({"page[size]": 25, "page[number]": pages // 2})
    assert [s["id"] for s in middle] == [s.id for s in everyone[(pages // 2 - 1) * 25 : pages // 2 * 25]]
    assert len(await get({"page[size]": 25, "page[number]": pages})) == total - 25 * (pages - 1)
    assert await get({"page[size]": 25, "page[number]": pages + 1}) == []
    with_people = await get({"page[size]": 250, "include_participants": "true"})
    assert all(
        len(s["participants"]) == len(world.visible_participants(world.session(i), NOW))
        for i, s in enumerate(with_people)
    )
    assert all(s["participants"] == [] for s in await get({"page[size]": 250}))
    active = await get({"filter[active]": "true"})
    assert active and all(s["active"] and "ended_at" not in s for s in active)
    ended = await get({"filter[active]": "false"})
    assert ended and all(not s["active"] and "ended_at" in s for s in ended)
    in_room = await get({"filter[room_id]": room})
    assert in_room and all(s["room_id"] == room for s in in_room)
    on_day = await get({"filter[date_created_at][eq]": day, "page[size]": 250})
    assert [s["id"] for s in on_day] == [s.id for s in everyone if s.start.date().isoformat() == day]
    since_day = await get({"filter[date_created_at][gte]": day, "page[size]": 250})
    assert since_day and all(s["created_at"][:10] >= day for s in since_day)
    until_day = await get({"filter[date_created_at][lte]": day, "page[size]": 250})
    assert until_day and all(s["created_at"][:10] <= day for s in until_day)
    ended_by = await get({"filter[date_ended_at][lte]": day, "page[size]": 250})
    assert ended_by and all(s["ended_at"][:10] <= day for s in ended_by)
    updated_since = await get({"filter[date_updated_at][gte]": day})
    assert updated_since and all(s["updated_at"][:10] >= day for s in updated_since)
    room_sessions = validate(await raw_get(fake, f"/rooms/{room}/sessions", {"page[size]": 250}))
    assert {s["room_id"] for s in room_sessions["data"]} == {room}
    assert room_sessions["meta"]["total_results"] == sum(1 for s in everyone if s.room_id == room)


@requires_specs
async def test_session_participant_recording_and_room_bodies_validate(
    fake: FakeTelnyx, world: DemoWorld
) -> None:
    live = first(world, lambda s: world.is_live(s, NOW))
    crowded = first(world, lambda s: s.participant_count >= 9 and not world.is_live(s, NOW))
    recorded = first(world, lambda s: s.recorded and world.ended_at(s, NOW) is not None)
    for session in (live, crowded):
        body = validate(await raw_get(fake, f"/room_sessions/{session.id}", {"include_participants": "true"}))
        assert body["data"]["id"] == session.id
        assert len(body["data"]["participants"]) == len(world.visible_participants(session, NOW))
    names = [p.name for p in world.participants(crowded)]
    for number in (1, 2, 3):
        body = validate(
            await raw_get(
                fake, f"/room_sessions/{crowded.id}/participants", {"page[size]": 4, "page[number]": number}
            )
        )
        assert [p["context"] for p in body["data"]] == names[(number - 1) * 4 : number * 4]
        assert all(p["record_type"] == "room_participant" for p in body["data"])
    body = validate(
        await raw_get(fake, f"/room_sessions/{crowded.id}/participants", {"filter[context]": names[2]})
    )
    assert [p["context"] for p in body["data"]] == [names[2]]
    day = crowded.start.date().isoformat()
    body = validate(
        await raw_get(fake, f"/room_sessions/{crowded.id}/participants", {"filter[date_joined_at][eq]": day})
    )
    assert body["meta"]["total_results"] == sum(
        1 for p in world.participants(crowded) if p.joined_at.date().isoformat() == day
    )
    recordings = world.recordings(recorded, NOW)
    for params in (
        {"filter[session_id]": recorded.id},
        {"filter[session_id]": recorded.id, "filter[status]": "completed", "filter[type]": "video"},
        {"filter[room_id]": recorded.room_id, "page[size]": 5},
        {"filter[duration_secs]": 60, "page[size]": 5, "page[number]": 2},
        {},
    ):
        body = validate(await raw_get(fake, "/room_recordings", params))
        assert all(US_TIMESTAMP.match(t) for t in timestamps(body))
        if "filter[session_id]" in params:
            assert sorted(r["id"] for r in body["data"]) == sorted(r.id for r in recordings)
        if "filter[duration_secs]" in params:
            assert all(r["duration_secs"] >= 60 for r in body["data"])
    body = validate(
        await raw_get(fake, "/room_recordings", {"filter[session_id]": recorded.id, "filter[type]": "audio"})
    )
    assert body["data"] == []
    rooms = validate(await raw_get(fake, "/rooms", {"page[size]": 250}))
    assert {r["unique_name"] for r in rooms["data"]} == {s.room_name for s in started(world)}
    only = validate(await raw_get(fake, "/rooms", {"filter[unique_name]": live.room_name}))
    assert [r["id"] for r in only["data"]] == [live.room_id]
    room = validate(await raw_get(fake, f"/rooms/{live.room_id}", {"include_sessions": "true"}))
    assert room["data"]["unique_name"] == live.room_name
    assert room["data"]["active_session_id"] == live.id
    assert live.id in {s["id"] for s in room["data"]["sessions"]}


@requires_specs
async def test_error_bodies_validate(fake: FakeTelnyx) -> None:
    for key in (None, "wrong-key-123"):
        body = validate(await raw_get(fake, "/room_sessions", key=key), 401)
        assert body["errors"][0]["code"] == "10009"
    for path in (f"/room_sessions/{UNKNOWN_ID}", f"/rooms/{UNKNOWN_ID}"):
        body = validate(await raw_get(fake, path), 404)
        assert body["title"] == "Resource not found" and "errors" not in body
    body = validate(await raw_get(fake, f"/room_sessions/{UNKNOWN_ID}/participants"), 404)
    assert body["code"] == "10005"
    for params, parameter in (
        ({"page[size]": MAX_PAGE_SIZE + 1}, "page[size]"),
        ({"page[size]": 0}, "page[size]"),
        ({"page[number]": 0}, "page[number]"),
        ({"page[number]": "two"}, "page[number]"),
        ({"filter[active]": "maybe"}, "filter[active]"),
        ({"filter[date_created_at][gte]": "2026-11-22T10:00:00Z"}, "filter[date_created_at][gte]"),
    ):
        body = validate(await raw_get(fake, "/room_sessions", params), 422)
        assert body["success"] is False and parameter in body["message"]
    body = validate(await raw_get(fake, "/room_recordings", {"page[size]": 1000}), 422)
    assert "page[size]" in body["message"]
    fake.inject(429, rate_limit_body(), headers=rate_limit_headers(5))
    response = await raw_get(fake, "/room_sessions")
    body = validate(response, 429)
    assert body["errors"][0]["code"] == "10011" and response.headers["x-ratelimit-reset"] == "5"
    fake.inject(403, fake.error_body("10010", "Authorization failed", "Not allowed."))
    validate(await raw_get(fake, "/room_sessions"), 403)


# ---------------------------------------------------------------------------------------
# 2. The spec's examples, served as they are, parse to the example's values


def _example_bodies(template: str, component: str, listing: bool) -> list[Any]:
    spec = load_spec("telnyx")
    schemas = spec["components"]["schemas"]
    record = schemas[component]["example"]
    if listing:
        meta = {name: prop["example"] for name, prop in schemas["PaginationMeta"]["properties"].items()}
        composed = {"data": [record], "meta": meta}
    else:
        composed = {"data": record}
    # The response schemas carry no example of their own: the records' examples are wrapped in
    # the documented envelope. Any example the spec adds later is exercised as well.
    return [*examples("telnyx", template), composed]


def _serving(routes: dict[str, Any]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v2")
        template = template_for("telnyx", path)
        if template not in routes:
            return httpx.Response(404, json={"message": "Not found", "success": False})
        return httpx.Response(200, json=routes[template])

    return httpx.MockTransport(handle)


@requires_specs
async def test_spec_examples_parse_to_their_values() -> None:
    spec = load_spec("telnyx")
    sessions = _example_bodies("/room_sessions", "RoomSession", True)
    one = _example_bodies("/room_sessions/{room_session_id}", "RoomSession", False)
    people = _example_bodies("/room_sessions/{room_session_id}/participants", "RoomParticipant", True)
    recordings = _example_bodies("/room_recordings", "RoomRecording", True)
    rooms = _example_bodies("/rooms/{room_id}", "Room", False)
    room_name = spec["components"]["schemas"]["Room"]["example"]["unique_name"]
    for template, bodies in (
        ("/room_sessions", sessions),
        ("/room_sessions/{room_session_id}", one),
        ("/room_sessions/{room_session_id}/participants", people),
        ("/room_recordings", recordings),
        ("/rooms/{room_id}", rooms),
    ):
        for body in bodies:
            validate_body("telnyx", template, body)  # what is served is itself valid
    for index in range(len(sessions)):
        routes = {
            "/room_sessions": sessions[index],
            "/room_sessions/{room_session_id}": one[min(index, len(one) - 1)],
            "/room_sessions/{room_session_id}/participants": people[min(index, len(people) - 1)],
            "/room_recordings": recordings[min(index, len(recordings) - 1)],
            "/rooms/{room_id}": rooms[min(index, len(rooms) - 1)],
        }
        provider = TelnyxProvider("ex", api_key="example-key", transport=_serving(routes), clock=fixed_now)
        try:
            page = await provider.list_sessions(SessionQuery(), None, 25)
            example = sessions[index]["data"][0]
            [session] = page.items
            assert session.problem is None
            assert session.id == example["id"] and session.room_id == example["room_id"]
            assert session.status is SessionStatus.ENDED  # active: false
            assert session.started_at == datetime(2021, 4, 16, 9, 46, 20, 954863, tzinfo=UTC)
            assert session.ended_at == datetime(2021, 4, 16, 10, 24, 55, 962200, tzinfo=UTC)
            assert session.duration_s == pytest.approx(2315.007337)
            assert session.participant_count == 0 and session.live_participants == 0
            assert session.room_name == room_name
            assert session.title == room_name
            assert page.total == sessions[index]["meta"]["total_results"]
            assert page.next_cursor is not None  # the example meta says 3 pages
            detail = await provider.get_session(example["id"])
            assert detail.id == one[min(index, len(one) - 1)]["data"]["id"]
            assert detail.room_name == room_name
            [person] = (await provider.list_participants(session.id, None, 25)).items
            sample = people[min(index, len(people) - 1)]["data"][0]
            assert person.problem is None
            assert (person.id, person.name) == (sample["id"], "Alice")
            assert person.joined_at == datetime(2021, 4, 16, 9, 46, 20, 954863, tzinfo=UTC)
            assert person.left_at == datetime(2021, 4, 16, 10, 24, 55, 962200, tzinfo=UTC)
            assert person.duration_s == pytest.approx(2315.007337)
            [recording] = (await provider.list_recordings(session.id, None, 25)).items
            raw = recordings[min(index, len(recordings) - 1)]["data"][0]
            assert recording.problem is None
            assert recording.id == raw["id"] and recording.status == "completed"
            assert recording.duration_s == 3660.0  # duration_secs
            assert recording.size_bytes == 5_600_000  # size_mb 5.6
            assert recording.format == "opus" and recording.extra["type"] == "audio"
            assert recording.url == raw["download_url"]
            assert recording.participant_id == raw["participant_id"]
            assert recording.started_at == datetime(2021, 4, 16, 9, 24, 55, 962200, tzinfo=UTC)
        finally:
            await provider.aclose()


# ---------------------------------------------------------------------------------------
# 3. The adapter over the fake


def test_declared_capabilities_and_missing_sentences() -> None:
    caps = TelnyxProvider.capabilities
    assert caps == {
        Capability.PARTICIPANTS,
        Capability.RECORDINGS,
        Capability.SEEK,
        Capability.TOTAL,
        Capability.STATUS_FILTER,
    }
    for capability in Capability:
        if capability not in caps:
            sentence = TelnyxProvider.missing[capability]
            assert sentence.startswith("Telnyx Rooms") and sentence.endswith(".")


async def test_pages_through_every_session_newest_first(
    provider: TelnyxProvider, fake: FakeTelnyx, world: DemoWorld
) -> None:
    expected = started(world)
    seen: list[Session] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await provider.list_sessions(SessionQuery(), cursor, 50)
        pages += 1
        assert page.total == len(expected)
        assert len(page.items) == (50 if page.next_cursor else len(expected) - 50 * (pages - 1))
        seen.extend(page.items)
        if page.next_cursor is None or pages > len(expected):
            break
        cursor = page.next_cursor
    assert pages == -(-len(expected) // 50)
    assert [s.id for s in seen] == [s.id for s in expected]
    assert [s.room_name for s in seen] == [s.room_name for s in expected]
    assert all(s.problem is None and s.profile == "tx" and s.provider == "telnyx" for s in seen)
    lists = requests_to(fake, "/room_sessions")
    assert [r.url.params["page[number]"] for r in lists] == [str(n) for n in range(1, pages + 1)]
    assert all(
        r.url.params["page[size]"] == "50" and r.url.params["include_participants"] == "true" for r in lists
    )


async def test_page_cursor_addresses_any_page(provider: TelnyxProvider, world: DemoWorld) -> None:
    expected = [s.id for s in started(world)]
    query = SessionQuery()
    assert provider.page_cursor(query, 0, 50) is None
    cursor = provider.page_cursor(query, 150, 50)
    assert cursor is not None and decode_page(cursor) == (4, 50)
    page = await provider.list_sessions(query, cursor, 50)
    assert [s.id for s in page.items] == expected[150:200]
    last = provider.page_cursor(query, 450, 50)
    page = await provider.list_sessions(query, last, 50)
    assert [s.id for s in page.items] == expected[450:] and page.next_cursor is None


async def test_page_size_is_capped_at_the_api_maximum(
    provider: TelnyxProvider, fake: FakeTelnyx, world: DemoWorld
) -> None:
    page = await provider.list_sessions(SessionQuery(), None, 1000)
    assert len(page.items) == MAX_PAGE_SIZE
    assert fake.requests[0].url.params["page[size]"] == str(MAX_PAGE_SIZE)
    assert page.next_cursor is not None and decode_page(page.next_cursor) == (2, MAX_PAGE_SIZE)
    rest = await provider.list_sessions(SessionQuery(), page.next_cursor, 1000)
    assert len(page.items) + len(rest.items) == len(started(world)) and rest.next_cursor is None
    for bad in ("x", "0:50", "3:251", "3", "-1:20"):
        with pytest.raises(BadPayloadError):
            await provider.list_sessions(SessionQuery(), bad, 50)


async def test_status_filter_is_sent_to_the_api(
    provider: TelnyxProvider, fake: FakeTelnyx, world: DemoWorld
) -> None:
    everyone = started(world)
    live_ids = [s.id for s in everyone if world.is_live(s, NOW)]
    assert live_ids, "the demo world at NOW has live sessions"
    live = await provider.list_sessions(SessionQuery(status=SessionStatus.LIVE), None, 250)
    assert requests_to(fake, "/room_sessions")[-1].url.params["filter[active]"] == "true"
    assert [s.id for s in live.items] == live_ids and live.total == len(live_ids)
    assert all(s.status is SessionStatus.LIVE and s.ended_at is None for s in live.items)
    ended = await provider.list_sessions(SessionQuery(status=SessionStatus.ENDED), None, 250)
    assert requests_to(fake, "/room_sessions")[-1].url.params["filter[active]"] == "false"
    assert ended.total == len(everyone) - len(live_ids)
    assert all(s.status is SessionStatus.ENDED and s.ended_at is not None for s in ended.items)
    before = len(fake.requests)
    unknown = await provider.list_sessions(SessionQuery(status=SessionStatus.UNKNOWN), None, 50)
    assert unknown.items == [] and unknown.total == 0 and len(fake.requests) == before


async def test_time_range_is_filtered_exactly_by_the_store(
    provider: TelnyxProvider, fake: FakeTelnyx, world: DemoWorld, tmp_path: Any
) -> None:
    from roomscope.tui.cache import Cache
    from roomscope.tui.store import Store

    assert Capability.TIME_FILTER not in provider.capabilities
    since = NOW - timedelta(days=2, hours=5, minutes=17)
    until = NOW - timedelta(hours=9, minutes=3)
    cache = Cache.open(tmp_path / "cache", clock=fixed_time)
    store = Store([provider], cache, clock=fixed_time)
    try:
        collection = store.sessions(SessionQuery(since=since, until=until))
        await collection.ensure_all()
        rows = [collection.row(i) for i in range(collection.loaded)]
    finally:
        await store.aclose()
    expected = [s.id for s in started(world) if since <= s.start <= until]
    assert expected and [r.id for r in rows if r is not None] == expected
    assert not any("date_created_at" in str(r.url) for r in fake.requests)


async def test_sessions_carry_status_duration_counts_and_room(
    provider: TelnyxProvider, world: DemoWorld
) -> None:
    live = first(world, lambda s: world.is_live(s, NOW))
    done = first(world, lambda s: s.participant_count >= 5 and world.ended_at(s, NOW) is not None)
    got_live = await provider.get_session(live.id)
    assert got_live.status is SessionStatus.LIVE and got_live.ended_at is None
    assert got_live.started_at == live.start
    assert got_live.duration_s == (NOW - live.start).total_seconds()
    visible = world.visible_participants(live, NOW)
    assert got_live.participant_count == len(visible)
    assert got_live.live_participants == sum(1 for p in visible if p.left_at > NOW)
    got = await provider.get_session(done.id)
    assert got.status is SessionStatus.ENDED
    assert (got.started_at, got.ended_at) == (done.start, done.planned_end)
    assert got.duration_s == (done.planned_end - done.start).total_seconds()
    people = world.participants(done)
    assert got.participant_count == len(people) and got.live_participants == 0
    assert got.max_concurrent == peak([(p.joined_at, p.left_at) for p in people])
    assert (got.name, got.room_id, got.room_name, got.title) == (
        "",
        done.room_id,
        done.room_name,
        done.room_name,
    )
    assert got.extra["updated_at"] == done.planned_end.isoformat()
    with pytest.raises(NotFoundError) as caught:
        await provider.get_session(UNKNOWN_ID)
    assert "Telnyx Rooms" in str(caught.value) and "Resource not found" in str(caught.value)


async def test_participants_page_through_with_names_and_durations(
    provider: TelnyxProvider, fake: FakeTelnyx, world: DemoWorld
) -> None:
    session = first(world, lambda s: s.participant_count >= 9 and world.ended_at(s, NOW) is not None)
    people = world.participants(session)
    got = []
    cursor: str | None = None
    while True:
        page = await provider.list_participants(session.id, cursor, 4)
        assert page.total == len(people) and len(page.items) <= 4
        got.extend(page.items)
        cursor = page.next_cursor
        if cursor is None or len(got) > len(people):
            break
    assert [(p.id, p.name) for p in got] == [(p.id, p.name) for p in people]
    for mine, theirs in zip(got, people, strict=True):
        assert (mine.joined_at, mine.left_at) == (theirs.joined_at, theirs.left_at)
        assert mine.duration_s == (theirs.left_at - theirs.joined_at).total_seconds()
        assert mine.session_id == session.id and mine.device is None and mine.network is None
    assert len(requests_to(fake, "/participants")) == -(-len(people) // 4)
    target = people[-1]
    before = len(fake.requests)
    found = await provider.get_participant(session.id, target.id)
    assert (found.id, found.name) == (target.id, target.name)
    assert len(fake.requests) == before + 1  # one page of up to 250
    with pytest.raises(NotFoundError):
        await provider.get_participant(session.id, UNKNOWN_ID)
    with pytest.raises(NotFoundError):
        await provider.list_participants(UNKNOWN_ID, None, 10)


async def test_live_participant_has_no_left_at_and_a_running_duration(
    provider: TelnyxProvider, world: DemoWorld
) -> None:
    live = first(
        world,
        lambda s: world.is_live(s, NOW) and any(p.left_at > NOW for p in world.visible_participants(s, NOW)),
    )
    present = next(p for p in world.visible_participants(live, NOW) if p.left_at > NOW)
    got = await provider.get_participant(live.id, present.id)
    assert got.left_at is None
    assert got.duration_s == (NOW - present.joined_at).total_seconds()


async def test_recordings_in_seconds_and_bytes(
    provider: TelnyxProvider, fake: FakeTelnyx, world: DemoWorld
) -> None:
    session = first(world, lambda s: s.recorded and world.ended_at(s, NOW) is not None)
    expected = list(reversed(world.recordings(session, NOW)))
    page = await provider.list_recordings(session.id, None, 50)
    assert [r.url.params["filter[session_id]"] for r in fake.requests[-2:]] == [session.id] * 2
    # the per-participant recordings, then the session's composition (mixed)
    own = [r for r in page.items if r.extra.get("kind") != "composition"]
    mixed = [r for r in page.items if r.extra.get("kind") == "composition"]
    assert page.items == own + mixed and len(mixed) == 1 and mixed[0].participant_id is None
    assert [r.id for r in own] == [r.id for r in expected] and page.total == len(expected) + 1
    host = world.participants(session)[0]
    for mine, theirs in zip(own, expected, strict=True):
        assert mine.status == "completed" and mine.session_id == session.id
        assert mine.duration_s == round((theirs.ended_at - theirs.started_at).total_seconds())
        assert mine.size_bytes == round(round(theirs.size_bytes / 1_000_000, 2) * 1_000_000)
        assert abs((mine.size_bytes or 0) - theirs.size_bytes) <= 5_000
        assert (mine.started_at, mine.ended_at) == (theirs.started_at, theirs.ended_at)
        assert mine.url == theirs.url and mine.participant_id == host.id
        assert mine.extra["size_mb"] == round(theirs.size_bytes / 1_000_000, 2)
    silent = first(world, lambda s: not s.recorded)
    empty = await provider.list_recordings(silent.id, None, 50)
    assert empty.items == [] and empty.total == 0 and empty.next_cursor is None


async def test_missing_capabilities_raise_unsupported(provider: TelnyxProvider, world: DemoWorld) -> None:
    session = started(world)[0]
    calls: list[tuple[Capability, Callable[[], Any]]] = [
        (Capability.EVENTS, lambda: provider.list_events(session.id, None, 50)),
        (Capability.EVENTS, lambda: provider.list_events(session.id, None, 50, participant_id="p")),
        (Capability.QUALITY, lambda: provider.get_quality(session.id, "p")),
        (Capability.ARTIFACTS, lambda: provider.list_artifacts(session.id)),
    ]
    for capability, call in calls:
        with pytest.raises(UnsupportedError) as caught:
            await call()
        assert caught.value.capability is capability
        assert str(caught.value) == TelnyxProvider.missing[capability]


async def test_room_names_are_looked_up_once_and_bounded(
    provider: TelnyxProvider, fake: FakeTelnyx, world: DemoWorld
) -> None:
    provider.room_lookups_per_page = 3
    page = await provider.list_sessions(SessionQuery(), None, 50)
    rooms = requests_to(fake, "/rooms/")
    assert len(rooms) == 3
    named = {s.room_id for s in page.items if s.room_name is not None}
    assert len(named) == 3 and len({s.room_id for s in page.items}) > 3
    assert all(s.room_id is not None for s in page.items)
    provider.room_lookups_per_page = 100
    again = await provider.list_sessions(SessionQuery(), None, 50)
    by_id = {s.id: s for s in started(world)}
    assert all(s.room_name == by_id[s.id].room_name for s in again.items)
    asked = [r.url.path.rsplit("/", 1)[-1] for r in requests_to(fake, "/rooms/")]
    assert len(asked) == len(set(asked))  # never the same room twice
    before = len(requests_to(fake, "/rooms/"))
    await provider.list_sessions(SessionQuery(), None, 50)
    assert len(requests_to(fake, "/rooms/")) == before


async def test_room_lookup_failures_do_not_cost_the_page(
    provider: TelnyxProvider, fake: FakeTelnyx, world: DemoWorld
) -> None:
    fake.inject(
        403, fake.error_body("10010", "Authorization failed", "No."), path_contains="/rooms/", times=1000
    )
    page = await provider.list_sessions(SessionQuery(), None, 50)
    assert len(page.items) == 50 and all(s.room_name is None and s.problem is None for s in page.items)
    fake.faults.clear()
    gone = started(world)[0]
    fake.inject(404, {"code": "10005", "title": "Resource not found"}, path_contains=f"/rooms/{gone.room_id}")
    session = await provider.get_session(gone.id)
    assert session.room_name is None
    await provider.get_session(gone.id)  # a deleted room is not asked for again
    assert len(requests_to(fake, f"/rooms/{gone.room_id}")) == 2  # 403 page, then the 404


async def test_check_and_identity(provider: TelnyxProvider, fake: FakeTelnyx, world: DemoWorld) -> None:
    said = await provider.check()
    assert said == f"Telnyx Rooms at api.telnyx.com: {len(started(world))} room sessions"
    assert fake.requests[-1].url.params["page[size]"] == "1"
    assert DEMO_API_KEY not in provider.identity and provider.identity.startswith(
        "telnyx:tx:https://api.telnyx.com/v2"
    )
    other = TelnyxProvider("tx", api_key="KEY-another-account", transport=fake.transport())
    assert other.identity != provider.identity
    await other.aclose()
    with pytest.raises(AuthError):
        TelnyxProvider("tx", api_key="  ")


async def test_demo_provider_runs_against_the_fake(world: DemoWorld) -> None:
    provider = demo_provider(world, clock=fixed_now)
    try:
        assert provider.profile == "telnyx-demo"
        page = await provider.list_sessions(SessionQuery(), None, provider.page_size)
        assert [s.id for s in page.items] == [s.id for s in started(world)[: provider.page_size]]
    finally:
        await provider.aclose()


async def test_base_url_replaces_the_server(world: DemoWorld) -> None:
    fake = FakeTelnyx(world, clock=fixed_now)
    provider = TelnyxProvider(
        "p",
        api_key=DEMO_API_KEY,
        base_url="http://127.0.0.1:4010/",
        transport=fake.transport(),
        clock=fixed_now,
    )
    try:
        await provider.list_sessions(SessionQuery(), None, 5)
        assert str(fake.requests[0].url).startswith("http://127.0.0.1:4010/room_sessions?")
    finally:
        await provider.aclose()


# ---------------------------------------------------------------------------------------
# 4. Errors


def no_secret(error: BaseException, secret: str = DEMO_API_KEY) -> str:
    message = str(error)
    assert secret not in message and secret not in repr(error.args)
    return message


async def test_wrong_key_is_an_auth_error_without_the_key(fake: FakeTelnyx, sleeps: Sleeps) -> None:
    secret = "KEY-wrong-but-secret-0123456789"
    provider = TelnyxProvider("tx", api_key=secret, transport=fake.transport(), sleep=sleeps)
    try:
        with pytest.raises(AuthError) as caught:
            await provider.list_sessions(SessionQuery(), None, 10)
    finally:
        await provider.aclose()
    message = no_secret(caught.value, secret)
    assert caught.value.status == 401 and "Telnyx Rooms" in message and "Authentication failed" in message
    assert sleeps.calls == []


async def test_error_statuses_map_to_typed_errors(
    provider: TelnyxProvider, fake: FakeTelnyx, sleeps: Sleeps
) -> None:
    q = SessionQuery()
    fake.inject(401, fake.error_body("10009", "Authentication failed", f"bad key {DEMO_API_KEY}"))
    with pytest.raises(AuthError) as auth:
        await provider.list_sessions(q, None, 10)
    assert "***" in no_secret(auth.value)
    fake.inject(403, fake.error_body("10010", "Authorization failed", "This key may not read video rooms."))
    with pytest.raises(ForbiddenError) as forbidden:
        await provider.list_sessions(q, None, 10)
    assert "may not read video rooms" in no_secret(forbidden.value)
    fake.inject(422, {"message": "page[size]: must be between 1 and 250", "success": False})
    with pytest.raises(ProviderError) as invalid:
        await provider.list_sessions(q, None, 10)
    assert type(invalid.value) is RejectedError and invalid.value.status == 422
    assert invalid.value.exit_code == 9
    assert "page[size]: must be between 1 and 250" in no_secret(invalid.value)
    fake.inject(
        422, fake.error_body("10015", "Invalid value", "Expected a boolean.", parameter="filter[active]")
    )
    with pytest.raises(ProviderError) as platform:
        await provider.list_sessions(q, None, 10)
    assert "Invalid value: Expected a boolean. (parameter filter[active], code 10015)" in str(platform.value)
    assert sleeps.calls == []


async def test_429_with_retry_after_is_retried(
    provider: TelnyxProvider, fake: FakeTelnyx, sleeps: Sleeps
) -> None:
    fake.inject(429, rate_limit_body(), headers={"Retry-After": "3", **rate_limit_headers(9)})
    page = await provider.list_sessions(SessionQuery(), None, 10)
    assert len(page.items) == 10 and sleeps.calls == [3.0]


async def test_429_reset_header_is_the_hint_without_retry_after(
    provider: TelnyxProvider, fake: FakeTelnyx, sleeps: Sleeps
) -> None:
    fake.inject(429, rate_limit_body(), headers=rate_limit_headers(7))
    page = await provider.list_sessions(SessionQuery(), None, 10)
    assert len(page.items) == 10 and sleeps.calls == [7.0]


async def test_429_exhausted_is_rate_limited(
    provider: TelnyxProvider, fake: FakeTelnyx, sleeps: Sleeps
) -> None:
    fake.inject(429, rate_limit_body(), headers=rate_limit_headers(2), times=10)
    with pytest.raises(RateLimitedError) as caught:
        await provider.list_sessions(SessionQuery(), None, 10)
    assert caught.value.retry_after == 2.0
    message = no_secret(caught.value)
    assert "Too many requests" in message and "code 10011" in message and "retry in 2s" in message
    assert sleeps.calls == [2.0, 2.0, 2.0]


async def test_5xx_is_retried(provider: TelnyxProvider, fake: FakeTelnyx, sleeps: Sleeps) -> None:
    fake.inject(500, fake.error_body("10007", "Unexpected error", "Try again."), times=2)
    page = await provider.list_sessions(SessionQuery(), None, 10)
    assert len(page.items) == 10 and len(sleeps.calls) == 2
    fake.inject(503, times=10)
    with pytest.raises(UnavailableError) as caught:
        await provider.get_session(UNKNOWN_ID)
    assert caught.value.status == 503 and not caught.value.network


async def test_unreadable_bodies_are_bad_payloads(provider: TelnyxProvider, fake: FakeTelnyx) -> None:
    cases: list[tuple[dict[str, Any], bytes | None, str]] = [
        ({}, b'{"data": [', "not valid JSON"),
        ({"data": {"id": "x"}, "meta": {}}, None, "expected a list"),
        ({"items": []}, None, "without a 'data' member"),
        ({"data": [], "meta": {"total_pages": "many"}}, None, "meta.total_pages"),
        ({"data": [], "meta": []}, None, "paging information"),
    ]
    for body, raw, said in cases:
        fake.inject(200, body, raw=raw)
        with pytest.raises(BadPayloadError) as caught:
            await provider.list_sessions(SessionQuery(), None, 10)
        assert said in no_secret(caught.value) and "Telnyx Rooms" in str(caught.value)


async def test_missing_meta_falls_back_to_full_pages(provider: TelnyxProvider, fake: FakeTelnyx) -> None:
    body = (await raw_get(fake, "/room_sessions", {"page[size]": 3})).json()
    del body["meta"]
    fake.inject(200, body)
    page = await provider.list_sessions(SessionQuery(), None, 3)
    assert len(page.items) == 3 and page.total is None and page.next_cursor == "2:3"


async def test_network_error_is_unavailable(sleeps: Sleeps) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    provider = TelnyxProvider("tx", api_key=DEMO_API_KEY, transport=httpx.MockTransport(refuse), sleep=sleeps)
    try:
        with pytest.raises(UnavailableError) as caught:
            await provider.list_sessions(SessionQuery(), None, 10)
    finally:
        await provider.aclose()
    assert caught.value.network is True and len(sleeps.calls) == 3
    assert "Telnyx Rooms is unreachable" in no_secret(caught.value)


def test_error_shapes_and_reset_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    assert telnyx_message({"errors": [{"code": "10011", "title": "Too many requests"}]}) == (
        "Too many requests (code 10011)"
    )
    assert (
        telnyx_message(
            {"errors": [{"title": "A", "detail": "one"}, {"detail": "two", "source": {"pointer": "/id"}}]}
        )
        == "A: one; two (at /id)"
    )
    assert telnyx_message(
        {"code": "10005", "title": "Resource not found", "detail": "Resource not found."}
    ) == ("Resource not found. (code 10005)")
    assert telnyx_message({"message": "Error", "success": False}) == "Error"
    assert telnyx_message({"success": False}) is None and telnyx_message([1]) is None

    def reset_hint(value: str | None) -> float | None:
        headers = {} if value is None else {"x-ratelimit-reset": value}
        body = {"errors": [{"code": "10011", "title": "Too many requests"}]}
        return telnyx_error_detail(httpx.Response(429, json=body, headers=headers)).retry_after

    assert reset_hint("12") == 12.0 and reset_hint(None) is None and reset_hint("soon") is None
    assert reset_hint("-3") is None and reset_hint("99999") == 3600.0
    monkeypatch.setattr(time, "time", fixed_time)
    assert reset_hint(str(int(NOW.timestamp()) + 30)) == 30.0


# ---------------------------------------------------------------------------------------
# 5. Malformed records cost only themselves


def _session_raw(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "7b61621f-62e0-4aad-ab11-9fd19e272e73",
        "room_id": None,
        "active": False,
        "created_at": "2026-11-21T09:00:00.000000Z",
        "updated_at": "2026-11-21T09:30:00.000000Z",
        "ended_at": "2026-11-21T09:30:00.000000Z",
        "participants": [],
        "record_type": "room_session",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


def _page(items: list[Any]) -> dict[str, Any]:
    return {
        "data": items,
        "meta": {"page_number": 1, "page_size": 50, "total_pages": 1, "total_results": len(items)},
    }


async def test_malformed_sessions_become_placeholders(provider: TelnyxProvider, fake: FakeTelnyx) -> None:
    raw = [
        _session_raw(id="good-1", future_field={"nested": [1, 2]}, record_type="room_session_v9"),
        _session_raw(id=...),
        _session_raw(id="null-created", created_at=None),
        _session_raw(id="wrong-active", active="maybe"),
        _session_raw(id=12345),
        _session_raw(id="bad-participants", participants="lots"),
        _session_raw(id="good-2", active=None, ended_at=None, updated_at=None),
        "not a record",
        _session_raw(id="good-3", active=None, participants=[{"joined_at": "garbage"}, 7]),
    ]
    fake.inject(200, _page(raw))
    page = await provider.list_sessions(SessionQuery(), None, 50)
    assert len(page.items) == len(raw) and page.total == len(raw)
    by = {s.id: s for s in page.items}
    good = by["good-1"]
    assert good.problem is None and good.status is SessionStatus.ENDED and good.duration_s == 1800.0
    assert good.extra["future_field"] == {"nested": [1, 2]} and good.extra["record_type"] == "room_session_v9"
    assert by["good-2"].problem is None and by["good-2"].status is SessionStatus.UNKNOWN
    assert by["good-2"].duration_s is None
    assert by["good-3"].status is SessionStatus.ENDED and by["good-3"].participant_count == 2
    assert by["good-3"].max_concurrent is None  # unreadable participants: no guessed peak
    assert by["null-created"].problem is not None and by["null-created"].problem.startswith("created_at")
    assert by["wrong-active"].problem is not None and by["wrong-active"].problem.startswith("active")
    assert by["12345"].problem is not None and by["12345"].problem.startswith("id")
    assert by["bad-participants"].problem is not None and by["bad-participants"].problem.startswith(
        "participants"
    )
    missing = page.items[1]
    assert missing.id == "unreadable-1.2" and missing.problem is not None and missing.problem.startswith("id")
    assert page.items[7].problem is not None and page.items[7].id == "unreadable-1.8"
    assert all(s.profile == "tx" for s in page.items)


async def test_odd_participants_keep_their_raw_names(provider: TelnyxProvider, fake: FakeTelnyx) -> None:
    long_name = "N" * 10_000
    raw = [
        {"id": "p-long", "context": long_name, "joined_at": "2026-11-21T09:00:00.000001Z", "left_at": None},
        {"id": "p-markup", "context": "[bold]x[/]", "joined_at": "2026-11-21T09:00:00Z"},
        {"id": "p-escape", "context": "\x1b[2Jeve", "joined_at": "2026-11-21T09:00:00Z", "extra_field": True},
        {"context": "no id", "joined_at": "2026-11-21T09:00:00Z"},
        {"id": "p-time", "context": "Bad time", "joined_at": "yesterday"},
        {"id": "p-type", "context": ["not", "text"]},
        {"id": "p-null", "context": None, "joined_at": None, "left_at": None},
    ]
    fake.inject(200, _page(raw))
    page = await provider.list_participants("s-1", None, 50)
    by = {p.id: p for p in page.items}
    assert len(page.items) == len(raw)
    assert len(by["p-long"].name) == 500 and by["p-long"].problem is None
    assert by["p-markup"].name == "[bold]x[/]" and by["p-escape"].name == "\x1b[2Jeve"
    assert by["p-escape"].extra["extra_field"] is True
    assert page.items[3].problem is not None and page.items[3].problem.startswith("id")
    assert by["p-time"].problem is not None and by["p-time"].problem.startswith("joined_at")
    assert by["p-type"].problem is not None and by["p-type"].problem.startswith("context")
    assert by["p-null"].problem is None and by["p-null"].duration_s is None and by["p-null"].name == ""


async def test_odd_recordings_keep_unknown_values(provider: TelnyxProvider, fake: FakeTelnyx) -> None:
    raw = [
        {"id": "r-odd", "status": "exploded", "type": "hologram", "codec": "av2", "duration_secs": None,
         "started_at": "2026-11-21T09:00:00Z", "ended_at": "2026-11-21T09:01:30Z", "size_mb": 1.5},
        {"id": "r-size", "size_mb": "big"},
        {"id": "r-negative", "size_mb": -4, "duration_secs": 12},
        {"status": "completed"},
    ]  # fmt: skip
    fake.inject(200, _page(raw))
    page = await provider.list_recordings("s-1", None, 50)
    odd, size, negative, missing = page.items
    assert odd.problem is None and odd.status == "exploded" and odd.extra["type"] == "hologram"
    assert odd.duration_s == 90.0 and odd.size_bytes == 1_500_000 and odd.format == "av2"
    assert size.problem is not None and size.problem.startswith("size_mb")
    assert negative.problem is None and negative.size_bytes is None and negative.duration_s == 12.0
    assert missing.problem is not None and missing.id == "unreadable-1.4"


async def test_session_detail_without_an_id_is_a_bad_payload(
    provider: TelnyxProvider, fake: FakeTelnyx
) -> None:
    fake.inject(200, {"data": {"active": True}})
    with pytest.raises(BadPayloadError) as caught:
        await provider.get_session(UNKNOWN_ID)
    assert "id" in str(caught.value)
    fake.inject(200, {"data": _session_raw(id="odd", created_at="not a time")})
    odd = await provider.get_session("odd")
    assert odd.id == "odd" and odd.problem is not None and odd.problem.startswith("created_at")
