"""The fake Whereby API's meeting content over the demo world: recording access links,
transcriptions and summaries (shapes from the Whereby OpenAPI document in whereby/docs,
``.gitbook/assets/_api-reference-docs-openapi.json``; the trimmed spec in
``../shared/providers/specs`` does not carry these paths).

* every finished recording of an ended session has one completed transcription
  (``transcriptionId`` = ``t-`` + the recording id, a ``.md`` file);
* a transcription of a session whose id hashes even has a summary (``s-`` + the
  recording id, template "General Narrative", text naming the room);
* access links are ``https://whereby.fake.invalid/...`` URLs valid for ``validForSeconds``
  (1-43,200, default 3,600), ``expires`` in epoch milliseconds.

Lists are newest first by ``startDate``: read lazily from the world's newest end when
sorted that way (the adapter's order), otherwise the whole world.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx

from roomscope.tui.clock import Clock
from roomscope.tui.demo.world import DemoSession, DemoWorld
from roomscope.tui.fakes.common import Missing
from roomscope.tui.fakes.requests import integer
from roomscope.tui.providers.parsing import iso

HOST = "whereby.fake.invalid"
CONTENT_SORTS = frozenset({"roomName", "startDate", "durationInSeconds"})
LINK_DEFAULT_S = 3_600
LINK_MAX_S = 43_200


class Content:
    """Transcriptions, summaries and access links of the world's recordings."""

    def __init__(self, world: DemoWorld, clock: Clock, room_name: Callable[[DemoSession], str]) -> None:
        self.world = world
        self.clock = clock
        self.room_name = room_name

    def _newest_first(self) -> Iterator[DemoSession]:
        now = self.clock()
        for index in range(self.world.size):
            session = self.world.session(index)
            if session.start <= now and session.recorded and self.world.ended_at(session, now) is not None:
                yield session

    def transcriptions_of(self, session: DemoSession) -> list[dict[str, Any]]:
        now = self.clock()
        out = []
        for r in self.world.recordings(session, now):
            if r.ended_at > now:
                continue
            out.append(
                {
                    "transcriptionId": f"t-{r.id}",
                    "roomSessionId": session.id,
                    "roomName": self.room_name(session),
                    "filename": f"transcription-{r.id}.md",
                    "startDate": iso(r.started_at),
                    "endDate": iso(r.ended_at),
                    "state": "completed",
                    "createdAt": iso(r.ended_at + timedelta(minutes=2)),
                    "durationInSeconds": round((r.ended_at - r.started_at).total_seconds()),
                }
            )
        return out

    def summaries_of(self, session: DemoSession) -> list[dict[str, Any]]:
        if hashlib.blake2b(session.id.encode(), digest_size=1).digest()[0] % 2:
            return []
        out = []
        for t in self.transcriptions_of(session):
            created = t["createdAt"]
            out.append(
                {
                    "summaryId": "s-" + t["transcriptionId"].removeprefix("t-"),
                    "transcriptionId": t["transcriptionId"],
                    "summary": {"summary": f"The team met in {t['roomName']} and agreed on next steps."},
                    "roomSessionId": session.id,
                    "roomName": t["roomName"],
                    "startDate": t["startDate"],
                    "endDate": t["endDate"],
                    "state": "completed",
                    "createdAt": created,
                    "modifiedAt": created,
                    "template": "General Narrative",
                }
            )
        return out

    def listing(self, kind: str, params: httpx.QueryParams, need: int) -> list[dict[str, Any]]:
        """Records of ``kind`` (``transcriptions``/``summaries``): the newest ``need`` when
        sorted newest first, else all of them."""
        of = self.transcriptions_of if kind == "transcriptions" else self.summaries_of
        lazy = params.get("sortBy") in (None, "startDate:desc")
        out: list[dict[str, Any]] = []
        for session in self._newest_first():
            out.extend(of(session))
            if lazy and len(out) >= need:
                break
        out.sort(key=lambda r: (r["startDate"], r["summaryId" if kind == "summaries" else "transcriptionId"]))
        out.reverse()
        return out

    def _find(self, kind: str, item_id: str) -> dict[str, Any]:
        of = self.transcriptions_of if kind == "transcriptions" else self.summaries_of
        key = "transcriptionId" if kind == "transcriptions" else "summaryId"
        for session in self._newest_first():
            for record in of(session):
                if record[key] == item_id:
                    return record
        raise Missing(f"No {kind[:-1]} {item_id}")

    def summary(self, summary_id: str) -> dict[str, Any]:
        return self._find("summaries", summary_id)

    def access_link(self, kind: str, item_id: str, params: httpx.QueryParams) -> dict[str, Any]:
        """The link of a transcription or recording (the caller checked the recording);
        raises BadParameter for a ``validForSeconds`` outside 1-43,200."""
        if kind == "transcriptions":
            self._find(kind, item_id)
        valid = integer(params, "validForSeconds", LINK_DEFAULT_S, minimum=1, maximum=LINK_MAX_S)
        expires: datetime = self.clock() + timedelta(seconds=valid)
        return {
            "accessLink": f"https://{HOST}/{kind}/{item_id}?expires={int(expires.timestamp())}",
            "expires": int(expires.timestamp() * 1000),
        }
