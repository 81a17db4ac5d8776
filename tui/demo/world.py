"""The synthetic world behind the demo provider and the fake provider APIs.

Deterministic from a seed and lazy: nothing is built up front, a session is generated
from its index whenever it is asked for, so a world of a million sessions costs nothing
until someone scrolls through it.

Time is cut into fixed slots (``span / size`` seconds each, counted from the Unix epoch).
Slot ``k`` holds exactly one session, generated from ``(seed, k)`` alone, so a session's
id and content do not depend on when the world is looked at. The *anchor* is the newest
slot whose session has started by "now" (the slot holding "now", or the one before it):
index 0 is the newest session (the anchor slot), index ``size - 1`` the oldest one still
inside ``span``. As time passes new sessions appear at index 0.

Observations are clamped to the clock: a live session shows only the participants,
events and quality samples that happened before ``now``.

Built-in incidents give triage something to find, each with one true cause (every 7th
slot carries one of the first four kinds in turn, a few more occur at random, and slots
14k+3 and 14k+10 of sessions with three or more people carry the last two):

``loss_spike``      uplink: one sender loses 11-24 % of its packets on the way up for 70-150 s;
                    every receiver of that sender sees the loss (in its per-sender receive
                    loss, and in its aggregate receive loss by that sender's share)
``everyone``        shared: every participant degrades at once for 2-4 minutes, both ways
                    (an SFU/infra event)
``reconnects``      connectivity: one participant drops and reconnects 4-7 times, with loss
                    and jitter around each drop
``high_rtt``        route: one participant sits on a satellite/far-VPN network with 550-900 ms
                    RTT and clean loss and jitter
``downlink_loss``   downlink: one receiver loses 8-20 % of what it receives for 2-4 minutes;
                    its senders and the other receivers are clean
``cpu_limited``     device CPU: one sender's encoder is CPU-limited for 2-4 minutes, its frame
                    rate falls to 6-14 fps; its network is clean

Outside incidents the world is clean: baseline loss, jitter and RTT stay inside the fair
thresholds of ``roomscope.tui.quality``. Incident effects are session-level (``_Track``), so
a sender's uplink loss reaches its receivers' samples. ``truth`` and ``participant_truth``
say what really happened (kind, cause, who, window), for the ``extra`` of the unified models.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import threading
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from roomscope.tui.demo import data, slots
from roomscope.tui.demo.slots import rng as _rng
from roomscope.tui.limits import DEMO_SEED, DEMO_SIZE

SAMPLE_INTERVAL_S = 2.0
MAX_DURATION_S = 150 * 60
MIN_DURATION_S = 4 * 60
ROTATING_KINDS: tuple[str, ...] = ("loss_spike", "everyone", "reconnects", "high_rtt")
"""The kinds every 7th slot rotates through (and random incidents are drawn from)."""
PAIRED_KINDS: tuple[str, ...] = ("downlink_loss", "cpu_limited")
"""The kinds of slots 14k+3 and 14k+10 (sessions of three or more)."""
INCIDENT_KINDS: tuple[str, ...] = ROTATING_KINDS + PAIRED_KINDS
INCIDENT_CAUSES: dict[str, str] = {
    "loss_spike": "uplink",
    "everyone": "shared",
    "reconnects": "connectivity",
    "high_rtt": "route",
    "downlink_loss": "downlink",
    "cpu_limited": "device_cpu",
}
"""The true cause of each incident kind, in the words of ``roomscope.tui.diagnosis.Cause``."""
PAIR_LIMIT = 12
"""Sessions of at most this many participants also get per-sender receive loss."""
VIDEO_FPS = (24.0, 30.0)
DEMO_HOST = "demo.roomscope.invalid"


def _uuid(parts: str, tail: int | None = None) -> str:
    raw = bytearray(hashlib.blake2b(parts.encode(), digest_size=16).digest())
    if tail is not None:
        raw[10:16] = tail.to_bytes(6, "big")
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True)
class _Weights:
    """The weights of a table's options, read once (a participant draws from four tables)."""

    each: tuple[int, ...]
    total: int

    @classmethod
    def of(cls, options: Sequence[tuple[object, ...]], weight_at: int) -> _Weights:
        each = tuple(int(o[weight_at]) for o in options)  # type: ignore[call-overload]
        return cls(each, sum(each))


def _weighted(rng: random.Random, weights: _Weights) -> int:
    pick = weights.total * rng.random()  # rng.uniform(0, total), without its call
    for i, weight in enumerate(weights.each):
        pick -= weight
        if pick <= 0:
            return i
    return len(weights.each) - 1


_DEVICE_WEIGHTS = _Weights.of(data.DEVICES, 5)
_NETWORK_WEIGHTS = _Weights.of(data.NETWORKS, 5)
_CONNECTION_WEIGHTS = _Weights.of(data.CONNECTIONS, 1)
_ROLE_WEIGHTS = _Weights.of(data.ROLES, 1)


@dataclass(frozen=True)
class Interval:
    join: datetime
    leave: datetime


@dataclass(frozen=True)
class DemoParticipant:
    index: int
    id: str
    name: str
    user_id: str
    external_id: str | None
    role: str
    browser: str
    browser_version: str
    os: str
    os_version: str
    device_type: str
    isp: str
    asn: str
    ip: str
    city: str
    region: str
    country: str
    connection: str
    intervals: tuple[Interval, ...]
    incident: str | None
    rtt_base: float
    jitter_base: float
    loss_base: float
    bitrate_base: float
    is_bot: bool = False

    @property
    def has_video(self) -> bool:
        return self.bitrate_base > 100.0

    @property
    def joined_at(self) -> datetime:
        return self.intervals[0].join

    @property
    def left_at(self) -> datetime:
        return self.intervals[-1].leave

    @property
    def reconnects(self) -> int:
        return len(self.intervals) - 1

    @property
    def present_s(self) -> float:
        return sum((iv.leave - iv.join).total_seconds() for iv in self.intervals)


@dataclass(frozen=True, slots=True)
class _Drawn:
    """A participant's first draws (``DemoWorld._draw_presence``): who and where it is, and
    when it was connected (``spans``: whole seconds after the session's start)."""

    name: str
    role: str
    device: tuple[str, tuple[str, ...], str, tuple[str, ...], str, int]
    network: tuple[str, str, str, str, str, str]
    incident: str | None
    is_bot: bool
    rtt_base: float
    jitter_range: tuple[float, float]
    loss_range: tuple[float, float]
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class DemoSession:
    index: int
    slot: int
    id: str
    room_id: str
    room_name: str
    title: str
    start: datetime
    planned_end: datetime
    participant_count: int
    incident: str | None
    incident_start_s: float
    incident_len_s: float
    recorded: bool
    region: str
    layout: str
    max_members: int

    @property
    def planned_duration_s(self) -> float:
        return (self.planned_end - self.start).total_seconds()


@dataclass(frozen=True)
class DemoEvent:
    id: str
    at: datetime
    kind: str
    participant_id: str | None
    participant_name: str | None
    detail: str = ""


@dataclass(frozen=True)
class DemoRecording:
    id: str
    started_at: datetime
    ended_at: datetime
    size_bytes: int
    format: str
    url: str


@dataclass(frozen=True)
class DemoSamples:
    """Regular samples every ``SAMPLE_INTERVAL_S`` from ``start``; None = not connected.

    ``series`` holds the six network metrics every participant has; ``video`` the sender's
    video metrics (``fps_send``, ``cpu_limited``) of participants who send video; ``pairs``
    (only when asked for, in sessions of up to ``PAIR_LIMIT`` people) the receive loss of
    each sender's media, keyed by the sender's participant id."""

    start: datetime
    interval_s: float
    series: dict[str, list[float | None]] = field(default_factory=dict)
    video: dict[str, list[float | None]] = field(default_factory=dict)
    pairs: dict[str, list[float | None]] = field(default_factory=dict)


@dataclass
class _Effect:
    """What an incident adds to one participant, one value per 2 s from ``_Track.lo``.
    ``None``: that part is untouched."""

    up: list[float] | None = None
    """Uplink loss, % (seen by the participant's receivers too)."""
    down: list[float] | None = None
    """Downlink loss, % (the participant's own receive loss)."""
    jitter: list[float] | None = None
    rtt: list[float] | None = None
    send_factor: float = 1.0
    recv_factor: float = 1.0
    fps: list[float] | None = None
    cpu: list[float] | None = None


@dataclass(frozen=True)
class _Track:
    """An incident's effects from ``lo`` to ``hi`` seconds after the session's start, one
    value per 2 s (index ``(t - lo) // 2``); ``effects`` by participant index."""

    lo: float = 0.0
    hi: float = 0.0
    effects: dict[int, _Effect] = field(default_factory=dict)
    weights: dict[int, float] = field(default_factory=dict)
    """Each participant's bitrate: its share of what the others receive is in proportion."""


NO_TRACK = _Track()


class DemoWorld:
    """A deterministic, lazily generated world of room sessions."""

    def __init__(
        self,
        *,
        seed: int = DEMO_SEED,
        size: int = DEMO_SIZE,
        span: timedelta = slots.SPAN,
        now: datetime | None = None,
    ) -> None:
        self.seed = seed
        self.size = size
        self.span = span
        self.spacing_s = slots.spacing_s(size, span)
        self.anchor_slot = slots.anchor_slot(seed, self.spacing_s, now or datetime.now(UTC))
        self._session = lru_cache(maxsize=4096)(self._make_session)
        self._participants = lru_cache(maxsize=256)(self._make_participants)
        self._presence = lru_cache(maxsize=8192)(self._make_presence)
        self._track = lru_cache(maxsize=64)(self._make_track)
        self._starts = array("q")
        self._ends = array("q")
        """Each index's start and planned end (POSIX seconds), from 0 up: see ``live_indices``."""
        self._spans_lock = threading.Lock()

    @property
    def identity(self) -> str:
        """Names the world as this instance serves it, anchor included (``slots.identity``)."""
        return slots.identity(self.seed, self.spacing_s, self.anchor_slot)

    # -- sessions ------------------------------------------------------------------------

    def session(self, index: int) -> DemoSession:
        if not 0 <= index < self.size:
            raise IndexError(index)
        return self._session(index)

    def slot_of(self, session_id: str) -> int | None:
        """The slot a session id belongs to, or None if this world never made that id."""
        try:
            slot = int(session_id.replace("-", "")[20:], 16)
        except ValueError:
            return None
        if slot >= 1 << 48:  # more than the 6 bytes an id's tail holds: not an id of this world
            return None
        if _uuid(f"s:{self.seed}:{slot}", tail=slot) != session_id.lower():
            return None
        return slot

    def index_of(self, session_id: str) -> int | None:
        slot = self.slot_of(session_id)
        if slot is None:
            return None
        index = self.anchor_slot - slot
        return index if 0 <= index < self.size else None

    def first_index_at_or_before(self, moment: datetime) -> int:
        """Smallest index whose session started at or before ``moment`` (may be ``size``)."""
        slot = math.floor(moment.timestamp() / self.spacing_s)
        index = max(0, self.anchor_slot - slot)
        while index < self.size and self.session(index).start > moment:
            index += 1
        return min(index, self.size)

    def last_index_at_or_after(self, moment: datetime) -> int:
        """Largest index whose session started at or after ``moment`` (-1 if none)."""
        slot = math.floor(moment.timestamp() / self.spacing_s)
        index = min(self.size - 1, self.anchor_slot - slot)
        while index >= 0 and self.session(index).start < moment:
            index -= 1
        return index

    def live_horizon(self, now: datetime) -> int:
        """Every session at this index or later has ended by ``now``."""
        return self.first_index_at_or_before(now - timedelta(seconds=MAX_DURATION_S))

    def live_indices(self, lo: int, hi: int, now: datetime, *, live: bool = True) -> list[int]:
        """The indices in ``[lo, hi)`` whose sessions are live at ``now`` (``live=False``:
        those that are not), in order. Reads a table of each index's start and planned end,
        made once up to the highest index asked for (the first two draws of each slot,
        not whole sessions), so a scan of the ~35,000 sessions that may still be live in a
        world of 10 million costs a comparison each."""
        self._extend_spans(hi)
        t = now.timestamp()
        spans = zip(range(lo, hi), self._starts[lo:hi], self._ends[lo:hi], strict=True)
        return [i for i, start, end in spans if (start <= t < end) is live]

    def moved_to(self, now: datetime) -> DemoWorld:
        """This world read from the anchor of ``now`` (live mode moves it as sessions begin).
        What depends on the anchor is made again; the table of spans ``live_indices`` reads
        is carried over, shifted by the sessions begun since, so moving the anchor of a world
        of ten million sessions does not draw its ~35,000 possibly-live sessions again."""
        world = DemoWorld(seed=self.seed, size=self.size, span=self.span, now=now)
        shift = world.anchor_slot - self.anchor_slot
        with self._spans_lock:
            starts, ends = self._starts[:], self._ends[:]
        if 0 <= shift < len(starts):
            keep = min(len(starts), self.size - shift)
            world._extend_spans(shift)  # the sessions begun since: new indices 0 … shift-1
            world._starts.extend(starts[:keep])
            world._ends.extend(ends[:keep])
        return world

    def _extend_spans(self, stop: int) -> None:
        with self._spans_lock:
            for index in range(len(self._starts), min(stop, self.size)):
                slot = self.anchor_slot - index
                start, duration = self._draw_span(_rng("s", self.seed, slot), slot)
                self._starts.append(start)
                self._ends.append(start + round(duration))

    def _draw_span(self, rng: random.Random, slot: int) -> tuple[int, float]:
        """The first two draws of a slot's generator: its start (POSIX seconds) and its
        planned duration (seconds, before rounding)."""
        start = round((slot + rng.uniform(0.0, 0.9)) * self.spacing_s)
        duration = min(MAX_DURATION_S, max(MIN_DURATION_S, rng.lognormvariate(math.log(1700), 0.6)))
        return start, duration

    def _make_session(self, index: int) -> DemoSession:
        slot = self.anchor_slot - index
        rng = _rng("s", self.seed, slot)
        start_s, duration = self._draw_span(rng, slot)
        start = datetime.fromtimestamp(start_s, UTC)
        count_roll = rng.random()
        if count_roll < 0.05:
            count = 1
        elif count_roll < 0.35:
            count = 2
        elif count_roll < 0.80:
            count = rng.randint(3, 8)
        else:
            count = rng.randint(9, 40)
        incident: str | None = None
        if slot % 7 == 0:
            incident = ROTATING_KINDS[(slot // 7) % len(ROTATING_KINDS)]
        elif rng.random() < 0.05:
            incident = rng.choice(ROTATING_KINDS)
        if incident in ("loss_spike", "reconnects", "high_rtt", "everyone") and count < 2:
            count = 2 if incident != "everyone" else 4
        if incident == "everyone":
            count = max(count, 4)
        room = rng.randrange(len(data.ROOM_NAMES))
        if rng.random() < 0.06:
            title = rng.choice(data.NON_LATIN_TITLES)
        else:
            title = data.SESSION_TITLES[room]
        room_name = data.ROOM_NAMES[room]
        incident_len = rng.uniform(70, 150) if incident == "loss_spike" else rng.uniform(120, 240)
        incident_start = rng.uniform(0.2, 0.6) * duration
        if incident is None and count >= 3 and slot % 14 in (3, 10):
            incident = PAIRED_KINDS[slot % 14 == 10]  # after every draw: the rest stays as it was
        return DemoSession(
            index=index,
            slot=slot,
            id=_uuid(f"s:{self.seed}:{slot}", tail=slot),
            room_id=_uuid(f"r:{self.seed}:{room}"),
            room_name=room_name,
            title=title,
            start=start,
            planned_end=start + timedelta(seconds=round(duration)),
            participant_count=count,
            incident=incident,
            incident_start_s=incident_start,
            incident_len_s=incident_len,
            recorded=rng.random() < 0.3,
            region=rng.choice(data.SFU_REGIONS),
            layout=rng.choice(data.LAYOUTS),
            max_members=rng.choice((10, 20, 50, 100)),
        )

    # -- participants --------------------------------------------------------------------

    def participants(self, session: DemoSession) -> tuple[DemoParticipant, ...]:
        return self._participants(session)

    def _make_participants(self, session: DemoSession) -> tuple[DemoParticipant, ...]:
        out: list[DemoParticipant] = []
        victim = self._victim(session)
        for j in range(session.participant_count):
            rng, drawn = self._draw_presence(session, j, victim)
            name, device, incident = drawn.name, drawn.device, drawn.incident
            isp, asn, city, region, country, conn = drawn.network
            start = session.start
            intervals = tuple(
                Interval(start + timedelta(seconds=join), start + timedelta(seconds=leave))
                for join, leave in drawn.spans
            )
            video = rng.random() > 0.15 or incident == "cpu_limited"
            out.append(
                DemoParticipant(
                    index=j,
                    id=_uuid(f"p:{self.seed}:{session.slot}:{j}"),
                    name=name,
                    user_id=f"user-{_uuid(f'u:{self.seed}:{name}')[:8]}",
                    external_id=f"crm-{rng.randint(10000, 99999)}" if rng.random() < 0.4 else None,
                    role=drawn.role,
                    browser=device[0],
                    browser_version=rng.choice(device[1]),
                    os=device[2],
                    os_version=rng.choice(device[3]),
                    device_type=device[4],
                    isp=isp,
                    asn=asn,
                    ip=".".join(
                        str(rng.randint(lo, hi)) for lo, hi in ((11, 223), (0, 255), (0, 255), (1, 254))
                    ),
                    city=city,
                    region=region,
                    country=country,
                    connection=conn,
                    intervals=intervals,
                    incident=incident,
                    rtt_base=drawn.rtt_base,
                    jitter_base=rng.uniform(*drawn.jitter_range),
                    loss_base=rng.uniform(*drawn.loss_range),
                    bitrate_base=rng.uniform(900, 2400) if video else rng.uniform(32, 64),
                    is_bot=drawn.is_bot,
                )
            )
        return tuple(out)

    def _draw_presence(self, session: DemoSession, j: int, victim: int) -> tuple[random.Random, _Drawn]:
        """Participant ``j``'s generator and its first draws, up to and including when it
        was connected; :meth:`_make_participants` goes on drawing from the generator, and
        :meth:`presence` needs nothing more."""
        duration = session.planned_duration_s
        rng = _rng("p", self.seed, session.slot, j)
        is_bot = j == session.participant_count - 1 and session.recorded and j > 1
        name = self._name(rng, is_bot)
        role = "host" if j == 0 else ("recorder" if is_bot else self._role(rng))
        device = data.DEVICES[_weighted(rng, _DEVICE_WEIGHTS)]
        net = data.NETWORKS[_weighted(rng, _NETWORK_WEIGHTS)]
        isp, asn, city, region, country = net[:5]
        conn_i = _weighted(rng, _CONNECTION_WEIGHTS)
        conn, _w, rtt_r, jit_r, loss_r = data.CONNECTIONS[conn_i]
        if device[4] == "mobile" and rng.random() < 0.6:
            conn, _w, rtt_r, jit_r, loss_r = data.CONNECTIONS[2]
        incident = session.incident if j == victim else None
        if session.incident == "everyone":
            incident = "everyone"
        rtt_base = rng.uniform(*rtt_r)
        if incident == "high_rtt":
            hi = data.HIGH_RTT_NETWORKS[rng.randrange(len(data.HIGH_RTT_NETWORKS))]
            isp, asn, city, region, country, conn = hi
            rtt_base = rng.uniform(560.0, 820.0)
        if j == 0:
            join_s = rng.uniform(0, 30)
        elif rng.random() < 0.7:
            join_s = rng.uniform(0, 120)
        else:
            join_s = rng.uniform(0, duration * 0.6)
        leave_s = (
            duration - rng.uniform(0, 20)
            if rng.random() < 0.75
            else rng.uniform(join_s + 60, max(join_s + 61, duration))
        )
        leave_s = min(max(leave_s, join_s + 30), duration)
        if j == victim:
            join_s = min(join_s, duration * 0.1)
            leave_s = duration - rng.uniform(0, 15)
        spans = self._spans(rng, join_s, leave_s, incident == "reconnects")
        drawn = _Drawn(
            name=name,
            role=role,
            device=device,
            network=(isp, asn, city, region, country, conn),
            incident=incident,
            is_bot=is_bot,
            rtt_base=rtt_base,
            jitter_range=jit_r,
            loss_range=loss_r,
            spans=spans,
        )
        return rng, drawn

    def presence(self, session: DemoSession, now: datetime) -> tuple[int, int, int]:
        """Who is there at ``now``, as a live session's list row counts it: the participants
        who have joined, the most connected at once so far, and those connected now (0 when
        the session is not live). Equal to counting :meth:`visible_participants`, but made
        from each participant's first draws alone (no names, ids or records), so a page of
        live sessions costs a fraction of making their participants."""
        spans = self._presence(session)
        t = (now - session.start).total_seconds()
        edges: list[tuple[float, int]] = []
        joined = present = 0
        for own in spans:
            if own[0][0] > t:
                continue
            joined += 1
            if own[-1][1] > t:
                present += 1
            for join, leave in own:
                if join <= t:
                    edges.append((join, 1))
                    edges.append((min(leave, t), -1))
        edges.sort()
        best = current = 0
        for _, delta in edges:
            current += delta
            if current > best:
                best = current
        return joined, best, present if self.is_live(session, now) else 0

    def _make_presence(self, session: DemoSession) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Each participant's connected spans, in whole seconds after the session's start."""
        victim = self._victim(session)
        count = session.participant_count
        return tuple(self._draw_presence(session, j, victim)[1].spans for j in range(count))

    def _victim(self, session: DemoSession) -> int:
        """The index of the participant an incident happens to (-1: none, or everyone)."""
        if session.incident is None or session.incident == "everyone":
            return -1
        victim = _rng("v", self.seed, session.slot).randrange(session.participant_count)
        bot = session.recorded and session.participant_count > 2
        if session.incident in PAIRED_KINDS and bot and victim == session.participant_count - 1:
            victim = 0  # a recorder neither sends video nor has a downlink anyone notices
        return victim

    @staticmethod
    def _name(rng: random.Random, is_bot: bool) -> str:
        if is_bot:
            return rng.choice(data.BOT_NAMES)
        roll = rng.random()
        if roll < 0.012:
            return rng.choice(data.HOSTILE_NAMES)
        if roll < 0.22:
            name = rng.choice(data.NON_LATIN_NAMES)
        else:
            name = f"{rng.choice(data.FIRST_NAMES)} {rng.choice(data.LAST_NAMES)}"
        if rng.random() < 0.08:
            name = f"{name} {rng.choice(data.EMOJI_SUFFIXES)}"
        return name

    @staticmethod
    def _role(rng: random.Random) -> str:
        return str(data.ROLES[_weighted(rng, _ROLE_WEIGHTS)][0])

    @staticmethod
    def _spans(rng: random.Random, join_s: float, leave_s: float, flaky: bool) -> tuple[tuple[int, int], ...]:
        """When a participant was connected: (join, leave) in whole seconds after the
        session's start, one span per connection (a flaky one drops 4-7 times)."""
        if not flaky:
            return ((round(join_s), round(leave_s)),)
        drops = rng.randint(4, 7)
        span = leave_s - join_s
        lo, hi = join_s + span * 0.1, leave_s - span * 0.05
        # A drop lasts up to 25 s and the next one needs 10 s of connection before it, so
        # cuts closer than that would merge: keep them ``spacing`` apart (squeeze, then
        # shift the k-th cut by k * spacing), with as many drops as fit.
        spacing = 36.0
        drops = max(1, min(drops, 1 + int((hi - lo) // spacing)))
        cuts = sorted(rng.uniform(lo, hi) for _ in range(drops))
        room = max(0.0, hi - lo - (drops - 1) * spacing)
        cuts = [lo + (c - lo) * room / (hi - lo) + k * spacing for k, c in enumerate(cuts)]
        spans: list[tuple[int, int]] = []
        cursor = join_s
        for cut in cuts:
            if cut <= cursor + 10:
                continue
            gap = rng.uniform(6, 25)
            spans.append((round(cursor), round(cut)))
            cursor = min(cut + gap, leave_s - 5)
        spans.append((round(cursor), round(leave_s)))
        return tuple(spans)

    # -- observations (clamped to now) ---------------------------------------------------

    @staticmethod
    def is_live(session: DemoSession, now: datetime) -> bool:
        return session.start <= now < session.planned_end

    @staticmethod
    def ended_at(session: DemoSession, now: datetime) -> datetime | None:
        return session.planned_end if session.planned_end <= now else None

    def visible_participants(self, session: DemoSession, now: datetime) -> list[DemoParticipant]:
        return [p for p in self.participants(session) if p.joined_at <= now]

    def events(self, session: DemoSession, now: datetime) -> list[DemoEvent]:
        """The session's timeline, oldest first, up to ``now``."""
        rng = _rng("e", self.seed, session.slot)
        out: list[DemoEvent] = []
        n = 0

        def add(at: datetime, kind: str, p: DemoParticipant | None, detail: str = "") -> None:
            nonlocal n
            out.append(
                DemoEvent(
                    id=_uuid(f"e:{self.seed}:{session.slot}:{n}"),
                    at=at,
                    kind=kind,
                    participant_id=p.id if p else None,
                    participant_name=p.name if p else None,
                    detail=detail,
                )
            )
            n += 1

        add(session.start, "session_start", None, f"region {session.region}")
        for p in self.participants(session):
            for k, iv in enumerate(p.intervals):
                add(
                    iv.join,
                    "join" if k == 0 else "reconnect",
                    p,
                    f"{p.browser} on {p.os}, {p.connection}",
                )
                if k < len(p.intervals) - 1:
                    add(iv.leave, "leave", p, "connection lost (ICE disconnected)")
                else:
                    add(iv.leave, "leave", p, "left")
            if p.is_bot:
                continue
            present = p.present_s
            for _ in range(rng.randint(0, 3)):
                at = p.joined_at + timedelta(seconds=round(rng.uniform(5, max(6.0, present - 5))))
                add(at, "mute", p)
                # Toggles end by the time the participant leaves (never after the session).
                add(min(at + timedelta(seconds=round(rng.uniform(4, 90))), p.left_at), "unmute", p)
            if p.role in ("presenter", "host") and rng.random() < 0.5:
                at = p.joined_at + timedelta(seconds=round(rng.uniform(10, max(11.0, present * 0.5))))
                add(at, "screenshare_start", p)
                add(
                    min(at + timedelta(seconds=round(rng.uniform(60, 600))), p.left_at), "screenshare_stop", p
                )
        if session.recorded:
            for rec in self.recordings(session, session.planned_end):
                add(rec.started_at, "recording_start", None, rec.id)
                add(rec.ended_at, "recording_stop", None, rec.id)
        if session.incident == "everyone":
            at = session.start + timedelta(seconds=round(session.incident_start_s))
            add(
                at,
                "quality",
                None,
                "media server reported degraded connectivity for all participants",
            )
        add(session.planned_end, "session_end", None, "last participant left")
        out.sort(key=lambda e: e.at)  # stable: ties keep their causal order (start first, end last)
        return [e for e in out if e.at <= now]

    def recordings(self, session: DemoSession, now: datetime) -> list[DemoRecording]:
        if not session.recorded:
            return []
        rng = _rng("rec", self.seed, session.slot)
        out: list[DemoRecording] = []
        begin = session.start + timedelta(seconds=round(rng.uniform(20, 120)))
        for k in range(1 + (rng.random() < 0.25)):
            end = session.planned_end - timedelta(seconds=round(rng.uniform(5, 60)))
            if k == 0 and rng.random() < 0.25:
                end = begin + (end - begin) / 2
            if end <= begin:
                end = min(begin + timedelta(seconds=60), session.planned_end)  # not past the end
            rid = _uuid(f"rec:{self.seed}:{session.slot}:{k}")
            seconds = (end - begin).total_seconds()
            out.append(
                DemoRecording(
                    id=rid,
                    started_at=begin,
                    ended_at=end,
                    size_bytes=int(seconds * rng.uniform(150_000, 320_000)),
                    format="mp4",
                    url=f"https://{DEMO_HOST}/recordings/{rid}.mp4",
                )
            )
            begin = end + timedelta(seconds=round(rng.uniform(30, 300)))
            if begin >= session.planned_end:
                break
        return [r for r in out if r.started_at <= now]

    # -- incidents: windows, effects, truth ----------------------------------------------

    def incident_window_s(self, session: DemoSession) -> tuple[float, float] | None:
        """The incident's span in seconds after the session's start (None: no incident)."""
        kind = session.incident
        if kind is None:
            return None
        if kind == "everyone":
            return self._crowded(session)
        victim = self.participants(session)[self._victim(session)]
        joined = (victim.joined_at - session.start).total_seconds()
        left = (victim.left_at - session.start).total_seconds()
        if kind == "high_rtt":
            return joined, left
        if kind == "reconnects":
            drops = [(iv.leave - session.start).total_seconds() for iv in victim.intervals[:-1]]
            back = [(iv.join - session.start).total_seconds() for iv in victim.intervals[1:]]
            return (min(drops), max(back)) if drops else (joined, left)
        lo = session.incident_start_s - joined
        lo = max(10.0, min(lo, left - joined - session.incident_len_s - 10.0))
        return joined + lo, joined + lo + session.incident_len_s

    def _crowded(self, session: DemoSession, least: int = 3) -> tuple[float, float]:
        """The "everyone" window: from the drawn start, or the first moment after it (else
        before it) when at least ``least`` people are connected for the whole window, so that
        "everyone" is a crowd."""
        spans = [
            ((iv.join - session.start).total_seconds(), (iv.leave - session.start).total_seconds())
            for p in self.participants(session)
            for iv in p.intervals
        ]
        length = session.incident_len_s
        drawn = session.incident_start_s
        edges = sorted({t for span in spans for t in span})

        def crowded(lo: float) -> bool:
            checks = [lo, *(t for t in edges if lo < t < lo + length)]
            return all(sum(1 for a, b in spans if a <= t < b) >= least for t in checks)

        for lo in (drawn, *(t for t in edges if t > drawn), *(t for t in edges if t < drawn)):
            if crowded(lo):
                return lo, lo + length
        return drawn, drawn + length

    def _make_track(self, session: DemoSession) -> _Track:
        kind = session.incident
        window = self.incident_window_s(session)
        if kind is None or kind == "high_rtt" or window is None:
            return NO_TRACK  # a high RTT is the victim's network itself (its rtt_base)
        people = self.participants(session)
        step = SAMPLE_INTERVAL_S
        lo, hi = window
        if kind == "reconnects":
            lo, hi = lo - 20.0, hi + 12.0
        n = int((hi - lo) // step) + 1
        rng = _rng("inc", self.seed, session.slot)
        uni = rng.uniform

        def draws(a: float, b: float) -> list[float]:
            return [uni(a, b) for _ in range(n)]

        effects: dict[int, _Effect] = {}
        if kind == "everyone":
            for p in people:
                effects[p.index] = _Effect(
                    up=draws(6.0, 14.0),
                    down=draws(6.0, 14.0),
                    jitter=draws(25.0, 70.0),
                    rtt=draws(150.0, 320.0),
                    send_factor=0.5,
                    recv_factor=0.5,
                )
        else:
            victim = people[self._victim(session)]
            if kind == "loss_spike":
                effects[victim.index] = _Effect(up=draws(11.0, 24.0), send_factor=0.45)
            elif kind == "downlink_loss":
                effects[victim.index] = _Effect(
                    down=draws(8.0, 20.0), jitter=draws(3.0, 9.0), recv_factor=0.6
                )
            elif kind == "cpu_limited":
                effects[victim.index] = _Effect(fps=draws(6.0, 14.0), cpu=draws(60.0, 100.0), send_factor=0.7)
            elif kind == "reconnects":
                gaps = [
                    ((a.leave - session.start).total_seconds(), (b.join - session.start).total_seconds())
                    for a, b in itertools.pairwise(victim.intervals)
                ]
                up, down, jitter = [0.0] * n, [0.0] * n, [0.0] * n
                for x in range(n):
                    t = lo + x * step
                    if any(a <= t < b for a, b in gaps):
                        continue  # disconnected: nothing sent, nothing lost
                    if any(abs(t - a) < 20 or abs(t - b) < 12 for a, b in gaps):
                        up[x], down[x], jitter[x] = uni(4.0, 12.0), uni(4.0, 12.0), uni(15.0, 40.0)
                effects[victim.index] = _Effect(up=up, down=down, jitter=jitter)
        return _Track(lo, hi, effects, {p.index: p.bitrate_base for p in people})

    def truth(self, session: DemoSession) -> dict[str, object] | None:
        """What really happened in ``session``: its incident's kind, true cause
        (``INCIDENT_CAUSES``), who (participant ids and names) and window (ISO 8601)."""
        window = self.incident_window_s(session)
        if session.incident is None or window is None:
            return None
        lo = session.start + timedelta(seconds=window[0])
        hi = session.start + timedelta(seconds=window[1])
        people = self.participants(session)
        if session.incident == "everyone":
            who = [p for p in people if any(iv.join < hi and lo < iv.leave for iv in p.intervals)]
        else:
            who = [people[self._victim(session)]]
        return {
            "kind": session.incident,
            "cause": INCIDENT_CAUSES[session.incident],
            "who": [p.id for p in who],
            "who_names": [p.name for p in who],
            "window": [lo.isoformat(), hi.isoformat()],
        }

    def participant_truth(
        self, session: DemoSession, participant: DemoParticipant
    ) -> dict[str, object] | None:
        """The session's truth when ``participant`` is among its ``who``, else None."""
        truth = self.truth(session)
        who = truth["who"] if truth is not None else []
        return truth if isinstance(who, list) and participant.id in who else None

    # -- samples ---------------------------------------------------------------------------

    def samples(
        self, session: DemoSession, participant: DemoParticipant, now: datetime, *, pairs: bool = False
    ) -> DemoSamples:
        """Quality samples every 2 s from the participant's first join to its last leave
        (or ``now``); None while disconnected. ``pairs``: also the receive loss of each
        sender's media (sessions of up to ``PAIR_LIMIT`` participants only)."""
        step = SAMPLE_INTERVAL_S
        start = participant.joined_at
        stop = min(participant.left_at, now)
        count = max(0, int((stop - start).total_seconds() // step))
        rng = _rng("q", self.seed, session.slot, participant.index)
        gauss = rng.gauss
        rand = rng.random
        names = (
            "packet_loss_send",
            "packet_loss_recv",
            "bitrate_send",
            "bitrate_recv",
            "jitter",
            "rtt",
        )
        series: dict[str, list[float | None]] = {k: [None] * count for k in names}
        loss_s, loss_r, br_s, br_r, jit, rtt = (series[k] for k in names)
        gaps = [
            ((a.leave - start).total_seconds(), (b.join - start).total_seconds())
            for a, b in zip(participant.intervals, participant.intervals[1:], strict=False)
        ]
        people = self.participants(session)
        sends_video = participant.has_video and not participant.is_bot
        video: dict[str, list[float | None]] = (
            {"fps_send": [None] * count, "cpu_limited": [None] * count} if sends_video else {}
        )
        video_rng = _rng("fps", self.seed, session.slot, participant.index)
        fps_base = video_rng.uniform(*VIDEO_FPS)
        senders = [p for p in people if p.index != participant.index]
        with_pairs = pairs and len(people) <= PAIR_LIMIT
        own_loss: list[float | None] = [None] * count if with_pairs else []
        pair_values: dict[str, list[float | None]] = (
            {p.id: [None] * count for p in senders} if with_pairs else {}
        )
        track = self._track(session)
        offset = (start - session.start).total_seconds()
        mine = track.effects.get(participant.index)
        total_rate = sum(track.weights.values())
        upstream = [  # the senders whose uplink trouble reaches this participant
            (
                people[index],
                effect,
                track.weights[index] / max(1e-9, total_rate - track.weights[participant.index]),
            )
            for index, effect in track.effects.items()
            if index != participant.index and effect.up is not None
        ]
        spans = {
            p.id: [
                ((iv.join - start).total_seconds(), (iv.leave - start).total_seconds()) for iv in p.intervals
            ]
            for p in senders
        }
        others = max(1, session.participant_count - 1)
        recv_target = min(6000.0, participant.bitrate_base * 0.8 * min(others, 6))
        base_loss = participant.loss_base
        drift = 0.0
        for i in range(count):
            t = i * step
            if gaps and any(lo <= t < hi for lo, hi in gaps):
                continue
            drift = drift * 0.9 + gauss(0, 0.15)
            r = participant.rtt_base * (1 + 0.08 * drift) + abs(gauss(0, participant.rtt_base * 0.05))
            j = max(
                0.3,
                participant.jitter_base * (1 + 0.3 * drift) + abs(gauss(0, participant.jitter_base * 0.2)),
            )
            ls = max(0.0, base_loss * (1 + drift) + (abs(gauss(0, 0.3)) if rand() < 0.1 else 0.0))
            lr = max(0.0, base_loss * (1 + drift) * 0.8 + (abs(gauss(0, 0.3)) if rand() < 0.1 else 0.0))
            bs = participant.bitrate_base * (0.92 + 0.08 * rand())
            brv = recv_target * (0.9 + 0.1 * rand())
            fps = fps_base * (0.96 + 0.04 * video_rng.random()) if sends_video else 0.0
            cpu = 0.0
            at = offset + t  # seconds after the session's start
            inside = track.lo <= at < track.hi
            x = int((at - track.lo) // step) if inside else 0
            if inside and mine is not None:
                ls += mine.up[x] if mine.up else 0.0
                lr += mine.down[x] if mine.down else 0.0
                j += mine.jitter[x] if mine.jitter else 0.0
                r += mine.rtt[x] if mine.rtt else 0.0
                bs *= mine.send_factor
                brv *= mine.recv_factor
                if mine.fps and sends_video:
                    fps, cpu = mine.fps[x], mine.cpu[x] if mine.cpu else 0.0
            own = lr
            if inside:
                for sender, effect, share in upstream:
                    if effect.up is not None and _connected(spans[sender.id], t):
                        lr += share * effect.up[x]
                        brv *= 1.0 - share * (1.0 - effect.send_factor)
            loss_s[i] = round(min(ls, 100.0), 2)
            loss_r[i] = round(min(lr, 100.0), 2)
            br_s[i] = round(bs, 1)
            br_r[i] = round(brv, 1)
            jit[i] = round(j, 1)
            rtt[i] = round(r, 1)
            if sends_video:
                video["fps_send"][i] = round(fps, 1)
                video["cpu_limited"][i] = round(cpu, 1)
            if with_pairs:
                own_loss[i] = own
        for sender in senders if with_pairs else ():  # its media as received: own downlink + its uplink
            theirs = track.effects.get(sender.index)
            up = theirs.up if theirs is not None else None
            values = pair_values[sender.id]
            for a, b in spans[sender.id]:
                for i in range(max(0, math.ceil(a / step)), min(count, math.ceil(b / step))):
                    base = own_loss[i]
                    if base is None:
                        continue
                    at = offset + i * step
                    extra = up[int((at - track.lo) // step)] if up and track.lo <= at < track.hi else 0.0
                    values[i] = round(min(base + extra, 100.0), 2)
        return DemoSamples(start=start, interval_s=step, series=series, video=video, pairs=pair_values)


def _connected(spans: Sequence[tuple[float, float]], t: float) -> bool:
    return any(a <= t < b for a, b in spans)
