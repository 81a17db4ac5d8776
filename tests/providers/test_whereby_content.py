"""Whereby's meeting content through the fake: recording download links, transcriptions
(with their links) and summaries as artifacts; the dashboard's loss guidance on the
series; hostile answers costing only what they spoil."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import httpx
import pytest

from roomscope.tui.demo.world import DemoSession, DemoWorld
from roomscope.tui.fakes.whereby import DEMO_API_KEY, FakeWhereby, connection_id, room_name
from roomscope.tui.models import Metric
from roomscope.tui.providers.whereby.content import SUMMARY_CHARS
from tests.conftest import NOW, fixed_now
from tests.providers.test_whereby import connections, ended, find, make


@pytest.fixture
def fake(world: DemoWorld) -> FakeWhereby:
    return FakeWhereby(world, clock=fixed_now)


def summarised(session_id: str) -> bool:
    return hashlib.blake2b(session_id.encode(), digest_size=1).digest()[0] % 2 == 0


def asked(fake: FakeWhereby, tail: str) -> list[httpx.URL]:
    return [r.url for r in fake.requests if r.url.path.endswith(tail)]


async def test_recordings_carry_temporary_download_links(fake: FakeWhereby, world: DemoWorld) -> None:
    session = find(world, lambda s: s.recorded and ended(world, s))
    page = await make(fake).list_recordings(session.id, None, 100)
    assert page.items
    for got in page.items:
        assert got.url is not None and got.url.startswith(
            f"https://whereby.fake.invalid/recordings/{got.id}?"
        )
        assert got.url_expires_at == NOW + timedelta(hours=1)
    links = [u for u in fake.requests if u.url.path.endswith("/access-link")]
    assert len(links) == len(page.items)
    assert all(r.url.params["validForSeconds"] == "3600" for r in links)


async def test_sessions_have_transcripts_and_summaries(fake: FakeWhereby, world: DemoWorld) -> None:
    for wanted in (True, False):

        def fits(s: DemoSession, w: bool = wanted) -> bool:
            return s.recorded and ended(world, s) and summarised(s.id) is w

        session = find(world, fits)
        recordings = [r for r in world.recordings(session, NOW) if r.ended_at <= NOW]
        got = await make(fake).list_artifacts(session.id)
        transcripts = [a for a in got if a.kind == "transcript"]
        summaries = [a for a in got if a.kind == "summary"]
        wanted_ids = sorted(f"t-{r.id}" for r in recordings)
        assert sorted(a.extra["transcription_id"] for a in transcripts) == wanted_ids
        for a in transcripts:
            assert a.session_id == session.id and a.format == "md" and a.note is None
            assert a.url is not None and a.url.startswith("https://whereby.fake.invalid/transcriptions/t-")
            assert a.expires_at == NOW + timedelta(hours=1)
        if wanted:
            assert len(summaries) == len(recordings)
            for a in summaries:
                assert a.url is None and a.format == "text"
                said = f"The team met in {room_name(session)} and agreed on next steps."
                assert a.note == f"General Narrative: {said}"
                assert a.extra["summary"].startswith("The team met in")
        else:
            assert summaries == []
    lists = asked(fake, "/transcriptions") + asked(fake, "/summaries")
    assert lists and all(u.params["sortBy"] == "startDate:desc" and u.params["limit"] == "100" for u in lists)


async def test_a_session_without_recordings_has_no_artifacts(fake: FakeWhereby, world: DemoWorld) -> None:
    session = find(world, lambda s: not s.recorded and ended(world, s))
    assert await make(fake).list_artifacts(session.id) == []


async def test_loss_series_carry_the_dashboard_guidance(fake: FakeWhereby, world: DemoWorld) -> None:
    session = find(world, lambda s: ended(world, s))
    p, k = connections(world, session)[0]
    series = {q.metric: q for q in await make(fake).get_quality(session.id, connection_id(p, k))}
    for metric in (Metric.LOSS_SEND, Metric.LOSS_RECV):
        assert "3 % sustained a problem" in series[metric].extra["guidance"]
        assert "2-4 s are normal" in series[metric].extra["guidance"]
    assert "worst of the participant's outgoing streams" in series[Metric.LOSS_SEND].source
    assert "sum of all outgoing streams" in series[Metric.BITRATE_SEND].source
    assert series[Metric.BITRATE_SEND].extra == {}


# ---------------------------------------------------------------------------------------
# Hostile answers


def tampering(fake: FakeWhereby, edit: dict[str, Any]) -> httpx.MockTransport:
    """The fake, with the answers of paths ending in a key replaced by its value (a callable
    gets the fake's body, a ``(status, body)`` pair replaces the answer)."""

    async def handler(request: httpx.Request) -> httpx.Response:
        response = await fake.handler(request)
        for tail, change in edit.items():
            if request.url.path.endswith(tail):
                if isinstance(change, tuple):
                    status, body = change
                    return httpx.Response(status, json=body) if body is not None else httpx.Response(status)
                return httpx.Response(200, json=change(response.json()))
        return response

    return httpx.MockTransport(handler)


async def test_hostile_links_cost_only_the_link(fake: FakeWhereby, world: DemoWorld) -> None:
    session = find(world, lambda s: s.recorded and ended(world, s) and len(world.recordings(s, NOW)) > 1)
    recordings = [r for r in world.recordings(session, NOW) if r.ended_at <= NOW]
    first, second = recordings[0].id, recordings[1].id
    edit: dict[str, Any] = {
        f"/recordings/{first}/access-link": lambda _b: {"accessLink": "javascript:x()", "expires": "soon"},
        f"/recordings/{second}/access-link": (404, None),
    }
    page = await make(transport=tampering(fake, edit)).list_recordings(session.id, None, 100)
    by_id = {r.id: r for r in page.items}
    assert by_id[first].url is None and by_id[first].url_expires_at is None
    assert by_id[first].extra["access_link"] == "Whereby sent no usable access link"
    assert by_id[second].url is None and by_id[second].extra["access_link"].startswith("no access link")
    assert all(r.problem is None for r in page.items)


async def test_hostile_summaries_and_refusals(fake: FakeWhereby, world: DemoWorld) -> None:
    session = find(world, lambda s: s.recorded and ended(world, s) and summarised(s.id))

    def strip_text(body: dict[str, Any]) -> dict[str, Any]:
        for item in body["results"]:
            item["summary"] = None  # the list without the text: the summary is read whole
        body["results"].append({"summaryId": ""})  # unreadable: skipped
        body["results"].append("not an object")
        return body

    def huge(body: dict[str, Any]) -> dict[str, Any]:
        body["summary"] = {"summary": "\x1b[2J" + "x" * (SUMMARY_CHARS * 3)}
        return body

    edit: dict[str, Any] = {"/summaries": strip_text}
    for summary_id in (f"s-{r.id}" for r in world.recordings(session, NOW)):
        edit[f"/summaries/{summary_id}"] = huge
    got = await make(transport=tampering(fake, edit)).list_artifacts(session.id)
    summaries = [a for a in got if a.kind == "summary"]
    assert summaries and all(len(a.extra["summary"]) == SUMMARY_CHARS for a in summaries)
    assert all(a.extra["summary"].endswith("…") for a in summaries)
    assert len(asked(fake, "/access-link")) == len([a for a in got if a.kind == "transcript"])

    refused = {"/summaries": (403, {"error": "Summaries are in beta"}), "/transcriptions": (404, None)}
    assert await make(transport=tampering(fake, refused)).list_artifacts(session.id) == []


async def test_transcription_listing_stops_at_the_budget(fake: FakeWhereby, world: DemoWorld) -> None:
    """Account-wide lists are read newest first, a bounded number of pages per ask."""
    session = find(world, lambda s: s.recorded and ended(world, s))

    def endless(body: dict[str, Any]) -> dict[str, Any]:
        return {"results": [], "cursor": "more"}

    provider = make(transport=tampering(fake, {"/transcriptions": endless, "/summaries": endless}))
    assert await provider.list_artifacts(session.id) == []
    pages = asked(fake, "/transcriptions")
    assert 1 <= len(pages) <= provider.max_requests_per_page


@pytest.mark.parametrize("valid", ["0", "43201", "x"])
async def test_the_fake_refuses_bad_link_lifetimes(fake: FakeWhereby, world: DemoWorld, valid: str) -> None:
    session = find(world, lambda s: s.recorded and ended(world, s))
    recording = world.recordings(session, NOW)[0]
    async with httpx.AsyncClient(transport=fake.transport(), base_url="https://api.whereby.dev/v1") as client:
        answer = await client.get(
            f"/recordings/{recording.id}/access-link",
            params={"validForSeconds": valid},
            headers={"Authorization": f"Bearer {DEMO_API_KEY}"},
        )
    assert answer.status_code == 422
