"""Stroke values (model/strokes.py): checked before anything is drawn, and inked by one round
brush that the app, training and the tests all share."""

import math

import numpy as np
import pytest

from harness.drawing import MALFORMED_STROKES, table_value
from model.canvas import InvalidImage, NoDigit
from model.strokes import (
    BRUSH_WIDTH, CANVAS, CURVE_STEP, MAX_POINTS, MAX_SIDE, MAX_STROKES, SPLINE_STEPS, draw_strokes, parse_strokes,
    pen_travel, smooth_path, stroke_value, strokes_ink,
)
import training.converted
from training.converted import pen_canvas
from training.data import PenDigit
from tests.test_bad_inputs import check_message  # one rule for the messages users see

LINE = [[100.0, 100.0], [300.0, 300.0]]

# Values only a Python caller can pass: JSON has no NaN, infinity, tuple or numpy array.
PYTHON_ONLY = [
    ("NaN coordinate", {"width": 560, "height": 560, "strokes": [[[math.nan, 100], [300, 300]]]}),
    ("infinite coordinate", {"width": 560, "height": 560, "strokes": [[[100, 100], [300, -math.inf]]]}),
    ("NaN width", {"width": math.nan, "height": 560, "strokes": [LINE]}),
    ("infinite height", {"width": 560, "height": math.inf, "strokes": [LINE]}),
    ("strokes a tuple", {"width": 560, "height": 560, "strokes": (LINE,)}),
    ("a stroke that is an array", {"width": 560, "height": 560, "strokes": [np.array(LINE)]}),
    ("a point that is a set", {"width": 560, "height": 560, "strokes": [[{100, 300}]]}),
]


def value(strokes, width=CANVAS, height=CANVAS) -> dict:
    return {"width": width, "height": height, "strokes": strokes}


def test_a_value_is_scaled_so_its_longer_side_is_the_canvas():
    (stroke,) = parse_strokes(value([[[0, 0], [140, 70], [280, 140]]], width=280, height=140))
    assert np.array_equal(stroke, [[0, 0], [280, 140], [560, 280]])
    assert stroke.dtype == np.float64


def test_points_off_the_canvas_are_clipped_to_its_edges():
    (stroke,) = parse_strokes(value([[[-50, 100], [600, 700], [280.5, 12.25]]]))
    assert np.array_equal(stroke, [[0, 100], [560, 560], [280.5, 12.25]])


def test_other_keys_are_ignored():
    plain = table_value(7)
    tagged = plain | {"seq": 12, "tool": "pen", "colour": [0, 0, 0]}
    assert all(np.array_equal(a, b) for a, b in zip(parse_strokes(tagged), parse_strokes(plain), strict=True))


def test_a_value_written_by_stroke_value_reads_back_as_its_strokes():
    strokes = [np.array([[10.5, 20.0], [30.0, 40.25]]), np.array([[500.0, 7.0]])]
    written = stroke_value(strokes)
    assert written == {"width": CANVAS, "height": CANVAS, "strokes": [[[10.5, 20.0], [30.0, 40.25]], [[500.0, 7.0]]]}
    assert all(np.array_equal(a, b) for a, b in zip(parse_strokes(written), strokes, strict=True))


@pytest.mark.parametrize("strokes", [[], [[]], [[], [], []]], ids=["no strokes", "one empty", "three empty"])
def test_no_points_is_a_blank_canvas(classifier, strokes):
    assert parse_strokes(value(strokes)) == []
    assert strokes_ink(value(strokes)) is None
    prediction = classifier.predict(value(strokes))
    assert prediction.reason is NoDigit.BLANK and prediction.error is None


def test_empty_strokes_are_dropped_and_the_others_kept():
    parsed = parse_strokes(value([[], LINE, []]))
    assert len(parsed) == 1 and np.array_equal(parsed[0], LINE)


@pytest.mark.parametrize("strokes, points", [(MAX_STROKES, 1), (1, MAX_POINTS), (MAX_STROKES, MAX_POINTS // MAX_STROKES)])
def test_a_drawing_at_the_limits_is_read(strokes, points):
    parsed = parse_strokes(value([[[100 + i % 300, 200.0] for i in range(points)]] * strokes))
    assert len(parsed) == strokes and sum(map(len, parsed)) == strokes * points


@pytest.mark.parametrize("strokes, points, limit", [(MAX_STROKES + 1, 1, "100 strokes"), (1, MAX_POINTS + 1, "20,000 points"),
                                                     (MAX_STROKES, MAX_POINTS // MAX_STROKES + 1, "20,000 points")])
def test_a_drawing_past_the_limits_is_refused(strokes, points, limit):
    with pytest.raises(InvalidImage, match=f"the limit is {limit.split()[0]}"):
        parse_strokes(value([[[100, 200]] * points] * strokes))


@pytest.mark.parametrize("side, readable", [(1, True), (MAX_SIDE, True), (0.99, False), (MAX_SIDE + 0.5, False),
                                            (1e300, False), (-CANVAS, False), (math.inf, False), (math.nan, False)])
def test_a_side_must_be_a_real_canvas_size(side, readable):
    for sides in ({"width": side}, {"height": side}):
        if readable:
            assert len(parse_strokes(value([LINE]) | sides)) == 1
        else:
            with pytest.raises(InvalidImage, match="must be"):
                parse_strokes(value([LINE]) | sides)


@pytest.mark.parametrize("malformed", [pytest.param(v, id=name) for name, v in MALFORMED_STROKES + PYTHON_ONLY])
def test_a_malformed_value_is_refused_with_a_short_message(classifier, malformed):
    prediction = classifier.predict(malformed, with_explanation=True)
    assert prediction.label is None and prediction.probabilities is None and prediction.pixels is None
    assert prediction.reason is NoDigit.UNREADABLE
    check_message(prediction.error)


def test_the_malformed_values_are_many_and_distinct():
    values = [v for _, v in MALFORMED_STROKES + PYTHON_ONLY]
    assert len(values) >= 20
    assert len({repr(v) for v in values}) == len(values)


def ink_rows(ink: np.ndarray, column: int) -> np.ndarray:
    return np.flatnonzero(ink[:, column])


@pytest.mark.parametrize("width", [6, BRUSH_WIDTH, 45])
def test_the_brush_is_as_wide_as_asked(width):
    ink = draw_strokes([np.array([[100.0, 280.0], [460.0, 280.0]])], width)
    assert ink.shape == (CANVAS, CANVAS) and ink.dtype == np.uint8
    assert set(np.unique(ink)) == {0, 255}  # hard edges, as the page's canvas draws
    across = ink_rows(ink, 280)
    assert abs(len(across) - width) <= 1 and np.all(np.diff(across) == 1)
    assert abs(across.mean() - 280) <= 1


def test_the_brush_is_round_and_a_one_point_stroke_is_a_dot():
    radius = 20
    ink = draw_strokes([np.array([[200.0, 300.0]])], 2 * radius) > 0
    ys, xs = np.nonzero(ink)
    assert abs(ys.mean() - 300) <= 0.5 and abs(xs.mean() - 200) <= 0.5
    assert abs(int(ink.sum()) - math.pi * radius**2) < 0.05 * math.pi * radius**2
    assert ink[300, 200 + radius - 1] and ink[300 + radius - 1, 200]  # reaches its radius straight out
    diagonal = round(0.9 * radius)  # 1.27 radii from the centre: a square brush would ink it
    assert not ink[300 + diagonal, 200 + diagonal]


@pytest.mark.parametrize("strokes", [[[[300, 300]]], [[[300, 300], [310, 315]]], [[[300, 300]], [[320, 300]]]],
                         ids=["a tap", "a tick", "two taps"])
def test_a_tap_or_a_tick_is_no_digit_yet(classifier, strokes):
    """The brush's own dot is 5% of the canvas, past the conversion's smallest ink: the pen must
    travel at least a brush width before there is a digit's shape to read."""
    assert pen_travel(value(strokes)) < BRUSH_WIDTH
    prediction = classifier.predict(value(strokes))
    assert prediction.label is None and prediction.reason is NoDigit.TOO_SMALL


def test_a_short_upright_one_is_a_digit(classifier):
    one = value([[[300, 250], [300, 250 + 2 * BRUSH_WIDTH]]])
    assert pen_travel(one) == 2 * BRUSH_WIDTH
    assert classifier.predict(one).label == 1


def test_a_stroke_has_round_ends():
    ink = draw_strokes([np.array([[100.0, 280.0], [400.0, 280.0]])], 40) > 0
    row = np.flatnonzero(ink[280])
    assert abs(row[0] - 80) <= 1 and abs(row[-1] - 420) <= 1  # half the brush past each end
    assert not ink[280 - 18, 81] and ink[280 - 18, 100]  # the end's corner is cut off


def test_strokes_keep_their_place():
    left, right = np.array([[60.0, 100.0], [60.0, 460.0]]), np.array([[500.0, 100.0], [500.0, 460.0]])
    ink = draw_strokes([left, right], 20)
    both = draw_strokes([right, left], 20)
    assert np.array_equal(ink, both)
    assert np.array_equal(ink, np.maximum(draw_strokes([left], 20), draw_strokes([right], 20)))
    columns = np.flatnonzero(ink.any(axis=0))
    assert columns.min() == 50 and columns.max() == 510 and not ink[:, 71:490].any()


def test_a_canvas_of_another_size_is_drawn_at_that_size():
    ink = draw_strokes([np.array([[10.0, 10.0], [90.0, 90.0]])], 4, canvas=100)
    assert ink.shape == (100, 100) and ink[50, 50] and not ink[10, 90]


def test_sparse_pen_points_are_joined_by_a_smooth_curve_through_them():
    points = np.array([[100.0, 100.0], [200.0, 100.0], [200.0, 200.0], [100.0, 200.0]])
    path = smooth_path(points)
    for point in points:  # the curve passes through every pen point
        assert np.abs(path - point).sum(axis=1).min() < 1e-9
    assert len(path) == 3 * SPLINE_STEPS + 1
    # A curve, not the corners' straight lines: it bulges past the square's side.
    assert path[:, 0].max() > 200 + 1


def test_dense_points_are_not_multiplied():
    points = np.column_stack([np.arange(100, 200, 2.0), np.full(50, 300.0)])
    path = smooth_path(points)
    assert len(path) == len(points)
    assert np.allclose(path, points)


def test_a_short_segment_gets_a_curve_point_every_curve_step():
    points = np.array([[100.0, 100.0], [111.0, 101.0], [122.0, 103.0], [133.0, 106.0]])  # 11-12 px apart
    path = smooth_path(points)
    assert len(path) == 3 * math.ceil(12 / CURVE_STEP) + 1
    # Even steps of the curve's parameter, not of its length: a step is within a fifth of its share.
    assert np.linalg.norm(np.diff(path, axis=0), axis=1).max() <= 1.2 * CURVE_STEP


def test_two_points_are_a_straight_line():
    points = np.array([[100.0, 100.0], [300.0, 120.0]])
    assert np.array_equal(smooth_path(points), points)


def test_strokes_ink_is_the_brush_on_the_app_canvas_in_zero_to_one():
    drawn = table_value(4)
    ink = strokes_ink(drawn)
    assert ink.shape == (CANVAS, CANVAS) and ink.dtype == np.float32
    assert np.array_equal(ink, draw_strokes(parse_strokes(drawn)) / np.float32(255))


def test_training_draws_pen_digits_with_the_apps_brush(monkeypatch):
    """Training's pen drawings (training/converted.py) go through model.strokes.draw_strokes, so
    the network learns from the ink the app makes."""
    calls = []

    def recording_brush(strokes, width, canvas):
        calls.append((strokes, width, canvas))
        return draw_strokes(strokes, width, canvas)

    monkeypatch.setattr(training.converted, "draw_strokes", recording_brush)
    digit = PenDigit((np.array([[0.0, 0.0], [50.0, 10.0], [30.0, 80.0]]), np.array([[10.0, 40.0], [60.0, 40.0]])), 7, 1)
    layer = pen_canvas(digit, np.random.default_rng(0))["layers"][0]
    (strokes, width, canvas), = calls
    assert canvas == CANVAS and len(strokes) == 2 and 6 <= width <= 45
    assert np.array_equal(layer[..., 3], draw_strokes(strokes, width, canvas))
    assert layer[..., 3].any()
