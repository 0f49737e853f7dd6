"""Time from pen-up to answer, in the browser: the app in headless Chromium, real people's
one-stroke pen digits (harness/pen_digits.json) drawn with the mouse, and where the time goes.

The page keeps the clock: the canvas logs each pen-up and each request it sends (ui/canvas.js),
and each answer carries its handler's start and end. All are epoch milliseconds on this one
machine, so a pen-up's answer splits into
- waiting: for an answer already in flight when the pen lifted (the canvas sends one at a time);
- to handler: from sending to the handler's start (the browser, the network, Gradio's routing);
- handler: the handler itself (strokes drawn, converted, read by the network);
- to page: from the handler's end to the answer shown on the page.
Interleaved with the drawings, in the same run:
- the floor: an empty drawing sent the same way, a round trip whose handler does nothing;
- one stroke of 60 mouse moves, about a second as Chromium delivers a move a frame, through
  the page's own pointer events: the answers shown before the pen lifts.
The server runs in this process on 127.0.0.1; the canvas is cleared between drawings.

    python -m benchmarks.pen_up [--drawings 40] [--weights FILE] [--json]
"""

import argparse
import json
import os
from pathlib import Path

import numpy as np
from playwright.sync_api import Page, sync_playwright

from harness.browser import CANVAS_JS, DESKTOP, curve_length, draw, launch_chromium, open_app, press_clear, \
    wait_until_settled
from harness.drawing import load_pen_digits, table_value
from model.strokes import CANVAS
from model.weights import DEFAULT_WEIGHTS

WARM_UP = 2  # drawings not timed
SLOW_STROKE_EVERY = 5  # one slow stroke after this many drawings
SLOW_STROKE_MOVES = 60  # a second at 60 frames a second, as Chromium delivers pointer moves
EMPTY_DRAWING = {"width": CANVAS, "height": CANVAS, "strokes": []}
ROUND_TRIP_JS = f"""async (drawing) => {{
  const start = performance.now();
  await {CANVAS_JS}.pad.read(drawing);
  return performance.now() - start;
}}"""


def one_stroke_digits() -> list[dict]:
    return [digit["value"] for digit in load_pen_digits() if len(digit["value"]["strokes"]) == 1]


def pen_up_split(log: dict) -> dict:
    """The last pen-up's answer, split: {"total", "waiting", "to_handler", "handler", "to_page"} in ms."""
    pen_up = log["penUps"][-1]
    answer = next(r for r in log["requests"] if r["seq"] >= pen_up["seq"] and r["shown"])
    return {
        "total": answer["onPage"] - pen_up["at"],
        "waiting": answer["sent"] - pen_up["at"],
        "to_handler": answer["server"]["start"] - answer["sent"],
        "handler": answer["server"]["end"] - answer["server"]["start"],
        "to_page": answer["onPage"] - answer["server"]["end"],
    }


def answers_while_drawing(log: dict) -> tuple[int, float]:
    """The last stroke's answers shown before its pen-up, and how long the stroke took (ms)."""
    down, up = log["penDowns"][-1]["at"], log["penUps"][-1]["at"]
    shown = [r for r in log["requests"] if r["shown"] and down <= r["sent"] and r["onPage"] < up]
    return len(shown), up - down


def clear(page: Page) -> None:
    press_clear(page)
    wait_until_settled(page)
    page.evaluate(f"() => {{ const log = {CANVAS_JS}.pad.log; log.requests.length = 0; }}")


def measure(url: str, drawings: int) -> dict:
    """Draws `drawings` digits (after WARM_UP), each followed by an empty round trip, and a slow
    stroke every SLOW_STROKE_EVERY; returns the lists of each figure."""
    digits = one_stroke_digits()
    splits, floors, while_drawing = [], [], []
    slow = table_value(0)
    slow_spacing = curve_length(slow) / SLOW_STROKE_MOVES
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = open_app(browser, url, DESKTOP)
        for i in range(WARM_UP + drawings):
            draw(page, digits[i % len(digits)])
            wait_until_settled(page)
            split = pen_up_split(page.evaluate(f"{CANVAS_JS}.pad.log"))
            floor = page.evaluate(ROUND_TRIP_JS, EMPTY_DRAWING)
            clear(page)
            if i < WARM_UP:
                continue
            splits.append(split)
            floors.append(floor)
            if i % SLOW_STROKE_EVERY == 0:
                draw(page, slow, spacing=slow_spacing)
                wait_until_settled(page)
                while_drawing.append(answers_while_drawing(page.evaluate(f"{CANVAS_JS}.pad.log")))
                clear(page)
        browser.close()
    return {"splits": splits, "floors": floors, "while_drawing": while_drawing}


def summary(measured: dict) -> dict:
    """p50 and p95 of each part of the pen-up time, the floor, and the answers during slow strokes."""
    def percentiles(values) -> dict:
        return {"p50_ms": float(np.percentile(values, 50)), "p95_ms": float(np.percentile(values, 95))}

    parts = ("total", "waiting", "to_handler", "handler", "to_page")
    answers = [count for count, _ in measured["while_drawing"]]
    return {
        "drawings": len(measured["splits"]),
        **{part: percentiles([split[part] for split in measured["splits"]]) for part in parts},
        "floor": percentiles(measured["floors"]),
        "slow_strokes": len(answers),
        "slow_stroke_ms": float(np.median([ms for _, ms in measured["while_drawing"]])) if answers else None,
        "answers_while_drawing_min": min(answers, default=None),
        "answers_while_drawing_median": float(np.median(answers)) if answers else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--drawings", type=int, default=40, help="digits to draw and time")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="safetensors file")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()

    import app

    demo = app.build_demo(args.weights)
    _, url, _ = demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    try:
        result = summary(measure(url, args.drawings))
    finally:
        demo.close()
    if args.json:
        print(json.dumps(result))
        return
    print(f"pen-up to answer in headless Chromium, {os.cpu_count()} CPU cores, {result['drawings']} drawings "
          f"of real one-stroke pen digits, each after a Clear")
    print(f"{'':28}{'p50 ms':>8}{'p95 ms':>8}")
    for part, name in (("total", "pen-up to answer"), ("waiting", "  waiting for one in flight"),
                       ("to_handler", "  sending to handler start"), ("handler", "  handler"),
                       ("to_page", "  answer reaching the page"), ("floor", "empty round trip (floor)")):
        print(f"{name:28}{result[part]['p50_ms']:8.1f}{result[part]['p95_ms']:8.1f}")
    print(f"answers shown while one stroke of {result['slow_stroke_ms']:.0f} ms (median) is drawn: "
          f"median {result['answers_while_drawing_median']:.0f}, fewest {result['answers_while_drawing_min']}, "
          f"over {result['slow_strokes']} strokes")


if __name__ == "__main__":
    main()
