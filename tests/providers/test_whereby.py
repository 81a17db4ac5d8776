"""The Whereby adapter against its fake API, the spec's examples, and faults."""

from __future__ import annotations

import copy
import math
import os
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from roomscope.tui.demo.world import DemoParticipant, DemoSession, DemoWorld
from roomscope.tui.fakes.whereby import (
    DEMO_API_KEY,
    ROLE_NAMES,
    FakeWhereby,
    connection_id,
    demo_provider,
    prism_422,
    room_name,
)
from roomscope.tui.models import EventKind, Metric, SessionQuery, SessionStatus
from roomscope.tui.providers.base import (
    AuthError,
    BadPayloadError,
    Capability,
    ForbiddenError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    UnavailableError,
    UnsupportedError,
)
from roomscope.tui.providers.whereby import (
    API_URL,
    WherebyProvider,
    event_kind,
    parse_user_agent,
    quality_series,
)
from tests.conftest import NOW, fixed_now
from tests.support.openapi import examples, load_spec, requires_specs, template_for, validate_body

AUTH = {"Authorization": f"Bearer {DEMO_API_KEY}"}
Sleep = Callable[[float], Awaitable[None]]


# ---------------------------------------------------------------------------------------
# Helpers


@pytest.fixture
def fake(world: DemoWorld) -> FakeWhereby:
    return FakeWhereby(world, clock=fixed_now)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make(
    fake: FakeWhereby | None = None,
    sleeps: list[float] | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    api_key: str = DEMO_API_KEY,
    **options: Any,
) -> WherebyProvider:
    record = sleeps if sleeps is not None else []

    async def sleep(seconds: float) -> None:
        record.append(seconds)

    return WherebyProvider(
        "wb-test",
        api_key=api_key,
        transport=transport or (fake.transport() if fake else None),
        clock=fixed_now,
        sleep=sleep,
        rng=random.Random(1),
        **options,
    )


async def call(fake: FakeWhereby, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
    request = httpx.Request("GET", API_URL + path, params=params, headers=AUTH)
    return await fake.handler(request)


async def all_pages(fake: FakeWhereby, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        response = await call(fake, path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        bodies.append(body)
        cursor = body["cursor"]
        if cursor is None:
            return bodies


def set_aside_documented_nulls(body: Any) -> tuple[Any, list[tuple[Any, ...]]]:
    """The Whereby docs say ``cursor`` is null on the last page, and ongoing sessions and
    connections have no end yet, but the schema types these as plain strings. Replace those
    nulls (and only those) with text so the rest of the body is checked; return their paths."""
    patched = copy.deepcopy(body)
    found: list[tuple[Any, ...]] = []
    if isinstance(patched, dict):
        if "cursor" in patched and patched["cursor"] is None:
            patched["cursor"] = "end"
            found.append(("cursor",))
        for index, item in enumerate(patched.get("results") or []):
            for key in ("endedAt", "leftAt"):
                if isinstance(item, dict) and key in item and item[key] is None:
                    item[key] = "ongoing"
                    found.append((index, key))
    return patched, found


def visible(world: DemoWorld) -> list[DemoSession]:
    return [s for i in range(world.size) if (s := world.session(i)).start <= NOW]


def connections(world: DemoWorld, session: DemoSession) -> list[tuple[DemoParticipant, int]]:
    return [
        (p, k)
        for p in world.participants(session)
        for k, interval in enumerate(p.intervals)
        if interval.join <= NOW
    ]


def find(world: DemoWorld, predicate: Callable[[DemoSession], bool]) -> DemoSession:
    for session in visible(world):
        if predicate(session):
            return session
    raise AssertionError("the demo world has no such session")


def ended(world: DemoWorld, session: DemoSession) -> bool:
    return world.ended_at(session, NOW) is not None


def reconnecting(world: DemoWorld) -> DemoSession:
    """An ended session where someone reconnects, with enough connections for 3+ small pages."""
    return find(
        world,
        lambda s: s.incident == "reconnects" and ended(world, s) and len(connections(world, s)) >= 7,
    )


async def walk_sessions(provider: WherebyProvider, query: SessionQuery, limit: int = 100) -> list[Any]:
    items: list[Any] = []
    cursor: str | None = None
    for _ in range(1000):
        page = await provider.list_sessions(query, cursor, limit)
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return items
    raise AssertionError("the session walk did not end")


def spec_example(template: str) -> Any:
    """A 200 body built from the spec's property examples, the way a Prism mock builds it."""
    spec = load_spec("whereby")

    def resolve(node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = spec
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        return node

    def build(schema: Any) -> Any:
        schema = resolve(schema)
        if "example" in schema:
            return schema["example"]
        kind = schema.get("type")
        kind = kind[0] if isinstance(kind, list) else kind
        if kind == "object" or "properties" in schema:
            return {name: build(sub) for name, sub in schema.get("properties", {}).items()}
        if kind == "array":
            return [build(schema["items"])] if "items" in schema else []
        return {"string": "string", "number": 0, "integer": 0, "boolean": False}.get(kind)

    content = resolve(spec["paths"][template]["get"]["responses"]["200"])["content"]["application/json"]
    body = build(content["schema"])
    if isinstance(body, dict) and "cursor" in body:
        body["cursor"] = None
    return body


# ---------------------------------------------------------------------------------------
# 1. The fake answers what the spec describes


@requires_specs
async def test_fake_rooms_pages_and_filters_validate(fake: FakeWhereby, world: DemoWorld) -> None:
    rooms = {room_name(s) for s in visible(world)}
    bodies = await all_pages(fake, "/insights/rooms", {"limit": 3})
    assert len(bodies) == math.ceil(len(rooms) / 3) >= 3  # first, middle and last pages
    for index, body in enumerate(bodies):
        patched, nulls = set_aside_documented_nulls(body)
        validate_body("whereby", "/insights/rooms", patched)
        assert nulls == ([("cursor",)] if index == len(bodies) - 1 else [])
    assert {r["roomName"] for b in bodies for r in b["results"]} == rooms
    sample = sorted(rooms)[0]
    filters: list[dict[str, Any]] = [
        {"roomName[exact]": sample},
        {"roomName[startsWith]": sample[:4]},
        {"roomName[contains]": sample[2:6]},
        {"createdAt[from]": "2026-01-01T00:00:00.000Z", "createdAt[to]": NOW.isoformat()},
        {"sortBy": "lastSessionStartedAt:desc", "limit": 100},
    ]
    for params in filters:
        response = await call(fake, "/insights/rooms", params)
        body = response.json()
        validate_body("whereby", "/insights/rooms", set_aside_documented_nulls(body)[0])
        assert body["results"], params
    exact = (await call(fake, "/insights/rooms", {"roomName[exact]": sample})).json()["results"]
    assert [r["roomName"] for r in exact] == [sample]
    ordered = (await call(fake, "/insights/rooms", filters[-1])).json()["results"]
    lasts = [r["lastSessionStartedAt"] for r in ordered]
    assert lasts == sorted(lasts, reverse=True)
    late = (await call(fake, "/insights/rooms", {"createdAt[from]": "2100-01-01T00:00:00Z"})).json()
    assert late["results"] == []


@requires_specs
async def test_fake_room_sessions_pages_filters_and_live_sessions_validate(
    fake: FakeWhereby, world: DemoWorld
) -> None:
    live = find(world, lambda s: world.is_live(s, NOW))
    room = room_name(live)
    expected = [s for s in visible(world) if room_name(s) == room]
    bodies = await all_pages(fake, "/insights/room-sessions", {"roomName": room, "limit": 5})
    assert len(bodies) >= 3
    live_seen = 0
    for index, body in enumerate(bodies):
        patched, nulls = set_aside_documented_nulls(body)
        validate_body("whereby", "/insights/room-sessions", patched)
        for where in nulls:
            if where == ("cursor",):
                assert index == len(bodies) - 1
            else:
                session_id = body["results"][where[0]]["roomSessionId"]
                assert where[1] == "endedAt" and session_id == live.id
                live_seen += 1
    assert live_seen == 1
    assert [r["roomSessionId"] for b in bodies for r in b["results"]] == [
        s.id for s in sorted(expected, key=lambda s: s.start)
    ]
    one = (
        await call(fake, "/insights/room-sessions", {"roomName": room, "roomSessionId": expected[0].id})
    ).json()
    validate_body("whereby", "/insights/room-sessions", set_aside_documented_nulls(one)[0])
    assert [r["roomSessionId"] for r in one["results"]] == [expected[0].id]
    newest = (
        await call(fake, "/insights/room-sessions", {"roomName": room, "sortBy": "startedAt:desc"})
    ).json()
    assert newest["results"][0]["roomSessionId"] == live.id


@requires_specs
async def test_fake_participants_and_details_validate(fake: FakeWhereby, world: DemoWorld) -> None:
    session = reconnecting(world)
    bodies = await all_pages(fake, "/insights/participants", {"roomSessionId": session.id, "limit": 3})
    assert len(bodies) >= 3
    for index, body in enumerate(bodies):
        patched, nulls = set_aside_documented_nulls(body)
        validate_body("whereby", "/insights/participants", patched)
        assert nulls == ([("cursor",)] if index == len(bodies) - 1 else [])
    records = [r for b in bodies for r in b["results"]]
    assert {r["participantId"] for r in records} == {
        connection_id(p, k) for p, k in connections(world, session)
    }
    ordered = (
        await call(fake, "/insights/participants", {"roomSessionId": session.id, "sortBy": "leftAt:desc"})
    ).json()
    lefts = [r["leftAt"] for r in ordered["results"]]
    assert lefts == sorted(lefts, reverse=True)
    external = next(p.external_id for p in world.participants(session) if p.external_id)
    by_external = (await call(fake, "/insights/participants", {"externalId": external})).json()
    validate_body("whereby", "/insights/participants", set_aside_documented_nulls(by_external)[0])
    assert by_external["results"] and all(r["externalId"] == external for r in by_external["results"])
    for record in records[:4]:
        detail = await call(
            fake,
            "/insights/participant",
            {"roomSessionId": session.id, "participantId": record["participantId"]},
        )
        validate_body("whereby", "/insights/participant", detail.json())
        (item,) = detail.json()
        assert item["sampleRateMs"] == 2000 and item["timeStamp"] == record["joinedAt"]
    live = find(world, lambda s: world.is_live(s, NOW))
    present = (await call(fake, "/insights/participants", {"roomSessionId": live.id, "limit": 100})).json()
    patched, nulls = set_aside_documented_nulls(present)
    validate_body("whereby", "/insights/participants", patched)
    assert nulls and all(where[1] == "leftAt" for where in nulls if where != ("cursor",))


@requires_specs
async def test_fake_recordings_validate(fake: FakeWhereby, world: DemoWorld) -> None:
    recorded = [s for s in visible(world) if s.recorded and ended(world, s)]
    room = room_name(recorded[0])
    everything = await all_pages(fake, "/recordings", {"limit": 7})
    assert len(everything) >= 3
    for index, body in enumerate(everything):
        patched, nulls = set_aside_documented_nulls(body)
        validate_body("whereby", "/recordings", patched)
        assert nulls == ([("cursor",)] if index == len(everything) - 1 else [])
    ids = [r["recordingId"] for b in everything for r in b["results"]]
    assert set(ids) == {r.id for s in recorded for r in world.recordings(s, NOW) if r.ended_at <= NOW}
    in_room = (await call(fake, "/recordings", {"roomName": room, "sortBy": "startDate:desc"})).json()
    validate_body("whereby", "/recordings", set_aside_documented_nulls(in_room)[0])
    starts = [r["startDate"] for r in in_room["results"]]
    assert starts == sorted(starts, reverse=True) and starts
    one = await call(fake, f"/recordings/{ids[0]}")
    validate_body("whereby", template_for("whereby", f"/recordings/{ids[0]}"), one.json())
    missing = await call(fake, "/recordings/nope")
    assert missing.status_code == 404 and missing.content == b""
    validate_body("whereby", "/recordings/{recordingId}", None, 404)  # declared without a body


@requires_specs
async def test_fake_rejects_what_the_spec_forbids(fake: FakeWhereby) -> None:
    over = await call(fake, "/insights/room-sessions", {"limit": 101})
    assert over.status_code == 422
    assert over.headers["content-type"] == "application/problem+json"
    messages = [v["message"] for v in over.json()["validation"]]
    assert messages == [
        "Request query must have required property 'roomname'",
        "Request query parameter limit must be <= 100",
    ]
    for path, params in (
        ("/insights/rooms", {"limit": 0}),
        ("/recordings", {"limit": "lots"}),
        ("/insights/participant", {"roomSessionId": "x"}),
    ):
        assert (await call(fake, path, params)).status_code == 422, path
    unauthorized = await fake.handler(httpx.Request("GET", API_URL + "/insights/rooms"))
    assert unauthorized.status_code == 401 and unauthorized.content == b""
    validate_body("whereby", "/insights/rooms", None, 401)
    wrong_cursor = await call(fake, "/insights/rooms", {"cursor": "bm90LWEtY3Vyc29y"})
    assert wrong_cursor.status_code == 400 and wrong_cursor.json() == {"error": "Invalid cursor"}
    neither = await call(fake, "/insights/participants", {"limit": 5})
    assert neither.status_code == 400


# ---------------------------------------------------------------------------------------
# 2. The spec's own examples


def example_transport(bodies: dict[str, Any]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        for suffix, body in bodies.items():
            if request.url.path.endswith(suffix):
                return httpx.Response(200, json=body)
        return httpx.Response(404)

    return httpx.MockTransport(handler)


@requires_specs
async def test_spec_examples_map_to_their_values() -> None:
    bodies = {
        "/insights/rooms": spec_example("/insights/rooms"),
        "/insights/room-sessions": spec_example("/insights/room-sessions"),
        "/insights/participants": spec_example("/insights/participants"),
        "/insights/participant": spec_example("/insights/participant"),
        "/recordings": spec_example("/recordings"),
    }
    provider = make(transport=example_transport(bodies))
    page = await provider.list_sessions(SessionQuery(), None, 10)
    (session,) = page.items
    assert page.next_cursor is None
    assert session.problem is None
    assert session.id == "e2f29530-46ec-4cee-8b27-e565cb5bb2e9"
    assert session.room_name == "/room-prefix-793e9ec1-c686-423d-9043-9b7a10c553fd"
    assert session.started_at is not None and session.started_at.isoformat() == "2025-01-01T00:00:00+00:00"
    assert session.status is SessionStatus.ENDED and session.duration_s == 3600.0
    assert session.participant_count == 4
    assert session.extra["participant_minutes"] == 124 and session.extra["recorder_minutes"] == 120
    assert session.extra["unique_recorders"] == 3 and session.extra["rating"] == 4.5
    assert (await provider.get_session(session.id)) == session

    (participant,) = (await provider.list_participants(session.id, None, 10)).items
    assert participant.id == "/4b3bd908-cb88-11ec-9d64-0242ac120002"
    assert (participant.name, participant.role) == ("John Doe", "granted_visited")
    assert participant.user_id == "32ba120a-a691-4e8e-aec3-a610239271de"
    assert participant.duration_s == 3600.0
    assert participant.extra["rating"] == 5 and participant.extra["tags"] == [
        "audio-quality",
        "video-quality",
    ]
    assert participant.extra["comment"] == "Great call quality!"

    detailed = await provider.get_participant(session.id, participant.id)
    assert detailed.device is not None
    assert (detailed.device.browser, detailed.device.browser_version) == ("Chrome", "118.0.0.0")
    assert (detailed.device.os, detailed.device.os_version) == ("macOS", "10.15.7")
    assert detailed.extra["user_role"] == "host" and detailed.extra["sample_rate_ms"] == 2000
    assert await provider.get_quality(session.id, participant.id) == []  # the example's series are empty

    (recording,) = (await provider.list_recordings(session.id, None, 10)).items
    assert recording.id == "a56f6ad7-37fe-4a37-9319-3174630ba57a"
    assert recording.session_id == session.id
    assert recording.size_bytes == 100_000_000 and recording.format == "mp4"
    assert recording.duration_s == 0.0 and recording.extra["filename"] == "recording.mp4"
    (single,) = examples("whereby", "/recordings/{recordingId}")
    assert recording.extra["size_megabytes"] == single["sizeInMegaBytes"]


@requires_specs
async def test_spec_rate_limit_example_gives_the_wait() -> None:
    (body,) = examples("whereby", "/insights/rooms", 429)
    transport = httpx.MockTransport(lambda request: httpx.Response(429, json=body))
    sleeps: list[float] = []
    provider = make(sleeps=sleeps, transport=transport)
    with pytest.raises(RateLimitedError) as caught:
        await provider.list_sessions(SessionQuery(), None, 10)
    assert caught.value.retry_after == pytest.approx(body["data"]["msLeft"] / 1000)
    assert body["error"] in str(caught.value) and "Whereby" in str(caught.value)
    assert sleeps == []  # 38.7 s is beyond the client's total wait: no pointless retry


# ---------------------------------------------------------------------------------------
# 3. The adapter over the fake


async def test_session_walk_lists_every_session_room_by_room(fake: FakeWhereby, world: DemoWorld) -> None:
    provider = make(fake, rooms_page_size=3)
    expected = {s.id: s for s in visible(world)}
    items: list[Any] = []
    cursor: str | None = None
    while True:
        before = len(fake.requests)
        page = await provider.list_sessions(SessionQuery(), cursor, 100)
        assert len(fake.requests) - before <= provider.max_requests_per_page
        assert page.items or page.next_cursor is None
        assert len(page.items) <= 100
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [s.id for s in items if s.id in expected] == [s.id for s in items]
    assert sorted(s.id for s in items) == sorted(expected)
    rooms_in_order: list[str] = []
    for session in items:
        world_session = expected[session.id]
        assert session.provider == "whereby" and session.profile == "wb-test"
        assert session.room_name == room_name(world_session)
        assert session.started_at == world_session.start
        live = world.is_live(world_session, NOW)
        assert session.status is (SessionStatus.LIVE if live else SessionStatus.ENDED)
        if live:
            assert (
                session.ended_at is None and session.duration_s == (NOW - world_session.start).total_seconds()
            )
        else:
            assert session.duration_s == world_session.planned_duration_s
        if not rooms_in_order or rooms_in_order[-1] != session.room_name:
            rooms_in_order.append(session.room_name)
    assert len(rooms_in_order) == len(set(rooms_in_order))  # each room's sessions come together
    latest = {r: max(s.start for s in expected.values() if room_name(s) == r) for r in rooms_in_order}
    assert rooms_in_order == sorted(rooms_in_order, key=latest.__getitem__, reverse=True)
    for room in rooms_in_order:
        starts = [s.started_at for s in items if s.room_name == room]
        assert starts == sorted(starts, reverse=True)
    rooms_requests = [r for r in fake.requests if r.url.path.endswith("/insights/rooms")]
    assert any("cursor" in r.url.params for r in rooms_requests)
    assert all(r.url.params["limit"] == "3" for r in rooms_requests)


async def test_page_size_is_capped_and_pages_are_deterministic(fake: FakeWhereby) -> None:
    provider = make(fake)
    first = await provider.list_sessions(SessionQuery(), None, 1000)
    assert 0 < len(first.items) <= 100 and first.next_cursor is not None
    limits = [int(r.url.params["limit"]) for r in fake.requests]
    assert limits and max(limits) <= 100
    again = await make(fake).list_sessions(SessionQuery(), first.next_cursor, 100)
    twice = await provider.list_sessions(SessionQuery(), first.next_cursor, 100)
    assert [s.id for s in again.items] == [s.id for s in twice.items]
    assert again.next_cursor == twice.next_cursor
    assert not {s.id for s in again.items} & {s.id for s in first.items}
    with pytest.raises(BadPayloadError):
        await provider.list_sessions(SessionQuery(), "not-a-cursor", 10)


async def test_time_filter_is_exact_and_skips_rooms(fake: FakeWhereby, world: DemoWorld) -> None:
    since, until = NOW - timedelta(days=5), NOW - timedelta(days=2)
    provider = make(fake)
    got = await walk_sessions(provider, SessionQuery(since=since, until=until))
    expected = {s.id for s in visible(world) if since <= s.start <= until}
    assert {s.id for s in got} == expected and len(got) == len(expected)
    rooms_requests = [r for r in fake.requests if r.url.path.endswith("/insights/rooms")]
    assert all(
        r.url.params["createdAt[to]"].startswith(until.strftime("%Y-%m-%dT%H:%M:%S")) for r in rooms_requests
    )

    fake.requests.clear()
    recent = NOW - timedelta(hours=6)
    got = await walk_sessions(make(fake), SessionQuery(since=recent))
    assert {s.id for s in got} == {s.id for s in visible(world) if s.start >= recent}
    asked = [r.url.params["roomName"] for r in fake.requests if r.url.path.endswith("/room-sessions")]
    busy_rooms = {room_name(s) for s in visible(world) if s.start >= recent}
    assert sorted(asked) == sorted(busy_rooms)  # quiet rooms are never asked, and the walk stops
    assert len([r for r in fake.requests if r.url.path.endswith("/insights/rooms")]) == 1


async def test_rejected_sort_falls_back_to_the_unsorted_walk(fake: FakeWhereby, world: DemoWorld) -> None:
    fake.inject(
        400, {"error": "Invalid sortBy value: lastSessionStartedAt:desc"}, path_contains="/insights/rooms"
    )
    provider = make(fake)
    got = await walk_sessions(provider, SessionQuery())
    assert sorted(s.id for s in got) == sorted(s.id for s in visible(world))
    rooms_requests = [r for r in fake.requests if r.url.path.endswith("/insights/rooms")]
    assert rooms_requests[0].url.params.get("sortBy") == "lastSessionStartedAt:desc"
    assert all("sortBy" not in r.url.params for r in rooms_requests[1:])


async def test_get_session_by_bare_id_composite_id_and_memory(fake: FakeWhereby, world: DemoWorld) -> None:
    old = visible(world)[-1]
    fresh = make(fake)
    found = await fresh.get_session(old.id)
    assert (found.id, found.room_name, found.started_at) == (old.id, room_name(old), old.start)
    assert found.ended_at == old.planned_end and found.status is SessionStatus.ENDED
    assert len(fake.requests) <= fresh.max_lookup_requests

    fake.requests.clear()
    composite = await make(fake).get_session(f"{room_name(old)}|{old.id}")
    assert composite == found and len(fake.requests) == 1

    listed = make(fake)
    page = await listed.list_sessions(SessionQuery(), None, 20)
    fake.requests.clear()
    target = page.items[-1]
    assert (await listed.get_session(target.id)).id == target.id
    assert len(fake.requests) == 1  # the room was remembered from the listing

    with pytest.raises(NotFoundError) as missing:
        await make(fake).get_session("00000000-0000-4000-8000-000000000000")
    assert "'<roomName>|" in str(missing.value)
    with pytest.raises(NotFoundError):
        await make(fake).get_session(f"{room_name(old)}|00000000-0000-4000-8000-000000000000")


async def test_lookup_skips_rooms_whose_dates_cannot_hold_the_session(
    fake: FakeWhereby, world: DemoWorld
) -> None:
    newest = visible(world)[0]
    provider = make(fake)
    assert (await provider.get_session(newest.id)).id == newest.id
    probes = [r for r in fake.requests if r.url.path.endswith("/room-sessions")]
    assert [r.url.params["roomName"] for r in probes] == [room_name(newest)]


async def test_participants_are_connections(fake: FakeWhereby, world: DemoWorld) -> None:
    session = reconnecting(world)
    provider = make(fake)
    items: list[Any] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await provider.list_participants(session.id, cursor, 3)
        assert len(page.items) <= 3
        items.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = connections(world, session)
    assert pages == math.ceil(len(expected) / 3) and len(items) == len(expected)
    by_id = {connection_id(p, k): (p, k) for p, k in expected}
    for participant in items:
        p, k = by_id[participant.id]
        interval = p.intervals[k]
        assert participant.session_id == session.id and participant.problem is None
        assert participant.name == p.name[:500] or len(p.name) > 500
        assert (participant.user_id, participant.role) == (p.user_id, ROLE_NAMES[p.role])
        assert participant.external_id == p.external_id
        assert (participant.joined_at, participant.left_at) == (interval.join, interval.leave)
        assert participant.duration_s == (interval.leave - interval.join).total_seconds()
    victim = next(p for p in world.participants(session) if p.incident == "reconnects")
    assert {connection_id(victim, k) for k in range(len(victim.intervals))} <= {p.id for p in items}


async def test_get_participant_reads_the_device_from_the_user_agent(
    fake: FakeWhereby, world: DemoWorld
) -> None:
    provider = make(fake)
    seen_os: set[str] = set()
    for session in visible(world)[:40]:
        for p in world.participants(session)[:3]:
            if p.joined_at > NOW:
                continue
            got = await provider.get_participant(session.id, p.id)
            assert got.device is not None and got.device.user_agent
            assert got.device.browser == p.browser
            assert got.device.os == p.os
            assert got.device.device_type == p.device_type
            assert got.name == p.name[:500] or len(p.name) > 500
            seen_os.add(p.os)
    assert len(seen_os) >= 5
    with pytest.raises(NotFoundError):
        await provider.get_participant(visible(world)[3].id, "no-such-participant")


async def test_quality_is_the_worlds_samples_for_that_connection(fake: FakeWhereby, world: DemoWorld) -> None:
    session = reconnecting(world)
    victim = next(p for p in world.participants(session) if p.incident == "reconnects")
    samples = world.samples(session, victim, NOW)
    provider = make(fake)
    for k in (0, 1):
        interval = victim.intervals[k]
        series = {s.metric: s for s in await provider.get_quality(session.id, connection_id(victim, k))}
        assert set(series) == {Metric.LOSS_SEND, Metric.LOSS_RECV, Metric.BITRATE_SEND, Metric.BITRATE_RECV}
        first = math.ceil((interval.join - samples.start).total_seconds() / 2)
        last = math.ceil((interval.leave - samples.start).total_seconds() / 2)
        loss = series[Metric.LOSS_RECV]
        assert loss.values == samples.series["packet_loss_recv"][first:last]
        assert loss.start == interval.join and loss.interval_s == 2.0
        assert (loss.unit, loss.unit_documented) == ("%", False)
        bitrate = series[Metric.BITRATE_SEND]
        assert bitrate.unit == "bps" and not bitrate.unit_documented
        world_kbps = samples.series["bitrate_send"][first:last]
        assert bitrate.values == [None if v is None else round(v * 1000) for v in world_kbps]
        assert "does not state units" in bitrate.source
    assert await provider.get_quality(session.id, "no-such-participant") == []


async def test_session_timeline_is_derived_from_connections(fake: FakeWhereby, world: DemoWorld) -> None:
    session = reconnecting(world)
    provider = make(fake)
    events: list[Any] = []
    cursor: str | None = None
    while True:
        page = await provider.list_events(session.id, cursor, 7)
        events.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    kinds = [e.kind for e in events]
    assert kinds[0] is EventKind.SESSION_START and events[0].at == session.start
    assert kinds[-1] is EventKind.SESSION_END and events[-1].at == session.planned_end
    expected = connections(world, session)
    assert kinds.count(EventKind.JOIN) + kinds.count(EventKind.RECONNECT) == len(expected)
    assert kinds.count(EventKind.LEAVE) == len(expected)
    victim = next(p for p in world.participants(session) if p.incident == "reconnects")
    rejoined = {e.participant_id for e in events if e.kind is EventKind.RECONNECT}
    assert {connection_id(victim, k) for k in range(1, len(victim.intervals))} <= rejoined
    assert connection_id(victim, 0) not in rejoined
    times = [e.at for e in events]
    assert times == sorted(times)
    assert len({e.id for e in events}) == len(events)


async def test_participant_events_come_from_the_detail(fake: FakeWhereby, world: DemoWorld) -> None:
    def muted(s: DemoSession) -> bool:
        return ended(world, s) and any(e.kind == "mute" for e in world.events(s, NOW))

    session = find(world, muted)
    mute = next(e for e in world.events(session, NOW) if e.kind == "mute")
    assert mute.participant_id is not None
    provider = make(fake)
    page = await provider.list_events(session.id, None, 100, participant_id=mute.participant_id)
    kinds = {(e.kind, e.at) for e in page.items}
    assert (EventKind.MUTE, mute.at) in kinds
    assert any(e.kind is EventKind.JOIN and e.name == "participant.joined" for e in page.items)
    assert all(e.participant_id == mute.participant_id for e in page.items)
    detail = next(e for e in page.items if e.kind is EventKind.MUTE)
    assert detail.extra["raw"] == {"type": "mute", "timestamp": mute.at.strftime("%Y-%m-%dT%H:%M:%S.000Z")}


async def test_recordings_belong_to_their_session(fake: FakeWhereby, world: DemoWorld) -> None:
    session = find(world, lambda s: s.recorded and ended(world, s))
    provider = make(fake)
    page = await provider.list_recordings(session.id, None, 100)
    expected = world.recordings(session, NOW)
    assert page.next_cursor is None
    assert [r.id for r in page.items] == [
        r.id for r in sorted(expected, key=lambda r: r.started_at, reverse=True)
    ]
    for got in page.items:
        want = next(r for r in expected if r.id == got.id)
        assert got.session_id == session.id
        assert (got.started_at, got.ended_at) == (want.started_at, want.ended_at)
        assert got.duration_s == (want.ended_at - want.started_at).total_seconds()
        assert got.size_bytes == round(want.size_bytes / 1_000_000) * 1_000_000
        assert got.format == "mp4"
    quiet = find(world, lambda s: not s.recorded and ended(world, s) and room_name(s) == room_name(session))
    assert (await provider.list_recordings(quiet.id, None, 100)).items == []


async def test_capabilities_and_identity(fake: FakeWhereby) -> None:
    provider = make(fake)
    assert provider.identity == f"whereby:wb-test:{API_URL}"
    assert DEMO_API_KEY not in provider.identity
    assert (
        Capability.SEEK not in provider.capabilities and Capability.STATUS_FILTER not in provider.capabilities
    )
    for capability in set(Capability) - provider.capabilities:
        assert provider.missing[capability].startswith("Whereby")
    # transcriptions and summaries: an unknown session has none to look for
    assert Capability.ARTIFACTS in provider.capabilities
    with pytest.raises(NotFoundError):
        await provider.list_artifacts("x")
    with pytest.raises(UnsupportedError):
        provider.page_cursor(SessionQuery(), 100, 100)
    assert "API key accepted" in await provider.check()
    await provider.aclose()


async def test_demo_provider_serves_the_world(world: DemoWorld) -> None:
    provider = demo_provider(world, clock=fixed_now)
    page = await provider.list_sessions(SessionQuery(), None, 100)
    assert page.items and all(s.problem is None for s in page.items)
    assert world.index_of(page.items[0].id) is not None
    assert provider.identity != make().identity


# ---------------------------------------------------------------------------------------
# 4. Errors


def assert_clean(error: BaseException, secret: str = DEMO_API_KEY) -> None:
    assert secret not in str(error) and secret not in repr(error.args)
    assert "Whereby" in str(error)


async def test_wrong_key_is_an_auth_error(fake: FakeWhereby) -> None:
    secret = "wrong-key-3b7d0c55a1"
    provider = make(fake, api_key=secret)
    with pytest.raises(AuthError) as caught:
        await provider.list_sessions(SessionQuery(), None, 10)
    assert caught.value.status == 401
    assert_clean(caught.value, secret)


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, ForbiddenError), (404, NotFoundError)],
)
async def test_status_maps_to_typed_error(fake: FakeWhereby, status: int, error: type[ProviderError]) -> None:
    fake.inject(status)
    with pytest.raises(error) as caught:
        await make(fake).list_participants("e2f29530-46ec-4cee-8b27-e565cb5bb2e9", None, 10)
    assert caught.value.status == status
    assert_clean(caught.value)


async def test_422_carries_the_validation_message(fake: FakeWhereby) -> None:
    rejected = prism_422(
        [
            {
                "location": ["query", "limit"],
                "severity": "Error",
                "code": "maximum",
                "message": "Request query parameter limit must be <= 100",
            }
        ]
    )
    fake.inject(422, rejected.body, headers=rejected.headers)
    with pytest.raises(ProviderError) as caught:
        await make(fake).list_participants("e2f29530-46ec-4cee-8b27-e565cb5bb2e9", None, 10)
    assert caught.value.status == 422
    assert "Request query parameter limit must be <= 100" in str(caught.value)
    assert_clean(caught.value)


async def test_429_is_retried_after_the_hint(
    fake: FakeWhereby, world: DemoWorld, sleeps: list[float]
) -> None:
    session = visible(world)[2]
    fake.inject(429, {"error": "Rate limit active", "data": {"msLeft": 38689}}, headers={"Retry-After": "3"})
    page = await make(fake, sleeps).list_participants(session.id, None, 10)
    assert page.items and sleeps == [3.0]
    sleeps.clear()
    fake.inject(429, {"error": "Rate limit active", "data": {"msLeft": 1500}})
    page = await make(fake, sleeps).list_participants(session.id, None, 10)
    assert page.items and sleeps == [1.5]


async def test_429_exhausted_reports_the_wait(fake: FakeWhereby, sleeps: list[float]) -> None:
    fake.inject(
        429, {"error": "Rate limit active", "data": {"msLeft": 2000}}, headers={"Retry-After": "2"}, times=10
    )
    with pytest.raises(RateLimitedError) as caught:
        await make(fake, sleeps).list_sessions(SessionQuery(), None, 10)
    assert caught.value.retry_after == 2.0
    assert sleeps == [2.0, 2.0, 2.0]
    assert "Rate limit active" in str(caught.value)
    assert_clean(caught.value)


async def test_rate_limit_reset_header_is_the_last_hint() -> None:
    from roomscope.tui.providers.whereby import whereby_error_detail

    reset = (NOW + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    response = httpx.Response(429, headers={"X-RateLimit-Reset": reset})
    detail = whereby_error_detail(response)
    assert detail.retry_after is not None and detail.retry_after >= 0.0
    epoch = httpx.Response(429, headers={"X-RateLimit-Reset": str(int(NOW.timestamp()) + 30)})
    assert whereby_error_detail(epoch).retry_after is not None


async def test_500_is_retried(fake: FakeWhereby, world: DemoWorld, sleeps: list[float]) -> None:
    fake.inject(500)
    page = await make(fake, sleeps).list_participants(visible(world)[2].id, None, 10)
    assert page.items and len(sleeps) == 1


async def test_malformed_json_is_a_bad_payload(fake: FakeWhereby) -> None:
    fake.inject(200, raw=b'{"cursor": null, "results": [')
    with pytest.raises(BadPayloadError) as caught:
        await make(fake).list_sessions(SessionQuery(), None, 10)
    assert_clean(caught.value)
    fake.inject(200, {"cursor": None, "results": {"not": "a list"}})
    with pytest.raises(BadPayloadError) as shape:
        await make(fake).list_sessions(SessionQuery(), None, 10)
    assert shape.value.field == "results"


async def test_network_error_is_unavailable(sleeps: list[float]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(UnavailableError) as caught:
        await make(sleeps=sleeps, transport=httpx.MockTransport(refuse)).list_sessions(
            SessionQuery(), None, 10
        )
    assert caught.value.network is True and len(sleeps) == 3
    assert_clean(caught.value)


# ---------------------------------------------------------------------------------------
# 5. Malformed records cost only themselves


GOOD_SESSION = {
    "roomSessionId": "6f1c3a52-1d7e-4c57-9f6e-2b1a1d6c1a01",
    "roomName": "/ops",
    "startedAt": "2026-11-21T10:00:00.000Z",
    "endedAt": "2026-11-21T10:30:00.000Z",
    "totalParticipantMinutes": 61,
    "totalRecorderMinutes": 0,
    "totalStreamerMinutes": 0,
    "totalUniqueParticipants": 2,
    "totalUniqueRecorders": 0,
    "totalUniqueStreamers": 0,
}


async def test_bad_session_records_become_placeholders(fake: FakeWhereby) -> None:
    bad = [
        GOOD_SESSION,
        {k: v for k, v in GOOD_SESSION.items() if k != "roomSessionId"},
        {**GOOD_SESSION, "roomSessionId": "null-start", "startedAt": None},
        {**GOOD_SESSION, "roomSessionId": "wrong-type", "totalUniqueParticipants": "many"},
        {**GOOD_SESSION, "roomSessionId": "extra", "brandNewField": {"nested": [1, 2]}, "endedAt": None},
        {**GOOD_SESSION, "roomSessionId": "huge", "roomName": "/" + "r" * 10_000},
        {**GOOD_SESSION, "roomSessionId": "markup", "roomName": "/[bold]x[/]\x1b[2J"},
    ]
    fake.inject(200, {"cursor": None, "results": bad}, path_contains="/insights/room-sessions")
    page = await make(fake).list_sessions(SessionQuery(), None, 100)
    first = page.items[: len(bad)]
    assert first[0].problem is None and first[0].duration_s == 1800.0
    assert first[1].problem is not None and "roomSessionId" in first[1].problem
    assert first[2].problem is not None and "startedAt" in first[2].problem and first[2].id == "null-start"
    assert first[3].problem is not None and "totalUniqueParticipants" in first[3].problem
    assert first[4].problem is None and first[4].extra["brandNewField"] == {"nested": [1, 2]}
    assert first[4].status is SessionStatus.LIVE
    assert first[5].problem is None and first[5].room_name is not None and len(first[5].room_name) <= 500
    assert first[6].problem is None and first[6].room_name == "/[bold]x[/]\x1b[2J"
    assert len(page.items) > len(bad)  # the walk carried on with the next rooms


async def test_bad_participant_records_become_placeholders(fake: FakeWhereby) -> None:
    good = {
        "roomSessionId": "s",
        "participantId": "p-good",
        "deviceId": "d",
        "userId": "u",
        "roleName": "cohost-v2",
        "displayName": "Ann",
        "joinedAt": "2026-11-21T10:00:00.000Z",
        "leftAt": "2026-11-21T10:10:00.000Z",
        "externalId": "",
        "sparkle": True,
    }
    records = [
        good,
        {k: v for k, v in good.items() if k != "participantId"},
        {**good, "participantId": "p-null", "joinedAt": None},
        {**good, "participantId": "p-type", "displayName": 42},
        {**good, "participantId": "p-long", "displayName": "N" * 10_000},
        {**good, "participantId": "p-markup", "displayName": "[bold]x[/]\x1b[2J"},
    ]
    fake.inject(200, {"cursor": None, "results": records}, path_contains="/insights/participants")
    items = (await make(fake).list_participants("s", None, 10)).items
    assert len(items) == len(records)
    assert items[0].problem is None and items[0].role == "cohost-v2" and items[0].extra["sparkle"] is True
    assert items[0].external_id is None and items[0].duration_s == 600.0
    assert items[1].problem is not None and "participantId" in items[1].problem
    assert items[2].problem is not None and "joinedAt" in items[2].problem and items[2].id == "p-null"
    assert items[3].problem is not None and "displayName" in items[3].problem
    assert items[4].problem is None and 0 < len(items[4].name) <= 500
    assert items[5].problem is None and items[5].name == "[bold]x[/]\x1b[2J"


async def test_bad_recording_records_become_placeholders(fake: FakeWhereby, world: DemoWorld) -> None:
    session = visible(world)[1]
    good = {
        "recordingId": "r-good",
        "roomSessionId": session.id,
        "filename": "a.webm",
        "startDate": "2026-11-21T10:00:00.000Z",
        "endDate": "2026-11-21T10:05:00.000Z",
        "sizeInMegaBytes": 12.5,
    }
    records = [
        good,
        {**good, "recordingId": "r-type", "sizeInMegaBytes": "big"},
        {k: v for k, v in good.items() if k != "recordingId"},
        {**good, "recordingId": "r-other", "roomSessionId": "another-session"},
    ]
    fake.inject(200, {"cursor": None, "results": records}, path_contains="/recordings")
    items = (await make(fake).list_recordings(f"{room_name(session)}|{session.id}", None, 10)).items
    assert [r.id for r in items] == ["r-good", "r-type", "unreadable:2"]
    assert items[0].size_bytes == 12_500_000 and items[0].format == "webm" and items[0].duration_s == 300.0
    assert items[1].problem is not None and "sizeInMegaBytes" in items[1].problem
    assert items[2].problem is not None and "recordingId" in items[2].problem


# ---------------------------------------------------------------------------------------
# Undocumented shapes: samples and events


def test_sample_shapes_are_read_defensively() -> None:
    start = NOW - timedelta(minutes=5)
    stamp = start.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    details = [
        {
            "timeStamp": stamp,
            "sampleRateMs": 2000,
            "samples": {
                "packetLossSend": [0.5, None, "1.5", True, {"odd": "x"}],
                "packetLossRecv": [{"value": 1.0, "timestamp": stamp}, {"value": None, "timestamp": 1000}],
                "bitrateSend": [
                    [0, 800000],
                    [2000, 900000],
                    [(start + timedelta(seconds=4)).timestamp() * 1000, 1e6],
                ],
                "bitrateRecv": "not a list",
            },
        }
    ]
    series = {s.metric: s for s in quality_series(details, "s", "p", None)}
    assert set(series) == {Metric.LOSS_SEND, Metric.LOSS_RECV, Metric.BITRATE_SEND}
    loss = series[Metric.LOSS_SEND]
    assert loss.values == [0.5, None, 1.5, None, None] and loss.interval_s == 2.0
    assert "2 unreadable" in loss.source
    recv = series[Metric.LOSS_RECV]
    assert recv.offsets_s == [0.0, 1.0] and recv.values == [1.0, None]
    bitrate = series[Metric.BITRATE_SEND]
    assert bitrate.offsets_s == [0.0, 2.0, 4.0] and bitrate.values == [800000.0, 900000.0, 1e6]
    assert all(s.start == start for s in series.values())


def test_several_detail_items_join_with_a_gap() -> None:
    first = NOW - timedelta(minutes=10)
    second = first + timedelta(seconds=60)
    details: list[dict[str, Any]] = [
        {"timeStamp": first.isoformat(), "sampleRateMs": 2000, "samples": {"packetLossSend": [1, 2]}},
        {"timeStamp": second.isoformat(), "samples": {"packetLossSend": [3]}},
    ]
    (loss,) = quality_series(details, "s", "p", None)
    assert loss.offsets_s == [0.0, 2.0, 31.0, 60.0] and loss.values == [1.0, 2.0, None, 3.0]
    with pytest.raises(BadPayloadError) as caught:
        quality_series([{"timeStamp": "string", "samples": {"bitrateSend": [1]}}], "s", "p", None)
    assert caught.value.field == "timeStamp"


async def test_event_shapes_and_names() -> None:
    from roomscope.tui.providers.whereby import detail_events

    item = {
        "displayName": "Ann",
        "events": [
            {"eventName": "screenShareStarted", "time": "2026-11-21T10:00:00Z"},
            {"type": "camera_off", "timestamp": 1763719200000},
            "reconnect",
            {"whatever": 1},
        ],
    }
    events = detail_events(item, "s", "p", 0, provider="whereby")
    assert [e.kind for e in events] == [
        EventKind.OTHER,
        EventKind.VIDEO_OFF,
        EventKind.RECONNECT,
        EventKind.OTHER,
    ]
    assert events[1].at is not None and events[1].at.year == 2025
    assert events[3].extra["raw"] == {"whatever": 1} and events[3].name == "event"
    mapping = detail_events(
        {"events": {"mute": ["2026-11-21T10:00:00Z", "2026-11-21T10:01:00Z"]}},
        "s",
        "p",
        0,
        provider="whereby",
    )
    assert [e.kind for e in mapping] == [EventKind.MUTE, EventKind.MUTE]
    assert detail_events({"events": None}, "s", "p", 0, provider="whereby") == []
    assert event_kind("screenshare.start") is EventKind.SCREENSHARE_START
    assert event_kind("videoOn") is EventKind.VIDEO_ON


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0",
            ("Edge", "141.0.0.0", "Windows", "10.0", "desktop"),
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1",
            ("Safari", "18.4", "iOS", "18.4", "mobile"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 15; K) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/141.0.0.0 Mobile Safari/537.36",
            ("Chrome", "141.0.0.0", "Android", "15", "mobile"),
        ),
        ("okhttp/4.12.0", (None, None, None, None, None)),
    ],
)
def test_user_agent_parsing(agent: str, expected: tuple[str | None, ...]) -> None:
    device = parse_user_agent(agent)
    assert device is not None and device.user_agent == agent
    assert (
        device.browser,
        device.browser_version,
        device.os,
        device.os_version,
        device.device_type,
    ) == expected
    assert parse_user_agent("  ") is None


# ---------------------------------------------------------------------------------------
# Against a Prism mock of the spec (run one and point ROOMSCOPE_PRISM_WHEREBY at it)


PRISM = os.environ.get("ROOMSCOPE_PRISM_WHEREBY")


@pytest.mark.prism
@pytest.mark.skipif(
    not PRISM, reason="set ROOMSCOPE_PRISM_WHEREBY to the URL of a Prism mock of the Whereby spec"
)
async def test_against_prism() -> None:
    provider = WherebyProvider("prism", api_key="prism-token", base_url=PRISM)
    page = await provider.list_sessions(SessionQuery(), None, 10)
    assert page.items and page.items[0].id == "e2f29530-46ec-4cee-8b27-e565cb5bb2e9"
    session = await provider.get_session(page.items[0].id)
    assert session.room_name == "/room-prefix-793e9ec1-c686-423d-9043-9b7a10c553fd"
    (participant, *_rest) = (await provider.list_participants(session.id, None, 10)).items
    assert participant.name == "John Doe"
    detailed = await provider.get_participant(session.id, participant.id)
    assert detailed.device is not None and detailed.device.browser == "Chrome"
    assert await provider.get_quality(session.id, participant.id) == []
    recordings = (await provider.list_recordings(session.id, None, 10)).items
    assert recordings[0].id == "a56f6ad7-37fe-4a37-9319-3174630ba57a"
    with pytest.raises(ProviderError) as caught:
        await provider.http.get_json("/insights/room-sessions", {"limit": 500})
    assert caught.value.status == 422 and "limit must be <= 100" in str(caught.value)
    await provider.aclose()
