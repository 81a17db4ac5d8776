"""The synthetic demo world (roomscope.tui.demo.world) and the demo provider
(roomscope.tui.providers.demo)."""

from __future__ import annotations

import dataclasses
import itertools
import unicodedata
from datetime import datetime, timedelta

import pytest

from roomscope.tui import quality
from roomscope.tui.demo.world import INCIDENT_KINDS, SAMPLE_INTERVAL_S, DemoSession, DemoWorld
from roomscope.tui.models import (
    Artifact,
    EventKind,
    Metric,
    Page,
    Participant,
    QualitySeries,
    Session,
    SessionQuery,
    SessionStatus,
    SortKey,
)
from roomscope.tui.providers.base import BadPayloadError, Capability, NotFoundError, Provider
from roomscope.tui.providers.demo import DemoProvider
from tests.conftest import NOW, fixed_now

# -- helpers -----------------------------------------------------------------------------------


def first_ended(world: DemoWorld, incident: str, *, skip: int = 0) -> DemoSession:
    """The ``skip``-th ended session of the world that carries ``incident``."""
    for i in range(world.size):
        s = world.session(i)
        if s.incident == incident and world.ended_at(s, NOW) is not None:
            if skip == 0:
                return s
            skip -= 1
    raise AssertionError(f"no ended {incident} session in the world")


def victim(world: DemoWorld, s: DemoSession) -> int:
    hits = [p.index for p in world.participants(s) if p.incident == s.incident]
    assert len(hits) == 1, hits
    return hits[0]


async def all_sessions(provider: DemoProvider, query: SessionQuery, limit: int = 100) -> list[Session]:
    out: list[Session] = []
    cursor: str | None = None
    while True:
        page = await provider.list_sessions(query, cursor, limit)
        out.extend(page.items)
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor


# -- determinism -------------------------------------------------------------------------------


def test_same_seed_size_and_now_give_the_same_world() -> None:
    a = DemoWorld(seed=11, size=300, now=NOW)
    b = DemoWorld(seed=11, size=300, now=NOW)
    for i in (0, 1, 2, 57, 150, 299):
        sa, sb = a.session(i), b.session(i)
        assert sa == sb
        pa, pb = a.participants(sa), b.participants(sb)
        assert pa == pb
        assert a.events(sa, NOW) == b.events(sb, NOW)
        assert a.recordings(sa, NOW) == b.recordings(sb, NOW)
        for p, q in zip(pa[:3], pb[:3], strict=True):
            assert a.samples(sa, p, NOW) == b.samples(sb, q, NOW)


def test_different_seeds_give_different_worlds() -> None:
    a = DemoWorld(seed=1, size=100, now=NOW)
    b = DemoWorld(seed=2, size=100, now=NOW)
    assert {a.session(i).id for i in range(100)}.isdisjoint({b.session(i).id for i in range(100)})
    names_a = [p.name for i in range(20) for p in a.participants(a.session(i))]
    names_b = [p.name for i in range(20) for p in b.participants(b.session(i))]
    assert names_a != names_b
    assert [a.session(i).start for i in range(20)] != [b.session(i).start for i in range(20)]


def test_a_session_does_not_depend_on_when_the_world_is_looked_at() -> None:
    now_world = DemoWorld(seed=7, size=500, now=NOW)
    later = DemoWorld(seed=7, size=500, now=NOW + timedelta(days=1))
    s = now_world.session(40)
    moved = later.index_of(s.id)
    assert moved is not None and moved > 40
    assert later.session(moved) == dataclasses.replace(s, index=moved)


# -- ids and ordering ------------------------------------------------------------------------


def test_session_ids_round_trip_through_index_of(world: DemoWorld) -> None:
    for i in (0, 1, 2, 3, 99, 250, 498, 499):
        s = world.session(i)
        assert world.index_of(s.id) == i
        assert world.index_of(s.id.upper()) == i


def test_unknown_ids_are_none(world: DemoWorld) -> None:
    other = DemoWorld(seed=8, size=500, now=NOW)
    bigger = DemoWorld(seed=7, size=2000, now=NOW)
    assert world.index_of(other.session(3).id) is None  # another seed made it
    assert world.index_of(bigger.session(1500).id) is None  # same seed, outside this world's span
    assert world.index_of("00000000-0000-4000-8000-000000000000") is None
    assert world.index_of("not-a-session") is None
    assert world.index_of("") is None
    with pytest.raises(IndexError):
        world.session(500)
    with pytest.raises(IndexError):
        world.session(-1)


def test_index_zero_is_newest_and_starts_never_increase(world: DemoWorld) -> None:
    starts = [world.session(i).start for i in range(world.size)]
    assert all(a >= b for a, b in itertools.pairwise(starts))
    assert starts[0] <= NOW
    assert NOW - starts[-1] <= world.span + timedelta(seconds=world.spacing_s)


def test_the_newest_session_has_always_started() -> None:
    # Whatever the clock says, index 0 is a session that has begun (never a future one
    # shown as "ended" with no duration).
    for k in range(60):
        now = NOW + timedelta(minutes=7 * k, seconds=13 * k)
        w = DemoWorld(seed=7, size=500, now=now)
        assert w.session(0).start <= now, now
        assert w.session(0).start > now - timedelta(seconds=2 * w.spacing_s)


def test_participant_counts_are_between_1_and_40(world: DemoWorld) -> None:
    counts = [world.session(i).participant_count for i in range(world.size)]
    assert min(counts) >= 1 and max(counts) <= 40
    assert max(counts) > 8  # big meetings exist
    for i in range(0, world.size, 25):
        s = world.session(i)
        assert len(world.participants(s)) == s.participant_count


def _scripts(name: str) -> set[str]:
    out = set()
    for ch in name:
        if ch.isalpha() and ord(ch) > 0x24F:
            out.add(unicodedata.name(ch, "?").split()[0])
    return out


def test_names_include_non_latin_scripts_and_emoji(world: DemoWorld) -> None:
    names = [p.name for i in range(80) for p in world.participants(world.session(i))]
    scripts = set().union(*(_scripts(n) for n in names))
    assert (
        len(scripts & {"CJK", "HANGUL", "CYRILLIC", "ARABIC", "HEBREW", "GREEK", "DEVANAGARI", "THAI"}) >= 3
    )
    assert any(any(unicodedata.category(ch) == "So" and ord(ch) > 0x2000 for ch in n) for n in names)
    assert len(set(names)) > len(names) // 2


def test_a_world_of_a_million_sessions_is_lazy() -> None:
    big = DemoWorld(seed=7, size=1_000_000, now=NOW)
    oldest = big.session(999_999)
    assert big.index_of(oldest.id) == 999_999
    assert oldest.start < big.session(0).start
    assert NOW - oldest.start <= big.span + timedelta(seconds=big.spacing_s)
    assert 1 <= len(big.participants(oldest)) <= 40
    with pytest.raises(IndexError):
        big.session(1_000_000)


# -- incidents -----------------------------------------------------------------------------


def test_every_incident_kind_occurs(world: DemoWorld) -> None:
    seen = {world.session(i).incident for i in range(world.size)}
    assert set(INCIDENT_KINDS) <= seen


async def test_loss_spike_is_the_victims_uplink_and_every_receiver_sees_it(
    world: DemoWorld, demo: DemoProvider
) -> None:
    s = first_ended(world, "loss_spike")
    p = world.participants(s)[victim(world, s)]
    series = {q.metric: q for q in await demo.get_quality(s.id, p.id)}
    loss = series[Metric.LOSS_SEND]
    mask = quality.held_mask(loss.values, lambda v: v > 10.0)
    assert max(e.duration_s for e in quality.episodes(loss, mask)) > 60.0
    verdict = quality.assess(quality.with_mos(list(series.values())))
    assert verdict.verdict is quality.Verdict.POOR
    assert verdict.metrics["packet_loss_send"].verdict is quality.Verdict.POOR
    # an uplink problem: the victim's own downlink stays clean ...
    assert verdict.metrics["packet_loss_recv"].verdict is quality.Verdict.GOOD
    # ... and every receiver present then loses the victim's media, and only the victim's
    window = world.incident_window_s(s)
    assert window is not None
    middle = s.start + timedelta(seconds=sum(window) / 2)
    receivers = [r for r in world.participants(s) if r is not p and r.joined_at <= middle < r.left_at]
    assert receivers
    for r in receivers:
        samples = world.samples(s, r, NOW, pairs=True)
        i = int((middle - samples.start).total_seconds() // samples.interval_s)
        from_victim = samples.pairs[p.id][i]
        assert from_victim is not None and from_victim > 10.0
        others = [v[i] for sender, v in samples.pairs.items() if sender != p.id and v[i] is not None]
        assert all(v is not None and v < 2.0 for v in others)
        aggregate = samples.series["packet_loss_recv"][i]
        assert aggregate is not None and 0.0 < aggregate <= from_victim  # the victim's share of it


def test_downlink_loss_hits_one_receiver_only(world: DemoWorld) -> None:
    s = first_ended(world, "downlink_loss")
    people = world.participants(s)
    p = people[victim(world, s)]
    window = world.incident_window_s(s)
    assert window is not None and s.participant_count >= 3
    lo, hi = (s.start + timedelta(seconds=t) for t in window)
    mine = world.samples(s, p, NOW, pairs=True)
    inside = [i for i in range(len(mine.series["rtt"])) if lo <= mine.start + timedelta(seconds=2 * i) < hi]
    assert len(inside) > 30
    assert all((mine.series["packet_loss_recv"][i] or 0) > 8.0 for i in inside)
    assert all((mine.series["packet_loss_send"][i] or 0) < 2.0 for i in inside)
    for sender, values in mine.pairs.items():  # it loses every sender's media
        assert all(values[i] is None or values[i] > 8.0 for i in inside), sender  # type: ignore[operator]
    for other in people:
        if other is p:
            continue
        theirs = world.samples(s, other, NOW, pairs=True)
        assert max(v for v in theirs.series["packet_loss_recv"] if v is not None) < 2.0
        assert max(v for v in theirs.series["packet_loss_send"] if v is not None) < 2.0


def test_cpu_limited_sender_drops_frames_with_a_clean_network(world: DemoWorld) -> None:
    s = first_ended(world, "cpu_limited")
    p = world.participants(s)[victim(world, s)]
    assert p.has_video
    window = world.incident_window_s(s)
    assert window is not None
    samples = world.samples(s, p, NOW)
    fps, cpu = samples.video["fps_send"], samples.video["cpu_limited"]
    offset = (samples.start - s.start).total_seconds()
    inside = [i for i in range(len(fps)) if window[0] <= offset + 2 * i < window[1]]
    outside = [i for i in range(len(fps)) if i not in inside and fps[i] is not None]
    assert inside and outside
    assert all((fps[i] or 99) < 15 and (cpu[i] or 0) >= 60 for i in inside)
    assert all((fps[i] or 0) > 20 and cpu[i] == 0 for i in outside)
    assert max(v for v in samples.series["packet_loss_send"] if v is not None) < 2.0


def test_every_incident_carries_its_truth(world: DemoWorld) -> None:
    from roomscope.tui.demo.world import INCIDENT_CAUSES

    seen = set()
    for i in range(world.size):
        s = world.session(i)
        truth = world.truth(s)
        if s.incident is None:
            assert truth is None
            continue
        assert truth is not None
        seen.add(s.incident)
        assert truth["kind"] == s.incident and truth["cause"] == INCIDENT_CAUSES[s.incident]
        who = truth["who"]
        assert isinstance(who, list) and who
        ids = {p.id for p in world.participants(s)}
        assert set(who) <= ids
        lo, hi = (datetime.fromisoformat(t) for t in truth["window"])  # type: ignore[attr-defined]
        assert s.start <= lo < hi <= s.planned_end
        for p in world.participants(s):
            assert (world.participant_truth(s, p) is not None) == (p.id in who)
        if s.incident == "everyone":
            assert len(who) >= 3  # "everyone" is a crowd
        else:
            assert len(who) == 1
    assert seen == set(INCIDENT_KINDS)


def test_clean_sessions_stay_inside_the_fair_thresholds(world: DemoWorld) -> None:
    clean = [world.session(i) for i in range(1, 120) if world.session(i).incident is None]
    assert len(clean) > 50
    for s in clean[:12]:
        for p in world.participants(s):
            series = quality.with_mos(
                [
                    QualitySeries(
                        provider="demo",
                        session_id=s.id,
                        participant_id=p.id,
                        metric=Metric(name),
                        unit="",
                        start=p.joined_at,
                        interval_s=2.0,
                        values=values,
                    )
                    for name, values in world.samples(s, p, NOW).series.items()
                ]
            )
            assert quality.assess(series).verdict in (quality.Verdict.GOOD, quality.Verdict.UNKNOWN), p.name


def test_a_page_of_a_ten_million_session_world_generates_that_page_only() -> None:
    huge = DemoWorld(seed=7, size=10_000_000, now=NOW)
    page = [huge.session(i) for i in range(5_000_000, 5_000_200)]
    truths = [huge.truth(s) for s in page]
    assert len({s.id for s in page}) == 200
    assert {t["kind"] for t in truths if t is not None} >= {"loss_spike", "downlink_loss"}
    # only the page's sessions (and the participants of its incidents) were ever made
    assert huge._session.cache_info().currsize == 200
    assert huge._participants.cache_info().currsize <= 200


def test_presence_counts_the_participants_a_live_row_shows() -> None:
    """``presence`` (made from each participant's first draws) says what counting the
    participants says: who has joined, the most connected at once so far, who is there."""
    huge = DemoWorld(seed=7, size=10_000_000, now=NOW)
    checked = 0
    for index in itertools.chain(range(0, 400, 3), range(30_000, 30_400, 7)):
        s = huge.session(index)
        moments = [NOW, s.start, s.start + timedelta(seconds=95.5), s.planned_end - timedelta(seconds=2)]
        fresh = DemoWorld(seed=7, size=10_000_000, now=NOW)  # counts before any participant is made
        for now in moments:
            got = fresh.presence(s, now)
            visible = huge.visible_participants(s, now)
            present = sum(1 for p in visible if p.left_at > now) if huge.is_live(s, now) else 0
            assert got == (len(visible), DemoProvider._max_concurrent(visible, now), present), (index, now)
        checked += 1
        assert fresh._participants.cache_info().currsize == 0
    assert checked > 150


async def test_everyone_incident_makes_most_participants_poor_at_once(
    world: DemoWorld, demo: DemoProvider
) -> None:
    s = first_ended(world, "everyone")
    people = world.participants(s)
    assert len(people) >= 4
    windows: list[tuple[datetime, datetime]] = []
    for p in people:
        report = quality.assess(quality.with_mos(await demo.get_quality(s.id, p.id)))
        if report.verdict is quality.Verdict.POOR:
            loss = report.metrics["packet_loss_send"]
            assert loss.episodes
            start = p.joined_at + timedelta(seconds=loss.episodes[0].start_s)
            windows.append((start, start + timedelta(seconds=loss.episodes[0].duration_s)))
    assert len(windows) * 2 > len(people)
    latest_start = max(w[0] for w in windows)
    earliest_end = min(w[1] for w in windows)
    assert latest_start < earliest_end  # one moment when all of them are poor


async def test_reconnects_participant_drops_four_or_more_times(world: DemoWorld, demo: DemoProvider) -> None:
    flaky = [world.session(i) for i in range(world.size) if world.session(i).incident == "reconnects"]
    assert flaky
    for s in flaky:
        p = world.participants(s)[victim(world, s)]
        assert 4 <= p.reconnects <= 7, (s.index, p.reconnects)
        ivs = p.intervals
        assert all(a.join < a.leave < b.join for a, b in itertools.pairwise(ivs))
        if world.ended_at(s, NOW) is not None:
            events = world.events(s, NOW)
            assert sum(1 for e in events if e.kind == "reconnect" and e.participant_id == p.id) >= 4
    s = first_ended(world, "reconnects")
    p = world.participants(s)[victim(world, s)]
    page = await demo.list_events(s.id, None, 1000, participant_id=p.id)
    assert sum(1 for e in page.items if e.kind is EventKind.RECONNECT) == p.reconnects
    rtt = next(q for q in await demo.get_quality(s.id, p.id) if q.metric is Metric.RTT)
    first = next(i for i, v in enumerate(rtt.values) if v is not None)
    last = max(i for i, v in enumerate(rtt.values) if v is not None)
    inside = rtt.values[first : last + 1]
    assert inside.count(None) >= 4 * 3  # every drop leaves at least a few samples' gap
    model = next(x for x in (await demo.list_participants(s.id, None, 100)).items if x.id == p.id)
    assert model.reconnects == p.reconnects


def test_high_rtt_participant_has_p95_above_500ms(world: DemoWorld) -> None:
    for skip in range(3):
        s = first_ended(world, "high_rtt", skip=skip)
        p = world.participants(s)[victim(world, s)]
        stats = quality.summarize(world.samples(s, p, NOW).series["rtt"])
        assert stats is not None and stats.p95 > 500.0
        assert p.connection in ("satellite", "vpn")


# -- timelines ---------------------------------------------------------------------------------


def test_timelines_start_with_the_session_and_end_with_it(world: DemoWorld) -> None:
    for i in range(1, world.size, 3):
        s = world.session(i)
        if world.ended_at(s, NOW) is None:
            continue
        events = world.events(s, NOW)
        assert events[0].kind == "session_start", (i, events[0])
        assert events[-1].kind == "session_end", (i, events[-1])
        assert all(s.start <= e.at <= s.planned_end for e in events), i
        for r in world.recordings(s, NOW):
            assert s.start <= r.started_at < r.ended_at <= s.planned_end, i


# -- samples and the clock -------------------------------------------------------------------


def test_samples_every_two_seconds_from_the_first_join(world: DemoWorld) -> None:
    s = world.session(30)
    p = world.participants(s)[0]
    samples = world.samples(s, p, NOW)
    assert samples.interval_s == SAMPLE_INTERVAL_S == 2.0
    assert samples.start == p.joined_at
    expected = int((min(p.left_at, NOW) - p.joined_at).total_seconds() // 2)
    assert {len(v) for v in samples.series.values()} == {expected}
    assert set(samples.series) == {
        "packet_loss_send",
        "packet_loss_recv",
        "bitrate_send",
        "bitrate_recv",
        "jitter",
        "rtt",
    }


def test_live_sessions_are_clamped_to_now(world: DemoWorld) -> None:
    live = [world.session(i) for i in range(5) if world.is_live(world.session(i), NOW)]
    assert live, "the fixture clock should have a live session at index 0"
    s = live[0]
    assert world.ended_at(s, NOW) is None
    events = world.events(s, NOW)
    assert events and all(e.at <= NOW for e in events)
    assert len(events) < len(world.events(s, s.planned_end))  # later ones exist but are hidden
    assert all(e.kind != "session_end" for e in events)
    assert all(r.started_at <= NOW for r in world.recordings(s, NOW))
    visible = world.visible_participants(s, NOW)
    assert visible and all(p.joined_at <= NOW for p in visible)
    longer = 0
    for p in visible:
        samples = world.samples(s, p, NOW)
        n = len(samples.series["rtt"])
        assert samples.start + timedelta(seconds=(n - 1) * samples.interval_s) <= NOW
        longer += len(world.samples(s, p, s.planned_end).series["rtt"]) > n
    assert longer > 0


# -- the demo provider ---------------------------------------------------------------------


def test_demo_provider_satisfies_the_protocol(demo: DemoProvider) -> None:
    assert isinstance(demo, Provider)
    assert Capability.SEEK in demo.capabilities and Capability.TOTAL in demo.capabilities
    assert Capability.TEXT_SEARCH not in demo.capabilities
    assert demo.missing[Capability.TEXT_SEARCH]
    assert "seed=7" in demo.identity


async def test_paging_by_cursor_and_by_page_cursor_agree(demo: DemoProvider, world: DemoWorld) -> None:
    query = SessionQuery()
    by_cursor = await all_sessions(demo, query, limit=70)
    assert [s.id for s in by_cursor] == [world.session(i).id for i in range(world.size)]
    by_seek: list[Session] = []
    for offset in range(0, world.size, 70):
        page = await demo.list_sessions(query, demo.page_cursor(query, offset, 70), 70)
        assert page.total == world.size
        by_seek.extend(page.items)
    assert by_seek == by_cursor
    middle = await demo.list_sessions(query, demo.page_cursor(query, 210, 5), 5)
    assert [s.id for s in middle.items] == [world.session(i).id for i in range(210, 215)]


async def test_totals_and_last_page(demo: DemoProvider) -> None:
    page = await demo.list_sessions(SessionQuery(), None, 200)
    assert (len(page.items), page.total, page.next_cursor) == (200, 500, "200")
    last = await demo.list_sessions(SessionQuery(), "400", 200)
    assert (len(last.items), last.total, last.next_cursor) == (100, 500, None)
    beyond = await demo.list_sessions(SessionQuery(), "900", 200)
    assert beyond.items == [] and beyond.next_cursor is None


async def test_bad_cursor_is_a_bad_payload(demo: DemoProvider) -> None:
    with pytest.raises(BadPayloadError):
        await demo.list_sessions(SessionQuery(), "page-two", 10)
    with pytest.raises(BadPayloadError):
        await demo.list_sessions(SessionQuery(), "-5", 10)


async def test_status_filter(demo: DemoProvider, world: DemoWorld) -> None:
    live = await all_sessions(demo, SessionQuery(status=SessionStatus.LIVE))
    ended = await all_sessions(demo, SessionQuery(status=SessionStatus.ENDED))
    assert live and all(s.status is SessionStatus.LIVE and s.ended_at is None for s in live)
    assert all(s.status is SessionStatus.ENDED and s.ended_at is not None for s in ended)
    assert len(live) + len(ended) == world.size
    expected_live = sum(world.is_live(world.session(i), NOW) for i in range(world.size))
    assert len(live) == expected_live
    page = await demo.list_sessions(SessionQuery(status=SessionStatus.ENDED), None, 10)
    assert page.total == len(ended)


async def test_since_and_until_filters(demo: DemoProvider, world: DemoWorld) -> None:
    since, until = NOW - timedelta(days=5), NOW - timedelta(days=2)
    rows = await all_sessions(demo, SessionQuery(since=since, until=until))
    expected = [world.session(i).id for i in range(world.size) if since <= world.session(i).start <= until]
    assert [s.id for s in rows] == expected
    assert 0 < len(rows) < world.size
    only_since = await demo.list_sessions(SessionQuery(since=since), None, 1000)
    assert only_since.total == sum(world.session(i).start >= since for i in range(world.size))
    empty = await demo.list_sessions(SessionQuery(since=until, until=since), None, 10)
    assert empty.items == [] and empty.total == 0


async def test_ascending_sort_is_the_reverse(demo: DemoProvider) -> None:
    newest = await all_sessions(demo, SessionQuery())
    oldest = await all_sessions(demo, SessionQuery(sort=SortKey.START, descending=False))
    assert [s.id for s in oldest] == [s.id for s in reversed(newest)]
    assert oldest[0].started_at is not None and oldest[1].started_at is not None
    assert oldest[0].started_at <= oldest[1].started_at


async def test_get_session(demo: DemoProvider, world: DemoWorld) -> None:
    s = first_ended(world, "everyone")
    detail = await demo.get_session(s.id)
    assert detail.id == s.id and detail.profile == "demo" and detail.provider == "demo"
    assert detail.status is SessionStatus.ENDED
    assert detail.max_concurrent is not None and 1 <= detail.max_concurrent <= s.participant_count
    assert detail.duration_s == s.planned_duration_s
    assert detail.name == s.title and detail.room_name == s.room_name


async def test_get_session_unknown_ids(demo: DemoProvider) -> None:
    other = DemoWorld(seed=99, size=500, now=NOW)
    for bad in ("00000000-0000-4000-8000-000000000000", other.session(0).id, "nope"):
        with pytest.raises(NotFoundError):
            await demo.get_session(bad)
    with pytest.raises(NotFoundError):
        await demo.list_participants("nope", None, 10)
    s = DemoWorld(seed=7, size=500, now=NOW).session(5)
    with pytest.raises(NotFoundError):
        await demo.get_participant(s.id, "no-such-participant")
    with pytest.raises(NotFoundError):
        await demo.get_quality(s.id, "no-such-participant")


async def test_participants_shape_and_paging(demo: DemoProvider, world: DemoWorld) -> None:
    s = next(world.session(i) for i in range(20, world.size) if world.session(i).participant_count >= 9)
    first = await demo.list_participants(s.id, None, 4)
    assert isinstance(first, Page) and first.total == s.participant_count
    assert len(first.items) == 4 and first.next_cursor == "4"
    everyone: list[Participant] = []
    cursor: str | None = None
    while True:
        page = await demo.list_participants(s.id, cursor, 4)
        everyone.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [p.id for p in everyone] == [p.id for p in world.participants(s)]
    p = everyone[0]
    assert p.session_id == s.id and p.role == "host"
    assert p.device is not None and p.device.browser
    assert p.network is not None and p.network.country
    assert p.left_at is not None and p.joined_at is not None and p.left_at > p.joined_at
    one = await demo.get_participant(s.id, everyone[-1].id)
    assert one == everyone[-1]


async def test_events_shape_and_participant_filter(demo: DemoProvider, world: DemoWorld) -> None:
    s = first_ended(world, "reconnects")
    page = await demo.list_events(s.id, None, 1000)
    events = page.items
    assert page.total == len(events) and page.next_cursor is None
    assert events[0].kind is EventKind.SESSION_START
    assert events[-1].kind is EventKind.SESSION_END
    stamps = [e.at for e in events if e.at is not None]
    assert stamps == sorted(stamps)
    p = world.participants(s)[1]
    mine = await demo.list_events(s.id, None, 1000, participant_id=p.id)
    assert mine.items and all(e.participant_id == p.id for e in mine.items)
    assert mine.items == [e for e in events if e.participant_id == p.id]
    assert mine.items[0].kind is EventKind.JOIN
    paged = await demo.list_events(s.id, None, 3)
    assert paged.items == events[:3] and paged.next_cursor == "3"


async def test_recordings_and_artifacts(demo: DemoProvider, world: DemoWorld) -> None:
    recorded = next(
        world.session(i)
        for i in range(1, world.size)
        if world.session(i).recorded and world.ended_at(world.session(i), NOW)
    )
    recordings = (await demo.list_recordings(recorded.id, None, 10)).items
    assert recordings
    for r in recordings:
        assert r.status == "completed" and r.format == "mp4"
        assert r.size_bytes is not None and r.size_bytes > 0
        assert r.url is not None and r.url.startswith("https://")
        assert r.duration_s is not None and r.duration_s > 0
    artifacts = await demo.list_artifacts(recorded.id)
    assert all(isinstance(a, Artifact) for a in artifacts)
    assert {"transcript", "summary"} <= {a.kind for a in artifacts}
    plain = next(world.session(i) for i in range(1, world.size) if not world.session(i).recorded)
    assert (await demo.list_recordings(plain.id, None, 10)).items == []
    assert not {"transcript", "summary"} & {a.kind for a in await demo.list_artifacts(plain.id)}
    live = world.session(0)
    assert world.is_live(live, NOW)
    assert await demo.list_artifacts(live.id) == []


async def test_quality_shape(demo: DemoProvider, world: DemoWorld) -> None:
    s = world.session(40)
    p = world.participants(s)[0]
    series = await demo.get_quality(s.id, p.id)
    assert all(isinstance(q, QualitySeries) for q in series)
    assert {q.metric for q in series} == {
        Metric.LOSS_SEND,
        Metric.LOSS_RECV,
        Metric.BITRATE_SEND,
        Metric.BITRATE_RECV,
        Metric.JITTER,
        Metric.RTT,
    }
    units = {q.metric: q.unit for q in series}
    assert (
        units[Metric.RTT] == "ms" and units[Metric.LOSS_RECV] == "%" and units[Metric.BITRATE_SEND] == "kbps"
    )
    assert {q.start for q in series} == {p.joined_at}
    assert {q.interval_s for q in series} == {2.0}
    assert all(q.offsets_s is None for q in series)
    assert len({len(q.values) for q in series}) == 1
    assert all(q.session_id == s.id and q.participant_id == p.id for q in series)


async def test_every_request_is_counted(world: DemoWorld) -> None:
    slow = DemoProvider(latency_s=0.001, clock=fixed_now, world=world)
    s = world.session(3)
    await slow.list_sessions(SessionQuery(), None, 5)
    await slow.get_session(s.id)
    await slow.list_participants(s.id, None, 5)
    await slow.list_events(s.id, None, 5)
    assert slow.requests == 4
    assert "500 sessions" in await slow.check()
    assert slow.requests == 5
