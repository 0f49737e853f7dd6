"""Time from pen-up to answer, in the browser: the app in headless Chromium, one-stroke digits
drawn with the mouse, and the time from the pointer's release to the new answer on the page.

The page itself keeps the clock (performance.now()): a listener notes each pointerup, and a
MutationObserver notes when the answer (#status) first reads "It's a ..." after it. So the
figure includes everything a person waits for: the sketchpad's export of its layers, the
uploads, Gradio's queue, the handler and the page update. The server runs in this process on
127.0.0.1; the canvas is cleared, and its answer awaited, between drawings, or with
--new-pages each drawing is the first on a newly opened page.

    python -m benchmarks.pen_up [--drawings 40] [--new-pages] [--weights FILE] [--json]
"""

import argparse
import json
import os
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from benchmarks.app_latency import percentiles
from harness.browser import DESKTOP, draw, launch_chromium, open_app, press_clear
from model.weights import DEFAULT_WEIGHTS

ONE_STROKE = (0, 2, 3, 5, 6, 7, 8, 9)  # digits drawn without lifting the pen

CLOCK_JS = """
() => {
  window.penUps = [];
  window.answers = [];
  addEventListener('pointerup', () => penUps.push(performance.now()), true);
  const status = document.querySelector('#status');
  new MutationObserver(() => {
    if (status.innerText.includes("It's a")) answers.push(performance.now());
  }).observe(status, {childList: true, subtree: true, characterData: true});
}
"""

# The answer that follows the last pen-up: its delay in milliseconds.
DELAY_JS = "() => answers.find((t) => t > penUps.at(-1)) - penUps.at(-1)"


def open_page(browser, url: str) -> Page:
    page = open_app(browser, url, DESKTOP)
    page.evaluate(CLOCK_JS)
    return page


def measure(url: str, drawings: int, new_pages: bool = False) -> list[float]:
    """Draws `drawings` digits one after another, each after a Clear or, with `new_pages`, each
    on a new page; returns each one's pen-up-to-answer, in seconds."""
    delays = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = open_page(browser, url)
        for i in range(drawings + 2):  # the first two warm up
            if new_pages and i:
                page.close()
                page = open_page(browser, url)
            status = page.locator("#status")
            draw(page, ONE_STROKE[i % len(ONE_STROKE)])
            expect(status).to_contain_text("It's a", timeout=30_000)
            if i >= 2:
                delays.append(page.evaluate(DELAY_JS) / 1000)
            if not new_pages:
                press_clear(page)
                expect(status).not_to_contain_text("It's a", timeout=30_000)
                page.wait_for_timeout(1500)  # let the clear's own events finish
        browser.close()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--drawings", type=int, default=40, help="digits to draw and time")
    parser.add_argument("--new-pages", action="store_true", help="draw each digit on a new page, not after a Clear")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="safetensors file")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()

    import app

    demo = app.build_demo(args.weights)
    _, url, _ = demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    try:
        result = percentiles(measure(url, args.drawings, args.new_pages))
    finally:
        demo.close()
    if args.json:
        print(json.dumps(result))
        return
    print(f"pen-up to answer in headless Chromium, {os.cpu_count()} CPU cores, {result['calls']} drawings, "
          + ("each on a new page" if args.new_pages else "each after a Clear"))
    print(f"p50 {result['p50_ms']:.0f} ms   p95 {result['p95_ms']:.0f} ms")


if __name__ == "__main__":
    main()
