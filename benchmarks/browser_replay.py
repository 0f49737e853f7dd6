"""Real pen digits read in the browser as well as by the command line? Held-out writers' pen
digits (harness/pen_digits.json, writers never trained on) are replayed with the mouse on the
app's canvas in headless Chromium, and the page's answer is compared with the classifier's
answer for the same strokes sent straight to it, as `python -m model predict` reads a stroke
file.

    python -m benchmarks.browser_replay [--count 150] [--weights FILE] [--json]
"""

import argparse
import json
from pathlib import Path

from playwright.sync_api import sync_playwright

from harness.browser import DESKTOP, draw, launch_chromium, open_app, press_clear, wait_until_settled
from harness.drawing import load_pen_digits
from model.classifier import DigitClassifier
from model.weights import DEFAULT_WEIGHTS

SHOWN_DIGIT_JS = "() => { const digit = document.querySelector('#status .digit'); return digit && digit.textContent; }"


def replay(url: str, digits: list[dict]) -> list[int | None]:
    """Each digit drawn with the mouse, then cleared: the digit the page shows, or None."""
    shown = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = open_app(browser, url, DESKTOP)
        for digit in digits:
            draw(page, digit["value"])
            wait_until_settled(page)
            text = page.evaluate(SHOWN_DIGIT_JS)
            shown.append(None if text is None else int(text))
            press_clear(page)
            wait_until_settled(page)
        browser.close()
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--count", type=int, default=150, help="pen digits to replay (150 in all)")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="safetensors file")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()

    import app

    digits = load_pen_digits()[: args.count]
    classifier = DigitClassifier(args.weights)
    direct = [classifier.predict(digit["value"]).label for digit in digits]
    demo = app.build_demo(args.weights)
    _, url, _ = demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    try:
        shown = replay(url, digits)
    finally:
        demo.close()
    labels = [digit["label"] for digit in digits]
    result = {
        "count": len(digits),
        "browser_accuracy": sum(s == t for s, t in zip(shown, labels)) / len(digits),
        "direct_accuracy": sum(d == t for d, t in zip(direct, labels)) / len(digits),
        "agreement": sum(s == d for s, d in zip(shown, direct)) / len(digits),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['count']} held-out writers' pen digits")
    print(f"replayed with the mouse in the browser: {result['browser_accuracy']:.2%} read right")
    print(f"the same strokes sent to the classifier: {result['direct_accuracy']:.2%} read right")
    print(f"the same answer both ways: {result['agreement']:.2%}")


if __name__ == "__main__":
    main()
