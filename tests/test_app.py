"""The app's handlers without a browser, and its /predict endpoint through gradio_client."""

import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from harness.drawing import EXAMPLES, as_sketchpad, render_strokes
from harness.server import WEIGHTS, serve_app
from model.canvas import NoDigit
from model.classifier import DigitClassifier
from model.paths import SEED_WEIGHTS
from ui.evidence_chart import ahead_from
from ui.texts import DRAW_PROMPT, NO_DIGIT_STATUS, probability_text, status_text
from ui.views import REAL_WEIGHT, Views, enlarge, probability_dict

ROOT = Path(__file__).resolve().parent.parent


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


def sketchpad(digit: int | None) -> dict:
    """A Sketchpad value as Gradio hands it over: the digit's strokes, or an empty canvas."""
    return as_sketchpad(drawn_layer("nothing") if digit is None else render_strokes(digit))


@pytest.mark.parametrize("digit", range(10))
def test_a_drawn_digit_gets_its_label_and_ten_probabilities(views, digit):
    view = views.render(sketchpad(digit))
    assert view.label == digit
    assert max(view.probabilities, key=view.probabilities.get) == str(digit)
    # The top digit, and only the runners-up with real weight.
    all_ten = views.classifier.predict(sketchpad(digit)).probabilities
    assert set(view.probabilities) == {str(d) for d, p in enumerate(all_ten) if p >= REAL_WEIGHT} | {str(digit)}
    assert f"It's a **{digit}**" in view.status
    assert view.seen.shape == (280, 280) and view.seen.dtype == np.uint8
    assert view.hidden is None  # only drawn when asked for


@pytest.mark.parametrize("value", [None, {"background": None, "layers": [], "composite": None}])
def test_nothing_drawn_shows_a_prompt_and_no_probabilities(views, value):
    view = views.render(value)
    assert (view.probabilities, view.seen, view.hidden, view.label) == (None, None, None, None)
    assert view.status == DRAW_PROMPT


def test_an_empty_canvas_shows_no_probabilities_and_a_prompt(views):
    view = views.render(sketchpad(None), show_hidden=True)
    assert view.probabilities is None and view.hidden is None
    assert view.status == DRAW_PROMPT


@pytest.mark.parametrize("kind, reason", [("speck", NoDigit.TOO_SMALL), ("covered", NoDigit.TOO_MUCH_INK)])
def test_no_digit_says_why_on_the_page(views, kind, reason):
    view = views.render(as_sketchpad(drawn_layer(kind)))
    assert view.probabilities is None
    assert view.status == NO_DIGIT_STATUS[reason] != DRAW_PROMPT


def test_unreadable_input_gives_a_message_not_an_error(views):
    view = views.render(np.full((4, 4, 7), 3, np.uint8))
    assert view.probabilities is None
    assert view.status.startswith("⚠️")


def test_low_confidence_shows_the_unsure_note(views):
    prediction = views.classifier.predict(sketchpad(7))
    assert "unsure" not in status_text(prediction)
    unsure = replace(prediction, unsure=True)
    assert "unsure" in status_text(unsure)


def test_the_status_never_rounds_an_answer_up_to_certainty(views):
    prediction = views.classifier.predict(sketchpad(7))
    probabilities = np.full(10, 0.00004 / 9)
    probabilities[7] = 0.99996
    sure = replace(prediction, probabilities=probabilities, label=7)
    assert "(> 99.9%)" in status_text(sure) and "100" not in status_text(sure)
    probabilities[7], probabilities[1] = 0.873, 0.127
    assert "(87.3%)" in status_text(replace(sure, probabilities=probabilities))


def test_no_probability_bar_rounds_up_to_certainty():
    probabilities = np.full(10, 0.00004 / 9)
    probabilities[7] = 0.99996
    bars = probability_dict(probabilities)
    assert list(bars) == ["7"]
    assert math.floor(bars["7"] * 100 + 0.5) == 99  # as gr.Label's Math.round writes it


def test_what_the_model_sees_is_enlarged_with_sharp_pixels():
    pixels = np.zeros((28, 28), np.float32)
    pixels[3, 5] = 1.0
    seen = enlarge(pixels)
    assert seen.shape == (280, 280)
    assert (seen[30:40, 50:60] == 255).all() and seen.sum() == 255 * 100


def test_the_heatmap_is_drawn_when_asked_for_each_layer(views):
    layers = views.classifier.config.architecture.num_layers
    images = [views.render(sketchpad(4), show_hidden=True, layer=layer).hidden for layer in range(layers)]
    for image in images:
        assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
        assert image.shape[0] > 200 and image.shape[1] > 400
    assert not np.array_equal(images[0], images[-1])
    assert np.array_equal(views.render(sketchpad(4), show_hidden=True).hidden, images[-1])


@pytest.mark.parametrize("digit", [1, 7, 8])
def test_row_contributions_add_up_to_the_logit(views, digit):
    """The head is linear over all rows: logit = bias + sum of the rows' forward and backward shares."""
    classifier = views.classifier
    prediction = classifier.predict(sketchpad(digit), with_explanation=True)
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


def test_predict_takes_a_sketchpad_value_or_an_image(views, tmp_path):
    assert views.predict(sketchpad(3))["label"] == 3
    path = tmp_path / "five.png"
    Image.fromarray(render_strokes(5)).save(path)
    result = views.predict(str(path))
    assert result["label"] == 5 and len(result["probabilities"]) == 10 and result["reason"] is None
    assert views.predict(None) == {"label": None, "probabilities": None, "unsure": False, "reason": "blank"}
    missing = views.predict(str(tmp_path / "missing.png"))
    assert missing["reason"] == "unreadable" and "missing.png" in missing["error"]


def test_the_api_answers_through_gradio_client(app_url, tmp_path):
    from gradio_client import Client, handle_file

    path = tmp_path / "seven.png"
    Image.fromarray(render_strokes(7)).save(path)
    client = Client(app_url, verbose=False)
    by_image = client.predict(image=handle_file(str(path)), api_name="/predict")
    example = str(Path(__file__).resolve().parent.parent / "examples" / f"drawn_{EXAMPLES[0]}.png")
    by_sketch = client.predict(
        sketch={"background": None, "layers": [handle_file(example)], "composite": None},
        api_name="/predict",
    )
    empty = client.predict(api_name="/predict")
    assert by_image["label"] == 7 and sum(by_image["probabilities"]) == pytest.approx(1.0, abs=1e-3)
    assert by_sketch["label"] == EXAMPLES[0]
    assert empty == {"label": None, "probabilities": None, "unsure": False, "reason": "blank"}


def test_the_api_and_the_command_line_answer_alike(app_url, tmp_path):
    """The same files get the same label, probabilities and reason from /predict and from
    `python -m model predict --json`, digit or not. (A file that is no image never reaches the
    app through /predict: Gradio refuses it first; tests/test_cli.py checks its reason.)"""
    from gradio_client import Client, handle_file

    paths = []
    for kind in ("seven", "speck", "covered", "nothing"):
        paths.append(tmp_path / f"{kind}.png")
        Image.fromarray(drawn_layer(kind)).save(paths[-1])
    client = Client(app_url, verbose=False)
    api = [client.predict(image=handle_file(str(path)), api_name="/predict") for path in paths]
    cli = subprocess.run(
        [sys.executable, "-m", "model", "predict", *map(str, paths), "--json", "--weights", str(WEIGHTS)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    records = [json.loads(line) for line in cli.stdout.splitlines()]
    assert [record.pop("path") for record in records] == list(map(str, paths))
    assert records == api
    assert [answer["reason"] for answer in api] == [None, "too_small", "too_much_ink", "blank"]


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
    assert views.render(sketchpad(7)).evidence is None
    chart = views.render(sketchpad(7), show_hidden=True).evidence
    assert chart.ndim == 3 and chart.shape[2] == 3 and chart.dtype == np.uint8
    assert not np.array_equal(chart, views.render(sketchpad(1), show_hidden=True).evidence)


def test_ahead_from_is_the_row_from_which_the_answer_stays_ahead():
    evidence = np.zeros((5, 10))
    evidence[:, 7] = [0, 2, 1, 3, 4]
    evidence[:, 1] = [1, 1, 2, 2, 2]
    assert ahead_from(evidence, answer=7, runner_up=1) == 3
    assert ahead_from(evidence, answer=1, runner_up=7) is None
    assert ahead_from(evidence + np.arange(10), answer=9, runner_up=0) == 0


def test_the_tutorial_model_answers_for_the_same_drawing_when_asked():
    views = Views(DigitClassifier(WEIGHTS), DigitClassifier(SEED_WEIGHTS))
    assert views.render(sketchpad(3)).baseline == ""
    seed = DigitClassifier(SEED_WEIGHTS).predict(sketchpad(3))
    text = views.render(sketchpad(3), compare=True).baseline
    assert f"**{seed.label}** ({probability_text(seed.probabilities[seed.label])})" in text
    assert "tutorial" in text


def test_corrections_are_offered_only_with_a_folder_for_them(tmp_path):
    import app

    def correction_buttons(demo) -> list:
        return [block for block in demo.blocks.values() if str(getattr(block, "elem_id", "")).startswith("correct-")]

    assert correction_buttons(app.build_demo(WEIGHTS)) == []
    assert not list(tmp_path.iterdir())
    assert len(correction_buttons(app.build_demo(WEIGHTS, tmp_path / "corrections"))) == 10
    assert (tmp_path / "corrections" / "image").is_dir()
