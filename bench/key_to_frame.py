"""Key to frame on the session list, with 1,000 and with 100,000 sessions.

Each size runs in fresh processes (alternating sizes). A process builds the app as
``roomscope --provider demo --demo-latency 0`` would (DemoProvider store, sqlite cache in an
empty temporary directory), runs it at 120x40 on the null-terminal driver (every frame
encoded to ANSI, bytes discarded), waits for the first rows, and then:

* presses ``j`` / ``down`` (alternating) ``--presses`` times after a few warm-up presses;
* goes back to the top and presses ``pagedown`` ``--pages`` times after two warm-ups.

One press is timed from handing the key event to the driver's message queue to the first
displayed frame (``App._display`` returned) in which the row under the moved cursor has
been painted with its session: a page that has to load first is part of the latency, a
frame with the "⋯ loading…" placeholder is not the result. Presses are 25-60 ms apart
(40-80 ms for pagedown), at random, like a held key, so that they do not all fall at the
same phase of Textual's 60 Hz screen-update timer. Figures: the median over processes of
each process's median, [min–max of the process medians], and the p90 of all presses.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from pathlib import Path
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
    percentile,
    progress,
    run_child,
    summary_ms,
)

TARGET_MS = 50.0
RATIO_TARGET = 1.3
KEYS = {"j/down": ("j", "down"), "pagedown": ("pagedown",)}


async def measure(size: int, driver: str, presses: int, pages: int, warmup: int) -> dict[str, Any]:
    from _inapp import FrameWatch, NullTerminalDriver, run_app
    from _sessions import SessionList, make_app, pause

    rng = random.Random()
    results: dict[str, list[float]] = {name: [] for name in KEYS}
    misses: dict[str, int] = dict.fromkeys(KEYS, 0)
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-keys-") as tmp:
        app = make_app(size, Path(tmp))
        watch = FrameWatch(app)

        async def scenario(_app: Any) -> None:
            session_list = await SessionList.open(app, watch)
            await pause(0.3)
            plan = [("j/down", presses, warmup, (0.025, 0.06)), ("pagedown", pages, 2, (0.04, 0.08))]
            for name, count, warm, (gap_low, gap_high) in plan:
                keys = KEYS[name]
                if name == "pagedown":
                    await session_list.key_to_frame("g")
                    await pause(0.2)
                for i in range(warm + count):
                    latency = await session_list.key_to_frame(keys[i % len(keys)])
                    if i >= warm:
                        if latency is None:
                            misses[name] += 1
                        else:
                            results[name].append(ms(latency))
                    # A random gap: successive presses must not fall at the same phase
                    # of Textual's 60 Hz screen-update timer.
                    await pause(rng.uniform(gap_low, gap_high))

        await run_app(app, scenario, driver=driver)
    return {
        "size": size,
        "driver": driver,
        "ms": results,
        "misses": misses,
        "frames": watch.count,
        "bytes": NullTerminalDriver.bytes_written,
    }


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--sizes", default="1000,100000", help="session counts (default 1000,100000)")
    parser.add_argument("--procs", type=int, default=3, help="fresh processes per size (default 3)")
    parser.add_argument("--presses", type=int, default=60, help="timed j/down presses per process")
    parser.add_argument("--pages", type=int, default=20, help="timed pagedown presses per process")
    parser.add_argument("--warmup", type=int, default=8, help="untimed j/down presses first")
    parser.add_argument("--driver", choices=("null", "headless"), default="null")
    parser.add_argument("--size", type=int, default=1000, help="(child) the one size to run")
    args = parser.parse_args()
    if args.child:
        try:
            result = asyncio.run(measure(args.size, args.driver, args.presses, args.pages, args.warmup))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    extra = [] if args.driver == "null" else ["--driver", args.driver]
    cmd = command("key_to_frame.py", "--procs", str(args.procs), *extra)
    driver = "null-terminal driver" if args.driver == "null" else "headless run_test"
    per_proc: dict[tuple[str, int], list[float]] = {}
    pooled: dict[tuple[str, int], list[float]] = {}
    misses: dict[tuple[str, int], int] = {}
    errors: dict[int, str] = {}
    child_args = ["--presses", str(args.presses), "--pages", str(args.pages), "--warmup", str(args.warmup)]
    child_args += ["--driver", args.driver]
    for proc in range(args.procs):
        for size in sizes if proc % 2 == 0 else list(reversed(sizes)):
            progress(f"key to frame: {size:,} sessions, process {proc + 1}/{args.procs}")
            try:
                result = run_child("key_to_frame.py", [*child_args, "--size", str(size)], timeout=180)
            except ChildError as exc:
                errors.setdefault(size, str(exc))
                continue
            for name, values in result["ms"].items():
                key = (name, size)
                if values:
                    per_proc.setdefault(key, []).append(median(values))
                    pooled.setdefault(key, []).extend(values)
                misses[key] = misses.get(key, 0) + int(result["misses"][name])

    figures: list[Figure] = []
    for name in KEYS:
        for size in sizes:
            title = f"key to frame, {name}, {size:,} sessions"
            key = (name, size)
            if key not in per_proc:
                why = errors.get(size, "no press produced a frame")
                figures.append(not_measured(title, why, cmd, f"<= {TARGET_MS:.0f} ms"))
                continue
            value = median(per_proc[key])
            missed = f", {misses[key]} presses with no frame in 5 s" if misses.get(key) else ""
            text = (
                f"{summary_ms(per_proc[key])} (p90 {fmt_ms(percentile(pooled[key], 90))}; "
                f"{len(per_proc[key])} procs x {len(pooled[key]) // len(per_proc[key])} presses; "
                f"{driver}{missed})"
            )
            figures.append(
                Figure(
                    title,
                    text,
                    cmd,
                    target=f"<= {TARGET_MS:.0f} ms",
                    met=value <= TARGET_MS and not misses.get(key),
                    data={"median_ms": value, "per_process_ms": per_proc[key], "all_ms": pooled[key]},
                )
            )
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        for name in KEYS:
            title = f"key to frame ratio {large // 1000}k/{small // 1000}k, {name}"
            if (name, small) in per_proc and (name, large) in per_proc:
                a, b = median(per_proc[(name, large)]), median(per_proc[(name, small)])
                ratio = a / b
                text = f"{ratio:.2f}x ({fmt_ms(a)} vs {fmt_ms(b)})"
                figures.append(
                    Figure(title, text, cmd, target=f"<= {RATIO_TARGET}", met=ratio <= RATIO_TARGET)
                )
            else:
                figures.append(not_measured(title, "a size did not run", cmd, f"<= {RATIO_TARGET}"))
    emit(figures, args.json)


if __name__ == "__main__":
    main()
