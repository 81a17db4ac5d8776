"""Symptom-first triage: the symptom words, the ranking, the free-text form of the palette, and
the headless ``triage`` and ``findings`` commands on the demo world's true incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roomscope.tui import symptoms
from roomscope.tui.demo.world import INCIDENT_CAUSES, DemoSession, DemoWorld
from roomscope.tui.diagnosis import RULES, Cause, Finding, Person, Severity, Window
from roomscope.tui.models import Session
from roomscope.tui.symptom_names import SYMPTOM_NAMES, SYMPTOM_WORDS, symptom_name
from roomscope.tui.triage import parse_at, parse_words
from tests.conftest import NOW
from tests.support.cli import Run, runner

SYMPTOM_OF = {
    "loss_spike": "choppy",
    "everyone": "choppy",
    "downlink_loss": "choppy",
    "reconnects": "dropped",
    "high_rtt": "lag",
    "cpu_limited": "blurry",
}
"""What a participant of each demo incident would complain of."""


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return runner(capsys, monkeypatch)


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return DemoWorld(seed=7, size=500, now=NOW)


def incident(world: DemoWorld, kind: str) -> DemoSession:
    for i in range(world.size):
        s = world.session(i)
        if s.incident == kind and world.ended_at(s, NOW) is not None:
            return s
    raise AssertionError(f"no ended {kind} session")


def truth_window(world: DemoWorld, s: DemoSession) -> tuple[datetime, datetime]:
    truth = world.truth(s)
    assert truth is not None
    window = truth["window"]
    assert isinstance(window, list)
    return datetime.fromisoformat(window[0]), datetime.fromisoformat(window[1])


# ---------------------------------------------------------------------------------------
# the words


def test_every_symptom_has_rules_and_the_catalogue_agrees() -> None:
    assert tuple(s.name for s in symptoms.SYMPTOMS) == SYMPTOM_NAMES
    assert set(SYMPTOM_NAMES) == {"choppy", "robotic", "lag", "frozen", "blurry", "cant-hear", "dropped"}
    for symptom in symptoms.SYMPTOMS:
        assert symptom.rules and all(0 < w <= 1 for w in symptom.rules.values())
    # every rule the catalogue says explains a symptom is among that symptom's rules
    for rule in RULES:
        for word in rule.symptoms:
            assert rule.id in symptoms.symptom(word).rules, (rule.id, word)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("choppy", "choppy"),
        ("can't hear", "cant-hear"),
        ("CANT-HEAR", "cant-hear"),
        ("no audio", "cant-hear"),
    ],
)
def test_symptom_words_and_their_other_names(text: str, name: str) -> None:
    assert symptom_name(text) == name
    assert symptoms.symptom(text).name == name


def test_an_unknown_symptom_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="one of: choppy, robotic"):
        symptom_name("wobbly")
    assert all(isinstance(words, tuple) for words in SYMPTOM_WORDS.values())


def test_free_text_gives_symptom_time_and_person() -> None:
    words = parse_words("choppy 10:05 alice")
    assert words is not None and (words.symptom, words.at, words.who) == ("choppy", "10:05", "alice")
    words = parse_words("can't hear around ~09:58 Jamal García")
    assert words is not None and (words.symptom, words.at, words.who) == (
        "cant-hear",
        "09:58",
        "Jamal García",
    )
    words = parse_words("lag")
    assert words is not None and (words.at, words.who) == (None, None)
    assert parse_words("standup") is None and parse_words("") is None


def test_times_are_the_latest_such_time_or_iso() -> None:
    assert parse_at("09:30", NOW) == NOW.replace(hour=9, minute=30)
    assert parse_at("10:30", NOW) == NOW.replace(hour=10, minute=30) - timedelta(days=1)
    assert parse_at("2026-11-20 08:00", NOW) == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_at("25:00", NOW)
    with pytest.raises(ValueError):
        parse_at("soon", NOW)


# ---------------------------------------------------------------------------------------
# the ranking


def _finding(
    rule: str, start: datetime, minutes: float, who: str = "Alice", severity: Severity = Severity.POOR
) -> Finding:
    person = Person(who.lower(), who)
    return Finding(
        id=f"{rule}:{person.id}:0",
        rule=rule,
        title=rule,
        severity=severity,
        peak=None,
        unit="%",
        windows=(Window(start, start + timedelta(minutes=minutes)),),
        who=(person,),
        pairs=(),
        evidence=(),
        cause=Cause.UPLINK,
        cause_of=person,
        explanation="",
    )


SESSION = Session(provider="demo", profile="demo", id="s1", name="Call", started_at=NOW - timedelta(hours=1))


def test_a_rule_that_does_not_explain_the_symptom_is_no_match() -> None:
    ask = symptoms.Ask(symptoms.symptom("lag"))
    assert symptoms.match(ask, SESSION, _finding("NET-LOSS-UP", NOW, 2)) is None
    assert symptoms.match(ask, SESSION, _finding("NET-RTT", NOW, 2)) is not None


def test_nearer_the_asked_time_ranks_higher_and_inside_is_best() -> None:
    at = NOW - timedelta(minutes=30)
    ask = symptoms.Ask(symptoms.symptom("choppy"), at=at)
    inside = symptoms.match(ask, SESSION, _finding("NET-LOSS-UP", at - timedelta(minutes=1), 3))
    near = symptoms.match(ask, SESSION, _finding("NET-LOSS-UP", at + timedelta(minutes=5), 3))
    far = symptoms.match(ask, SESSION, _finding("NET-LOSS-UP", at + timedelta(minutes=25), 3))
    assert inside is not None and near is not None and far is not None
    assert inside.score > near.score > far.score
    assert "at the asked time" in inside.why and "5m from the asked time" in near.why


def test_the_asked_person_and_poor_over_warn() -> None:
    ask = symptoms.Ask(symptoms.symptom("choppy"), who="ali")
    mine = symptoms.match(ask, SESSION, _finding("NET-LOSS-DN", NOW, 2, who="Alice"))
    theirs = symptoms.match(ask, SESSION, _finding("NET-LOSS-DN", NOW, 2, who="Bob"))
    assert mine is not None and theirs is not None and mine.score > theirs.score
    assert mine.person == Person("alice", "Alice") and "names Alice" in mine.why
    plain = symptoms.Ask(symptoms.symptom("choppy"))
    poor = symptoms.match(plain, SESSION, _finding("NET-LOSS-DN", NOW, 2))
    warn = symptoms.match(plain, SESSION, _finding("NET-LOSS-DN", NOW, 2, severity=Severity.WARN))
    assert poor is not None and warn is not None and poor.score > warn.score


def test_separate_bursts_match_the_one_nearest_the_time() -> None:
    at = NOW - timedelta(minutes=20)
    finding = _finding("NET-LOSS-UP", NOW - timedelta(minutes=50), 2)
    late = Window(at - timedelta(seconds=30), at + timedelta(minutes=1))
    finding = Finding(**{**finding.__dict__, "windows": (*finding.windows, late)})
    hit = symptoms.match(symptoms.Ask(symptoms.symptom("choppy"), at=at), SESSION, finding)
    assert hit is not None and hit.window == late


# ---------------------------------------------------------------------------------------
# the demo world's incidents, through the command line


@pytest.mark.parametrize("kind", sorted(INCIDENT_CAUSES))
def test_the_symptom_of_each_incident_finds_its_session_first(run: Run, world: DemoWorld, kind: str) -> None:
    s = incident(world, kind)
    lo, hi = truth_window(world, s)
    at = lo + (hi - lo) / 2
    result = run("triage", "--symptom", SYMPTOM_OF[kind], "--at", at.isoformat(), "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert isinstance(data, list) and data, f"{kind}: no match"
    top = data[0]
    assert top["rank"] == 1 and top["session_id"] == s.id, (kind, top)
    start = datetime.fromisoformat(top["start"])
    end = datetime.fromisoformat(top["end"])
    assert start <= hi and lo <= end, f"{kind}: the matched interval is not the incident's"
    assert top["start"].endswith("Z") and top["session_start"].endswith("Z")  # times carry their zone
    # naming the person who had it keeps the session first and names her
    truth = world.truth(s)
    assert truth is not None and isinstance(truth["who_names"], list)
    name = str(truth["who_names"][0])
    named = run("triage", "--symptom", SYMPTOM_OF[kind], "--at", at.isoformat(), "--who", name, "--jsonl")
    first = named.out.splitlines()[0]
    assert s.id in first


def test_triage_table_names_the_zone_and_counts_what_it_asked(run: Run, world: DemoWorld) -> None:
    s = incident(world, "high_rtt")
    lo, _ = truth_window(world, s)
    result = run("triage", "--symptom", "lag", "--at", lo.strftime("%Y-%m-%d %H:%M"))
    assert result.code == 0, result.err
    header = result.out.splitlines()[0].split()
    assert header[:3] == ["#", "SESSION", "WHO"] and "(UTC)" in header
    assert s.id in result.out.splitlines()[1]
    assert "for lag around" in result.err and "UTC in" in result.err


def test_triage_refuses_bad_input(run: Run) -> None:
    bad = run("triage", "--symptom", "wobbly")
    assert bad.code == 2 and "one of: choppy" in bad.err
    assert run("triage", "--symptom", "lag", "--at", "25:00").code == 2
    assert run("triage", "--symptom", "lag", "--within", "soon").code == 2
    fields = run("triage", "--symptom", "lag", "--json", "--fields", "rank,nope")
    assert fields.code == 2 and "nope" in fields.err and "session_id" in fields.err


# ---------------------------------------------------------------------------------------
# findings


def test_findings_all_formats(run: Run, world: DemoWorld) -> None:
    s = incident(world, "everyone")
    table = run("findings", s.id)
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert lines[0].startswith("verdict") and "shared" in lines[0] and lines[0].endswith("UTC")
    assert lines[1].split()[:4] == ["SEVERITY", "RULE", "CAUSE", "WHO"] and "(UTC)" in lines[1]
    assert lines[2].split()[:3] == ["poor", "SHARED", "shared"]
    data = run("findings", s.id, "--json").json()
    assert isinstance(data, list) and data[0]["rule"] == "SHARED" and data[0]["cause"] == "shared"
    first = data[0]
    assert first["bursts"] == len(first["windows"]) and first["start"].endswith("Z")
    assert first["evidence"] and first["evidence"][0]["samples"]
    rows = run("findings", s.id, "--csv", "--fields", "rule,cause,bursts").csv()
    assert list(rows[0]) == ["rule", "cause", "bursts"] and rows[0]["rule"] == "SHARED"
    lines = run("findings", s.id, "--jsonl", "--fields", "rule").out.splitlines()
    assert lines[0] == '{"rule": "SHARED"}'


def test_findings_of_a_clean_session_say_good(run: Run, world: DemoWorld) -> None:
    clean = next(
        s
        for s in (world.session(i) for i in range(world.size))
        if s.incident is None and world.ended_at(s, NOW) is not None
    )
    result = run("findings", clean.id)
    assert result.code == 0 and result.out.splitlines() == [result.out.splitlines()[0]]
    assert "good" in result.out
    assert run("findings", clean.id, "--json").json() == []
