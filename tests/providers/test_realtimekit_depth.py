"""Cloudflare RealtimeKit in depth: the whole peer report (connection checks, quality
totals, per-stream summaries, candidate pairs, encoder limits, per-sender receive loss),
the request budget, retention and the transcript's formats."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.fakes.realtimekit import FakeRealtimeKit, peer_id
from roomscope.tui.models import Metric
from roomscope.tui.providers.base import ForbiddenError, NotFoundError
from roomscope.tui.providers.realtimekit import RealtimeKitProvider
from roomscope.tui.providers.realtimekit.limiter import Budget, RequestLimiter
from tests.conftest import NOW
from tests.providers.test_realtimekit import (
    ended,
    find_session,
    make_provider,
    quality_participants,
    reconnecting,
    started,
)

SENDER_A = "aaaaaaaa-0000-4000-8000-000000000001"
SENDER_B = "bbbbbbbb-0000-4000-8000-000000000002"
ME = "cccccccc-0000-4000-8000-000000000003"
SESSION = "dddddddd-0000-4000-8000-000000000004"


@pytest.fixture
def fake(world: DemoWorld) -> FakeRealtimeKit:
    from tests.conftest import fixed_now

    return FakeRealtimeKit(world, clock=fixed_now)


def peer_reports(fake: FakeRealtimeKit) -> list[httpx.URL]:
    return [r.url for r in fake.requests if "/peer-report/" in r.url.path]


# ---------------------------------------------------------------------------------------
# The whole report, once


async def test_participant_reads_connection_totals_summaries_and_transport(
    world: DemoWorld, fake: FakeRealtimeKit
) -> None:
    s, p = reconnecting(world)
    got = await make_provider(fake.transport()).get_participant(s.id, p.id)
    assert [u.params.get("filters") for u in peer_reports(fake)] == [None]  # one request, no filter
    extra = got.extra
    check = extra["connection"]
    assert (check["rtt"], check["jitter"]) == (round(p.rtt_base, 1), round(p.jitter_base))
    assert check["connectivity"] == {
        "host": True,
        "reflexive": p.connection != "vpn",
        "relay": True,
        "turn": True,
    }
    assert check["location"] == "52.5200,13.4050" and check["units"].startswith("as reported")
    totals = extra["quality_totals"][0]
    assert totals["total_audio_packets"] > 0 and 0 <= totals["audio_loss_pct"] <= 100
    assert totals["audio_loss_pct"] == pytest.approx(
        100 * totals["total_audio_packets_lost"] / totals["total_audio_packets"], abs=1e-3
    )
    summary = extra["quality_summary"]
    assert {"audio_producer", "audio_consumer"} <= set(summary)
    assert set(summary["audio_producer"]["quality_mos"]) == {"avg", "p50", "p75", "p90"}
    assert "5_or_greater_event_fraction" in summary["audio_consumer"]["packet_loss"]
    transport = extra["transport"]
    assert (
        transport["producing"]["local_type"] == "srflx" and transport["producing"]["local_protocol"] == "udp"
    )
    assert (transport["relayed"], transport["tcp"]) == (False, False)
    assert got.network is not None and got.network.isp == p.isp


async def test_one_report_serves_details_events_and_quality(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    s, p = reconnecting(world)
    provider = make_provider(fake.transport())
    await provider.get_participant(s.id, p.id)
    await provider.list_events(s.id, None, 50, participant_id=p.id)
    await provider.get_quality(s.id, p.id)
    asked = [u.path.rsplit("/", 1)[-1] for u in peer_reports(fake)]
    assert sorted(asked) == sorted(peer_id(p, k) for k in range(len(p.intervals)))  # each peer once


async def test_encoder_limits_follow_the_world(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    provider = make_provider(fake.transport())
    checked = 0
    for s, p in quality_participants(world):
        samples = world.samples(s, p, NOW)
        series = {q.metric: q for q in await provider.get_quality(s.id, p.id) if q.peer_id is None}
        if Metric.CPU_LIMITED not in series or "cpu_limited" not in samples.video:
            continue
        cpu = [v for v in series[Metric.CPU_LIMITED].values if v is not None]
        world_cpu = [v for v in samples.video["cpu_limited"] if v is not None]
        assert cpu == pytest.approx(world_cpu[: len(cpu)], abs=0.2)
        assert not series[Metric.CPU_LIMITED].unit_documented
        assert all(v == 0.0 for v in series[Metric.BW_LIMITED].values if v is not None)
        assert series[Metric.FPS_SEND].values and series[Metric.LOSS_SEND].extra["cumulative"]
        checked += 1
    assert checked


# ---------------------------------------------------------------------------------------
# Per-sender receive loss, encoder limits and hostile values, from a hand-built report


def _consumer(t: int, sender: Any, received: int, lost: int, **more: Any) -> dict[str, Any]:
    return {
        "timestamp": f"2026-11-22T09:00:{t:02d}.000Z",
        "consumer_id": f"c-{sender}",
        "peer_id": sender,
        "bytes_received": received * 100,
        "packets_received": received,
        "packets_lost": lost,
        **more,
    }


def _producer(t: int, **more: Any) -> dict[str, Any]:
    return {
        "timestamp": f"2026-11-22T09:00:{t:02d}.000Z",
        "producer_id": "p-video",
        "bytes_sent": t * 10_000,
        "packets_sent": t * 100,
        "packets_lost": 0,
        **more,
    }


def report_transport(
    quality: dict[str, Any], participant: dict[str, Any] | None = None
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if "/peer-report/" in request.url.path:
            body = {"peer_report": {"quality": quality}, **(participant or {})}
            return httpx.Response(200, json={"success": True, "data": {"participant": body}})
        if request.url.path.endswith(f"/participants/{ME}"):
            return httpx.Response(200, json={"success": True, "data": {"participant": {"id": ME}}})
        return httpx.Response(404, json={"success": False, "error": {"code": 404, "message": "no"}})

    return httpx.MockTransport(handler)


async def test_receive_loss_per_sender() -> None:
    quality = {
        "audio_consumer": [
            _consumer(0, SENDER_A, 0, 0, jitter_buffer_delay=0.0, jitter_buffer_emitted_count=0),
            _consumer(2, SENDER_A, 90, 10, jitter_buffer_delay=4.5, jitter_buffer_emitted_count=90),
            _consumer(0, SENDER_B, 0, 0, concealment_events=0),
            _consumer(2, SENDER_B, 100, 0, concealment_events=7),
            _consumer(0, ME, 0, 0),  # its own media looped back: no sender series
            _consumer(2, ME, 50, 50),
            _consumer(0, "not-a-peer", 0, 0),  # no usable peer id: counted, not attributed
            _consumer(2, "not-a-peer", 100, 0),
        ]
    }
    got = await make_provider(report_transport(quality)).get_quality(SESSION, ME)
    pairs = {q.peer_id: q for q in got if q.peer_id is not None}
    assert set(pairs) == {SENDER_A, SENDER_B}
    assert all(q.metric is Metric.LOSS_RECV and q.participant_id == ME for q in pairs.values())
    assert pairs[SENDER_A].values == [10.0] and pairs[SENDER_B].values == [0.0]
    assert pairs[SENDER_A].extra["jitter_buffer_delay_ms_avg"] == pytest.approx(50.0)
    assert pairs[SENDER_B].extra["concealment_events"] == 7.0
    own = {q.metric: q for q in got if q.peer_id is None}
    assert own[Metric.LOSS_RECV].values == [round(100 * 60 / 400, 3)]  # every stream together


async def test_encoder_limits_from_durations_or_reason_and_hostile_values() -> None:
    quality = {
        "video_producer": [
            _producer(0, quality_limitation_durations={"cpu": 0, "bandwidth": 0}),
            _producer(2, quality_limitation_durations={"cpu": 1.0, "bandwidth": 0.5}),
            _producer(4, quality_limitation_durations={"cpu": 0.2, "bandwidth": "NaN"}),  # went back
            _producer(6, quality_limitation_reason="bandwidth"),
            _producer(8, quality_limitation_reason="\x1b[31mcpu"),  # not a reason WebRTC names
            _producer(10, quality_limitation_durations={"cpu": 1e300, "bandwidth": -5}),
        ]
    }
    got = {q.metric: q for q in await make_provider(report_transport(quality)).get_quality(SESSION, ME)}
    cpu, bw = got[Metric.CPU_LIMITED], got[Metric.BW_LIMITED]
    assert cpu.values[:3] == [50.0, None, 0.0] and bw.values[:3] == [25.0, None, 100.0]
    assert all(v is None or 0.0 <= v <= 100.0 for v in cpu.values + bw.values)


async def test_hostile_peer_stats_and_totals_cost_nothing_else() -> None:
    participant = {
        "peer_stats": {
            "events": [
                "not an object",
                {"metadata": {"connection_info": "text"}},
                {
                    "metadata": {
                        "connection_info": {
                            "r_t_t": "NaN",
                            "jitter": "@HUGE@",
                            "throughput": True,
                            "effective_network_type": "\x1b]0;pwned\x07wifi",
                            "connectivity": {"relay": "yes", "host": True},
                            "location": {"coords": {"latitude": 500, "longitude": 0}},
                            "ip_details": {"ip": ["1.2.3.4"], "city": "Berlin"},
                        }
                    }
                },
            ],
            "ip_information": {"org": "AS3320 Deutsche Telekom", "asn": "not an object"},
        },
        "quality_stats": [{"total_audio_packets": 100, "total_audio_packets_lost": 500}, 42, None],
        "peer_report": {
            "metadata": {
                "candidate_pairs": {
                    "producing_transport": [
                        {"nominated": False, "local_candidate_type": "host"},
                        {
                            "nominated": True,
                            "local_candidate_type": "RELAY",
                            "local_candidate_protocol": "TCP",
                        },
                    ],
                    "consuming_transport": "none",
                }
            },
            "quality": {"audio_producer_cumulative": {"packet_loss": {"avg": "x", "5_or_greater": 0.5}}},
        },
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if "/peer-report/" in request.url.path:
            body = json.dumps({"success": True, "data": {"participant": participant}})
            return httpx.Response(200, content=body.replace('"@HUGE@"', "1e400").encode())
        return httpx.Response(200, json={"success": True, "data": {"participant": {"id": ME}}})

    got = await make_provider(httpx.MockTransport(handler)).get_participant(SESSION, ME)
    check = got.extra["connection"]
    assert check["connectivity"] == {"host": True}
    assert "location" not in check and "rtt" not in check and "jitter" not in check
    assert got.network is not None
    assert (got.network.asn, got.network.isp, got.network.city) == ("AS3320", "Deutsche Telekom", "Berlin")
    assert got.network.ip is None
    assert got.extra["quality_totals"] == [{"total_audio_packets": 100.0, "total_audio_packets_lost": 500.0}]
    assert got.extra["transport"]["producing"] == {"local_type": "relay", "local_protocol": "tcp"}
    assert (got.extra["transport"]["relayed"], got.extra["transport"]["tcp"]) == (True, True)
    assert got.extra["quality_summary"] == {"audio_producer": {"packet_loss": {"5_or_greater": 0.5}}}


# ---------------------------------------------------------------------------------------
# The request budget


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


async def test_limiter_waits_for_room_in_each_window() -> None:
    clock = Clock()
    limiter = RequestLimiter(Budget(3, 10.0), Budget(2, 5.0), clock=clock, sleep=clock.sleep)
    for _ in range(3):
        await limiter.acquire()
    assert clock.waits == []
    await limiter.acquire()  # the fourth waits for the first to leave the 10 s window
    assert clock.waits == [10.0]
    await limiter.acquire(recordings=True)
    await limiter.acquire(recordings=True)
    await limiter.acquire(recordings=True)  # recordings: 2 per 5 s, and the API window too
    assert sum(clock.waits) >= 15.0 and limiter.waited_s == sum(clock.waits)


async def test_provider_spends_the_documented_budgets(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    clock = Clock()
    limiter = RequestLimiter(Budget(3_500, 300.0), Budget(1, 50.0), clock=clock, sleep=clock.sleep)
    provider = make_provider(fake.transport(), limiter=limiter)
    s = find_session(world, lambda s: s.recorded and ended(world, s) and len(world.recordings(s, NOW)) > 1)
    first = await provider.list_recordings(s.id, None, 1)
    await provider.list_recordings(s.id, first.next_cursor, 1)
    assert clock.waits == [50.0]  # the second recordings request waited for the recordings window
    default = RealtimeKitProvider("x", api_token="t", account_id="a", app_id="b", transport=fake.transport())
    assert (default.limiter._api.budget, default.limiter._recordings.budget) == (
        Budget(3_500, 300.0),
        Budget(1_000, 50.0),
    )


# ---------------------------------------------------------------------------------------
# Retention and the transcript's formats


async def test_a_404_says_what_retention_may_have_removed(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    s, _p = reconnecting(world)
    provider = make_provider(fake.transport())
    with pytest.raises(NotFoundError, match="call analytics for 6 months"):
        await provider.get_participant(s.id, "eeeeeeee-0000-4000-8000-000000000000")
    fake.inject(
        404, {"success": False, "error": {"code": 404, "message": "gone"}}, path_contains="/recordings"
    )
    with pytest.raises(NotFoundError, match="recordings and transcripts for 7 days"):
        await provider._get(["recordings", "abc"])


async def test_artifacts_of_a_session_past_retention_say_they_expired(
    world: DemoWorld, fake: FakeRealtimeKit
) -> None:
    old = next(
        (
            s
            for s in started(world)
            if ended(world, s) and NOW - (world.ended_at(s, NOW) or NOW) > timedelta(days=8)
        ),
        None,
    )
    if old is None:
        pytest.skip("the demo world has no session that ended over a week ago")
    fake.inject(
        404, {"success": False, "error": {"code": 404, "message": "none"}}, times=99, path_contains="/chat"
    )
    fake.inject(
        404,
        {"success": False, "error": {"code": 404, "message": "none"}},
        times=99,
        path_contains="/transcript",
    )
    fake.inject(
        404, {"success": False, "error": {"code": 404, "message": "none"}}, times=99, path_contains="/summary"
    )
    got = await make_provider(fake.transport()).list_artifacts(old.id)
    assert {a.kind for a in got} == {"chat", "transcript", "summary"}
    assert all(
        a.url is None and a.note and a.note.startswith("expired: ") and "7 days" in a.note for a in got
    )
    recent = find_session(
        world, lambda s: ended(world, s) and NOW - (world.ended_at(s, NOW) or NOW) < timedelta(days=1)
    )
    fresh = FakeRealtimeKit(world, clock=fake.clock)
    for kind in ("/chat", "/transcript", "/summary"):
        fresh.inject(
            404, {"success": False, "error": {"code": 404, "message": "none"}}, times=99, path_contains=kind
        )
    assert await make_provider(fresh.transport()).list_artifacts(recent.id) == []


async def test_a_failed_report_is_asked_for_again(world: DemoWorld, fake: FakeRealtimeKit) -> None:
    s, p = reconnecting(world)
    provider = make_provider(fake.transport())
    gateway = {
        "success": False,
        "errors": [{"code": 9109, "message": "Forbidden"}],
        "messages": [],
        "result": None,
    }
    fake.inject(403, gateway, path_contains="/peer-report/")
    with pytest.raises(ForbiddenError):
        await provider.get_quality(s.id, p.id)
    assert await provider.get_quality(s.id, p.id)  # not served the failure from memory
