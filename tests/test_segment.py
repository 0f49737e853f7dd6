"""model/segment.py: real pen digits of held-out writers, composed into numbers, split back."""

import numpy as np
import pytest

from harness.drawing import STROKES, Number, compose_number, load_pen_digits, table_strokes, value_strokes
from model.segment import connected_components, split_image, stroke_groups
from model.strokes import BRUSH_WIDTH, draw_strokes

PEN_DIGITS = load_pen_digits()


def numbers(length: int, count: int, canvas: tuple[int, int], seed: int = 0) -> list[Number]:
    """`count` numbers of `length` digits, each digit from the same held-out writer."""
    rng = np.random.default_rng(seed)
    writers = sorted({d["writer"] for d in PEN_DIGITS})
    made = []
    for _ in range(count):
        pool = [d for d in PEN_DIGITS if d["writer"] == writers[rng.integers(len(writers))]]
        chosen = [pool[i] for i in rng.choice(len(pool), length, replace=False)]
        made.append(compose_number([(d["label"], value_strokes(d["value"])) for d in chosen], rng, canvas))
    return made


def truth(number: Number) -> list[list[int]]:
    return [[i for i, d in enumerate(number.digit_of_stroke) if d == k] for k in range(len(number.labels))]


def split_right(made: list[Number]) -> float:
    return float(np.mean([stroke_groups(value_strokes(n.value)) == truth(n) for n in made]))


@pytest.mark.parametrize("canvas", [(1680, 560), (560, 560)], ids=["wide", "square, rows of three"])
def test_four_digit_numbers_split_into_their_digits(canvas):
    # benchmarks/numbers.py measures 99.8% (wide) and 100% (square) on all the held-out writers' digits;
    # these 150 digits give a sample.
    assert split_right(numbers(4, 120, canvas)) >= 0.99


def test_every_single_pen_digit_stays_one_digit():
    # A 4's or a 5's second stroke, a 7's bar: each held-out digit on its own is one group.
    split = [d for d in PEN_DIGITS if len(stroke_groups(value_strokes(d["value"]))) != 1]
    assert len(split) <= 1, [(d["label"], d["writer"]) for d in split]


def test_a_second_stroke_inside_its_digit_joins_it():
    four = table_strokes(4)  # a bar, then a stem through it
    seven_slashed = table_strokes(7) + [np.array([[200.0, 330], [360, 320]])]
    assert stroke_groups(four) == [[0, 1]]
    assert stroke_groups(seven_slashed) == [[0, 1]]
    side_by_side = table_strokes(1, scale=0.5, shift=(-0.3, 0)) + table_strokes(4, scale=0.5, shift=(0.3, 0))
    assert stroke_groups(side_by_side) == [[0], [1, 2]]


def test_rows_are_read_before_columns():
    top = table_strokes(2, scale=0.4, shift=(-0.25, -0.25)) + table_strokes(3, scale=0.4, shift=(0.25, -0.25))
    bottom = table_strokes(1, scale=0.4, shift=(-0.25, 0.25)) + table_strokes(7, scale=0.4, shift=(0.25, 0.25))
    assert stroke_groups(bottom + top) == [[2], [3], [0], [1]]


def test_an_image_of_a_number_splits_by_its_ink():
    made = numbers(3, 10, (1680, 560), seed=1)
    for number in made:
        # The number as an image, drawn with a fine pen: digits whose ink touches are one
        # component, which this splitting does not cut.
        ink = draw_strokes(value_strokes(number.value), width=8, canvas=1680)[:560].astype(np.float32) / 255
        digits = split_image(ink, 0.35)
        assert len(digits) == len(number.labels)
        assert all(d.max() > 0 for d in digits)
        assert np.allclose(sum(digits), ink * (sum(digits) > 0))


def test_an_image_in_two_rows_drawn_with_a_thick_pen_splits_into_its_rows():
    # Six slanted 1s in two rows, 50 canvas pixels of paper between the rows' strokes: with the
    # page's 28-pixel brush the ink's own boxes leave 22, under a row gap, and the rows would
    # chain into one; the boxes of the strokes' middle lines keep them apart.
    ones = [np.array([[x, top], [x - 20, top + 180]], float) for top in (60, 290) for x in (120, 280, 440)]
    ink = draw_strokes(ones, BRUSH_WIDTH, 560).astype(np.float32) / 255
    digits = split_image(ink, 0.35)
    centres = [(np.nonzero(d.any(axis=0))[0].mean(), np.nonzero(d.any(axis=1))[0].mean()) for d in digits]
    expected = [(x - 10, top + 90) for top in (60, 290) for x in (120, 280, 440)]  # in reading order
    assert len(digits) == 6 and np.allclose(centres, expected, atol=3)


def test_connected_components_are_labelled():
    mask = np.zeros((40, 60), bool)
    mask[5:10, 5:20] = mask[20:30, 40:45] = True
    labels = connected_components(mask)
    assert sorted(np.unique(labels)) == [0, 1, 2]
    assert len(np.unique(labels[5:10, 5:20])) == 1 and (labels[~mask] == 0).all()


@pytest.mark.parametrize("label", [1, 5, 7])
@pytest.mark.parametrize("canvas", [(1680, 560), (560, 560)], ids=["wide", "square"])
def test_a_short_stroke_drawn_apart_stays_with_its_digit(label, canvas):
    # Held-out writers' 1s with a foot, 5s with a flag and 7s with a bar, each between two of
    # the same writer's one-stroke digits, written at the numbers' random slants and spacings:
    # slanted, a 5's flag leaves its body's columns, and a 1's foot reaches under its neighbour.
    rng = np.random.default_rng(label)
    made = []
    for digit in (d for d in PEN_DIGITS if d["label"] == label and len(d["value"]["strokes"]) > 1):
        others = [d for d in PEN_DIGITS if d["writer"] == digit["writer"] and len(d["value"]["strokes"]) == 1]
        for _ in range(10):
            left, right = (others[i] for i in rng.choice(len(others), 2, replace=False))
            written = [(d["label"], value_strokes(d["value"])) for d in (left, digit, right)]
            made.append(compose_number(written, rng, canvas))
    assert len(made) >= 20 and split_right(made) == 1.0


def test_a_short_stroke_joins_the_digit_whose_ink_is_nearest():
    # A held-out writer's 1 after the same writer's 9, its foot moved under the gap between
    # them (as that writer's 1s lean in benchmarks.numbers): the foot's box is nearer the 9's
    # box than its stem's, but its ink comes nearest the stem.
    nine, (stem, foot) = (value_strokes(PEN_DIGITS[i]["value"]) for i in (6, 144))
    assert PEN_DIGITS[6]["label"] == 9 and PEN_DIGITS[144]["label"] == 1
    foot = foot - [100, 0]
    nine = [s - [max(s[:, 0].max() for s in nine) - foot[:, 0].min() + 20, 0] for s in nine]
    assert foot[:, 1].min() - stem[:, 1].max() > 20  # further below the stem than beside the 9
    assert stroke_groups(nine + [stem, foot]) == [[0], [1, 2]]
