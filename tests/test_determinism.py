"""The same drawing always gets exactly the same answer: across calls, threads, model loads
and the forms a drawing can arrive in. Equality is bitwise, not approximate."""

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from PIL import Image

import model.weights
from harness.drawing import as_layers, draw_digit, ink_layer, load_pen_digits
from model.classifier import DigitClassifier
from model.strokes import draw_strokes, parse_strokes
from ui.views import Views

THREADS = 8
ROUNDS = 6  # each drawing is predicted this many times per thread


@pytest.fixture(scope="module")
def drawings(mnist_sample) -> list[dict]:
    """Four MNIST test digits re-drawn with a pen, as dicts of image layers, and two real
    people's pen digits, as the page's canvas sends them."""
    images, _ = mnist_sample
    return [as_layers(draw_digit(image)) for image in images[:4]] + [d["value"] for d in load_pen_digits()[:2]]


def probabilities(classifier: DigitClassifier, value) -> np.ndarray:
    prediction = classifier.predict(value)
    assert prediction.label is not None, "the test needs drawings that hold a digit"
    return prediction.probabilities


def test_repeated_calls_agree(classifier, drawings):
    for drawing in drawings:
        first = probabilities(classifier, drawing)
        for _ in range(10):
            assert np.array_equal(probabilities(classifier, drawing), first)


def test_concurrent_calls_agree_with_sequential_ones(classifier, drawings):
    expected = [probabilities(classifier, drawing) for drawing in drawings]
    jobs = [index for index in range(len(drawings)) for _ in range(ROUNDS * THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda index: probabilities(classifier, drawings[index]), jobs))
    mismatches = [index for index, result in zip(jobs, results) if not np.array_equal(result, expected[index])]
    assert mismatches == []


def test_a_second_load_of_the_weights_agrees(classifier, drawings):
    reloaded = DigitClassifier(model.weights.DEFAULT_WEIGHTS)
    for drawing in drawings:
        assert np.array_equal(probabilities(reloaded, drawing), probabilities(classifier, drawing))


def test_asking_for_the_explanation_changes_no_probability(classifier, drawings):
    for drawing in drawings:
        explained = classifier.predict(drawing, with_explanation=True)
        assert explained.explanation is not None
        assert np.array_equal(explained.probabilities, probabilities(classifier, drawing))


def test_the_torch_thread_count_changes_the_answer_only_by_rounding(classifier, drawings):
    """Machines differ in their number of cores, so in PyTorch's intra-op threads. Sums split
    across threads round differently (by about 1e-8 here), so equality across machines is only
    approximate; within one server, whose thread count is fixed, it is exact (tests above)."""
    default = [probabilities(classifier, drawing) for drawing in drawings]
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        single = [probabilities(classifier, drawing) for drawing in drawings]
    finally:
        torch.set_num_threads(threads)
    for a, b in zip(single, default):
        assert a.argmax() == b.argmax()
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_the_same_drawing_in_any_form_gets_the_same_answer(classifier, drawings, tmp_path):
    for index, drawing in enumerate(drawings):
        expected = probabilities(classifier, drawing)
        if "strokes" in drawing:  # the page's strokes, as a file, and as their ink in a layer
            path = tmp_path / f"strokes_{index}.json"
            path.write_text(json.dumps(drawing))
            assert np.array_equal(probabilities(classifier, path), expected)
            drawing = as_layers(ink_layer(draw_strokes(parse_strokes(drawing))))
            assert np.array_equal(probabilities(classifier, drawing), expected)
        layer = drawing["layers"][0]
        path = tmp_path / f"layer_{index}.png"
        Image.fromarray(layer).save(path)
        for form in (layer, Image.fromarray(layer), path, str(path), {"layers": [path]}):
            assert np.array_equal(probabilities(classifier, form), expected)


def test_the_apps_handlers_agree_across_threads(classifier, drawings):
    """The canvas's answer, the details with the heatmap, whose painters are shared, and /predict."""
    views = Views(classifier)

    def handle(index: int):
        return (views.answer(drawings[index]), views.details(drawings[index], show_hidden=True),
                views.predict(drawings[index]))

    expected = [handle(index) for index in range(len(drawings))]
    jobs = [index for index in range(len(drawings)) for _ in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(handle, jobs))
    for index, (answer, details, api) in zip(jobs, results):
        expected_answer, expected_details, expected_api = expected[index]
        assert api == expected_api
        assert answer == expected_answer
        assert np.array_equal(details.hidden, expected_details.hidden)
        assert np.array_equal(details.evidence, expected_details.evidence)
