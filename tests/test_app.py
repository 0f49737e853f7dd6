"""The app's handlers without a browser, and its /predict endpoint and the canvas's server
function over HTTP."""

import base64
import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from harness.drawing import EXAMPLES, EXAMPLES_DIR, as_layers, render_strokes, table_number, table_value
from harness.server import WEIGHTS, CanvasReads, serve_app
from model.canvas import NoDigit
from model.classifier import DigitClassifier
from model.paths import SEED_WEIGHTS
from model.strokes import CANVAS
from ui.evidence_chart import ahead_from
from ui.texts import DRAW_PROMPT, NO_DIGIT_STATUS, UNSURE_NOTE, probability_text, status
from ui.views import (
    HIGHEST_BAR, NOT_STROKES, REAL_WEIGHT, Details, Views, answer_json, probability_bars, seen_image,
)

ROOT = Path(__file__).resolve().parent.parent
NOTHING = {"width": CANVAS, "height": CANVAS, "strokes": []}  # the canvas before a drawing, or after Clear


@pytest.fixture(scope="module")
def views() -> Views:
    return Views(DigitClassifier(WEIGHTS))


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> str:
    with serve_app(tmp_path_factory.mktemp("app"), WEIGHTS) as server:
        yield server.url


def drawn_layer(kind: str) -> np.ndarray:
    """A 560x560 stroke layer: a drawn "seven", a "speck", a canvas "covered" in ink, or "nothing"."""
    if kind == "seven":
        return render_strokes(7)
    layer = np.zeros((560, 560, 4), np.uint8)
    if kind == "speck":
        layer[100:104, 100:104, 3] = 255
    elif kind == "covered":
        layer[20:-20, 20:-20, 3] = 255
    return layer


def seen_pixels(url: str) -> np.ndarray:
    """The 28x28 uint8 image a `seen` data URL holds."""
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    with Image.open(io.BytesIO(base64.b64decode(url[len(prefix):]))) as image:
        assert image.format == "PNG" and image.mode == "L"
        return np.asarray(image)


@pytest.mark.parametrize("digit", range(10))
def test_a_drawn_digit_gets_its_label_and_its_probability_bars(views, digit):
    drawing = table_value(digit)
    answer = views.answer(drawing)
    prediction = views.classifier.predict(drawing)
    assert answer["status"]["kind"] == "answer" and answer["status"]["digit"] == digit
    opening = "It's an " if digit == 8 else "It's a "  # "an 8", as it is said
    assert answer["status"]["text"].startswith(f"{opening}{digit} (") and answer["status"]["opening"] == opening
    # The top digit first, and only the runners-up with real weight.
    digits = [bar["digit"] for bar in answer["bars"]]
    assert digits[0] == str(digit)
    assert set(digits) == {str(d) for d, p in enumerate(prediction.probabilities) if p >= REAL_WEIGHT} | {str(digit)}
    assert np.array_equal(seen_pixels(answer["seen"]), (prediction.pixels * 255).round().astype(np.uint8))
    assert json.loads(json.dumps(answer)) == answer  # the page gets it as JSON
    assert views.details(drawing) == Details(None, None, "")  # the details are drawn only when asked for


@pytest.mark.parametrize("value", [None, NOTHING, NOTHING | {"strokes": [[], []]}],
                         ids=["None", "no strokes", "empty strokes"])
def test_nothing_drawn_shows_a_prompt_and_no_probabilities(views, value):
    answer = views.answer(value)
    assert answer == {"status": {"kind": "prompt", "text": DRAW_PROMPT, "digit": None, "probability": None, "note": ""},
                      "bars": [], "seen": None, "number": None, "digits": []}


def test_an_empty_canvas_shows_no_details_either(views):
    assert views.details(NOTHING, show_hidden=True) == Details(None, None, "")


@pytest.mark.parametrize("kind, reason", [("speck", NoDigit.TOO_SMALL), ("covered", NoDigit.TOO_MUCH_INK)])
def test_no_digit_says_why_on_the_page(views, kind, reason):
    answer = answer_json(views.classifier.predict(as_layers(drawn_layer(kind))))
    assert answer["bars"] == [] and answer["seen"] is None
    assert answer["status"]["kind"] == "no-digit"
    assert answer["status"]["text"] == NO_DIGIT_STATUS[reason] != DRAW_PROMPT


def test_strokes_all_over_the_canvas_are_too_much_ink(views):
    zigzag = [[[0, y], [CANVAS, y]][:: 1 if y % 40 else -1] for y in range(0, CANVAS + 1, 20)]
    answer = views.answer(NOTHING | {"strokes": [[point for pair in zigzag for point in pair]]})
    assert answer["status"]["text"] == NO_DIGIT_STATUS[NoDigit.TOO_MUCH_INK]


def test_a_number_with_a_part_that_is_no_digit_says_why(views):
    # Beside a 4, a block of ink as tall as the 4 and as dense as a marker's scribble.
    scribble = [[[x, y] for x in (1150, 1350)[:: 1 if y % 40 else -1]] for y in range(150, 410, 10)]
    value = table_number("4")
    answer = views.answer(value | {"strokes": value["strokes"] + [[point for line in scribble for point in line]]})
    assert answer["status"]["text"] == NO_DIGIT_STATUS[NoDigit.TOO_MUCH_INK] and answer["number"] is None


@pytest.mark.parametrize("value", [np.full((4, 4, 7), 3, np.uint8), NOTHING | {"strokes": [[[1, 2, 3]]]}],
                         ids=["7 channels", "a point of 3 numbers"])
def test_unreadable_input_gives_a_message_not_an_error(views, value):
    answer = views.answer(value)
    assert answer["bars"] == [] and answer["seen"] is None
    assert answer["status"]["kind"] == "error"
    assert answer["status"]["text"] == views.predict(value)["error"] and answer["status"]["text"].endswith(".")


def test_low_confidence_shows_the_unsure_note(views):
    prediction = views.classifier.predict(table_value(7))
    assert status(prediction)["note"] == ""
    assert status(replace(prediction, unsure=True))["note"] == UNSURE_NOTE
    assert "unsure" in UNSURE_NOTE
    assert views.answer(table_value(7))["status"]["note"] == ""


def test_the_status_never_rounds_an_answer_up_to_certainty(views):
    prediction = views.classifier.predict(table_value(7))
    probabilities = np.full(10, 0.00004 / 9)
    probabilities[7] = 0.99996
    sure = replace(prediction, probabilities=probabilities, label=7)
    assert status(sure)["text"] == "It's a 7 (> 99.9%)" and status(sure)["probability"] == "> 99.9%"
    probabilities[7], probabilities[1] = 0.873, 0.127
    assert status(replace(sure, probabilities=probabilities))["text"] == "It's a 7 (87.3%)"


def test_no_probability_bar_rounds_up_to_certainty():
    probabilities = np.full(10, 0.00004 / 9)
    probabilities[7] = 0.99996
    assert probability_bars(probabilities) == [{"digit": "7", "share": HIGHEST_BAR, "text": "> 99%"}]
    probabilities[7], probabilities[1] = HIGHEST_BAR, 1 - HIGHEST_BAR  # at the cap, not cut short
    assert probability_bars(probabilities)[0]["text"] == "99%"


def test_the_bars_are_the_likeliest_first_and_leave_off_the_faint_ones():
    probabilities = np.array([0.01, 0.30, 0.0, 0.05, 0.0, 0.04, 0.0, 0.60, 0.0, 0.0])
    assert probability_bars(probabilities) == [
        {"digit": "7", "share": 0.6, "text": "60%"},
        {"digit": "1", "share": 0.3, "text": "30%"},
        {"digit": "3", "share": 0.05, "text": "5%"},
    ]
    # The top digit has a bar even when it holds less than REAL_WEIGHT (ten even shares).
    assert [bar["digit"] for bar in probability_bars(np.full(10, 0.1))] == [str(d) for d in range(10)]


def test_what_the_model_sees_is_its_own_28x28_input():
    pixels = np.zeros((28, 28), np.float32)
    pixels[3, 5], pixels[20, 10] = 1.0, 0.5
    seen = seen_pixels(seen_image(pixels))
    assert seen.shape == (28, 28)
    assert seen[3, 5] == 255 and seen[20, 10] == 128 and seen.sum() == 255 + 128  # white ink on black


def test_the_heatmap_is_drawn_when_asked_for_each_layer(views):
    layers = views.classifier.config.architecture.num_layers
    images = [views.details(table_value(4), show_hidden=True, layer=layer).hidden for layer in range(layers)]
    for image in images:
        assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
        assert image.shape[0] > 200 and image.shape[1] > 400
    assert not np.array_equal(images[0], images[-1])
    assert np.array_equal(views.details(table_value(4), show_hidden=True).hidden, images[-1])


@pytest.mark.parametrize("digit", [1, 7, 8])
def test_row_contributions_add_up_to_the_logit(views, digit):
    """The head is linear over all rows: logit = bias + sum of the rows' forward and backward shares."""
    classifier = views.classifier
    prediction = classifier.predict(table_value(digit), with_explanation=True)
    explanation = prediction.explanation
    inputs = torch.from_numpy((prediction.pixels - classifier.config.preprocess.mean) / classifier.config.preprocess.std)
    with torch.inference_mode():
        logits = classifier.network(inputs[None])[0]
    rows = classifier.config.architecture.rows
    assert explanation.contributions.shape == (rows, 2)
    assert explanation.label == digit
    total = explanation.bias + float(explanation.contributions.sum())
    assert total == pytest.approx(float(logits[digit]), abs=1e-4)
    assert explanation.logit == pytest.approx(float(logits[digit]), abs=1e-4)


def test_predict_takes_a_stroke_value_or_an_image(views, tmp_path):
    assert views.predict(table_value(3))["label"] == 3
    path = tmp_path / "five.png"
    Image.fromarray(render_strokes(5)).save(path)
    result = views.predict(image=Image.open(path))  # as Gradio hands over an upload
    assert result["label"] == 5 and len(result["probabilities"]) == 10 and result["reason"] is None
    assert views.predict(None) == {"label": None, "probabilities": None, "unsure": False, "reason": "blank",
                                   "digits": [], "number": None}
    assert views.predict(NOTHING) == views.predict(None)
    # Strokes are only strokes: a path where they go is not opened, even when it is an image.
    refused = views.predict(str(path))
    assert refused["reason"] == "unreadable" and refused["error"] == NOT_STROKES


def example(digit: int) -> dict:
    return json.loads((EXAMPLES_DIR / f"written_{digit}.json").read_text())


def test_the_api_answers_through_gradio_client(app_url, tmp_path):
    from gradio_client import Client, handle_file

    path = tmp_path / "seven.png"
    Image.fromarray(render_strokes(7)).save(path)
    client = Client(app_url, verbose=False)
    by_image = client.predict(image=handle_file(str(path)), api_name="/predict")
    by_strokes = client.predict(strokes=table_value(7), api_name="/predict")
    by_example = client.predict(strokes=example(EXAMPLES[0]), image=None, api_name="/predict")
    empty = client.predict(api_name="/predict")
    by_number = client.predict(strokes=table_number("4096"), api_name="/predict")
    assert by_number["number"] == "4096" and [d["label"] for d in by_number["digits"]] == [4, 0, 9, 6]
    assert by_strokes["number"] == "7" and by_strokes["digits"] == [{k: by_strokes[k] for k in by_strokes["digits"][0]}]
    assert by_image["label"] == 7 and sum(by_image["probabilities"]) == pytest.approx(1.0, abs=1e-3)
    assert by_strokes["label"] == 7 and sum(by_strokes["probabilities"]) == pytest.approx(1.0, abs=1e-3)
    assert by_example["label"] == EXAMPLES[0]
    assert empty == {"label": None, "probabilities": None, "unsure": False, "reason": "blank",
                     "digits": [], "number": None}
    assert client.predict(strokes=NOTHING, api_name="/predict") == empty


def test_the_canvas_reads_a_drawing_as_the_answer_shows_it(app_url, views):
    """The page's live answer: the canvas's server function `read`, over HTTP as the page calls
    it, gives views.answer's JSON for the drawing, tagged with the drawing's version."""
    drawing = table_value(2) | {"seq": 17}
    with CanvasReads(app_url) as reads:
        response = reads.post(drawing)
        blank = reads.post(None).json()
    assert response.status_code == 200
    answer = response.json()
    assert answer.pop("seq") == 17
    timing = answer.pop("timing")
    assert timing["start"] <= timing["end"]
    assert answer == views.answer(drawing)
    assert answer["status"]["digit"] == 2
    assert {key: blank[key] for key in views.answer(None)} == views.answer(None) and blank["seq"] == 0


def test_the_api_and_the_command_line_answer_alike(app_url, tmp_path):
    """The same drawings get the same label, probabilities and reason from /predict and from
    `python -m model predict --json`, digit or not: image files sent as images, and stroke
    files (.json) sent as strokes. (A file that is no image never reaches the app through
    /predict: Gradio refuses it first; tests/test_cli.py checks its reason.)"""
    from gradio_client import Client, handle_file

    images, stroke_files = [], []
    for kind in ("seven", "speck", "covered", "nothing"):
        images.append(tmp_path / f"{kind}.png")
        Image.fromarray(drawn_layer(kind)).save(images[-1])
    for name, drawing in (("four", table_value(4)), ("example", example(EXAMPLES[-1])), ("nothing", NOTHING),
                          ("three_points", NOTHING | {"strokes": [[[1, 2, 3]]]})):
        stroke_files.append(tmp_path / f"{name}.json")
        stroke_files[-1].write_text(json.dumps(drawing))
    client = Client(app_url, verbose=False)
    api = [client.predict(image=handle_file(str(path)), api_name="/predict") for path in images]
    api += [client.predict(strokes=json.loads(path.read_text()), api_name="/predict") for path in stroke_files]
    paths = images + stroke_files
    cli = subprocess.run(
        [sys.executable, "-m", "model", "predict", *map(str, paths), "--json", "--weights", str(WEIGHTS)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    records = [json.loads(line) for line in cli.stdout.splitlines()]
    assert [record.pop("path") for record in records] == list(map(str, paths))
    assert records == api
    assert [answer["reason"] for answer in api] == [None, "too_small", "too_much_ink", "blank",
                                                    None, None, "blank", "unreadable"]
    assert [answer["label"] for answer in api[4:6]] == [4, EXAMPLES[-1]]


def test_the_readme_api_snippet_runs(app_url, monkeypatch, capsys):
    """The README's gradio_client example, run as written against a launched app."""
    import re

    readme = (ROOT / "README.md").read_text()
    snippet = re.search(r"### The API.*?```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(ROOT)
    exec(snippet.replace('"http://127.0.0.1:7860"', repr(app_url)), {})
    printed = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("Loaded as API")]
    label, top = printed[0].split()
    assert label == "3" and float(top) > 0.5
    assert "'label': 3" in printed[1]


def test_the_evidence_chart_comes_with_the_heatmap(views):
    assert views.details(table_value(7)).evidence is None
    chart = views.details(table_value(7), show_hidden=True).evidence
    assert chart.ndim == 3 and chart.shape[2] == 3 and chart.dtype == np.uint8
    assert not np.array_equal(chart, views.details(table_value(1), show_hidden=True).evidence)


def test_ahead_from_is_the_row_from_which_the_answer_stays_ahead():
    evidence = np.zeros((5, 10))
    evidence[:, 7] = [0, 2, 1, 3, 4]
    evidence[:, 1] = [1, 1, 2, 2, 2]
    assert ahead_from(evidence, answer=7, runner_up=1) == 3
    assert ahead_from(evidence, answer=1, runner_up=7) is None
    assert ahead_from(evidence + np.arange(10), answer=9, runner_up=0) == 0


def test_the_tutorial_model_answers_for_the_same_drawing_when_asked():
    views = Views(DigitClassifier(WEIGHTS), DigitClassifier(SEED_WEIGHTS))
    assert views.details(table_value(3)).baseline == ""
    seed = DigitClassifier(SEED_WEIGHTS).predict(table_value(3))
    text = views.details(table_value(3), compare=True).baseline
    assert f"**{seed.label}** ({probability_text(seed.probabilities[seed.label])})" in text
    assert "tutorial" in text
    assert views.details(table_value(3), show_hidden=True, compare=True).baseline == text
    assert "finds no digit" in views.details(NOTHING, compare=True).baseline


def test_the_tutorial_model_reads_a_number_digit_by_digit_and_taps_apart_as_none():
    # It reads each digit this model finds, rather than the whole number squeezed into one digit.
    views = Views(DigitClassifier(WEIGHTS), DigitClassifier(SEED_WEIGHTS))
    number = table_number("4096")
    seed = DigitClassifier(SEED_WEIGHTS).read_number(number)
    assert len(seed.number) == 4
    assert views.details(number, compare=True).baseline == f"The tutorial's model says **{seed.number}**."
    taps = {"width": CANVAS, "height": CANVAS, "strokes": [[[100, 300], [105, 302]], [[400, 300], [405, 302]]]}
    assert views.details(taps, compare=True).baseline == "The tutorial's model finds no digit."


def test_corrections_are_offered_only_with_a_folder_for_them(tmp_path):
    import app

    def correction_buttons(demo) -> list:
        return [block for block in demo.blocks.values() if str(getattr(block, "elem_id", "")).startswith("correct-")]

    assert correction_buttons(app.build_demo(WEIGHTS)) == []
    assert not list(tmp_path.iterdir())
    assert len(correction_buttons(app.build_demo(WEIGHTS, tmp_path / "corrections"))) == 10
    assert (tmp_path / "corrections" / "image").is_dir() and (tmp_path / "corrections" / "strokes").is_dir()


def test_the_details_are_one_event_for_all_their_triggers():
    """One event, so `always_last` runs the details one at a time, the latest last: an event
    for each trigger could finish out of order (a Clear's details, then the old drawing's)."""
    import app

    demo = app.build_demo(WEIGHTS)
    (details,) = [f for f in demo.fns.values() if getattr(f.fn, "__name__", "") == "on_details"]
    assert details.trigger_mode == "always_last"
    assert {(demo.blocks[block].elem_id, event) for block, event in details.targets} == {
        ("sketchpad", "change"), ("show-hidden", "change"), ("hidden-layer", "change"), ("compare", "change")}


@pytest.mark.parametrize("value", [table_number("408163"), table_number("7"), table_value(7), table_number("905183", (560, 560))],
                         ids=["six digits, wide", "one digit, wide", "one digit, square", "six digits, square"])
def test_the_page_reads_a_drawing_in_one_pass_of_the_network(views, value):
    passes = []
    hook = views.classifier.network.register_forward_hook(lambda module, inputs, output: passes.append(len(output)))
    try:
        answer = views.answer(value)
    finally:
        hook.remove()
    assert passes == [max(1, len(answer["digits"]))]  # all its digits in one batch, and nothing else


def test_the_details_follow_the_chosen_digit_of_a_number(views):
    number = table_number("4096")
    first = views.details(number, show_hidden=True)
    third = views.details(number | {"digit": 2}, show_hidden=True)
    assert not np.array_equal(first.evidence, third.evidence)
    assert np.array_equal(first.evidence, views.details(number | {"digit": 0}, show_hidden=True).evidence)
    assert np.array_equal(first.evidence, views.details(number | {"digit": "2"}, show_hidden=True).evidence)  # not a digit
    answer = views.answer(number)
    assert answer["status"]["text"] == "It's 4096" and [d["digit"] for d in answer["digits"]] == [4, 0, 9, 6]
    assert answer["bars"] == answer["digits"][0]["bars"] and answer["seen"] == answer["digits"][0]["seen"]
    assert views.answer(table_value(7))["digits"] == [] and views.answer(table_value(7))["number"] is None
