"""The app in headless Chromium, driven like a person: real strokes on the real sketchpad, with
the mouse on a desktop screen and with a finger on a phone's.

The app runs under harness/record_values.py, which saves each sketchpad value its handler is
given, and the status it answered: the tests compare a real value with the one the harness
builds, and wait for the page to show the answer to a whole drawing.

Screenshots go to artifacts/ (ignored by git). Chromium is Debian's (`make chromium`), not a
Playwright download.
"""

import re
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from playwright.sync_api import Page, expect, sync_playwright

from app import CANVAS_SIZE
from harness.browser import (
    CHROMIUM, DESKTOP, PHONE, draw, draw_by_touch, drawing_area, launch_chromium, open_app, press_clear,
)
from harness.drawing import STROKES, as_sketchpad, render_strokes
from harness.server import serve_app
from model.canvas import normalize
from model.corrections import CorrectionsFolder, read_labelled_drawings
from model.network import predict_labels

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
DRAWN = (7, 2, 4, 0)  # digits the test draws stroke by stroke
ANSWER_LIMIT_MS = 15_000
QUICK_CLEARS = (4, 7, 1) * 8  # 24 drawings, a third of them in two strokes


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
    ARTIFACTS.mkdir(exist_ok=True)  # the tests' screenshots
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url) -> Page:
    page = open_app(browser, app_url, DESKTOP)
    yield page
    page.close()


@pytest.fixture
def phone(browser, app_url) -> Page:
    page = open_app(browser, app_url, PHONE)
    yield page
    page.close()


def draw_and_see_the_answer(page: Page, digit: int) -> None:
    draw(page, digit)
    expect(page.locator("#status")).to_contain_text(f"It's a {digit}", timeout=ANSWER_LIMIT_MS)


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
    """Waits until the handler has been given the whole drawing of `digit` (ink where each
    stroke starts and where the last ends), the page shows the status it answered, and no
    event is still running;
    returns that value.

    A digit drawn in several strokes is read after each, and an earlier stroke's answer can
    show while the last stroke's is on its way: the status of the whole drawing's answer (its
    label and probability) is the one to wait for. The answer shows while its event is still
    finishing, with Gradio's timer ("processing | 1.2/1.4s") beside it; pressing Clear then
    can lose the Clear, so the timer must be gone too.
    """
    # Ink where every stroke starts and where the last one ends: this drawing, whole, and not
    # a late value from an earlier page (an example's 8 has ink where a 7 ends).
    points = [stroke[0] for stroke in STROKES[digit]] + [STROKES[digit][-1][-1]]
    pixels = [(round(y * CANVAS_SIZE), round(x * CANVAS_SIZE), 3) for x, y in points]
    deadline = time.monotonic() + ANSWER_LIMIT_MS / 1000
    while True:
        whole = [value for value in recorded_values(folder, first)  # a Clear's blank page has no layer
                 if "layer_0" in value and all(value["layer_0"][pixel] > 0 for pixel in pixels)]
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
        expect(page.locator("#probabilities")).not_to_contain_text("100%")
        page.screenshot(path=ARTIFACTS / f"drawn_{digit}.png")
        press_clear(page)
        expect(page.locator("#status")).to_contain_text("Draw a digit", timeout=15_000)
        expect(page.locator("#probabilities")).not_to_contain_text("%")


def test_a_small_seven_in_a_corner_is_recognised(page: Page):
    draw(page, 7, scale=0.4, shift=(0.27, 0.27))
    expect(page.locator("#status")).to_contain_text("It's a 7", timeout=15_000)
    page.screenshot(path=ARTIFACTS / "small_7_in_a_corner.png")


def test_undo_and_redo_change_the_prediction(page: Page):
    draw_and_see_the_answer(page, 7)
    page.locator('#sketchpad button[aria-label="Undo"]').click()
    expect(page.locator("#status")).to_contain_text("Draw a digit", timeout=15_000)
    expect(page.locator("#probabilities")).not_to_contain_text("%")
    page.locator('#sketchpad button[aria-label="Redo"]').click()
    expect(page.locator("#status")).to_contain_text("It's a 7", timeout=15_000)


def test_heatmap_appears_when_asked(page: Page):
    draw_and_see_the_answer(page, 7)
    expect(page.locator("#hidden-states")).to_be_hidden()
    page.locator("#show-hidden input[type=checkbox]").check()
    heatmap = page.locator("#hidden-states img")
    expect(heatmap).to_be_visible(timeout=15_000)
    assert heatmap.evaluate("img => img.naturalWidth") > 300
    expect(page.locator("#evidence img")).to_be_visible(timeout=15_000)  # the evidence chart, beside it
    assert page.locator("#evidence").bounding_box()["x"] > page.locator("#hidden-states").bounding_box()["x"]
    page.screenshot(path=ARTIFACTS / "heatmap.png", full_page=True)
    page.locator("#show-hidden input[type=checkbox]").uncheck()
    expect(page.locator("#hidden-states")).to_be_hidden(timeout=15_000)


def test_an_example_loads_and_is_predicted_after_a_clear_too(page: Page):
    page.get_by_text("drawn 3", exact=True).click()
    expect(page.locator("#status")).to_contain_text("It's a 3", timeout=15_000)
    press_clear(page)
    expect_the_prompt_and_nothing_else(page)
    page.locator("#compare input[type=checkbox]").check()  # it reads the canvas, which is blank
    expect_the_prompt_and_nothing_else(page)
    page.get_by_text("drawn 8", exact=True).click()
    expect(page.locator("#status")).to_contain_text("It's a 8", timeout=15_000)


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


def in_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"] \
        and 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"]


def test_on_a_phone_the_canvas_fills_the_width_and_the_answer_stays_in_sight(phone: Page):
    area = drawing_area(phone)
    assert area["side"] >= 0.8 * phone.viewport_size["width"]
    seen_while_drawing = []
    draw_by_touch(phone, 7, while_drawing=lambda: seen_while_drawing.append(in_viewport(phone, "#status")))
    assert seen_while_drawing == [True]
    expect(phone.locator("#status")).to_contain_text("It's a 7", timeout=15_000)
    assert in_viewport(phone, "#status") and in_viewport(phone, "#sketchpad")
    # The answer is above the canvas, so the hand drawing does not cover it.
    assert phone.locator("#status").bounding_box()["y"] < area["y"]
    phone.screenshot(path=ARTIFACTS / "phone.png")
    # A second digit, drawn over the answer of the first: the answer is still in sight.
    press_clear(phone)
    expect(phone.locator("#status")).to_contain_text("Draw a digit", timeout=15_000)
    seen_while_drawing.clear()
    draw_by_touch(phone, 4, while_drawing=lambda: seen_while_drawing.append(in_viewport(phone, "#status")))
    assert seen_while_drawing == [True, True]
    expect(phone.locator("#status")).to_contain_text("It's a 4", timeout=15_000)


def test_on_a_desktop_the_answer_is_beside_the_drawing(page: Page):
    draw_and_see_the_answer(page, 7)
    area, answer = drawing_area(page), page.locator("#status").bounding_box()
    assert answer["x"] > area["x"] + area["side"]  # to the right of the canvas
    assert area["y"] - 50 <= answer["y"] <= area["y"] + area["side"] / 2  # level with its top half
    assert in_viewport(page, "#status") and in_viewport(page, "#sketchpad")
    page.screenshot(path=ARTIFACTS / "desktop.png")


def expect_the_prompt_and_nothing_else(page: Page) -> None:
    """The page asks for a drawing, shows no probabilities, and still does once every answer on
    its way has landed."""
    expect(page.locator("#status")).to_contain_text("Draw a digit", timeout=15_000)
    page.wait_for_timeout(2000)  # room for a late answer to land, if one were coming
    expect(page.locator("#status")).to_contain_text("Draw a digit")
    expect(page.locator("#status")).not_to_contain_text("It's a")
    expect(page.locator("#probabilities")).not_to_contain_text("%")


def test_clear_always_clears(page: Page, recorded: Path):
    for digit in QUICK_CLEARS:  # Clear pressed as the pen lifts, while the answer is on its way
        draw(page, digit)
        press_clear(page)
        expect_the_prompt_and_nothing_else(page)
    first = calls_so_far(recorded)
    draw(page, 4)  # and after a pause, once the answer is in
    answer_to_whole_drawing(page, recorded, first, 4)
    expect(page.locator("#status")).to_contain_text("It's a 4")
    press_clear(page)
    expect_the_prompt_and_nothing_else(page)
    # Drawing works at once after a Clear, without choosing the brush again.
    draw_and_see_the_answer(page, 7)


def test_the_tutorial_model_answers_beside_when_asked(page: Page):
    draw_and_see_the_answer(page, 7)
    expect(page.locator("#baseline")).to_be_hidden()
    page.locator("#compare input[type=checkbox]").check()
    expect(page.locator("#baseline")).to_contain_text(re.compile(r"tutorial's model says \d \((> 99\.9|\d+\.\d)%\)"), timeout=15_000)
    page.screenshot(path=ARTIFACTS / "tutorial_model.png")
    page.locator("#compare input[type=checkbox]").uncheck()
    expect(page.locator("#baseline")).to_be_hidden(timeout=15_000)


@pytest.fixture(scope="module")
def corrections(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("corrections")


@pytest.fixture
def page_with_corrections(browser, tmp_path_factory, corrections) -> Page:
    """The app as it runs with a folder for corrections: "Wrong? Tell it." is on."""
    with serve_app(tmp_path_factory.mktemp("app"), app_args=("--corrections", str(corrections))) as server:
        page = open_app(browser, server.url, DESKTOP)
        yield page
        page.close()


def test_a_correction_saves_what_the_model_saw_with_the_right_digit(page_with_corrections: Page, corrections: Path,
                                                                    classifier):
    page = page_with_corrections
    note = page.locator("#correction-note")
    page.locator("#correct-3").click()  # nothing drawn yet: nothing to save
    expect(note).to_contain_text("Draw a digit first", timeout=15_000)
    assert CorrectionsFolder(corrections).rows() == []

    draw_and_see_the_answer(page, 7)
    page.locator("#correct-1").click()  # say it was a 1 drawn with a flag
    expect(note).to_contain_text("saved as a 1", timeout=15_000)
    pixels, labels = read_labelled_drawings(corrections)
    assert labels.tolist() == [1]
    assert [row["answer"] for row in CorrectionsFolder(corrections).rows()] == ["7"]
    # What was kept is the model's input for this drawing: the model reads it as the 7 again.
    inputs = normalize(torch.from_numpy(pixels), classifier.config.preprocess)
    assert predict_labels(classifier.network, inputs).tolist() == [7]
    page.screenshot(path=ARTIFACTS / "correction.png")
    # The thanks is for that drawing: it goes with the next stroke, and with Clear.
    draw(page, 1)
    expect(note).to_be_empty(timeout=15_000)
    page.locator("#correct-4").click()
    expect(note).to_contain_text("saved as a 4", timeout=15_000)
    press_clear(page)
    expect(note).to_be_empty(timeout=15_000)
