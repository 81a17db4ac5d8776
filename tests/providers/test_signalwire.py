"""SignalWire Video: the adapter against the fake API, the spec and malformed payloads."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from roomscope.tui.demo.world import DemoSession, DemoWorld
from roomscope.tui.fakes.signalwire import (
    DEMO_HOST,
    DEMO_PROJECT_ID,
    DEMO_SPACE,
    DEMO_TOKEN,
    FakeSignalWire,
    demo_provider,
    member_id,
)
from roomscope.tui.models import EventKind, SessionQuery, SessionStatus
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
from roomscope.tui.providers.signalwire import (
    MEDIA_TTL_S,
    SignalWireProvider,
    encode_cursor,
    event_kind,
    space_base_url,
)
from tests.conftest import NOW, fixed_now
from tests.support.openapi import load_spec, requires_specs, template_for, validate_body

BASE = "https://example.signalwire.com"
API = "/api/video"
EXPECTED_KINDS = {
    "session_start": EventKind.SESSION_START,
    "session_end": EventKind.SESSION_END,
    "join": EventKind.JOIN,
    "reconnect": EventKind.JOIN,
    "leave": EventKind.LEAVE,
    "mute": EventKind.MUTE,
    "unmute": EventKind.UNMUTE,
    "screenshare_start": EventKind.SCREENSHARE_START,
    "screenshare_stop": EventKind.SCREENSHARE_STOP,
    "recording_start": EventKind.RECORDING_START,
    "recording_stop": EventKind.RECORDING_STOP,
}


# ---------------------------------------------------------------------------------------
# Fixtures and helpers


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake(world: DemoWorld) -> FakeSignalWire:
    return FakeSignalWire(world, clock=fixed_now)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_provider(
    transport: httpx.AsyncBaseTransport, sleeps: Sleeps | None = None, **kwargs: Any
) -> SignalWireProvider:
    options: dict[str, Any] = {
        "space": "example",
        "project_id": DEMO_PROJECT_ID,
        "token": DEMO_TOKEN,
        "transport": transport,
        "clock": fixed_now,
        "sleep": sleeps if sleeps is not None else Sleeps(),
    }
    options.update(kwargs)
    return SignalWireProvider("sw-test", **options)


@pytest.fixture
async def provider(fake: FakeSignalWire, sleeps: Sleeps) -> AsyncIterator[SignalWireProvider]:
    p = make_provider(fake.transport(), sleeps)
    yield p
    await p.aclose()


@pytest.fixture
async def client(fake: FakeSignalWire) -> AsyncIterator[httpx.AsyncClient]:
    """Raw access to the fake (for checking its bodies against the spec)."""
    async with httpx.AsyncClient(
        transport=fake.transport(), base_url=BASE, auth=(DEMO_PROJECT_ID, DEMO_TOKEN)
    ) as c:
        yield c


def expected_sessions(world: DemoWorld, status: str | None = None) -> list[DemoSession]:
    """The world's started sessions, newest first, as SignalWire lists them."""
    out = []
    for i in range(world.first_index_at_or_before(NOW), world.size):
        s = world.session(i)
        live = world.is_live(s, NOW)
        if status is None or live == (status == "in-progress"):
            out.append(s)
    return out


def find_session(world: DemoWorld, test: Callable[[DemoSession], bool]) -> DemoSession:
    for s in expected_sessions(world):
        if test(s):
            return s
    raise AssertionError("the demo world has no such session")


def ended(world: DemoWorld) -> Callable[[DemoSession], bool]:
    return lambda s: world.ended_at(s, NOW) is not None


def reconnecting(world: DemoWorld) -> DemoSession:
    return find_session(
        world, lambda s: ended(world)(s) and any(len(p.intervals) > 1 for p in world.participants(s))
    )


def recorded(world: DemoWorld) -> DemoSession:
    return find_session(world, lambda s: ended(world)(s) and bool(world.recordings(s, NOW)))


def live_session(world: DemoWorld) -> DemoSession:
    return find_session(world, lambda s: world.is_live(s, NOW))


def params_of(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


async def all_pages(
    fetch: Callable[[str | None], Any], *, max_pages: int = 500
) -> tuple[list[Any], list[Any]]:
    """Follow cursors to the end: (items, pages)."""
    items: list[Any] = []
    pages: list[Any] = []
    cursor: str | None = None
    for _ in range(max_pages):
        page = await fetch(cursor)
        pages.append(page)
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return items, pages
    raise AssertionError("paging never ended")


async def raw_pages(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Follow the fake's own ``links.next`` to the end (its host replaced by ours)."""
    bodies = []
    response = await client.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        bodies.append(body)
        link = body["links"].get("next")
        if not link:
            return bodies
        parts = urlsplit(link)
        assert parts.netloc == DEMO_HOST
        response = await client.get(f"{parts.path}?{parts.query}")


# ---------------------------------------------------------------------------------------
# 1. Every fake response validates against the spec


@requires_specs
async def test_session_list_pages_validate(client: httpx.AsyncClient, world: DemoWorld) -> None:
    template = template_for("signalwire", f"{API}/room_sessions")
    bodies = await raw_pages(client, f"{API}/room_sessions", page_size=61)
    assert len(bodies) == -(-len(expected_sessions(world)) // 61) >= 3
    for body in bodies:
        validate_body("signalwire", template, body)
    first, middle, last = bodies[0], bodies[len(bodies) // 2], bodies[-1]
    assert "next" in first["links"] and "prev" not in first["links"]
    assert "next" in middle["links"] and "prev" in middle["links"]
    assert "next" not in last["links"] and "prev" in last["links"]
    assert [s["id"] for b in bodies for s in b["data"]] == [s.id for s in expected_sessions(world)]


@requires_specs
@pytest.mark.parametrize(
    "params",
    [
        {"status": "in-progress"},
        {"status": "completed", "page_size": 150},
        {"room_name_matches": "stand"},
        {"room_name": "design-review", "page_size": 5},
        {"room_id": "00000000-0000-4000-8000-000000000000"},
    ],
)
async def test_session_list_filters_validate(
    client: httpx.AsyncClient, world: DemoWorld, params: dict[str, Any]
) -> None:
    template = template_for("signalwire", f"{API}/room_sessions")
    bodies = await raw_pages(client, f"{API}/room_sessions", **params)
    rows = [row for body in bodies for row in body["data"]]
    for body in bodies:
        validate_body("signalwire", template, body)
    if "status" in params:
        assert rows and {r["status"] for r in rows} == {params["status"]}
        assert [r["id"] for r in rows] == [s.id for s in expected_sessions(world, params["status"])]
    if "room_name_matches" in params:
        assert rows and all("stand" in r["name"] for r in rows)
        assert len(rows) == sum("stand" in s.room_name for s in expected_sessions(world))
    if "room_name" in params:
        assert rows and {r["name"] for r in rows} == {"design-review"}
    if "room_id" in params:
        assert rows == []


@requires_specs
async def test_session_detail_and_nested_lists_validate(client: httpx.AsyncClient, world: DemoWorld) -> None:
    for s in (recorded(world), reconnecting(world), live_session(world)):
        path = f"{API}/room_sessions/{s.id}"
        response = await client.get(path)
        assert response.status_code == 200
        validate_body("signalwire", template_for("signalwire", path), response.json())
        for tail, size in (("members", 2), ("events", 9), ("recordings", 1)):
            nested = f"{path}/{tail}"
            bodies = await raw_pages(client, nested, page_size=size)
            for body in bodies:
                validate_body("signalwire", template_for("signalwire", nested), body)
            if tail != "recordings" or world.recordings(s, NOW):
                assert bodies[0]["data"], tail


@requires_specs
async def test_error_bodies_validate(
    client: httpx.AsyncClient, fake: FakeSignalWire, world: DemoWorld
) -> None:
    sid = expected_sessions(world)[0].id
    lists = [
        f"{API}/room_sessions",
        f"{API}/room_sessions/{sid}/members",
        f"{API}/room_sessions/{sid}/events",
        f"{API}/room_sessions/{sid}/recordings",
    ]
    bad_requests: list[dict[str, str | int]] = [
        {"page_size": 0},
        {"page_size": 1001},
        {"page_number": 2},
        {"page_token": "nope"},
    ]
    for path in lists:
        for params in bad_requests:
            response = await client.get(path, params=params)
            assert response.status_code == 422, (path, params)
            validate_body("signalwire", template_for("signalwire", path), response.json(), 422)
    odd: list[dict[str, str | int]] = [{"status": "paused"}, {"room_id": "not-a-uuid"}]
    for params in odd:
        response = await client.get(lists[0], params=params)
        assert response.status_code == 422
        assert response.json()["errors"][0]["attribute"] == next(iter(params))
    response = await client.get(lists[3], params={"media_ttl": -1})
    assert response.status_code == 422
    # 404 and 401 as served, and every other declared status in the fake's error shape.
    missing = await client.get(f"{API}/room_sessions/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json() == {"error": "Not Found"}
    validate_body("signalwire", f"{API}/room_sessions/{{id}}", missing.json(), 404)
    denied = await client.get(lists[0], auth=(DEMO_PROJECT_ID, "wrong"))
    assert denied.status_code == 401
    validate_body("signalwire", f"{API}/room_sessions", denied.json(), 401)
    spec = load_spec("signalwire")
    request = httpx.Request("GET", BASE + lists[0])
    for template in (
        f"{API}/room_sessions",
        f"{API}/room_sessions/{{id}}",
        f"{API}/room_sessions/{{id}}/members",
        f"{API}/room_sessions/{{id}}/events",
        f"{API}/room_sessions/{{id}}/recordings",
    ):
        for status in spec["paths"][template]["get"]["responses"]:
            if status in ("200", "422"):
                continue
            body = fake.error(request, int(status), "x").json()
            validate_body("signalwire", template, body, status)


# ---------------------------------------------------------------------------------------
# 2. The spec's examples, parsed by the adapter


def _example(spec: dict[str, Any], schema: Any) -> Any:
    """A body assembled from the spec's examples, the way its docs pages show them."""
    while isinstance(schema, dict) and "$ref" in schema:
        target: Any = spec
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    if not isinstance(schema, dict):
        return None
    if schema.get("examples"):
        return copy.deepcopy(schema["examples"][0])
    if "allOf" in schema:
        return _example(spec, schema["allOf"][0])
    if "anyOf" in schema:
        branch = next(b for b in schema["anyOf"] if b.get("type") != "null")
        return _example(spec, branch)
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("type") == "array":
        return [_example(spec, schema.get("items", {}))]
    if schema.get("type") == "object" or "properties" in schema:
        return {k: _example(spec, v) for k, v in schema.get("properties", {}).items()}
    return None


def spec_example(template: str, status: int = 200) -> Any:
    spec = load_spec("signalwire")
    response = spec["paths"][template]["get"]["responses"][str(status)]
    return _example(spec, response["content"]["application/json"]["schema"])


def serve(body: Any, status: int = 200, seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler)


@requires_specs
async def test_spec_session_examples() -> None:
    listed = spec_example(f"{API}/room_sessions")
    summary = spec_example(f"{API}/room_sessions/{{id}}")
    validate_body("signalwire", f"{API}/room_sessions", listed)
    validate_body("signalwire", f"{API}/room_sessions/{{id}}", summary)
    # The docs page for room_sessions.get shows exactly these values.
    assert summary["id"] == "c22d24f6-5a47-4597-9a23-c7d01e696b92"
    assert summary["duration"] == 120 and summary["status"] == "completed"
    seen: list[httpx.Request] = []
    p = make_provider(serve(listed, seen=seen))
    page = await p.list_sessions(SessionQuery(), None, 50)
    [s] = page.items
    item = listed["data"][0]
    assert s.id == item["id"] and s.problem is None
    assert s.name == item["display_name"] and s.room_name == item["name"] and s.room_id == item["room_id"]
    assert s.status is SessionStatus.ENDED
    assert s.started_at == datetime.fromisoformat(item["start_time"])
    assert s.ended_at == datetime.fromisoformat(item["end_time"])
    assert s.duration_s == float(item["duration"])
    assert s.extra["quality"] == item["quality"] and s.extra["cost_in_dollars"] == item["cost_in_dollars"]
    # The example's next link carries no page token or number: nothing to follow.
    assert page.next_cursor is None and len(seen) == 1
    p2 = make_provider(serve(summary))
    one = await p2.get_session(summary["id"])
    assert one.id == summary["id"] and one.duration_s == 120.0 and one.extra["layout"] == summary["layout"]
    await p.aclose()
    await p2.aclose()


@requires_specs
async def test_spec_member_event_recording_examples() -> None:
    sid = "c22d24f6-5a47-4597-9a23-c7d01e696b92"
    members = spec_example(f"{API}/room_sessions/{{id}}/members")
    events = spec_example(f"{API}/room_sessions/{{id}}/events")
    recordings = spec_example(f"{API}/room_sessions/{{id}}/recordings")
    for tail, body in (("members", members), ("events", events), ("recordings", recordings)):
        validate_body("signalwire", f"{API}/room_sessions/{{id}}/{tail}", body)
    p = make_provider(serve(members))
    [m] = (await p.list_participants(sid, None, 10)).items
    raw = members["data"][0]
    assert (m.id, m.name, m.duration_s) == (raw["id"], raw["name"], float(raw["duration"]))
    assert m.joined_at == datetime.fromisoformat(raw["join_time"])
    assert m.left_at == datetime.fromisoformat(raw["leave_time"])
    assert m.extra["cost_in_dollars"] == raw["cost_in_dollars"]
    p = make_provider(serve(events))
    [e] = (await p.list_events(sid, None, 10)).items
    raw = events["data"][0]
    assert (e.id, e.name, e.level, e.kind) == (raw["id"], "room.started", "info", EventKind.SESSION_START)
    assert e.participant_id == raw["room_participant_id"]
    assert e.at == datetime.fromisoformat(raw["created_at"])
    assert e.extra["room_recording_id"] == raw["room_recording_id"] and e.extra["payload"] == {}
    p = make_provider(serve(recordings))
    [r] = (await p.list_recordings(sid, None, 10)).items
    raw = recordings["data"][0]
    assert (r.id, r.status, r.format, r.url) == (raw["id"], "completed", "video/mp4", raw["uri"])
    assert (r.duration_s, r.size_bytes) == (120.0, raw["size_in_bytes"])
    assert r.url_expires_at == NOW + timedelta(seconds=MEDIA_TTL_S)
    await p.aclose()


@requires_specs
async def test_spec_422_example_message_reaches_the_error() -> None:
    schema = load_spec("signalwire")["components"]["schemas"]["Video.VideoStatusCode422"]
    for body in schema["examples"]:
        p = make_provider(serve(body, status=422))
        with pytest.raises(ProviderError) as info:
            await p.list_sessions(SessionQuery(), None, 10)
        assert "Name must be present (name)" in str(info.value)
        assert "SignalWire Video" in str(info.value) and info.value.status == 422


# ---------------------------------------------------------------------------------------
# 3. The adapter over the fake


async def test_paging_through_every_session(
    provider: SignalWireProvider, fake: FakeSignalWire, world: DemoWorld
) -> None:
    items, pages = await all_pages(lambda c: provider.list_sessions(SessionQuery(), c, 37))
    expected = expected_sessions(world)
    assert [s.id for s in items] == [s.id for s in expected]
    assert len(pages) == -(-len(expected) // 37)
    assert all(len(p.items) == 37 for p in pages[:-1]) and pages[-1].next_cursor is None
    assert all(p.total is None for p in pages)
    for s, w in zip(items, expected, strict=True):
        assert (s.name, s.room_name, s.room_id) == (w.title, w.room_name, w.room_id)
        assert s.profile == "sw-test" and s.provider == "signalwire"
        assert s.started_at == w.start
    # Every request went to the configured space, with the page values of the fake's links.
    assert {r.url.host for r in fake.requests} == {"example.signalwire.com"}
    assert all(r.headers["authorization"].startswith("Basic ") for r in fake.requests)
    later = [params_of(r) for r in fake.requests[1:]]
    assert [int(q["page_number"]) for q in later] == list(range(1, len(pages)))
    assert all(q["page_token"].startswith("PT") and q["page_size"] == "37" for q in later)


async def test_page_size_is_capped_at_1000(provider: SignalWireProvider, fake: FakeSignalWire) -> None:
    page = await provider.list_sessions(SessionQuery(), None, 5000)
    assert params_of(fake.requests[-1])["page_size"] == "1000"
    assert page.next_cursor is None and len(page.items) == len(expected_sessions(fake.world))
    await provider.list_sessions(SessionQuery(), None, 0)
    assert params_of(fake.requests[-1])["page_size"] == "1"


@pytest.mark.parametrize(
    ("status", "sent"), [(SessionStatus.LIVE, "in-progress"), (SessionStatus.ENDED, "completed")]
)
async def test_status_filter_is_server_side(
    provider: SignalWireProvider,
    fake: FakeSignalWire,
    world: DemoWorld,
    status: SessionStatus,
    sent: str,
) -> None:
    items, _ = await all_pages(lambda c: provider.list_sessions(SessionQuery(status=status), c, 100))
    assert items and {s.status for s in items} == {status}
    assert [s.id for s in items] == [s.id for s in expected_sessions(world, sent)]
    assert {params_of(r)["status"] for r in fake.requests} == {sent}


async def test_unknown_status_and_text_are_not_sent(
    provider: SignalWireProvider, fake: FakeSignalWire
) -> None:
    query = SessionQuery(status=SessionStatus.UNKNOWN, text="stand", since=NOW - timedelta(days=1))
    page = await provider.list_sessions(query, None, 50)
    sent = params_of(fake.requests[-1])
    assert page.items == [] and page.next_cursor is not None
    assert sent == {"page_size": "50"}
    assert Capability.TEXT_SEARCH not in provider.capabilities
    assert Capability.TIME_FILTER not in provider.capabilities
    assert Capability.STATUS_FILTER in provider.capabilities
    for missing in (Capability.TEXT_SEARCH, Capability.TIME_FILTER, Capability.SEEK, Capability.TOTAL):
        assert provider.missing[missing].startswith("SignalWire Video")


async def test_get_session_matches_the_world(provider: SignalWireProvider, world: DemoWorld) -> None:
    done = recorded(world)
    s = await provider.get_session(done.id)
    assert (s.id, s.name, s.room_name, s.status) == (done.id, done.title, done.room_name, SessionStatus.ENDED)
    assert s.ended_at == done.planned_end
    assert s.duration_s == (done.planned_end - done.start).total_seconds()
    assert s.extra["record_on_start"] is True and s.extra["quality"] in ("720p", "1080p")
    live = live_session(world)
    s = await provider.get_session(live.id)
    assert s.status is SessionStatus.LIVE and s.ended_at is None
    assert s.duration_s == (NOW - live.start).total_seconds()
    with pytest.raises(NotFoundError) as info:
        await provider.get_session("00000000-0000-4000-8000-000000000000")
    assert "00000000-0000-4000-8000-000000000000" in str(info.value)


async def test_members_are_per_join(provider: SignalWireProvider, world: DemoWorld) -> None:
    s = reconnecting(world)
    items, pages = await all_pages(lambda c: provider.list_participants(s.id, c, 3))
    assert len(pages) > 1 and all(len(p.items) <= 3 for p in pages)
    expected = {
        member_id(p, k): (p.name, iv) for p in world.participants(s) for k, iv in enumerate(p.intervals)
    }
    assert len(items) == len(expected) > len(world.participants(s))
    for m in items:
        name, interval = expected[m.id]
        assert m.name == name and m.session_id == s.id
        assert (m.joined_at, m.left_at) == (interval.join, interval.leave)
        assert m.duration_s == (interval.leave - interval.join).total_seconds()
        assert m.device is None and m.network is None
    assert {p.id for p in world.participants(s)} <= {m.id for m in items}
    joins = [m.joined_at for m in items if m.joined_at is not None]
    assert len(joins) == len(items) and joins == sorted(joins)


async def test_members_still_present_get_their_time_so_far(
    provider: SignalWireProvider, world: DemoWorld
) -> None:
    s = live_session(world)
    items, _ = await all_pages(lambda c: provider.list_participants(s.id, c, 100))
    present = [m for m in items if m.left_at is None]
    assert present
    for m in present:
        assert m.joined_at is not None and m.duration_s == (NOW - m.joined_at).total_seconds()


async def test_get_participant_walks_the_members(provider: SignalWireProvider, world: DemoWorld) -> None:
    s = reconnecting(world)
    last = world.participants(s)[-1]
    found = await provider.get_participant(s.id, last.id)
    assert found.name == last.name and found.joined_at == last.intervals[0].join
    with pytest.raises(NotFoundError):
        await provider.get_participant(s.id, "00000000-0000-4000-8000-000000000000")
    with pytest.raises(NotFoundError):
        await provider.list_participants("00000000-0000-4000-8000-000000000000", None, 10)


async def test_events_map_to_kinds(provider: SignalWireProvider, world: DemoWorld) -> None:
    s = find_session(
        world,
        lambda x: (
            ended(world)(x)
            and x.recorded
            and any(e.kind == "screenshare_start" for e in world.events(x, NOW))
            and any(len(p.intervals) > 1 for p in world.participants(x))
        ),
    )
    items, pages = await all_pages(lambda c: provider.list_events(s.id, c, 10))
    world_events = [e for e in world.events(s, NOW) if e.kind != "quality"]
    assert len(pages) == -(-len(world_events) // 10)
    assert [e.id for e in items] == [e.id for e in world_events]
    for got, want in zip(items, world_events, strict=True):
        assert got.kind is EXPECTED_KINDS[want.kind], (want.kind, got.name)
        assert got.at == want.at and got.level == "info" and got.problem is None
        if want.participant_id is not None:
            assert got.participant_name is not None and got.participant_name.startswith(
                want.participant_name or ""
            )
    by_kind = {e.kind: e for e in items}
    assert by_kind[EventKind.MUTE].name == "member.updated"
    assert by_kind[EventKind.RECORDING_START].extra["room_recording_id"] in {
        r.id for r in world.recordings(s, NOW)
    }
    members = {member_id(p, k) for p in world.participants(s) for k in range(len(p.intervals))}
    joins = [e for e in items if e.kind is EventKind.JOIN]
    assert {e.participant_id for e in joins} == members
    share = by_kind[EventKind.SCREENSHARE_START]
    assert share.participant_id in members and share.extra["payload"]["member"]["type"] == "screen"
    one = joins[0].participant_id
    assert one is not None
    mine = await provider.list_events(s.id, None, 1000, participant_id=one)
    assert mine.items and {e.participant_id for e in mine.items} == {one}


async def test_recordings(provider: SignalWireProvider, fake: FakeSignalWire, world: DemoWorld) -> None:
    s = recorded(world)
    items, _ = await all_pages(lambda c: provider.list_recordings(s.id, c, 1))
    want = world.recordings(s, NOW)
    assert [r.id for r in items] == [r.id for r in want]
    for got, r in zip(items, want, strict=True):
        assert got.status == "completed" and got.format == "video/mp4"
        assert got.duration_s == (r.ended_at - r.started_at).total_seconds()
        assert got.size_bytes == r.size_bytes and got.url is not None and got.url.startswith(r.url)
        assert got.url_expires_at == NOW + timedelta(seconds=MEDIA_TTL_S)
    assert params_of(fake.requests[-1])["media_ttl"] == str(MEDIA_TTL_S)
    # Half a minute into the first recording, as seen then.
    then = want[0].started_at + timedelta(seconds=30)
    earlier = FakeSignalWire(world, clock=lambda: then)
    p = make_provider(earlier.transport(), clock=lambda: then)
    [rolling] = (await p.list_recordings(s.id, None, 10)).items
    assert (rolling.id, rolling.status, rolling.url, rolling.ended_at) == (
        want[0].id,
        "recording",
        None,
        None,
    )
    assert rolling.duration_s is None and rolling.url_expires_at is None
    await p.aclose()


async def test_missing_capabilities_raise_with_their_sentence(
    provider: SignalWireProvider, world: DemoWorld
) -> None:
    s = expected_sessions(world)[0]
    with pytest.raises(UnsupportedError) as info:
        await provider.get_quality(s.id, "anyone")
    assert info.value.capability is Capability.QUALITY
    assert "no per-participant quality samples" in str(info.value)
    with pytest.raises(UnsupportedError):
        await provider.list_artifacts(s.id)
    for capability in (
        Capability.QUALITY,
        Capability.DEVICE_INFO,
        Capability.NETWORK_INFO,
        Capability.ARTIFACTS,
    ):
        assert capability not in provider.capabilities and provider.missing[capability]
    with pytest.raises(UnsupportedError):
        provider.page_cursor(SessionQuery(), 100, 50)


async def test_check_and_identity(provider: SignalWireProvider) -> None:
    said = await provider.check()
    assert "example.signalwire.com" in said and DEMO_PROJECT_ID in said
    assert provider.identity == f"signalwire:sw-test:{BASE}:{DEMO_PROJECT_ID}"
    assert DEMO_TOKEN not in provider.identity


async def test_demo_provider_is_the_real_adapter(world: DemoWorld) -> None:
    p = demo_provider(world, clock=fixed_now)
    assert isinstance(p, SignalWireProvider) and p.profile == "signalwire-demo"
    page = await p.list_sessions(SessionQuery(), None, 5)
    assert [s.id for s in page.items] == [s.id for s in expected_sessions(world)[:5]]
    assert p.base_url == f"https://{DEMO_SPACE}.signalwire.com"
    await p.aclose()


@pytest.mark.parametrize(
    ("space", "url"),
    [
        ("example", BASE),
        ("example.signalwire.com", BASE),
        ("https://example.signalwire.com/", BASE),
        ("https://example.signalwire.com/api/video", BASE),
        (" Example ", "https://Example.signalwire.com"),
    ],
)
def test_space_forms(space: str, url: str) -> None:
    assert space_base_url(space) == url


def test_constructor_rejects_bad_configuration() -> None:
    with pytest.raises(ProviderError, match="space"):
        SignalWireProvider("x", space="not a space", project_id="p", token="secret-token")
    with pytest.raises(ProviderError, match="SIGNALWIRE_SPACE"):
        SignalWireProvider("x", project_id="p", token="secret-token")
    with pytest.raises(AuthError, match="SIGNALWIRE_API_TOKEN"):
        SignalWireProvider("x", space="example", project_id="p", token="")


async def test_base_url_replaces_the_space(fake: FakeSignalWire) -> None:
    p = make_provider(fake.transport(), base_url="http://127.0.0.1:4011/", space=None)
    await p.list_sessions(SessionQuery(), None, 2)
    url = fake.requests[-1].url
    assert (url.scheme, url.host, url.port, url.path) == ("http", "127.0.0.1", 4011, f"{API}/room_sessions")
    assert p.identity.startswith("signalwire:sw-test:http://127.0.0.1:4011:")
    await p.aclose()


# -- paging edge cases --------------------------------------------------------------------


def listing(next_link: str | None, self_link: str = f"{BASE}{API}/room_sessions") -> dict[str, Any]:
    links = {"self": self_link, "first": f"{BASE}{API}/room_sessions"}
    if next_link is not None:
        links["next"] = next_link
    return {"links": links, "data": []}


async def test_next_link_on_another_host_is_asked_of_our_host() -> None:
    seen: list[httpx.Request] = []
    evil = "https://evil.example.net/steal/api/video/room_sessions?page_number=1&page_size=7&page_token=tok1"
    p = make_provider(serve(listing(evil), seen=seen))
    page = await p.list_sessions(SessionQuery(status=SessionStatus.LIVE), None, 20)
    assert (
        page.next_cursor is not None
        and "evil" not in base64.urlsafe_b64decode(page.next_cursor + "==").decode()
    )
    await p.list_sessions(SessionQuery(status=SessionStatus.LIVE), page.next_cursor, 20)
    second = seen[-1]
    assert second.url.host == "example.signalwire.com" and second.url.path == f"{API}/room_sessions"
    assert params_of(second) == {
        "status": "in-progress",
        "page_number": "1",
        "page_size": "7",
        "page_token": "tok1",
    }
    assert all(r.url.host == "example.signalwire.com" for r in seen)
    await p.aclose()


async def test_repeating_or_empty_next_link_ends_paging() -> None:
    same = f"{BASE}{API}/room_sessions?page_number=1&page_size=20&page_token=tok1"
    cursor = encode_cursor({"page_number": "1", "page_size": "20", "page_token": "tok1"})
    p = make_provider(serve(listing(same)))
    assert (await p.list_sessions(SessionQuery(), cursor, 20)).next_cursor is None
    p = make_provider(serve(listing(same, self_link=same)))
    assert (await p.list_sessions(SessionQuery(), None, 20)).next_cursor is None
    p = make_provider(serve(listing("")))
    assert (await p.list_sessions(SessionQuery(), None, 20)).next_cursor is None
    p = make_provider(serve(listing(f"{BASE}{API}/room_sessions?page_size=20")))
    assert (await p.list_sessions(SessionQuery(), None, 20)).next_cursor is None
    await p.aclose()


async def test_bad_cursor_is_a_bad_payload(provider: SignalWireProvider) -> None:
    for cursor in ("%%%", encode_cursor({}) + "x", base64.urlsafe_b64encode(b'{"host":"x"}').decode()):
        with pytest.raises(BadPayloadError):
            await provider.list_sessions(SessionQuery(), cursor, 10)


async def test_foreign_page_token_is_a_422_with_the_message(provider: SignalWireProvider) -> None:
    cursor = encode_cursor({"page_number": "1", "page_size": "10", "page_token": "bogus"})
    with pytest.raises(ProviderError) as info:
        await provider.list_sessions(SessionQuery(), cursor, 10)
    assert info.value.status == 422 and "page_token is invalid" in str(info.value)


async def test_a_token_from_another_query_is_refused(provider: SignalWireProvider) -> None:
    live = await provider.list_sessions(SessionQuery(status=SessionStatus.ENDED), None, 5)
    assert live.next_cursor is not None
    with pytest.raises(ProviderError) as info:
        await provider.list_sessions(SessionQuery(), live.next_cursor, 5)
    assert info.value.status == 422


# ---------------------------------------------------------------------------------------
# 4. Errors


def assert_clean(error: Exception) -> None:
    text = str(error)
    assert DEMO_TOKEN not in text and "SignalWire Video" in text
    assert base64.b64encode(f"{DEMO_PROJECT_ID}:{DEMO_TOKEN}".encode()).decode() not in text


async def test_wrong_token_is_an_auth_error(fake: FakeSignalWire) -> None:
    p = make_provider(fake.transport(), token="PTwrong-token-value")
    with pytest.raises(AuthError) as info:
        await p.list_sessions(SessionQuery(), None, 10)
    assert "Unauthorized" in str(info.value) and "PTwrong-token-value" not in str(info.value)
    assert_clean(info.value)
    await p.aclose()


@pytest.mark.parametrize(
    ("status", "body", "error", "said"),
    [
        (401, {"error": "Unauthorized"}, AuthError, "Unauthorized"),
        (403, {"error": "Forbidden"}, ForbiddenError, "Forbidden"),
        (404, {"error": "Not Found"}, NotFoundError, "no room session"),
        (400, {"error": "Bad Request"}, ProviderError, "Bad Request"),
        (
            422,
            {
                "errors": [
                    {"type": "validation_error", "code": "invalid_parameter", "message": "nope", "url": "u"}
                ]
            },
            ProviderError,
            "nope",
        ),
    ],
)
async def test_error_statuses(
    provider: SignalWireProvider,
    fake: FakeSignalWire,
    world: DemoWorld,
    status: int,
    body: Any,
    error: type[Exception],
    said: str,
) -> None:
    fake.inject(status, body)
    with pytest.raises(error) as info:
        await provider.list_events(expected_sessions(world)[0].id, None, 10)
    assert said in str(info.value)
    assert getattr(info.value, "status", None) == status
    assert_clean(info.value)
    assert len(fake.requests) == 1


async def test_429_with_retry_after_is_retried(
    provider: SignalWireProvider, fake: FakeSignalWire, sleeps: Sleeps
) -> None:
    fake.inject(429, {"error": "Too Many Requests"}, headers={"Retry-After": "3"})
    page = await provider.list_sessions(SessionQuery(), None, 10)
    assert len(page.items) == 10 and sleeps == [3.0] and len(fake.requests) == 2


async def test_429_exhausted_is_rate_limited(
    provider: SignalWireProvider, fake: FakeSignalWire, sleeps: Sleeps
) -> None:
    fake.inject(429, {"error": "Too Many Requests"}, headers={"Retry-After": "2"}, times=10)
    with pytest.raises(RateLimitedError) as info:
        await provider.list_sessions(SessionQuery(), None, 10)
    assert info.value.retry_after == 2.0 and sleeps == [2.0, 2.0, 2.0]
    assert "Too Many Requests" in str(info.value)
    assert_clean(info.value)


async def test_500_is_retried_then_unavailable(
    provider: SignalWireProvider, fake: FakeSignalWire, sleeps: Sleeps
) -> None:
    fake.inject(500, {"error": "Internal Server Error"})
    assert (await provider.list_sessions(SessionQuery(), None, 3)).items
    assert len(sleeps) == 1 and len(fake.requests) == 2
    fake.inject(500, {"error": "Internal Server Error"}, times=10)
    with pytest.raises(UnavailableError) as info:
        await provider.list_sessions(SessionQuery(), None, 3)
    assert info.value.status == 500 and "Internal Server Error" in str(info.value)
    assert_clean(info.value)


async def test_malformed_json_is_a_bad_payload(provider: SignalWireProvider, fake: FakeSignalWire) -> None:
    fake.inject(200, raw=b'{"links": {"self": "x"', headers={"content-type": "application/json"})
    with pytest.raises(BadPayloadError) as info:
        await provider.list_sessions(SessionQuery(), None, 10)
    assert_clean(info.value)


async def test_network_error_is_unavailable(sleeps: Sleeps) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    p = make_provider(httpx.MockTransport(broken), sleeps)
    with pytest.raises(UnavailableError) as info:
        await p.list_sessions(SessionQuery(), None, 10)
    assert info.value.network is True and len(sleeps) == 3
    assert_clean(info.value)
    await p.aclose()


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"links": {}, "data": {"id": "x"}},
        {"links": "next", "data": []},
        {"links": {"self": "s", "first": "f", "next": 3}, "data": []},
    ],
)
async def test_malformed_envelopes(body: Any) -> None:
    p = make_provider(serve(body))
    with pytest.raises(BadPayloadError) as info:
        await p.list_sessions(SessionQuery(), None, 10)
    assert "SignalWire Video" in str(info.value)
    await p.aclose()


async def test_unreadable_single_session_names_the_field() -> None:
    p = make_provider(serve({"id": "abc", "start_time": "the day before"}))
    with pytest.raises(BadPayloadError) as info:
        await p.get_session("abc")
    assert info.value.field == "start_time"


# ---------------------------------------------------------------------------------------
# 5. Malformed records keep the rest of the page


def page_of(*rows: Any) -> dict[str, Any]:
    return {"links": {"self": f"{BASE}{API}/x", "first": f"{BASE}{API}/x"}, "data": list(rows)}


async def test_malformed_sessions(world: DemoWorld, fake: FakeSignalWire) -> None:
    good = fake.session_body(expected_sessions(world)[3], NOW, summary=False)
    rows = [
        good,
        {k: v for k, v in good.items() if k != "id"},
        {**good, "id": "null-times", "start_time": None, "end_time": None, "duration": None},
        {**good, "id": "bad-duration", "duration": "a long time"},
        {**good, "id": "bad-name", "display_name": 123},
        {**good, "id": "odd-status", "status": "paused"},
        {**good, "id": "extra-field", "shiny_new_field": {"a": 1}},
        {**good, "id": "huge", "display_name": "x" * 10_000},
        {**good, "id": "markup", "display_name": "[bold]x[/] \x1b[2J"},
        "not an object",
    ]
    p = make_provider(serve(page_of(*rows)))
    items = (await p.list_sessions(SessionQuery(), None, 50)).items
    assert len(items) == len(rows)
    by_id = {s.id: s for s in items}
    assert items[0].problem is None and items[0].id == good["id"]
    assert items[1].problem is not None and items[1].problem.startswith("id:")
    assert items[1].extra["raw"]["name"] == good["name"]
    assert by_id["null-times"].problem is None and by_id["null-times"].started_at is None
    assert by_id["null-times"].duration_s is None
    assert by_id["bad-duration"].problem is not None and by_id["bad-duration"].problem.startswith("duration:")
    assert by_id["bad-name"].problem is not None and by_id["bad-name"].problem.startswith("display_name:")
    odd = by_id["odd-status"]
    assert odd.problem is None and odd.status is SessionStatus.UNKNOWN and odd.extra["status"] == "paused"
    assert by_id["extra-field"].problem is None and by_id["extra-field"].extra["shiny_new_field"] == {"a": 1}
    assert by_id["huge"].problem is None and len(by_id["huge"].name) <= 500
    assert by_id["markup"].name == "[bold]x[/] \x1b[2J"
    assert items[-1].problem is not None and items[-1].id.startswith("unreadable-")
    unknown = make_provider(serve(page_of(*rows)))
    only = (await unknown.list_sessions(SessionQuery(status=SessionStatus.UNKNOWN), None, 50)).items
    # An unreadable record's status is unknown too, so the placeholders stay.
    assert [s.id for s in only if s.problem is None] == ["odd-status"]
    assert len(only) == 1 + sum(s.problem is not None for s in items)


async def test_malformed_members_events_recordings(world: DemoWorld, fake: FakeSignalWire) -> None:
    sid = "c22d24f6-5a47-4597-9a23-c7d01e696b92"
    member = {
        "id": "m1",
        "room_session_id": sid,
        "name": "Ann",
        "join_time": "2026-11-22T09:00:00Z",
        "leave_time": "2026-11-22T09:10:00Z",
        "duration": 600,
        "cost_in_dollars": 0.03,
    }
    members = [
        member,
        {**member, "id": None},
        {**member, "id": "m2", "join_time": "yesterday"},
        {**member, "id": "m3", "join_time": None, "leave_time": None, "duration": None},
        {**member, "id": "m4", "name": "[red]boom[/]\x1b[2J" + "y" * 10_000},
    ]
    p = make_provider(serve(page_of(*members)))
    got = (await p.list_participants(sid, None, 50)).items
    assert [m.problem is None for m in got] == [True, False, False, True, True]
    assert got[0].duration_s == 600.0 and got[0].name == "Ann"
    assert got[1].problem is not None and got[1].problem.startswith("id:")
    assert got[2].problem is not None and got[2].problem.startswith("join_time:") and got[2].id == "m2"
    assert got[3].joined_at is None and got[3].duration_s is None
    assert got[4].name.startswith("[red]boom[/]\x1b[2J") and len(got[4].name) <= 500

    event = {
        "id": "e1",
        "project_id": DEMO_PROJECT_ID,
        "room_id": sid,
        "room_session_id": sid,
        "level": "info",
        "name": "member.left",
        "payload": {"member": {"id": "m1", "name": "Ann"}, "reason": "hangup"},
        "created_at": "2026-11-22T09:10:00Z",
    }
    events = [
        event,
        {**event, "id": "e2", "payload": "not an object"},
        {**event, "id": "e3", "created_at": 17.5e30},
        {**event, "id": "e4", "name": "room.something_new", "level": "critical", "new_field": True},
        {k: v for k, v in event.items() if k != "id"},
    ]
    p = make_provider(serve(page_of(*events)))
    got_events = (await p.list_events(sid, None, 50)).items
    assert len(got_events) == 5
    first = got_events[0]
    assert (first.kind, first.participant_id, first.participant_name, first.detail) == (
        EventKind.LEAVE,
        "m1",
        "Ann",
        "hangup",
    )
    assert got_events[1].problem is not None and got_events[1].problem.startswith("payload:")
    # An absurd time is an unreadable value: the event stays, without a time.
    assert got_events[2].problem is None and got_events[2].at is None and got_events[2].id == "e3"
    new = got_events[3]
    assert new.problem is None and new.kind is EventKind.OTHER and new.level == "critical"
    assert new.extra["new_field"] is True
    assert got_events[4].problem is not None and got_events[4].problem.startswith("id:")

    recording = {
        "id": "r1",
        "room_session_id": sid,
        "status": "completed",
        "started_at": "2026-11-22T09:00:00Z",
        "finished_at": "2026-11-22T09:02:00Z",
        "duration": 120,
        "size_in_bytes": 1000,
        "format": "video/mp4",
        "cost_in_dollars": 0.01,
        "uri": "https://files.example/r1",
        "created_at": "2026-11-22T09:00:00Z",
        "updated_at": "2026-11-22T09:02:00Z",
    }
    recordings = [
        recording,
        {**recording, "id": "r2", "size_in_bytes": "big"},
        {**recording, "id": "r3", "status": "archived", "uri": None},
    ]
    p = make_provider(serve(page_of(*recordings)))
    got_recordings = (await p.list_recordings(sid, None, 50)).items
    assert got_recordings[0].problem is None and got_recordings[0].size_bytes == 1000
    assert got_recordings[1].problem is not None and got_recordings[1].problem.startswith("size_in_bytes:")
    assert got_recordings[2].status == "archived" and got_recordings[2].url is None
    assert got_recordings[2].url_expires_at is None
    await p.aclose()


# ---------------------------------------------------------------------------------------
# Event names


@pytest.mark.parametrize(
    ("name", "payload", "kind"),
    [
        ("room.started", {}, EventKind.SESSION_START),
        ("room.ended", {}, EventKind.SESSION_END),
        ("member.joined", {"member": {"type": "member"}}, EventKind.JOIN),
        ("member.joined", {"member": {"type": "screen"}}, EventKind.SCREENSHARE_START),
        ("member.left", {"member": {"type": "screen"}}, EventKind.SCREENSHARE_STOP),
        ("member.updated", {"member": {"audio_muted": True, "updated": ["audio_muted"]}}, EventKind.MUTE),
        ("member.updated", {"member": {"audio_muted": False}}, EventKind.UNMUTE),
        (
            "member.updated",
            {"member": {"audio_muted": True, "video_muted": True, "updated": ["video_muted"]}},
            EventKind.VIDEO_OFF,
        ),
        ("member.updated.videoMuted", {"member": {"video_muted": False}}, EventKind.VIDEO_ON),
        ("member.updated", {"muted": True}, EventKind.MUTE),
        ("member.updated", {"unmuted": True}, EventKind.UNMUTE),
        ("member.updated", {"member": {"visible": True}}, EventKind.OTHER),
        ("recording.started", {}, EventKind.RECORDING_START),
        ("recording.ended", {}, EventKind.RECORDING_STOP),
        ("layout.changed", {}, EventKind.OTHER),
        ("", {}, EventKind.OTHER),
    ],
)
def test_event_kind(name: str, payload: dict[str, Any], kind: EventKind) -> None:
    assert event_kind(name, payload) is kind


def test_fake_links_carry_the_paging_values(fake: FakeSignalWire) -> None:
    response = fake.route(httpx.Request("GET", f"{BASE}{API}/room_sessions?page_size=3&status=completed"))
    links = json.loads(response.content)["links"]
    query = dict(parse_qsl(urlsplit(links["next"]).query))
    assert urlsplit(links["next"]).netloc == DEMO_HOST
    assert query["page_number"] == "1" and query["page_size"] == "3" and query["status"] == "completed"
    assert query["page_token"].startswith("PT")
