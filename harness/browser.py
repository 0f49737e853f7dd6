"""Driving the app's sketchpad in headless Chromium, as a person would: the browser tests and the
pen-up benchmark share these.

Chromium is Debian's (`make chromium`), never a Playwright download. Strokes are the pen paths
of harness/drawing.py's table, drawn with the mouse or, on a touch screen, with touch events.
"""

import re
import shutil

from playwright.sync_api import Browser, Page, Playwright

from app import CANVAS_SIZE
from harness.drawing import STROKES, placed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No sandbox (CI runs as root), no GPU, and no calls home: the test machine has no network.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"viewport": {"width": 1280, "height": 1100}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)


def open_app(browser: Browser, url: str, device: dict = DESKTOP) -> Page:
    """A new page on the app at `url`, once its sketchpad's canvas is there."""
    page = browser.new_page(**device)
    page.goto(url)
    page.wait_for_selector("#sketchpad canvas")
    return page


def drawing_area(page: Page) -> dict:
    """The canvas's drawable square on the page: the sketchpad centres it at its zoom level."""
    canvas = page.locator("#sketchpad canvas").first.bounding_box()
    zoom = float(re.search(r"(\d+)%", page.locator("#sketchpad").inner_text()).group(1)) / 100
    side = CANVAS_SIZE * zoom
    return {
        "x": canvas["x"] + (canvas["width"] - side) / 2,
        "y": canvas["y"] + (canvas["height"] - side) / 2,
        "side": side,
    }


def stroke_points(page: Page, digit: int, scale: float = 1.0, shift=(0.0, 0.0)) -> list[list[tuple[float, float]]]:
    """The digit's strokes in page coordinates; `scale` and `shift` (fractions of the canvas) move
    the drawing away from the centre."""
    area = drawing_area(page)
    return [[(area["x"] + x * area["side"], area["y"] + y * area["side"]) for x, y in placed(stroke, scale, shift)]
            for stroke in STROKES[digit]]


def draw(page: Page, digit: int, scale: float = 1.0, shift=(0.0, 0.0)) -> None:
    """Draws the digit's strokes with the mouse, in small steps as a hand moves."""
    for points in stroke_points(page, digit, scale, shift):
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=3)
        page.mouse.up()


def draw_by_touch(page: Page, digit: int, while_drawing=None) -> None:
    """Draws the digit's strokes with one finger, through Chrome's touch events.

    `while_drawing()`, if given, is called once in the middle of each stroke, the finger down.
    """
    session = page.context.new_cdp_session(page)
    for points in stroke_points(page, digit):
        path = [points[0]]
        for (x0, y0), (x1, y1) in zip(points, points[1:]):  # small steps, as a finger moves
            path += [(x0 + (x1 - x0) * i / 3, y0 + (y1 - y0) * i / 3) for i in (1, 2, 3)]
        touch = lambda kind, x, y: session.send(  # noqa: E731
            "Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
        touch("touchStart", *path[0])
        for i, point in enumerate(path[1:]):
            touch("touchMove", *point)
            if while_drawing and i == len(path) // 2:
                while_drawing()
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    session.detach()


def press_clear(page: Page) -> None:
    """The page's Clear, which also clears the answer (the sketchpad's own button is hidden)."""
    page.locator("#clear").click()
