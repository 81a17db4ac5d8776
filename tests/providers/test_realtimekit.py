"""Cloudflare RealtimeKit: the adapter against its fake API and the (reconstructed) spec."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from roomscope.tui.demo.world import DemoParticipant, DemoSession, DemoWorld
from roomscope.tui.fakes.realtimekit import (
    DEMO_ACCOUNT_ID,
    DEMO_API_TOKEN,
    DEMO_APP_ID,
    FakeRealtimeKit,
    demo_provider,
    peer_id,
    present_s,
)
from roomscope.tui.models import EventKind, Metric, SessionQuery, SessionStatus, SortKey
from roomscope.tui.providers.base import (
    AuthError,
    BadPayloadError,
    Capability,
    ForbiddenError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    UnavailableError,
)
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.providers.realtimekit import API_BASE, MAX_PER_PAGE, RealtimeKitProvider
from roomscope.tui.providers.realtimekit.errors import error_detail
from roomscope.tui.quality import mos_estimate
from tests.conftest import NOW, fixed_now
from tests.support.openapi import examples, requires_specs, template_for, validate_body

PREFIX = f"/accounts/{DEMO_ACCOUNT_ID}/realtime/kit/{DEMO_APP_ID}"
BASE_PATH = "/client/v4"


class Sleeps:
    """A stand-in for asyncio.sleep that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_provider(
    transport: httpx.AsyncBaseTransport,
    *,
    token: str = DEMO_API_TOKEN,
    account_id: str = DEMO_ACCOUNT_ID,
    sleep: Sleeps | None = None,
    **options: Any,
) -> RealtimeKitProvider:
    return RealtimeKitProvider(
        "rtk-test",
        api_token=token,
        account_id=account_id,
        app_id=DEMO_APP_ID,
        transport=transport,
        clock=fixed_now,
        sleep=sleep or Sleeps(),
        **options,
    )


@pytest.fixture
def fake(world: DemoWorld) -> FakeRealtimeKit:
    return FakeRealtimeKit(world, clock=fixed_now)


@pytest.fixture
def legacy(world: DemoWorld) -> FakeRealtimeKit:
    return FakeRealtimeKit(world, clock=fixed_now, generation="legacy", wrap_session=True)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def provider(fake: FakeRealtimeKit, sleeps: Sleeps) -> RealtimeKitProvider:
    return make_provider(fake.transport(), sleep=sleeps)


# ---------------------------------------------------------------------------------------
# The world, as the tests expect to see it


def started(world: DemoWorld) -> list[DemoSession]:
    """Sessions that exist at NOW, newest first."""
    return [s for s in (world.session(i) for i in range(world.size)) if s.start <= NOW]


def find_session(world: DemoWorld, test: Callable[[DemoSession], bool]) -> DemoSession:
    for s in started(world):
        if test(s):
            return s
    raise AssertionError("the demo world has no such session")


def ended(world: DemoWorld, s: DemoSession) -> bool:
    return world.ended_at(s, NOW) is not None


def reconnecting(world: DemoWorld) -> tuple[DemoSession, DemoParticipant]:
    s = find_session(world, lambda s: s.incident == "reconnects" and ended(world, s))
    p = next(p for p in world.participants(s) if len(p.intervals) > 2)
    return s, p


def ids(items: list[Any]) -> list[str]:
    return [item.id for item in items]


async def fetch(
    fake: FakeRealtimeKit, path: str, params: dict[str, Any] | None = None, token: str = DEMO_API_TOKEN
) -> httpx.Response:
    async with httpx.AsyncClient(transport=fake.transport(), base_url=API_BASE) as client:
        return await client.get(
            path if path.startswith("/accounts/") else PREFIX + path,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )


def check_spec(response: httpx.Response) -> Any:
    path = response.request.url.path.removeprefix(BASE_PATH)
    template = template_for("realtimekit", path)
    body = response.json()
    validate_body("realtimekit", template, body, response.status_code)
    return body


# ---------------------------------------------------------------------------------------
# 1. Every fake response validates against the spec


@requires_specs
async def test_fake_session_lists_validate_against_spec(world: DemoWorld) -> None:
    for paging in ("top", "data"):
        fake = FakeRealtimeKit(world, clock=fixed_now, sessions_paging=paging)
        total = len(started(world))
        last = (total + 49) // 50
        for params in (
            {"page_no": 1, "per_page": 50},
            {"page_no": 2, "per_page": 50},
            {"page_no": last, "per_page": 50},
            {"page_no": last + 1, "per_page": 50},
            {"status": "LIVE"},
            {"status": "ENDED", "sort_by": "createdAt", "sort_order": "ASC"},
            {"start_time": "2026-11-20T00:00:00.000Z", "end_time": "2026-11-21T00:00:00.000Z"},
            {"search": "standup"},
            {"sort_by": "minutesConsumed", "sort_order": "DESC", "per_page": 5},
        ):
            response = await fetch(fake, "/sessions", params)
            assert response.status_code == 200, response.text
            body = check_spec(response)
            paging_holder = body if paging == "top" else body["data"]
            assert paging_holder["paging"]["total_count"] >= len(body["data"]["sessions"])


@requires_specs
async def test_fake_session_and_participant_bodies_validate_against_spec(
    world: DemoWorld, fake: FakeRealtimeKit, legacy: FakeRealtimeKit
) -> None:
    s, p = reconnecting(world)
    live = find_session(world, lambda s: world.is_live(s, NOW))
    for source in (fake, legacy):
        for session in (s, live):
            check_spec(await fetch(source, f"/sessions/{session.id}"))
            check_spec(await fetch(source, f"/sessions/{session.id}", {"include_breakout_rooms": "true"}))
            for params in (
                {},
                {"include_peer_events": "true", "page_no": 1, "per_page": 2},
                {"include_peer_events": "true", "page_no": 2, "per_page": 2},
                {"sort_by": "duration", "sort_order": "DESC", "search": "a", "view": "consolidated"},
            ):
                check_spec(await fetch(source, f"/sessions/{session.id}/participants", params))
            first = world.visible_participants(session, NOW)[0]
            for params in ({}, {"include_peer_events": "true"}, {"filters": "device_info"}):
                path = f"/sessions/{session.id}/participants/{first.id}"
                check_spec(await fetch(source, path, params))
        body = check_spec(
            await fetch(source, f"/sessions/{s.id}/participants/{p.id}", {"include_peer_events": "true"})
        )
        has_quality = "quality_stats" in body["data"]["participant"]
        assert has_quality is (source is legacy)
    for k in range(len(p.intervals)):
        for params in (
            {},
            {"filters": "quality_stats"},
            {"filters": "events", "include_peer_events": "true"},
        ):
            body = check_spec(await fetch(fake, f"/sessions/peer-report/{peer_id(p, k)}", params))
            assert body["data"]["participant"]["id"] == p.id


@requires_specs
async def test_fake_artifacts_and_recordings_validate_against_spec(
    world: DemoWorld, fake: FakeRealtimeKit
) -> None:
    s = find_session(world, lambda s: s.recorded and ended(world, s))
    check_spec(await fetch(fake, f"/sessions/{s.id}/summary"))
    for fmt in ("SRT", "VTT", "JSON", "CSV"):
        body = check_spec(await fetch(fake, f"/sessions/{s.id}/transcript", {"format": fmt}))
        assert body["data"]["transcript_download_url"].endswith("." + fmt.lower())
    statuses = set()
    for session in [x for x in started(world) if ended(world, x)][:6]:
        response = await fetch(fake, f"/sessions/{session.id}/chat")
        body = check_spec(response)
        statuses.add(response.status_code)
        if response.status_code == 200:
            assert body["data"]["chat_download_url"].endswith(f"/chat/{session.id}.csv")
    assert statuses == {200, 404}
    for params in (
        {},
        {"meeting_id": s.room_id},
        {"page_no": 2, "per_page": 3},
        {
            "start_time": "2026-11-01T00:00:00.000Z",
            "end_time": "2026-11-10T00:00:00.000Z",
            "sort_order": "ASC",
        },
        {"status": "UPLOADED,RECORDING", "sort_by": "invokedTime", "expired": "false", "search": "a"},
    ):
        body = check_spec(await fetch(fake, "/recordings", params))
    one = body["data"][0]["id"]
    check_spec(await fetch(fake, f"/recordings/{one}"))


@requires_specs
async def test_fake_error_bodies_validate_against_spec(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    s = started(world)[3]
    cases = [
        (await fetch(fake, "/sessions", token="wrong-token"), 401),
        (await fetch(fake, f"/accounts/{'0' * 32}/realtime/kit/{DEMO_APP_ID}/sessions"), 403),
        (await fetch(fake, f"/sessions/{s.id[:-4]}0000"), 404),
        (await fetch(fake, "/sessions", {"status": "RUNNING"}), 400),
        (await fetch(fake, "/sessions", {"per_page": -1}), 400),
        (await fetch(fake, f"/sessions/{s.id}/transcript", {"format": "DOCX"}), 400),
        (await fetch(fake, "/recordings", {"meeting_id": "not-a-uuid"}), 400),
    ]
    for response, status in cases:
        assert response.status_code == status
        body = check_spec(response)
        assert body["success"] is False
    assert "errors" in cases[0][0].json() and cases[0][0].json()["result"] is None
    assert cases[3][0].json()["error"] == {"code": 400, "message": "status must be one of LIVE, ENDED"}


# ---------------------------------------------------------------------------------------
# 2. The spec's own examples


@requires_specs
async def test_adapter_reads_the_spec_participant_examples() -> None:
    template = "/accounts/{account_id}/realtime/kit/{app_id}/sessions/{session_id}/participants"
    bodies = examples("realtimekit", template)
    assert len(bodies) == 2
    session_id = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
    for body in bodies:
        provider = make_provider(
            httpx.MockTransport(lambda request, body=body: httpx.Response(200, json=body))
        )
        page = await provider.list_participants(session_id, None, 2)
        mark, henry = page.items
        raw_mark = body["data"]["participants"][0]
        assert mark.problem is None
        assert (mark.id, mark.name, mark.user_id, mark.external_id, mark.role) == (
            raw_mark["id"],
            "Mark",
            raw_mark["user_id"],
            "83qi0i",
            "webinar_participant",
        )
        assert mark.joined_at is not None and mark.joined_at.isoformat() == "2023-02-01T10:51:08.030000+00:00"
        assert mark.duration_s == pytest.approx(5.8097 * 60)
        # The published example has a stray quote in Henry's joined_at: his record is a
        # placeholder that names the field, and keeps his id and name.
        assert henry.problem is not None and henry.problem.startswith("joined_at")
        assert (henry.id, henry.name) == ("51fdf95f-d893-471a-922b-7db7adb14453", "Henry")
        assert page.total == 123 and page.next_cursor is not None
        if "peer_events" in raw_mark:
            assert mark.reconnects == 0
            events = await provider.list_events(session_id, None, 2)
            names = [(e.participant_id, e.kind, e.name) for e in events.items if e.problem is None]
            assert (mark.id, EventKind.JOIN, "PEER_JOINING") in names
            assert (mark.id, EventKind.LEAVE, "PEER_LEAVING") in names
            joining = next(e for e in events.items if e.name == "PEER_JOINING")
            assert joining.extra["peer_id"] == "79d87ca5-7e47-452a-b3c1-b6842ad84bf5"
            assert any(e.problem and e.participant_id == henry.id for e in events.items)
        await provider.aclose()


# ---------------------------------------------------------------------------------------
# 3. The adapter over the fake: sessions


async def test_sessions_page_through_to_the_end(
    world: DemoWorld, fake: FakeRealtimeKit, provider: RealtimeKitProvider
) -> None:
    expected = started(world)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await provider.list_sessions(SessionQuery(), cursor, 40)
        assert page.total == len(expected)
        seen.extend(ids(page.items))
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [s.id for s in expected]
    assert pages == (len(expected) + 39) // 40
    sent = [dict(r.url.params) for r in fake.requests]
    assert sent[0] == {"page_no": "1", "per_page": "40", "sort_by": "createdAt", "sort_order": "DESC"}
    assert sent[-1]["page_no"] == str(pages)


async def test_session_page_size_is_capped(fake: FakeRealtimeKit, provider: RealtimeKitProvider) -> None:
    page = await provider.list_sessions(SessionQuery(), None, 1000)
    assert len(page.items) == MAX_PER_PAGE
    assert fake.requests[-1].url.params["per_page"] == str(MAX_PER_PAGE)
    assert provider.capabilities >= {Capability.SEEK, Capability.TOTAL}


async def test_session_pages_can_be_addressed_directly(
    world: DemoWorld, provider: RealtimeKitProvider
) -> None:
    query = SessionQuery()
    assert provider.page_cursor(query, 0, 25) is None
    cursor = provider.page_cursor(query, 150, 25)
    page = await provider.list_sessions(query, cursor, 25)
    assert ids(page.items) == [s.id for s in started(world)[150:175]]
    with pytest.raises(BadPayloadError):
        await provider.list_sessions(query, "not-a-cursor", 25)


async def test_sessions_oldest_first(world: DemoWorld, provider: RealtimeKitProvider) -> None:
    query = SessionQuery(sort=SortKey.START, descending=False)
    page = await provider.list_sessions(query, None, 10)
    assert ids(page.items) == [s.id for s in reversed(started(world))][:10]
    assert SortKey.START in provider.sort_keys


async def test_status_filter(world: DemoWorld, fake: FakeRealtimeKit, provider: RealtimeKitProvider) -> None:
    live = [s.id for s in started(world) if world.is_live(s, NOW)]
    assert live
    page = await provider.list_sessions(SessionQuery(status=SessionStatus.LIVE), None, 100)
    assert ids(page.items) == live and page.total == len(live)
    assert all(s.status is SessionStatus.LIVE and s.ended_at is None for s in page.items)
    assert fake.requests[-1].url.params["status"] == "LIVE"
    page = await provider.list_sessions(SessionQuery(status=SessionStatus.ENDED), None, 100)
    assert page.total == len(started(world)) - len(live)
    assert all(s.status is SessionStatus.ENDED and s.ended_at is not None for s in page.items)


async def test_time_filter(world: DemoWorld, fake: FakeRealtimeKit, provider: RealtimeKitProvider) -> None:
    since, until = NOW - timedelta(days=3), NOW - timedelta(days=2)
    expected = [s.id for s in started(world) if since <= s.start <= until]
    page = await provider.list_sessions(SessionQuery(since=since, until=until), None, 100)
    assert ids(page.items) == expected and page.total == len(expected)
    params = fake.requests[-1].url.params
    assert (params["start_time"], params["end_time"]) == (
        "2026-11-19T10:00:00.000Z",
        "2026-11-20T10:00:00.000Z",
    )


async def test_text_search(world: DemoWorld, provider: RealtimeKitProvider) -> None:
    target = started(world)[17]
    page = await provider.list_sessions(SessionQuery(text=target.id), None, 50)
    assert ids(page.items) == [target.id]
    page = await provider.list_sessions(SessionQuery(text=target.room_id), None, 100)
    assert target.id in ids(page.items) and all(s.room_id == target.room_id for s in page.items)
    page = await provider.list_sessions(SessionQuery(text="incident BRIDGE"), None, 100)
    expected = [s.id for s in started(world) if "incident bridge" in s.title.lower()]
    assert expected and ids(page.items) == expected


async def test_session_fields_match_the_world(world: DemoWorld, provider: RealtimeKitProvider) -> None:
    page = await provider.list_sessions(SessionQuery(), None, 30)
    for s, got in zip(started(world), page.items, strict=False):
        visible = world.visible_participants(s, NOW)
        end = world.ended_at(s, NOW)
        assert (got.id, got.name, got.room_id, got.profile) == (s.id, s.title, s.room_id, "rtk-test")
        assert got.started_at == s.start and got.ended_at == end
        assert got.duration_s == pytest.approx(((end or NOW) - s.start).total_seconds())
        assert got.status is (SessionStatus.LIVE if world.is_live(s, NOW) else SessionStatus.ENDED)
        assert got.max_concurrent == DemoProvider._max_concurrent(visible, NOW)
        minutes = sum(present_s(p, NOW) for p in visible) / 60
        assert got.extra["minutes_consumed (min)"] == pytest.approx(minutes, abs=0.01)
        assert got.participant_count is None


async def test_get_session_wrapped_or_not(
    world: DemoWorld, legacy: FakeRealtimeKit, provider: RealtimeKitProvider
) -> None:
    s = started(world)[5]
    plain = await provider.get_session(s.id)
    wrapped = await make_provider(legacy.transport()).get_session(s.id)
    assert plain == wrapped
    assert (plain.id, plain.name, plain.started_at) == (s.id, s.title, s.start)
    with pytest.raises(NotFoundError):
        await provider.get_session(s.id[:-4] + "ffff")


async def test_unreadable_session_details_mark_the_session(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    """The spec types timestamps as plain strings: a session whose ``started_at`` is not a
    timestamp (Prism answers ``"string"``) keeps the id asked for and says what is wrong,
    so its participants stay reachable; a body with no id at all is still unreadable."""
    s = started(world)[5]
    record = {**fake.session_record(s, NOW), "id": "string", "started_at": "string"}
    got = await make_provider(serve({"success": True, "data": record})).get_session(s.id)
    assert (got.id, got.name, got.started_at) == (s.id, s.title, None)
    assert got.problem is not None and got.problem.startswith("started_at") and "'string'" in got.problem
    with pytest.raises(BadPayloadError):
        await make_provider(serve({"success": True, "data": {"started_at": "string"}})).get_session(s.id)


# ---------------------------------------------------------------------------------------
# Participants, events


async def test_participants_match_the_world(world: DemoWorld, provider: RealtimeKitProvider) -> None:
    s = find_session(world, lambda s: len(world.visible_participants(s, NOW)) >= 7 and ended(world, s))
    expected = sorted(world.visible_participants(s, NOW), key=lambda p: (p.joined_at, p.index))
    got = []
    cursor = None
    while True:
        page = await provider.list_participants(s.id, cursor, 3)
        assert page.total == len(expected) and len(page.items) <= 3
        got.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert ids(got) == [p.id for p in expected]
    for p, mine in zip(expected, got, strict=True):
        assert (mine.name, mine.user_id, mine.external_id) == (p.name, p.user_id, p.external_id)
        assert mine.role == f"group_call_{p.role}"
        assert mine.joined_at == p.joined_at and mine.left_at == p.left_at
        assert mine.duration_s == pytest.approx(p.present_s, abs=0.01)
        assert mine.reconnects == p.reconnects
        assert mine.session_id == s.id


async def test_participant_device_and_network_in_both_generations(
    world: DemoWorld, fake: FakeRealtimeKit, legacy: FakeRealtimeKit
) -> None:
    s, p = reconnecting(world)
    for source in (fake, legacy):
        got = await make_provider(source.transport()).get_participant(s.id, p.id)
        assert got.device is not None and got.network is not None
        assert (got.device.browser, got.device.browser_version) == (p.browser, p.browser_version)
        assert (got.device.os, got.device.os_version) == (p.os, p.os_version)
        assert got.device.device_type == ("desktop" if p.device_type == "desktop" else "mobile")
        net = got.network
        assert (net.isp, net.asn, net.ip) == (p.isp, p.asn, p.ip)
        assert (net.city, net.region, net.country, net.connection_type) == (
            p.city,
            p.region,
            p.country,
            p.connection,
        )
        assert got.reconnects == len(p.intervals) - 1
        assert got.extra["peer_ids"] == [peer_id(p, k) for k in range(len(p.intervals))]
    # One request for the whole report of the participant's own peer (the single-valued
    # ``filters`` would need one request per section).
    asked = [r.url for r in fake.requests if "/peer-report/" in r.url.path]
    assert [(u.path.rsplit("/", 1)[-1], dict(u.params)) for u in asked] == [(p.id, {})]
    with pytest.raises(NotFoundError):
        await make_provider(fake.transport()).get_participant(s.id, s.id)


async def test_events_are_the_peer_lifecycle(world: DemoWorld, provider: RealtimeKitProvider) -> None:
    s, _p = reconnecting(world)
    lifecycle = {"join": EventKind.JOIN, "reconnect": EventKind.RECONNECT, "leave": EventKind.LEAVE}
    expected = sorted(
        (e.participant_id, lifecycle[e.kind], e.at) for e in world.events(s, NOW) if e.kind in lifecycle
    )
    got = []
    cursor = None
    while True:
        page = await provider.list_events(s.id, cursor, 2)
        got.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert all(e.problem is None for e in got)
    assert sorted((e.participant_id, e.kind, e.at) for e in got if e.kind in lifecycle.values()) == expected
    created = [e for e in got if e.name == "PEER_CREATED"]
    assert created and all(e.kind is EventKind.OTHER for e in created)


async def test_one_participants_events_include_client_events(
    world: DemoWorld, fake: FakeRealtimeKit, legacy: FakeRealtimeKit
) -> None:
    s = find_session(
        world,
        lambda s: (
            ended(world, s)
            and any(e.kind == "mute" for e in world.events(s, NOW))
            and s.incident == "reconnects"
        ),
    )
    who = next(e.participant_id for e in world.events(s, NOW) if e.kind == "mute")
    assert who is not None
    kinds = {
        "mute": EventKind.MUTE,
        "unmute": EventKind.UNMUTE,
        "join": EventKind.JOIN,
        "leave": EventKind.LEAVE,
    }
    kinds |= {
        "screenshare_start": EventKind.SCREENSHARE_START,
        "screenshare_stop": EventKind.SCREENSHARE_STOP,
    }
    kinds |= {"reconnect": EventKind.RECONNECT}
    expected = sorted(
        (kinds[e.kind], e.at) for e in world.events(s, NOW) if e.participant_id == who and e.kind in kinds
    )
    for source in (fake, legacy):
        page = await make_provider(source.transport()).list_events(s.id, None, 100, participant_id=who)
        got = sorted((e.kind, e.at) for e in page.items if e.kind is not EventKind.OTHER)
        assert got == expected
        assert all(e.participant_id == who for e in page.items) and page.next_cursor is None


# ---------------------------------------------------------------------------------------
# Quality


def world_index(series_start: datetime, offset: float, samples_start: datetime) -> int:
    """The world sample a series value describes: values sit at the end of their 2 s."""
    at = series_start + timedelta(seconds=offset)
    return round((at - samples_start).total_seconds() / 2.0) - 1


def quality_participants(world: DemoWorld) -> list[tuple[DemoSession, DemoParticipant]]:
    picks = [reconnecting(world)]
    s = find_session(world, lambda s: s.incident == "loss_spike" and ended(world, s))
    picks.append((s, next(p for p in world.participants(s) if p.incident == "loss_spike")))
    s = find_session(world, lambda s: any(p.bitrate_base < 100 for p in world.visible_participants(s, NOW)))
    picks.append((s, next(p for p in world.visible_participants(s, NOW) if p.bitrate_base < 100)))
    s = find_session(world, lambda s: world.is_live(s, NOW) and len(world.visible_participants(s, NOW)) > 1)
    picks.append((s, world.visible_participants(s, NOW)[0]))
    return picks


TOLERANCE = {
    Metric.LOSS_SEND: 0.6,  # packets are whole: about 100 audio packets per 2 s sample
    Metric.LOSS_RECV: 0.6,
    Metric.BITRATE_SEND: 0.1,
    Metric.BITRATE_RECV: 0.1,
    Metric.JITTER: 1e-6,
    Metric.RTT: 1e-6,
}


async def test_peer_report_quality_matches_the_world(world: DemoWorld, provider: RealtimeKitProvider) -> None:
    for s, p in quality_participants(world):
        samples = world.samples(s, p, NOW)
        series = {q.metric: q for q in await provider.get_quality(s.id, p.id) if q.peer_id is None}
        # audio-only: no frame rate; video senders: sent and received fps, encoder limits
        video = (
            {Metric.FPS, Metric.FPS_SEND, Metric.CPU_LIMITED, Metric.BW_LIMITED}
            if p.bitrate_base >= 100
            else set()
        )
        assert set(series) == {*TOLERANCE, Metric.MOS, *video}, p.name
        for metric, tolerance in TOLERANCE.items():
            q = series[metric]
            world_values = samples.series[metric.value]
            assert q.offsets_s is not None and q.interval_s is None
            compared = 0
            for offset, value in zip(q.offsets_s, q.values, strict=True):
                if value is None:
                    continue
                expected = world_values[world_index(q.start, offset, samples.start)]
                assert expected is not None
                assert value == pytest.approx(expected, abs=tolerance), (metric, offset)
                compared += 1
            assert compared == sum(v is not None for v in world_values)
        mos = series[Metric.MOS]
        for offset, value in zip(mos.offsets_s or [], mos.values, strict=True):
            if value is not None:
                i = world_index(mos.start, offset, samples.start)
                worst = max(
                    samples.series["packet_loss_send"][i] or 0, samples.series["packet_loss_recv"][i] or 0
                )
                rtt, jitter = samples.series["rtt"][i] or 0, samples.series["jitter"][i] or 0
                assert value == pytest.approx(round(mos_estimate(rtt, jitter, worst), 2))
        if video:
            assert all(v is None or 0 < v <= 30 for v in series[Metric.FPS].values)
        assert abs((series[Metric.RTT].start - samples.start).total_seconds()) < 0.1
        assert series[Metric.LOSS_RECV].unit == "%" and series[Metric.BITRATE_SEND].unit == "kbps"
        assert not series[Metric.JITTER].unit_documented and not series[Metric.MOS].unit_documented
        gaps = sum(v is None for v in series[Metric.RTT].values)
        assert gaps == len(p.intervals) - 1  # one break per reconnect
    await provider.aclose()


async def test_legacy_quality_stats_are_read(world: DemoWorld, legacy: FakeRealtimeKit) -> None:
    provider = make_provider(legacy.transport())
    s, p = reconnecting(world)
    samples = world.samples(s, p, NOW)
    series = {q.metric: q for q in await provider.get_quality(s.id, p.id)}
    assert set(series) == {Metric.JITTER, Metric.MOS, Metric.FPS}
    jitter = series[Metric.JITTER]
    values = [v for v in jitter.values if v is not None]
    assert values == [v for v in samples.series["jitter"] if v is not None]
    assert all(1.0 <= (v or 1.0) <= 4.5 for v in series[Metric.MOS].values)
    assert "legacy" in jitter.source
    # the peer-report path was tried once for the first peer, then the legacy data used
    peer_reports = [r for r in legacy.requests if "/peer-report/" in r.url.path]
    assert len(peer_reports) == 1


async def test_quality_without_reports_is_empty(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    s, p = reconnecting(world)
    fake.inject(
        404,
        {"success": False, "error": {"code": 404, "message": "No report"}},
        path_contains="peer-report",
        times=99,
    )
    assert await make_provider(fake.transport()).get_quality(s.id, p.id) == []


async def test_quality_samples_that_are_unreadable_are_skipped(world: DemoWorld) -> None:
    s, p = reconnecting(world)
    sample = {"producer_id": "x", "bytes_sent": 0, "packets_sent": 0, "packets_lost": 0}
    quality = {
        "audio_producer": [
            {**sample, "timestamp": "2026-11-22T09:00:00.000Z"},
            {**sample, "timestamp": "garbage", "bytes_sent": 10},
            {**sample, "timestamp": 12345, "bytes_sent": 10},
            "not an object",
            {
                **sample,
                "timestamp": "2026-11-22T09:00:02.000Z",
                "bytes_sent": 25_000,
                "packets_sent": 100,
                "packets_lost": 3,
                "jitter": 4.0,
                "rtt": 80.0,
                "mos_quality": 4.1,
            },
        ],
        "audio_consumer": "not a list",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if "/peer-report/" in request.url.path:
            return httpx.Response(
                200, json={"success": True, "data": {"participant": {"peer_report": {"quality": quality}}}}
            )
        return httpx.Response(200, json={"success": True, "data": {"participant": {"id": p.id}}})

    series = {q.metric: q for q in await make_provider(httpx.MockTransport(handler)).get_quality(s.id, p.id)}
    assert series[Metric.BITRATE_SEND].values == [100.0]
    assert series[Metric.LOSS_SEND].values == [3.0]
    assert series[Metric.RTT].offsets_s == [2.0]
    assert Metric.LOSS_RECV not in series


# ---------------------------------------------------------------------------------------
# Field-level tolerance of participant details and peer reports (the spec changed shape
# twice in 2026; its schemas type timestamps and ids as plain strings)


def tampered(fake: FakeRealtimeKit, edit: Callable[[str, dict[str, Any]], None]) -> httpx.MockTransport:
    """The fake, with ``edit(path, body)`` applied to each successful JSON body."""
    inner = fake.transport()

    async def handler(request: httpx.Request) -> httpx.Response:
        response = await inner.handle_async_request(request)
        await response.aread()
        if response.status_code != 200:
            return response
        body = json.loads(response.content)
        edit(request.url.path, body)
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handler)


def is_details(path: str, p: DemoParticipant) -> bool:
    return path.endswith(f"/participants/{p.id}")


async def test_participant_details_keep_what_is_readable(world: DemoWorld, legacy: FakeRealtimeKit) -> None:
    """Unreadable fields of the details are left out and named in ``problem``; an id that
    is not a UUID is replaced by the id asked for. Only a body that is no participant at
    all is a BadPayloadError."""
    s, p = reconnecting(world)
    plain = await make_provider(legacy.transport()).get_participant(s.id, p.id)
    assert plain.problem is None and plain.device is not None

    def edit(path: str, body: dict[str, Any]) -> None:
        if is_details(path, p):
            body["data"]["participant"] |= {"id": "string", "joined_at": "string", "left_at": 12345}

    got = await make_provider(tampered(legacy, edit)).get_participant(s.id, p.id)
    assert (got.id, got.session_id, got.name, got.user_id) == (p.id, s.id, p.name, p.user_id)
    assert (got.joined_at, got.left_at) == (None, None)
    assert got.duration_s == plain.duration_s  # ``duration`` was readable
    assert (got.device, got.network, got.reconnects) == (plain.device, plain.network, plain.reconnects)
    assert got.problem is not None
    assert got.problem.startswith("id: not a usable participant id (got 'string')")
    assert got.problem.endswith("(+2 more: joined_at, left_at)")

    def blank_id(path: str, body: dict[str, Any]) -> None:
        if is_details(path, p):
            body["data"]["participant"]["id"] = "  "

    got = await make_provider(tampered(legacy, blank_id)).get_participant(s.id, p.id)
    assert got.id == p.id and got.joined_at == plain.joined_at
    assert got.problem is not None and got.problem.startswith("id:") and "more" not in got.problem

    unreadable: list[object] = [[], {"participant": "string"}, {"participant": None}, {"something": "else"}]
    for data in unreadable:
        with pytest.raises(BadPayloadError):
            await make_provider(serve({"success": True, "data": data})).get_participant(s.id, p.id)


async def test_quality_survives_unreadable_details(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    """A details body with a placeholder id, unreadable times and a peer event naming no
    usable peer still gives the participant's quality: the reports are asked for with the
    id asked for and the real peers (a peer event with an unreadable time included), never
    with the unusable id."""
    s, p = reconnecting(world)
    expected = await make_provider(fake.transport()).get_quality(s.id, p.id)
    assert expected
    fake.requests.clear()

    def edit(path: str, body: dict[str, Any]) -> None:
        if is_details(path, p):
            participant = body["data"]["participant"]
            participant |= {"id": "string", "joined_at": "string", "created_at": "string"}
            last = peer_id(p, len(p.intervals) - 1)
            for event in participant["peer_events"]:
                if event["peer_id"] == last:  # a peer known only from events with no time
                    event["created_at"] = "string"
            participant["peer_events"].append(
                {"event_name": "PEER_CREATED", "peer_id": "string", "created_at": "string"}
            )

    got = await make_provider(tampered(fake, edit)).get_quality(s.id, p.id)
    assert got == expected
    asked = {r.url.path.rsplit("/", 1)[-1] for r in fake.requests if "/peer-report/" in r.url.path}
    assert asked == {peer_id(p, k) for k in range(len(p.intervals))}


async def test_quality_reads_a_peer_report_whose_owner_is_unreadable(
    world: DemoWorld, fake: FakeRealtimeKit
) -> None:
    """A report whose ``session_id`` is not an id proves nothing: it is read. One that
    names another session is still not this session's."""
    s, p = reconnecting(world)
    expected = await make_provider(fake.transport()).get_quality(s.id, p.id)

    def owner(value: Any) -> Callable[[str, dict[str, Any]], None]:
        def edit(path: str, body: dict[str, Any]) -> None:
            if "/peer-report/" in path:
                body["data"]["participant"]["session_id"] = value

        return edit

    for unreadable in ("string", "", None, 42):
        assert await make_provider(tampered(fake, owner(unreadable))).get_quality(s.id, p.id) == expected
    other = "0f0f0f0f-0000-4000-8000-00000000ffff"
    assert await make_provider(tampered(fake, owner(other))).get_quality(s.id, p.id) == []


async def test_unreadable_samples_are_counted_and_values_left_out(world: DemoWorld) -> None:
    """Samples with no readable timestamp are dropped and counted in each series'
    ``source``; a sample with one unreadable value keeps the others."""
    s, p = reconnecting(world)
    sample = {"producer_id": "x", "bytes_sent": 0, "packets_sent": 0, "packets_lost": 0}
    quality = {
        "audio_producer": [
            {**sample, "timestamp": "2026-11-22T09:00:00.000Z"},
            {**sample, "timestamp": "string", "bytes_sent": 10},
            {**sample, "timestamp": 12345, "bytes_sent": 10},
            "not an object",
            {
                **sample,
                "timestamp": "2026-11-22T09:00:02.000Z",
                "bytes_sent": 25_000,
                "packets_sent": 100,
                "packets_lost": 3,
                "rtt": 80.0,
            },
            {
                **sample,
                "timestamp": "2026-11-22T09:00:04.000Z",
                "bytes_sent": 50_000,
                "packets_sent": 200,
                "packets_lost": 3,
                "rtt": "string",
            },
        ],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if "/peer-report/" in request.url.path:
            return httpx.Response(
                200, json={"success": True, "data": {"participant": {"peer_report": {"quality": quality}}}}
            )
        return httpx.Response(200, json={"success": True, "data": {"participant": {"id": p.id}}})

    series = {q.metric: q for q in await make_provider(httpx.MockTransport(handler)).get_quality(s.id, p.id)}
    assert series[Metric.BITRATE_SEND].values == [100.0, 100.0]
    assert series[Metric.LOSS_SEND].values == [3.0, 0.0]
    assert (series[Metric.RTT].offsets_s, series[Metric.RTT].values) == ([2.0, 4.0], [80.0, None])
    note = "3 unreadable samples dropped (no readable timestamp); 1 unreadable value ignored"
    assert all(q.source.endswith("; " + note) for q in series.values())


async def test_unreadable_legacy_samples_are_counted(world: DemoWorld, legacy: FakeRealtimeKit) -> None:
    s, p = reconnecting(world)
    expected = {q.metric: q for q in await make_provider(legacy.transport()).get_quality(s.id, p.id)}

    def edit(path: str, body: dict[str, Any]) -> None:
        if is_details(path, p):
            stats = body["data"]["participant"]["quality_stats"]
            stats[0]["peer_id"] = "string"
            stats[0]["audio_stats"][0]["timestamp"] = "string"

    got = {q.metric: q for q in await make_provider(tampered(legacy, edit)).get_quality(s.id, p.id)}
    assert set(got) == set(expected)
    for metric, q in got.items():
        assert q.source == expected[metric].source + "; 1 unreadable sample dropped (no readable timestamp)"


# ---------------------------------------------------------------------------------------
# Recordings, artifacts, check


async def test_recordings_of_a_session(
    world: DemoWorld, fake: FakeRealtimeKit, provider: RealtimeKitProvider
) -> None:
    s = find_session(world, lambda s: s.recorded and ended(world, s) and len(world.recordings(s, NOW)) > 1)
    recordings = (await provider.list_recordings(s.id, None, 50)).items
    expected = world.recordings(s, NOW)
    assert ids(recordings) == [r.id for r in expected]
    for mine, r in zip(recordings, expected, strict=True):
        assert (mine.session_id, mine.status, mine.format, mine.url) == (s.id, "UPLOADED", "mp4", r.url)
        assert (mine.started_at, mine.ended_at, mine.size_bytes) == (r.started_at, r.ended_at, r.size_bytes)
        assert mine.duration_s == pytest.approx((r.ended_at - r.started_at).total_seconds())
        assert mine.url_expires_at == NOW + timedelta(hours=1)
        assert "storage" not in mine.extra and mine.extra["meeting"]["id"] == s.room_id
    params = fake.requests[-1].url.params
    assert params["meeting_id"] == s.room_id
    assert params["start_time"] == (s.start - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    unrecorded = find_session(world, lambda s: not s.recorded)
    assert (await provider.list_recordings(unrecorded.id, None, 50)).items == []


async def test_recordings_are_paged_and_filtered_by_session(world: DemoWorld) -> None:
    """Another session of the same meeting inside the window is not this session's."""
    s = find_session(world, lambda s: s.recorded and ended(world, s) and len(world.recordings(s, NOW)) > 1)
    other = {
        "id": "0f0f0f0f-0000-4000-8000-000000000001",
        "session_id": "0f0f0f0f-0000-4000-8000-00000000ffff",
        "status": "UPLOADED",
        "invoked_time": "2026-11-22T00:00:00.000Z",
        "output_file_name": "other.mp4",
        "audio_download_url": None,
        "download_url": None,
        "download_url_expiry": None,
        "file_size": None,
        "started_time": None,
        "stopped_time": None,
        "storage_config": {"type": "aws", "bucket": "b", "secret": "s3cr3t-value", "password": "pw-value"},
    }
    fake = FakeRealtimeKit(world, clock=fixed_now)
    inner = fake.transport()

    async def handler(request: httpx.Request) -> httpx.Response:
        response = await inner.handle_async_request(request)
        await response.aread()
        if request.url.path.endswith("/recordings"):
            body = json.loads(response.content)
            body["data"].append(other)
            mine = {**other, "id": "0f0f0f0f-0000-4000-8000-000000000002", "session_id": s.id}
            body["data"].append(mine)
            return httpx.Response(200, json=body)
        return response

    provider = make_provider(httpx.MockTransport(handler))
    first = await provider.list_recordings(s.id, None, 1)
    assert first.next_cursor is not None
    assert other["id"] not in ids(first.items)
    smuggled = next(r for r in first.items if r.id.endswith("0002"))
    assert smuggled.extra["storage"] == {"type": "aws", "bucket": "b"}
    assert "s3cr3t-value" not in json.dumps([r.model_dump(mode="json") for r in first.items])
    second = await provider.list_recordings(s.id, first.next_cursor, 1)
    assert world.recordings(s, NOW)[1].id in ids(second.items)
    with pytest.raises(BadPayloadError):
        await provider.list_recordings(s.id, "%%%", 1)


async def test_artifacts(world: DemoWorld, fake: FakeRealtimeKit, provider: RealtimeKitProvider) -> None:
    s = find_session(world, lambda s: s.recorded and ended(world, s))
    found = await provider.list_artifacts(s.id)
    kinds = {a.kind: a for a in reversed(found)}  # the first of each kind
    assert {"transcript", "summary"} <= set(kinds)
    assert kinds["transcript"].format == "csv" and kinds["summary"].format == "txt"
    # the transcript's other formats are offered beside the CSV
    transcripts = [(a.format, a.url) for a in found if a.kind == "transcript"]
    assert transcripts == [
        (fmt, f"https://demo.roomscope.invalid/transcript/{s.id}.{fmt}")
        for fmt in ("csv", "srt", "vtt", "json")
    ]
    assert kinds["summary"].url == f"https://demo.roomscope.invalid/summary/{s.id}.txt"
    assert kinds["summary"].expires_at == NOW + timedelta(hours=1)
    live = find_session(world, lambda s: world.is_live(s, NOW))
    assert await provider.list_artifacts(live.id) == []
    fake.inject(404, {"success": False, "error": {"code": 404, "message": "none"}}, path_contains="/summary")
    assert "summary" not in {a.kind for a in await provider.list_artifacts(s.id)}
    fake.inject(
        403,
        {
            "success": False,
            "errors": [{"code": 9109, "message": "Forbidden"}],
            "messages": [],
            "result": None,
        },
        path_contains="/transcript",
    )
    with pytest.raises(ForbiddenError):
        await provider.list_artifacts(s.id)


async def test_check_and_identity(provider: RealtimeKitProvider, world: DemoWorld) -> None:
    said = await provider.check()
    assert f"{len(started(world)):,} sessions" in said and DEMO_APP_ID in said
    assert DEMO_API_TOKEN not in said and DEMO_API_TOKEN not in provider.identity
    assert DEMO_ACCOUNT_ID in provider.identity and API_BASE in provider.identity


async def test_demo_provider(world: DemoWorld) -> None:
    provider = demo_provider(world, clock=fixed_now)
    page = await provider.list_sessions(SessionQuery(), None, 5)
    assert ids(page.items) == [s.id for s in started(world)[:5]] and provider.profile == "realtimekit-demo"
    await provider.aclose()


def test_missing_credentials_are_named() -> None:
    with pytest.raises(AuthError, match=r"CLOUDFLARE_API_TOKEN.*REALTIMEKIT_APP_ID"):
        RealtimeKitProvider("p", api_token="", account_id=DEMO_ACCOUNT_ID, app_id=" ")


# ---------------------------------------------------------------------------------------
# 4. Errors


async def test_bad_token_is_an_auth_error(fake: FakeRealtimeKit) -> None:
    provider = make_provider(fake.transport(), token="not-the-demo-token")
    with pytest.raises(AuthError) as caught:
        await provider.list_sessions(SessionQuery(), None, 10)
    assert type(caught.value) is AuthError
    assert "Authentication error (code 10000)" in str(caught.value)
    assert "not-the-demo-token" not in str(caught.value)


async def test_wrong_account_is_forbidden(fake: FakeRealtimeKit) -> None:
    provider = make_provider(fake.transport(), account_id="0" * 32)
    with pytest.raises(ForbiddenError, match="Unauthorized to access requested resource"):
        await provider.check()


async def test_unprocessable_request_carries_the_message(
    provider: RealtimeKitProvider, fake: FakeRealtimeKit
) -> None:
    fake.inject(422, {"success": False, "error": {"code": 422, "message": "per_page must be >= 0"}})
    with pytest.raises(ProviderError) as caught:
        await provider.list_sessions(SessionQuery(), None, 10)
    assert caught.value.status == 422 and "per_page must be >= 0" in str(caught.value)
    assert "Cloudflare RealtimeKit" in str(caught.value)


async def test_rate_limit_is_retried_after_the_hint(
    provider: RealtimeKitProvider, fake: FakeRealtimeKit, sleeps: Sleeps
) -> None:
    gateway = {
        "success": False,
        "errors": [{"code": 1015, "message": "rate limited"}],
        "messages": [],
        "result": None,
    }
    fake.inject(429, gateway, headers={"Retry-After": "3"})
    page = await provider.list_sessions(SessionQuery(), None, 10)
    assert len(page.items) == 10 and sleeps.waits == [3.0]
    fake.inject(429, gateway, headers={"Ratelimit": '"default";r=0;t=7'})
    await provider.list_sessions(SessionQuery(), None, 10)
    assert sleeps.waits == [3.0, 7.0]
    several = httpx.Response(429, headers={"Ratelimit": '"default";r=0;t=12, "burst";r=5;t=1'})
    assert error_detail(several).retry_after == 12.0 and error_detail(httpx.Response(429)).retry_after is None


async def test_rate_limit_exhausted(fake: FakeRealtimeKit) -> None:
    sleeps = Sleeps()
    provider = make_provider(fake.transport(), sleep=sleeps, max_attempts=3)
    fake.inject(
        429,
        {
            "success": False,
            "errors": [{"code": 1015, "message": "slow down"}],
            "messages": [],
            "result": None,
        },
        headers={"Ratelimit": '"default";r=0;t=300'},
        times=5,
    )
    with pytest.raises(RateLimitedError) as caught:
        await provider.check()
    assert caught.value.retry_after == 300.0 and sleeps.waits == []  # 300 s is over the wait budget
    assert "slow down" in str(caught.value) and DEMO_API_TOKEN not in str(caught.value)


async def test_server_errors_are_retried(
    provider: RealtimeKitProvider, fake: FakeRealtimeKit, sleeps: Sleeps
) -> None:
    fake.inject(500, {"success": False, "error": {"code": 500, "message": "boom"}}, times=2)
    page = await provider.list_sessions(SessionQuery(), None, 5)
    assert len(page.items) == 5 and len(sleeps.waits) == 2


async def test_malformed_json_and_envelopes(provider: RealtimeKitProvider, fake: FakeRealtimeKit) -> None:
    fake.inject(200, raw=b"{not json", headers={"content-type": "application/json"})
    with pytest.raises(BadPayloadError):
        await provider.list_sessions(SessionQuery(), None, 5)
    for body in (
        {"success": True, "data": {"sessions": {"a": 1}}},
        {"success": True, "data": []},
        [1, 2],
        {"success": True, "data": {}},
    ):
        fake.inject(200, body)
        with pytest.raises(BadPayloadError):
            await provider.list_sessions(SessionQuery(), None, 5)
    fake.inject(200, {"success": False, "error": {"code": 500, "message": "partial outage"}})
    with pytest.raises(ProviderError, match="partial outage"):
        await provider.list_sessions(SessionQuery(), None, 5)


async def test_network_errors(sleeps: Sleeps) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    provider = make_provider(httpx.MockTransport(handler), sleep=sleeps)
    with pytest.raises(UnavailableError) as caught:
        await provider.list_sessions(SessionQuery(), None, 5)
    assert caught.value.network is True and len(sleeps.waits) == 3
    assert DEMO_API_TOKEN not in str(caught.value)


# ---------------------------------------------------------------------------------------
# 5. Malformed records


def serve(body: dict[str, Any]) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, json=body))


async def test_malformed_sessions_cost_only_themselves(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    good = [fake.session_record(s, NOW) for s in started(world)[:3]]
    huge = "N" * 10_000
    raw = [
        good[0],
        {**good[1], "id": None},
        {**good[1], "started_at": None},
        {**good[1], "started_at": 1700000000},
        {**good[1], "id": 12345},
        {**good[2], "status": "PAUSED", "surprise": {"nested": True}},
        {**good[2], "id": "aaaaaaaa-0000-4000-8000-000000000001", "meeting_display_name": huge},
        {
            **good[2],
            "id": "aaaaaaaa-0000-4000-8000-000000000002",
            "meeting_display_name": "[bold]x[/]\x1b[2J",
        },
        "not an object",
    ]
    body = {
        "success": True,
        "data": {"sessions": raw},
        "paging": {"total_count": 9, "start_offset": 1, "end_offset": 9},
    }
    page = await make_provider(serve(body)).list_sessions(SessionQuery(), None, 10)
    items = page.items
    assert len(items) == 9 and page.total == 9 and page.next_cursor is None
    assert items[0].problem is None and items[0].id == good[0]["id"]
    assert items[1].problem and items[1].problem.startswith("id")
    assert items[2].problem and items[2].problem.startswith("started_at")
    assert items[3].problem and items[3].problem.startswith("started_at") and items[3].id == good[1]["id"]
    assert items[4].problem and items[4].problem.startswith("id") and items[4].id == "12345"
    assert items[5].problem is None and items[5].status is SessionStatus.UNKNOWN
    assert items[5].extra["status"] == "PAUSED" and items[5].extra["surprise"] == {"nested": True}
    assert items[6].problem is None and len(items[6].name) <= 500
    assert items[7].name == "[bold]x[/]\x1b[2J"
    assert items[8].problem is not None and items[8].id == "(record 9)"


async def test_malformed_participants_cost_only_themselves(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    s, _p = reconnecting(world)
    good = [fake.participant_record(s, p, NOW, peer_events=True) for p in world.participants(s)[:2]]
    raw = [
        good[0],
        {**good[1], "id": ""},
        {**good[1], "joined_at": ["2026"]},
        {**good[1], "duration": "long"},
        {
            **good[1],
            "peer_events": [
                {"event_name": "PEER_TELEPORTED", "created_at": "2026-11-22T09:00:00.000Z"},
                {"event_name": None},
            ],
        },
        {**good[1], "display_name": "Eve\x1b[2J[red]x[/red]" + "e" * 10_000},
    ]
    body = {
        "success": True,
        "data": {"participants": raw, "paging": {"total_count": 6, "start_offset": 1, "end_offset": 6}},
    }
    provider = make_provider(serve(body))
    page = await provider.list_participants(s.id, None, 10)
    items = page.items
    assert items[0].problem is None and items[0].id == good[0]["id"]
    assert items[1].problem and items[1].problem.startswith("id")
    assert (
        items[2].problem
        and items[2].problem.startswith("joined_at")
        and items[2].name == good[1]["display_name"]
    )
    assert items[3].problem and items[3].problem.startswith("duration")
    assert items[4].problem is None and items[4].reconnects == 0
    assert (
        items[5].problem is None
        and items[5].name.startswith("Eve\x1b[2J[red]x[/red]")
        and len(items[5].name) <= 500
    )
    events = (await provider.list_events(s.id, None, 10)).items
    odd = [e for e in events if e.name == "PEER_TELEPORTED"]
    assert odd and odd[0].kind is EventKind.OTHER and odd[0].problem is None
    assert any(e.problem and e.problem.startswith("event_name") for e in events)
    assert any(e.problem and "joined_at" in e.problem for e in events)
