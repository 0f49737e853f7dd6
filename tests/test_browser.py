"""The app in headless Chromium, driven like a person: real mouse strokes on the real sketchpad.

The app runs under harness/record_values.py, which saves each sketchpad value its handler is
given, and the status it answered: the tests compare a real value with the one the harness
builds, and wait for the page to show the answer to a whole drawing.

Screenshots go to artifacts/ (ignored by git). Chromium is Debian's (`make chromium`), not a
Playwright download.
"""

import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from app import CANVAS_SIZE
from harness.drawing import STROKES, as_sketchpad, placed, render_strokes
from harness.server import serve_app

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No sandbox (CI runs as root), no GPU, and no calls home: the test machine has no network.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
DRAWN = (7, 2, 4, 0)  # digits the test draws stroke by stroke
ANSWER_LIMIT_MS = 15_000


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """The folder where the app saves the values its sketchpad handler is given."""
    return tmp_path_factory.mktemp("recorded")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, recorded):
    with serve_app(tmp_path_factory.mktemp("app"), runner=("-m", "harness.record_values", str(recorded))) as server:
        yield server.url


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

    for stroke in STROKES[digit]:
        points = [(area["x"] + x * area["side"], area["y"] + y * area["side"]) for x, y in placed(stroke, scale, shift)]
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


def recorded_values(folder: Path, first: int) -> list[dict]:
    """The values the handler was given, from call number `first` on, in the order of the calls."""
    numbers = sorted(int(path.stem) for path in folder.glob("*.npz"))
    values = []
    for number in (n for n in numbers if n >= first):
        with np.load(folder / f"{number}.npz") as saved:
            values.append({key: saved[key] for key in saved.files})
    return values


def calls_so_far(folder: Path) -> int:
    return len(list(folder.glob("*.npz")))


def answer_to_whole_drawing(page: Page, folder: Path, first: int, digit: int) -> dict:
    """Waits until the handler has been given the whole drawing of `digit` (ink where its last
    stroke ends), the page shows the status it answered, and no event is still running;
    returns that value.

    A digit drawn in several strokes is read after each, and an earlier stroke's answer can
    show while the last stroke's is on its way: the status of the whole drawing's answer (its
    label and probability) is the one to wait for. The answer shows while its event is still
    finishing, with Gradio's timer ("processing | 1.2/1.4s") beside it; pressing Clear then
    can lose the Clear, so the timer must be gone too.
    """
    x, y = STROKES[digit][-1][-1]
    end = (round(y * CANVAS_SIZE), round(x * CANVAS_SIZE))
    deadline = time.monotonic() + ANSWER_LIMIT_MS / 1000
    while True:
        whole = [value for value in recorded_values(folder, first) if value["layer_0"][end + (3,)] > 0]
        if whole:
            break
        assert time.monotonic() < deadline, "the whole drawing never reached the app"
        page.wait_for_timeout(100)
    first_line = str(whole[-1]["status"]).splitlines()[0].replace("## ", "").replace("**", "")
    expect(page.locator("#status")).to_contain_text(first_line, timeout=ANSWER_LIMIT_MS)
    expect(page.locator("#status")).not_to_contain_text(re.compile(r"\d\.\ds"), timeout=ANSWER_LIMIT_MS)
    return whole[-1]


def test_drawn_digits_are_recognised_then_cleared(page: Page, recorded: Path):
    for digit in DRAWN:
        first = calls_so_far(recorded)
        draw(page, digit)
        answer_to_whole_drawing(page, recorded, first, digit)
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


def test_the_harness_builds_the_value_the_real_sketchpad_sends(page: Page, recorded: Path):
    """harness.drawing.as_sketchpad, which the tests and benchmarks use, against a value
    captured from the real component: the same arrays, for the layer the page drew."""
    first = calls_so_far(recorded)
    draw(page, 7)
    value = answer_to_whole_drawing(page, recorded, first, 7)
    layer = value["layer_0"]
    built = as_sketchpad(layer)
    assert sorted(key for key in value if key != "status") == ["background", "composite", "layer_0"]
    for key in ("background", "composite"):
        assert value[key].dtype == built[key].dtype and value[key].shape == built[key].shape, key
        assert np.array_equal(value[key], built[key]), key
    # And the mouse drew the table's strokes where render_strokes puts them.
    drawn, rendered = layer[..., 3] > 0, render_strokes(7)[..., 3] > 0
    assert (drawn & rendered).sum() / (drawn | rendered).sum() > 0.7
