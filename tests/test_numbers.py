"""Reading a number (DigitClassifier.read_number): each digit through the same conversion and
network as one digit, in one batch; a drawing of one digit read exactly as before."""

import numpy as np
import pytest
import torch
from PIL import Image

from harness.drawing import (EXAMPLES_DIR, compose_number, load_pen_digits, table_number, table_number_before_last,
                             table_strokes, value_strokes)
from model.canvas import NoDigit
from model.classifier import DigitClassifier, DigitStrokes, RecentDigits
from model.segment import column_cuts, connected_components, split_image
from model.strokes import BRUSH_WIDTH, draw_strokes


@pytest.fixture(autouse=True)
def one_thread():
    """As the app runs: on a busy 2-core machine, two threads per forward pass take ten times as long."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def same_prediction(a, b) -> bool:
    return (a.label == b.label and a.unsure == b.unsure and a.reason == b.reason
            and np.array_equal(a.probabilities, b.probabilities) and np.array_equal(a.pixels, b.pixels))


@pytest.mark.parametrize("path", sorted(EXAMPLES_DIR.glob("*.*")), ids=lambda p: p.name)
def test_an_example_reads_exactly_as_one_digit(classifier, path):
    reading, before = classifier.read_number(path), classifier.predict(path)
    assert same_prediction(reading.whole, before)
    assert len(reading.digits) == 1 and reading.digits[0] is reading.whole and reading.number == str(before.label)
    assert reading.to_json() == before.to_json() | {"digits": [before.to_json()], "number": str(before.label)}


def test_mnist_test_digits_as_image_files_read_exactly_as_before(classifier, mnist_sample, tmp_path):
    images, labels = mnist_sample
    one_digit = 0
    for index in range(0, len(images), 2):  # 500 of the sample
        path = tmp_path / f"{index}.png"
        Image.fromarray(images[index]).save(path)
        reading, before = classifier.read_number(path), classifier.predict(path)
        assert same_prediction(reading.whole, before), index
        one_digit += len(reading.digits) == 1 and reading.digits[0] is reading.whole
    assert one_digit >= 0.99 * len(images) / 2  # a digit whose ink is broken can read as two


@pytest.mark.parametrize("text, canvas", [("4096", (1680, 560)), ("123456", (1680, 560)), ("905183", (560, 560)),
                                          ("28", (560, 560))])
def test_a_written_number_reads_digit_by_digit(classifier, text, canvas):
    reading = classifier.read_number(table_number(text, canvas))
    assert reading.number == text
    assert [d.label for d in reading.digits] == list(map(int, text))
    answer = reading.to_json()
    assert answer["number"] == text and all(d.keys() == {"label", "probabilities", "unsure", "reason"}
                                            for d in answer["digits"])
    assert answer.keys() == {"label", "probabilities", "unsure", "reason", "digits", "number"}


def test_a_number_as_an_image_file_reads_by_its_ink(classifier, tmp_path):
    value = table_number("350")
    ink = draw_strokes(value_strokes(value), canvas=1680)[:560]
    Image.fromarray(255 - ink).save(tmp_path / "number.png")
    assert classifier.read_number(tmp_path / "number.png").number == "350"


def test_held_out_writers_numbers_read(classifier):
    # benchmarks/numbers.py measures this on all the held-out writers' digits; here 150 of them.
    digits = load_pen_digits()
    rng = np.random.default_rng(3)
    exact = 0
    for _ in range(40):
        chosen = [digits[i] for i in rng.choice(len(digits), 4, replace=False)]
        number = compose_number([(d["label"], value_strokes(d["value"])) for d in chosen], rng)
        exact += classifier.read_number(number.value).number == number.text
    assert exact >= 36


def test_digits_whose_ink_touches_in_an_image_are_cut_apart(classifier):
    # "4096" drawn with a 50-pixel pen: the 4 touches the 0, one component of ink.
    ink = draw_strokes(value_strokes(table_number("4096")), 50, 1680)[:560]
    assert connected_components(ink > 128).max() == 3
    assert classifier.read_number(255 - ink).number == "4096"


def test_a_wide_digit_in_an_image_is_not_cut(classifier):
    # A 0 twice as wide as the table's, beside a 1: a cut is tried, and its sides read less
    # surely than the whole 0.
    strokes = [s * 0.6 + [0, 100] for s in table_strokes(1)] + [(s - 280) * [1.2, 0.6] + [700, 380] for s in table_strokes(0)]
    ink = draw_strokes(strokes, BRUSH_WIDTH, 1680)[:560]
    zero = split_image(ink.astype(np.float32) / 255, 0.35)[1]
    assert column_cuts(zero, 0.35)
    assert classifier.read_number(255 - ink).number == "10"


def test_nothing_drawn_has_no_digits_and_no_number(classifier):
    reading = classifier.read_number({"width": 560, "height": 560, "strokes": []})
    assert reading.digits == [] and reading.number is None and reading.whole.reason.value == "blank"


def test_a_tap_on_the_wide_canvas_is_too_small_as_on_the_square_one(classifier):
    # A tap: less than a brush width (28 of the page's pixels, both canvases 560 high) of travel.
    for width in (560, 1680):
        reading = classifier.read_number({"width": width, "height": 560, "strokes": [[[300, 300], [320, 310]]]})
        assert reading.digits == [] and reading.whole.reason is NoDigit.TOO_SMALL
    line = classifier.read_number({"width": 1680, "height": 560, "strokes": [[[300, 200], [300, 400]]]})
    assert line.number == "1"  # a stroke well past a brush width on the wide canvas is a digit
    taps = classifier.read_number({"width": 1680, "height": 560,
                                   "strokes": [[[300 + 400 * k, 300], [310 + 400 * k, 305]] for k in range(3)]})
    assert len(taps.digits) == 3 and all(d.reason is NoDigit.TOO_SMALL for d in taps.digits)
    assert taps.number is None  # three taps in a row are no number "000"
    # Nor, read whole as /predict's top level reads a drawing, one digit.
    assert taps.to_json()["label"] is None and taps.to_json()["reason"] == NoDigit.TOO_SMALL.value


def test_taps_apart_on_the_square_canvas_are_no_digit_read_whole(classifier):
    taps = classifier.read_number({"width": 560, "height": 560, "strokes": [[[100, 300], [105, 302]], [[400, 300], [405, 302]]]})
    assert len(taps.digits) == 2 and all(d.reason is NoDigit.TOO_SMALL for d in taps.digits)
    assert taps.whole.label is None and taps.whole.reason is NoDigit.TOO_SMALL


def test_a_small_digit_of_a_number_keeps_its_loops_open(classifier):
    # A 0 written 50 of the page's pixels tall: on the page its brush, 28 pixels wide, fills the
    # hole. Read as a digit of a number, the brush is in proportion to the 0, and the hole stays.
    points = np.concatenate(table_strokes(0))
    low, high = points.min(0), points.max(0)
    zero = [(stroke - low) * (50 / float((high - low).max())) + 40 for stroke in table_strokes(0)]
    x, y = np.round((np.concatenate(zero).min(0) + np.concatenate(zero).max(0)) / 2).astype(int)
    assert draw_strokes(zero, BRUSH_WIDTH, 140)[y, x] == 255  # on the page, its middle is ink
    framed = DigitStrokes(zero).frame(classifier.config.preprocess)
    assert framed[12:17, 12:17].max() == 0  # the input's middle, where the hole is: paper


def test_a_number_being_written_reads_only_its_new_digit_again():
    reader = DigitClassifier()
    begun = reader.read_number(table_number_before_last("408163"))
    then = reader.read_number(table_number("408163"))
    assert begun.number == "40816" and then.number == "408163"
    assert all(before is after for before, after in zip(begun.digits, then.digits[:5]))  # remembered
    fresh = DigitClassifier(recent_digits=0).read_number(table_number("408163"))
    for remembered, read in zip(then.digits, fresh.digits):  # the same, up to the batch's float rounding
        assert remembered.label == read.label and np.array_equal(remembered.pixels, read.pixels)
        assert np.allclose(remembered.probabilities, read.probabilities, rtol=0, atol=1e-9)


def test_a_reader_that_remembers_no_digits_reads_every_digit_again():
    reader = DigitClassifier(recent_digits=0)
    first, again = (reader.read_number(table_number("4096")) for _ in range(2))
    assert first.number == again.number == "4096"
    assert not any(a is b for a, b in zip(first.digits, again.digits))


def test_recent_digits_forget_the_least_recently_read_first():
    recent = RecentDigits(2)
    recent.put(b"a", "A")
    recent.put(b"b", "B")
    assert recent.get(b"a") == "A"  # now b is the least recently read
    recent.put(b"c", "C")
    assert recent.get(b"b") is None and recent.get(b"a") == "A" and recent.get(b"c") == "C"
