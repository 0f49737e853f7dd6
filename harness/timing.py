"""Timing calls for the benchmarks: each call's seconds, and their percentiles."""

import statistics
import time
from functools import partial


def percentiles(seconds: list[float]) -> dict:
    ms = sorted(1000 * s for s in seconds)
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2),
        "calls": len(ms),
    }


def seconds_each(calls: list, rounds: int) -> list[list[float]]:
    """Each of `calls` in turn, `rounds` times, after one warm-up round (first calls allocate):
    each call's seconds, all taken under the same load. A call is a function of no arguments,
    or a pair (set-up, function) whose set-up runs untimed just before it."""
    calls = [call if isinstance(call, tuple) else (None, call) for call in calls]
    seconds = [[] for _ in calls]
    for lap in range(rounds + 1):
        for (set_up, call), timed in zip(calls, seconds):
            if set_up:
                set_up()
            started = time.perf_counter()
            call()
            if lap:  # the first lap warms up
                timed.append(time.perf_counter() - started)
    return seconds


def time_calls(call, values: list, calls: int) -> dict:
    """About `calls` calls of `call`, cycling through `values`, timed together."""
    rounds = -(-calls // len(values))
    return percentiles([s for timed in seconds_each([partial(call, v) for v in values], rounds) for s in timed])


def time_alternately(calls: list, rounds: int) -> list[dict]:
    """`rounds` of each of `calls` (as `seconds_each` takes them), in turn: one timing for each,
    so their ratios hold when the machine's speed drifts."""
    return [percentiles(timed) for timed in seconds_each(calls, rounds)]
