"""The diagnosis: how right its causes are, and how fast it judges a big session.

Accuracy (one process; deterministic): the ended sessions of a demo world of ``--sessions``
sessions (seed 7, as it stands on 2026-11-22 10:00 UTC) are built as unified models with
``roomscope.tui.demo.unified.bundle`` (per-sender receive loss in sessions of up to 12) and
diagnosed. Each session's true incident (``extra["incident"]``: kind, cause, who, window) is
the answer key. A finding is right when its cause is the true cause, it names the true
participant (``cause_of`` in ``who``; none for shared) and one of its windows overlaps the
true window (30 s slack). Precision: right findings / all findings, those of clean sessions
included; recall: incidents with at least one right finding / incidents. Clean sessions
with any finding are counted apart (target: none).

Speed (``--procs`` fresh processes): a demo session stretched to 40 participants and 2 hours
(``dataclasses.replace`` of a demo session; ~1.0 M samples over 8 metrics) is built once,
then ``diagnose`` is timed ``--reps`` times after one warm-up, for a clean session and for
one where everyone degrades at once (the most findings to attribute). Figure: the median
over processes of each process's median, [min–max of the process medians], with the CPU
time beside it (the machine is shared: CPU time moves less than wall time) and a reference
of the machine's speed at the time: ``max()`` over a list of 1 M floats in the same process
(the diagnosis reads its ~1 M samples in about two such passes, then works on the breaches).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import (
    ChildError,
    Figure,
    base_parser,
    child_result,
    command,
    emit,
    fmt_ms,
    median,
    ms,
    not_measured,
    progress,
    run_child,
    summary_ms,
)

NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
SEED = 7
PEOPLE = 40
HOURS = 2.0
TARGET_MS = 100.0
TARGET_SHARE = 0.95
SLACK = timedelta(seconds=30)


def accuracy(sessions: int) -> dict[str, Any]:
    from roomscope.tui.demo.unified import bundle
    from roomscope.tui.demo.world import DemoWorld
    from roomscope.tui.diagnosis import Cause, diagnose

    world = DemoWorld(seed=SEED, size=sessions, now=NOW)
    right = wrong = 0
    incidents: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    clean = clean_with_findings = 0
    wrong_kinds: Counter[str] = Counter()
    spent = 0.0
    for index in range(sessions):
        s = world.session(index)
        if world.ended_at(s, NOW) is None:
            continue  # a live session's incident may not have happened yet
        b = bundle(world, s, NOW)
        started = time.perf_counter()
        report = diagnose(b.session, b.participants, b.events, b.series)
        spent += time.perf_counter() - started
        truth = b.truth
        if truth is None:
            clean += 1
            clean_with_findings += bool(report.findings)
            wrong += len(report.findings)
            wrong_kinds.update(f"clean:{f.rule}" for f in report.findings)
            continue
        kind = str(truth["kind"])
        incidents[kind] += 1
        lo, hi = (datetime.fromisoformat(t) for t in truth["window"])
        good = 0
        for f in report.findings:
            who = f.cause_of is not None and f.cause_of.id in truth["who"]
            who = who or (f.cause is Cause.SHARED and f.cause_of is None)
            when = any(w.start <= hi + SLACK and w.end >= lo - SLACK for w in f.windows)
            if f.cause.value == truth["cause"] and who and when:
                good += 1
            else:
                wrong_kinds[f"{kind}:{f.rule}:{f.cause.value}"] += 1
        right += good
        wrong += len(report.findings) - good
        caught[kind] += bool(good)
    judged = clean + sum(incidents.values())
    return {
        "right": right,
        "wrong": wrong,
        "incidents": dict(incidents),
        "caught": dict(caught),
        "clean": clean,
        "clean_with_findings": clean_with_findings,
        "wrong_kinds": dict(wrong_kinds.most_common(8)),
        "diagnose_ms_per_session": ms(spent / judged) if judged else float("nan"),
        "ended": judged,
    }


def speed(kind: str, reps: int) -> dict[str, Any]:
    import dataclasses

    from roomscope.tui.demo.unified import bundle
    from roomscope.tui.demo.world import DemoWorld
    from roomscope.tui.diagnosis import diagnose

    world = DemoWorld(seed=SEED, size=5000, now=NOW)
    base = next(world.session(i) for i in range(100, world.size) if world.ended_at(world.session(i), NOW))
    stretched = dataclasses.replace(
        base,
        participant_count=PEOPLE,
        planned_end=base.start + timedelta(hours=HOURS),
        incident=None if kind == "clean" else kind,
    )
    b = bundle(world, stretched, NOW)
    samples = sum(len(q.values) for found in b.series.values() for q in found)
    report = diagnose(b.session, b.participants, b.events, b.series)  # warm-up
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        report = diagnose(b.session, b.participants, b.events, b.series)
        cpus.append(ms(time.process_time() - cpu))
        walls.append(ms(time.perf_counter() - wall))
    floats = [float(i % 977) for i in range(1_000_000)]
    reference: list[float] = []
    for _ in range(5):
        wall = time.perf_counter()
        max(floats)
        reference.append(ms(time.perf_counter() - wall))
    return {
        "ms": median(walls),
        "cpu_ms": median(cpus),
        "reference_ms": median(reference),
        "samples": samples,
        "series": sum(len(found) for found in b.series.values()),
        "summary": report.summary,
        "findings": len(report.findings),
    }


def _accuracy_figure(result: dict[str, Any], sessions: int, cmd: str) -> Figure:
    right, wrong = result["right"], result["wrong"]
    incidents: dict[str, int] = result["incidents"]
    caught: dict[str, int] = result["caught"]
    precision = right / (right + wrong) if right + wrong else 1.0
    recall = sum(caught.values()) / sum(incidents.values()) if incidents else 1.0
    per_kind = ", ".join(f"{k} {caught.get(k, 0)}/{n}" for k, n in sorted(incidents.items()))
    mistakes = ", ".join(f"{k} ×{n}" for k, n in result["wrong_kinds"].items()) or "none"
    text = (
        f"precision {precision:.3f} ({right} of {right + wrong} findings right), recall {recall:.3f} "
        f"({sum(caught.values())} of {sum(incidents.values())} incidents: {per_kind}); "
        f"clean sessions with a finding: {result['clean_with_findings']} of {result['clean']}; "
        f"wrong: {mistakes}; {result['ended']} ended of {sessions} sessions, "
        f"diagnose {fmt_ms(result['diagnose_ms_per_session'])} a session on average"
    )
    met = precision >= TARGET_SHARE and recall >= TARGET_SHARE and result["clean_with_findings"] == 0
    return Figure(
        f"diagnosis causes vs the demo world's truth ({sessions:,} sessions)",
        text,
        cmd,
        target=f"precision and recall >= {TARGET_SHARE}, no finding on a clean session",
        met=met,
        data={"precision": precision, "recall": recall, **result},
    )


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--sessions", type=int, default=5000, help="demo sessions judged for accuracy (5000)")
    parser.add_argument("--procs", type=int, default=3, help="fresh processes per speed figure (default 3)")
    parser.add_argument("--reps", type=int, default=5, help="timed diagnoses per process (default 5)")
    parser.add_argument("--mode", choices=("accuracy", "speed"), help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="clean", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        try:
            result = accuracy(args.sessions) if args.mode == "accuracy" else speed(args.kind, args.reps)
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return
    figures: list[Figure] = []
    acc_cmd = command("diagnosis.py", "--sessions", str(args.sessions), "--procs", "0")
    if args.sessions > 0:
        progress(f"diagnosis accuracy: {args.sessions} demo sessions (a few minutes)")
        try:
            argv = ["--mode", "accuracy", "--sessions", str(args.sessions)]
            result = run_child("diagnosis.py", argv, timeout=60 + args.sessions * 0.6)
            figures.append(_accuracy_figure(result, args.sessions, acc_cmd))
        except ChildError as exc:
            figures.append(not_measured("diagnosis causes vs the demo world's truth", str(exc), acc_cmd))
    speed_cmd = command(
        "diagnosis.py", "--sessions", "0", "--procs", str(args.procs), "--reps", str(args.reps)
    )
    for kind, words in (("everyone", "everyone degrades at once"), ("clean", "clean")):
        title = f"diagnose a {PEOPLE}-participant {HOURS:g}-hour session ({words})"
        results: list[dict[str, Any]] = []
        failure = ""
        for proc in range(args.procs):
            progress(f"diagnosis speed ({kind}): process {proc + 1}/{args.procs}")
            try:
                results.append(
                    run_child(
                        "diagnosis.py",
                        ["--mode", "speed", "--kind", kind, "--reps", str(args.reps)],
                        timeout=600,
                    )
                )
            except ChildError as exc:
                failure = str(exc)
        if not results:
            if args.procs:
                figures.append(
                    not_measured(title, failure or "no process finished", speed_cmd, f"<= {TARGET_MS:.0f} ms")
                )
            continue
        walls = [r["ms"] for r in results]
        first = results[0]
        text = (
            f"{summary_ms(walls)} (CPU {fmt_ms(median([r['cpu_ms'] for r in results]))}; "
            f"{first['samples'] / 1e6:.2f} M samples in {first['series']} series; "
            f"{first['findings']} finding(s): {first['summary']}; {len(results)} procs x {args.reps} reps; "
            f"machine reference: max() of 1 M floats {fmt_ms(median([r['reference_ms'] for r in results]))})"
        )
        figures.append(
            Figure(
                title,
                text,
                speed_cmd,
                target=f"<= {TARGET_MS:.0f} ms",
                met=median(walls) <= TARGET_MS,
                data={"ms": walls},
            )
        )
    emit(figures, args.json)


if __name__ == "__main__":
    main()
