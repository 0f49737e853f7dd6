"""Driving the app's canvas in headless Chromium, as a person would: the browser tests and the
benchmarks share these.

Chromium is Debian's (`make chromium`), never a Playwright download. Drawings are stroke
values (model/strokes.py, on the app's canvas, 560 pixels high) drawn with the mouse or, on a
touch screen, with one finger, through the page's own pointer events. A value narrower than the
page's canvas (a digit on the 560x560 square, on the desktop's wide canvas) is drawn in its middle.
"""

import shutil

import numpy as np
from playwright.sync_api import Browser, Page, Playwright

from model.strokes import CANVAS, parse_strokes, smooth_path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No sandbox (CI runs as root), no GPU, and no calls home: the test machine has no network.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"viewport": {"width": 1280, "height": 1100}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
CANVAS_JS = "document.querySelector('#sketchpad canvas')"
SETTLED_JS = f"{CANVAS_JS}.pad.settled()"
ANSWER_LIMIT_MS = 15_000
# Resolves once the page's fonts are in and the canvas has kept its place for 5 frames: a page
# still laying itself out would move the canvas from under strokes aimed at it.
STILL_LAYOUT_JS = f"""async () => {{
  await document.fonts.ready;
  let place = '', still = 0;
  while (still < 5) {{
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const now = JSON.stringify({CANVAS_JS}.getBoundingClientRect());
    still = now === place ? still + 1 : 0;
    place = now;
  }}
}}"""
# Chromium delivers pointer moves once a frame, 60 a second, as a mouse or a finger gives them:
# a hand drawing a digit in about a second moves this many canvas pixels between two.
HAND_STEP = 16.0


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)


def open_app(browser: Browser, url: str, device: dict = DESKTOP) -> Page:
    """A new page on the app at `url`, once its canvas is ready to draw on."""
    page = browser.new_page(**device)
    page.goto(url)
    page.wait_for_function(f"{CANVAS_JS} && {CANVAS_JS}.pad !== undefined")
    page.evaluate(STILL_LAYOUT_JS)
    return page


def canvas_box(page: Page) -> dict:
    """The canvas on the page: {"x", "y", "width", "height"} in CSS pixels."""
    return page.locator("#sketchpad canvas").bounding_box()


def pen_path(value: dict, spacing: float = HAND_STEP) -> list[np.ndarray]:
    """A stroke value's strokes as a hand moves along them: points `spacing` canvas pixels
    apart on the brush's own curve through the stroke's points, the value's height CANVAS."""
    scale = CANVAS / value["height"]
    return [resample(smooth_path(np.asarray(stroke, np.float64) * scale), spacing) for stroke in value["strokes"]]


def value_width(value: dict) -> float:
    """A stroke value's width in canvas pixels, its height CANVAS."""
    return value["width"] * CANVAS / value["height"]


def curve_length(value: dict) -> float:
    """The length of a stroke value's first stroke as the brush draws it, in canvas pixels."""
    path = smooth_path(parse_strokes(value)[0])
    return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())


def resample(path: np.ndarray, spacing: float) -> np.ndarray:
    """(K, 2) path -> points every `spacing` along it, its first and last point kept."""
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    if along[-1] == 0:
        return path[:1]
    distances = np.append(np.arange(0.0, along[-1], spacing), along[-1])
    return np.stack([np.interp(distances, along, path[:, axis]) for axis in (0, 1)], axis=1)


def on_page(page: Page, strokes: list[np.ndarray], width: float = CANVAS) -> list[list[tuple[float, float]]]:
    """Strokes in canvas pixels of a drawing `width` wide -> in page coordinates, the drawing in
    the middle of the canvas."""
    box = canvas_box(page)
    scale = box["height"] / CANVAS  # CSS pixels per canvas pixel
    left = box["x"] + (box["width"] - width * scale) / 2
    return [[(left + x * scale, box["y"] + y * scale) for x, y in stroke] for stroke in strokes]


def draw(page: Page, value: dict, spacing: float = HAND_STEP) -> None:
    """Draws a stroke value with the mouse, moving `spacing` canvas pixels a frame along its curve."""
    for points in on_page(page, pen_path(value, spacing), value_width(value)):
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point)
        page.mouse.up()


def draw_by_touch(page: Page, value: dict, while_drawing=None) -> None:
    """Draws a stroke value with one finger, through Chrome's touch events.

    `while_drawing()`, if given, is called once in the middle of each stroke, the finger down.
    """
    session = page.context.new_cdp_session(page)

    def touch(kind: str, points: list) -> None:
        session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y} for x, y in points]})

    for path in on_page(page, pen_path(value), value_width(value)):
        touch("touchStart", [path[0]])
        for i, point in enumerate(path[1:]):
            touch("touchMove", [point])
            if while_drawing and i == len(path) // 2:
                while_drawing()
        touch("touchEnd", [])
    session.detach()


def wait_until_settled(page: Page) -> None:
    """Waits until the page shows the answer to the drawing as it is, with nothing on its way."""
    page.wait_for_function(SETTLED_JS, timeout=ANSWER_LIMIT_MS)


def press_clear(page: Page, tap: bool = False) -> None:
    """Clicks Clear, or taps it with a finger, and waits until the canvas is blank."""
    button = page.locator("#clear")
    button.tap() if tap else button.click()
    page.wait_for_function(f"{CANVAS_JS}.pad.value().strokes.length === 0")


def press_undo(page: Page) -> None:
    page.locator("#undo").click()
