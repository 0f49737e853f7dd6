"""The app in headless Chromium, driven like a person: real mouse strokes on the real sketchpad.

Screenshots go to artifacts/ (ignored by git). Chromium is Debian's (`make chromium`), not a
Playwright download.
"""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from app import CANVAS_SIZE
from examples.strokes import DIGITS
from tests.app_server import running_app

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No sandbox (CI runs as root), no GPU, and no calls home: the test machine has no network.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
DRAWN = (7, 2, 4, 0)  # digits the test draws stroke by stroke


@pytest.fixture(scope="module")
def app_url():
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make chromium` (Debian's chromium package).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url) -> Page:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.goto(app_url)
    page.wait_for_selector("#sketchpad canvas")
    yield page
    page.close()


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


def draw(page: Page, digit: int, scale: float = 1.0, shift: tuple[float, float] = (0.0, 0.0)) -> None:
    """Draws the digit's strokes with the mouse, in small steps as a hand moves; `scale` and
    `shift` (fractions of the canvas) move the drawing away from the centre."""
    area = drawing_area(page)

    def on_page(x: float, y: float) -> tuple[float, float]:
        x, y = 0.5 + (x - 0.5) * scale + shift[0], 0.5 + (y - 0.5) * scale + shift[1]
        return area["x"] + x * area["side"], area["y"] + y * area["side"]

    for stroke in DIGITS[digit]:
        points = [on_page(x, y) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=3)
        page.mouse.up()


def shown_label(page: Page) -> str:
    return page.locator("#probabilities h2, #probabilities .output-class").first.inner_text().strip()


def clear(page: Page) -> None:
    page.locator('#sketchpad button[aria-label="Clear canvas"]').click()


def test_a_new_page_prompts_to_draw_and_draws_at_once(page: Page):
    expect(page.locator("#status")).to_contain_text("Draw a digit")
    # The brush is chosen on load, so the sketchpad's "select the draw tool" hint is gone.
    expect(page.locator("#sketchpad")).not_to_contain_text("select the draw tool")
    page.screenshot(path=ARTIFACTS / "empty.png")


def wait_for_answers(page: Page) -> None:
    """Waits until no answer is on its way: a digit drawn in several strokes is read after each,
    and the answer to an earlier stroke can show before the last stroke's is in."""
    page.wait_for_timeout(500)
    expect(page.locator("#status")).not_to_contain_text(re.compile(r"\d\.\ds"), timeout=15_000)


def test_drawn_digits_are_recognised_then_cleared(page: Page):
    for digit in DRAWN:
        draw(page, digit)
        expect(page.locator("#status")).to_contain_text(f"It's a {digit}", timeout=15_000)
        wait_for_answers(page)
        expect(page.locator("#status")).to_contain_text(f"It's a {digit}")
        expect(page.locator("#probabilities")).to_contain_text("%")
        page.screenshot(path=ARTIFACTS / f"drawn_{digit}.png")
        clear(page)
        expect(page.locator("#status")).to_contain_text("Draw a digit", timeout=15_000)
        expect(page.locator("#probabilities")).not_to_contain_text("%")


def test_a_small_seven_in_a_corner_is_recognised(page: Page):
    draw(page, 7, scale=0.4, shift=(0.27, 0.27))
    expect(page.locator("#status")).to_contain_text("It's a 7", timeout=15_000)
    page.screenshot(path=ARTIFACTS / "small_7_in_a_corner.png")


def test_undo_and_redo_change_the_prediction(page: Page):
    draw(page, 7)
    expect(page.locator("#status")).to_contain_text("It's a 7", timeout=15_000)
    page.locator('#sketchpad button[aria-label="Undo"]').click()
    expect(page.locator("#status")).to_contain_text("Draw a digit", timeout=15_000)
    expect(page.locator("#probabilities")).not_to_contain_text("%")
    page.locator('#sketchpad button[aria-label="Redo"]').click()
    expect(page.locator("#status")).to_contain_text("It's a 7", timeout=15_000)


def test_heatmap_appears_when_asked(page: Page):
    draw(page, 7)
    expect(page.locator("#status")).to_contain_text("It's a 7", timeout=15_000)
    expect(page.locator("#hidden-states")).to_be_hidden()
    page.locator("#show-hidden input[type=checkbox]").check()
    heatmap = page.locator("#hidden-states img")
    expect(heatmap).to_be_visible(timeout=15_000)
    assert heatmap.evaluate("img => img.naturalWidth") > 300
    page.screenshot(path=ARTIFACTS / "heatmap.png", full_page=True)
    page.locator("#show-hidden input[type=checkbox]").uncheck()
    expect(page.locator("#hidden-states")).to_be_hidden(timeout=15_000)


def test_an_example_loads_and_is_predicted(page: Page):
    page.get_by_text("drawn 3", exact=True).click()
    expect(page.locator("#status")).to_contain_text("It's a 3", timeout=15_000)
