"""The app in headless Chromium, driven like a person: real people's pen strokes replayed on the
real canvas, with the mouse on a desktop screen and with a finger on a phone's.

Tests wait on the page's own state (`wait_until_settled`: the page shows the answer to the
drawing as it is now, with nothing on its way), never on a fixed sleep. What the page shows is
checked against the handler's answer for the value the page sent. Screenshots go to artifacts/
(ignored by git). Chromium is Debian's (`make chromium`), not a Playwright download.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from harness.browser import (
    CANVAS_JS, CHROMIUM, DESKTOP, PHONE, canvas_box, curve_length, draw, draw_by_touch, launch_chromium, open_app,
    pen_path, press_clear, press_undo, wait_until_settled,
)
from harness.drawing import compose_number, load_pen_digits, table_value, value_strokes
from harness.server import serve_app
from model.corrections import CorrectionsFolder
from model.strokes import CANVAS
from ui.texts import DRAW_PROMPT
from ui.views import number_json

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PEN_DIGITS = load_pen_digits()  # held-out writers' digits
ONE_OF_EACH = [next(digit for digit in PEN_DIGITS if digit["label"] == label) for label in range(10)]
QUICK_CHANGES = 24  # drawings followed at once by a Clear or an Undo
PHONE_DRAWINGS = 10
PROMPT_LINE = DRAW_PROMPT.split(" on ")[0]  # "Draw a digit from 0 to 9"
# Every answer the canvas hands the page, in order: {seq, pending, kind, text}.
RECORD_ANSWERS_JS = """() => {
  window.answers = [];
  document.addEventListener('digit-answer', (event) => window.answers.push({
    seq: event.detail.seq, pending: Boolean(event.detail.pending),
    kind: event.detail.status ? event.detail.status.kind : null,
    text: event.detail.status ? event.detail.status.text : null}));
}"""


@pytest.fixture(scope="module")
def corrections(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("corrections")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, corrections):
    """The app as it runs with a folder for corrections: "Wrong? Tell it." is on."""
    with serve_app(tmp_path_factory.mktemp("app"), app_args=("--corrections", str(corrections))) as server:
        yield server.url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make chromium` (Debian's chromium package).")
    ARTIFACTS.mkdir(exist_ok=True)
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


def sent_value(page: Page) -> dict:
    """The drawing as the page holds it and sends it."""
    return page.evaluate(f"{CANVAS_JS}.pad.value()")


def expected_status(classifier, value: dict) -> str:
    """The status line's first line, as the handler words it for `value` (ui/views.py)."""
    return number_json(classifier.read_number(value))["status"]["text"]


def shown_status(page: Page) -> str:
    return page.locator("#status").inner_text().splitlines()[0].strip()


def draw_and_settle(page: Page, value: dict) -> dict:
    """Draws with the mouse, waits for the page to settle, and returns what the page sent."""
    draw(page, value)
    wait_until_settled(page)
    return sent_value(page)


def expect_the_prompt(page: Page) -> None:
    expect(page.locator("#status")).to_contain_text(PROMPT_LINE)
    expect(page.locator("#probabilities")).not_to_contain_text("%")
    expect(page.locator("#seen img")).to_have_count(0)


def test_a_new_page_prompts_and_reads_a_drawing_at_once(page: Page, classifier):
    expect_the_prompt(page)
    expect(page.locator("#undo")).to_be_disabled()
    expect(page.locator("#clear")).to_be_disabled()
    page.screenshot(path=ARTIFACTS / "empty.png")
    sent = draw_and_settle(page, ONE_OF_EACH[7]["value"])
    assert shown_status(page) == expected_status(classifier, sent)
    expect(page.locator("#status")).to_contain_text("It's a 7")
    expect(page.locator("#probabilities")).to_contain_text("%")
    expect(page.locator("#probabilities")).not_to_contain_text("100%")
    assert page.locator("#seen img").evaluate("img => img.naturalWidth") == 28
    page.screenshot(path=ARTIFACTS / "drawn_7.png")


def test_real_pen_digits_read_in_the_browser_as_the_handler_reads_them(page: Page, classifier):
    """Held-out writers' digits, replayed with the mouse: the page shows the handler's answer to
    what it sent, and that reads as the same strokes sent straight to the classifier."""
    agree = 0
    for digit in ONE_OF_EACH:
        sent = draw_and_settle(page, digit["value"])
        assert shown_status(page) == expected_status(classifier, sent)
        agree += classifier.read_number(sent).number == str(classifier.predict(digit["value"]).label)
        press_clear(page)
        wait_until_settled(page)
        expect_the_prompt(page)
    assert agree >= 9


def test_the_page_sends_the_strokes_it_drew(page: Page):
    value = table_value(4)  # two strokes, drawn in the middle of the wide canvas
    sent = draw_and_settle(page, value)
    box = canvas_box(page)
    assert sent["height"] == CANVAS and sent["width"] == pytest.approx(CANVAS * box["width"] / box["height"], abs=1)
    assert len(sent["strokes"]) == 2
    left = (sent["width"] - CANVAS) / 2
    for drawn, path in zip(sent["strokes"], pen_path(value)):
        distances = np.linalg.norm(np.array(drawn)[:, None, :] - (path + [left, 0])[None, :, :], axis=2).min(axis=1)
        assert len(drawn) == len(path) and distances.max() < 1.0  # canvas pixels
    # The ink on the canvas is where the strokes are: the middle of the 4's bar is inked.
    x, y = (np.array(value["strokes"][0][-1]) + np.array(value["strokes"][0][-2])) / 2 + [left, 0]
    x, y = x / sent["width"], y / CANVAS
    assert page.evaluate(f"""() => {{
        const canvas = {CANVAS_JS};
        const pixel = canvas.getContext('2d').getImageData({x} * canvas.width, {y} * canvas.height, 1, 1).data;
        return pixel[3]; }}""") == 255
    assert box["width"] == pytest.approx(3 * box["height"], abs=2)  # room for six digits


def test_answers_come_while_the_pen_moves(page: Page):
    """One stroke of 60 moves, a second at 60 frames a second: answers show before the pen lifts."""
    draw(page, table_value(0), spacing=curve_length(table_value(0)) / 60)
    wait_until_settled(page)
    log = page.evaluate(f"{CANVAS_JS}.pad.log")
    pen_up = log["penUps"][0]["at"]
    stroke_ms = pen_up - log["penDowns"][0]["at"]
    before = [r for r in log["requests"] if r["shown"] and r["received"] < pen_up]
    assert stroke_ms > 500 and len(before) >= 2, log
    # Never two requests at once: each is sent after the one before it came back.
    assert all(b["sent"] >= a["received"] for a, b in zip(log["requests"], log["requests"][1:]))


def test_clear_or_undo_right_after_the_pen_lifts_leaves_no_stale_answer(page: Page, classifier):
    page.evaluate(RECORD_ANSWERS_JS)
    stale = []
    for i, digit in enumerate(PEN_DIGITS[:QUICK_CHANGES]):
        draw(page, digit["value"])
        first_after = page.evaluate("window.answers.length")
        (press_clear if i % 2 else press_undo)(page)  # as the pen lifts, its answer on its way
        wait_until_settled(page)
        sent = sent_value(page)
        answers = page.evaluate("window.answers")[first_after:]
        barrier = answers[0]["seq"]  # the page's own answer to the press: the prompt, or "pending"
        stale += [answer for answer in answers if answer["seq"] < barrier]
        if sent["strokes"]:  # an Undo left the first strokes of a digit
            assert shown_status(page) == expected_status(classifier, sent)
            press_clear(page)
            wait_until_settled(page)
        expect_the_prompt(page)
    assert stale == []


def test_ctrl_z_undoes_the_last_stroke_and_the_buttons_work_from_the_keyboard(page: Page, classifier):
    draw_and_settle(page, table_value(4))
    page.keyboard.press("Control+z")
    wait_until_settled(page)
    sent = sent_value(page)
    assert len(sent["strokes"]) == 1
    assert shown_status(page) == expected_status(classifier, sent)
    page.locator("#clear").focus()
    page.keyboard.press("Enter")
    wait_until_settled(page)
    expect_the_prompt(page)
    expect(page.locator("#clear")).to_be_disabled()


def test_an_example_loads_and_can_be_drawn_over(page: Page, classifier):
    page.get_by_role("button", name="written 3").click()
    wait_until_settled(page)
    expect(page.locator("#status")).to_contain_text("It's a 3")
    example = json.loads((Path(__file__).resolve().parent.parent / "examples" / "written_3.json").read_text())
    assert len(sent_value(page)["strokes"]) == len(example["strokes"])
    sent = draw_and_settle(page, table_value(1, scale=0.3, shift=(0.35, -0.35)))  # a stroke in a corner
    assert len(sent["strokes"]) == len(example["strokes"]) + 1
    assert shown_status(page) == expected_status(classifier, sent)
    press_clear(page)
    wait_until_settled(page)
    expect_the_prompt(page)


def test_heatmap_appears_when_asked(page: Page):
    draw_and_settle(page, ONE_OF_EACH[7]["value"])
    expect(page.locator("#hidden-states")).to_be_hidden()
    page.locator("#show-hidden input[type=checkbox]").check()
    heatmap = page.locator("#hidden-states img")
    expect(heatmap).to_be_visible(timeout=15_000)
    assert heatmap.evaluate("img => img.naturalWidth") > 300
    expect(page.locator("#evidence img")).to_be_visible(timeout=15_000)  # the evidence chart, beside it
    assert page.locator("#evidence").bounding_box()["x"] > page.locator("#hidden-states").bounding_box()["x"]
    page.screenshot(path=ARTIFACTS / "heatmap.png", full_page=True)
    press_clear(page)  # no digit, no empty frames where the details were
    expect(page.locator("#hidden-states")).to_be_hidden(timeout=15_000)
    expect(page.locator("#evidence")).to_be_hidden(timeout=15_000)
    draw_and_settle(page, ONE_OF_EACH[3]["value"])
    expect(heatmap).to_be_visible(timeout=15_000)
    page.locator("#show-hidden input[type=checkbox]").uncheck()
    expect(page.locator("#hidden-states")).to_be_hidden(timeout=15_000)


def test_the_tutorial_model_answers_beside_when_asked(page: Page):
    draw_and_settle(page, ONE_OF_EACH[7]["value"])
    expect(page.locator("#baseline")).to_be_hidden()
    page.locator("#compare input[type=checkbox]").check()
    expect(page.locator("#baseline")).to_contain_text(
        re.compile(r"tutorial's model says \d \((> 99\.9|\d+\.\d)%\)"), timeout=15_000)
    page.screenshot(path=ARTIFACTS / "tutorial_model.png")
    press_clear(page)  # the tutorial's model answers for the blank canvas too
    expect(page.locator("#baseline")).to_contain_text("finds no digit", timeout=15_000)
    draw_and_settle(page, written_number([3, 5, 8], (1680, 560), seed=1))  # a number: digit by digit
    expect(page.locator("#baseline")).to_contain_text(re.compile(r"tutorial's model says \d{3}\."), timeout=15_000)
    page.screenshot(path=ARTIFACTS / "tutorial_model_number.png")
    press_clear(page)
    page.locator("#compare input[type=checkbox]").uncheck()
    expect(page.locator("#baseline")).to_be_hidden(timeout=15_000)


def in_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"] \
        and 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"]


def test_on_a_phone_drawing_scrolls_nothing_and_the_answer_stays_in_sight(phone: Page, classifier):
    box = canvas_box(phone)
    assert box["width"] >= 0.9 * phone.viewport_size["width"]
    assert phone.locator("#status").bounding_box()["y"] < box["y"]  # above the canvas: the hand hides none of it
    in_sight = []
    for digit in ONE_OF_EACH[:PHONE_DRAWINGS]:
        # While the finger is down, the answer is in sight and the canvas stays where it was.
        while_drawing = []
        draw_by_touch(phone, digit["value"], while_drawing=lambda: while_drawing.append(
            in_viewport(phone, "#status") and canvas_box(phone) == box))
        wait_until_settled(phone)
        scrolled = phone.evaluate("window.scrollY")
        in_sight.append(all(while_drawing) and in_viewport(phone, "#status") and canvas_box(phone) == box
                        and scrolled == 0)
        assert shown_status(phone) == expected_status(classifier, sent_value(phone))
        if digit["label"] == 7:
            phone.screenshot(path=ARTIFACTS / "phone.png")
        press_clear(phone, tap=True)
        wait_until_settled(phone)
    assert in_sight == [True] * PHONE_DRAWINGS


def test_on_a_desktop_the_answer_is_beside_the_drawing(page: Page):
    draw_and_settle(page, ONE_OF_EACH[7]["value"])
    box, answer = canvas_box(page), page.locator("#status").bounding_box()
    assert answer["x"] > box["x"] + box["width"]  # to the right of the canvas
    assert box["y"] - 50 <= answer["y"] <= box["y"] + box["height"] / 2  # level with its top half
    assert in_viewport(page, "#status") and in_viewport(page, "#sketchpad canvas")
    page.screenshot(path=ARTIFACTS / "desktop.png")


def test_a_page_in_another_language_draws_at_once(browser, app_url, classifier):
    page = open_app(browser, app_url, DESKTOP | {"locale": "es-ES"})
    assert page.evaluate("navigator.language") == "es-ES"
    sent = draw_and_settle(page, ONE_OF_EACH[3]["value"])
    assert shown_status(page) == expected_status(classifier, sent)
    page.close()


def test_a_correction_saves_the_strokes_with_the_right_digit(page: Page, corrections: Path, classifier):
    note = page.locator("#correction-note")
    page.locator("#correct-3").click()  # nothing drawn yet: nothing to save
    expect(note).to_contain_text("Draw a digit first", timeout=15_000)
    assert CorrectionsFolder(corrections).rows() == []

    sent = draw_and_settle(page, table_value(7))
    page.locator("#correct-1").click()  # say it was a 1 drawn with a flag
    expect(note).to_contain_text("saved as a 1", timeout=15_000)
    (row,) = CorrectionsFolder(corrections).rows()
    assert (row["label"], row["answer"]) == ("1", "7")
    saved = json.loads((corrections / row["strokes"]).read_text())
    assert saved["strokes"] == [[[float(x), float(y)] for x, y in stroke] for stroke in sent["strokes"]]
    assert classifier.predict(saved).label == 7
    page.screenshot(path=ARTIFACTS / "correction.png")
    # The thanks is for that drawing: it goes with the next stroke, and with Clear.
    draw_and_settle(page, table_value(1, scale=0.3, shift=(0.35, 0.35)))
    expect(note).to_be_empty(timeout=15_000)
    page.locator("#correct-4").click()
    expect(note).to_contain_text("saved as a 4", timeout=15_000)
    press_clear(page)
    expect(note).to_be_empty(timeout=15_000)


def written_number(labels: list[int], canvas: tuple[int, int], seed: int) -> dict:
    """Held-out writers' digits composed into a number (harness.drawing.compose_number)."""
    chosen = [next(d for d in PEN_DIGITS if d["label"] == label) for label in labels]
    return compose_number([(d["label"], value_strokes(d["value"])) for d in chosen],
                          np.random.default_rng(seed), canvas).value


def test_a_number_written_with_the_mouse_reads_digit_by_digit(page: Page, classifier, corrections: Path):
    sent = draw_and_settle(page, written_number([3, 5, 8], (1680, 560), seed=1))
    assert classifier.read_number(sent).number == "358"
    expect(page.locator("#status")).to_contain_text("It's 358")
    digits = page.locator("#seen .seen-digit")
    expect(digits).to_have_count(3)
    expect(digits.nth(0)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#probabilities .label").first).to_have_text("3")
    # A click on the second digit: its bars show, and the canvas's value names it for the details.
    digits.nth(1).click()
    expect(digits.nth(1)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#probabilities .label").first).to_have_text("5")
    assert sent_value(page)["digit"] == 1
    page.screenshot(path=ARTIFACTS / "number.png")
    # "Wrong? Tell it." corrects the chosen digit, alone.
    page.locator("#correct-6").click()
    expect(page.locator("#correction-note")).to_contain_text("digit 2 of the number saved as a 6", timeout=15_000)
    saved = CorrectionsFolder(corrections).rows()[-1]
    assert (saved["label"], saved["answer"]) == ("6", "5")
    assert classifier.read_number(json.loads((corrections / saved["strokes"]).read_text())).number == "5"


def test_on_a_phone_a_number_written_by_touch_reads(phone: Page, classifier):
    box = canvas_box(phone)
    assert box["width"] == pytest.approx(box["height"], abs=2)  # square: two rows of three
    draw_by_touch(phone, written_number([4, 7], (560, 560), seed=2))
    wait_until_settled(phone)
    sent = sent_value(phone)
    assert (sent["width"], sent["height"]) == (CANVAS, CANVAS)
    assert classifier.read_number(sent).number == "47"
    expect(phone.locator("#status")).to_contain_text("It's 47")
    expect(phone.locator("#seen .seen-digit")).to_have_count(2)
    # "Wrong? Tell it." on a phone: two rows of five digits, none wrapped alone.
    tops = [phone.locator(f"#correct-{digit}").bounding_box()["y"] for digit in range(10)]
    assert len(set(tops[:5])) == 1 and len(set(tops[5:])) == 1 and tops[5] > tops[0]
