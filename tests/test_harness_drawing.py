"""The test drawings' pen: strokes have the asked width, the drawing its asked size and place;
the stroke values and the real pen digits are what the page's canvas would send."""

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import harness.drawing
from harness.drawing import (
    EXAMPLE_WRITER,
    EXAMPLES,
    EXAMPLES_DIR,
    MOUSE_STEP,
    PEN_SIZE,
    STROKES,
    as_layers,
    centre_line,
    densify,
    draw_digit,
    draw_strokes,
    flatten,
    invert,
    load_pen_digits,
    on_canvas,
    render_strokes,
    rounded,
    table_strokes,
    table_value,
    thin,
)
from model import strokes as brush
from training.data import read_pendigits
from training.sources import PEN_VALIDATION_WRITERS

CANVAS = 800


def bar_digit() -> np.ndarray:
    """A 28x28 upright "1": a vertical bar 3 pixels wide and 20 tall, MNIST-like."""
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 13:16] = 1.0
    return digit


def ell_digit() -> np.ndarray:
    """An "L": a vertical and a horizontal bar, so the drawing is wider than a line."""
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 6:9] = 1.0
    digit[21:24, 6:22] = 1.0
    return digit


def ink_box(layer: np.ndarray, level: int = 128) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the pixels whose alpha reaches `level`, inclusive."""
    rows = np.flatnonzero((layer[..., 3] >= level).any(axis=1))
    cols = np.flatnonzero((layer[..., 3] >= level).any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]


def test_thinning_leaves_a_one_pixel_line_down_the_middle_of_a_bar():
    mask = np.zeros((40, 40), bool)
    mask[5:35, 15:24] = True  # 9 wide: the middle column is 19
    skeleton = thin(mask)
    assert skeleton[10:30].sum(axis=1).tolist() == [1] * 20
    assert set(np.argwhere(skeleton[10:30])[:, 1]) == {19}


def test_centre_line_is_connected_and_follows_the_stroke():
    strokes = centre_line(ell_digit())
    # Every point is joined to another, and the points of the corner reach both bars.
    assert set(strokes.edges.ravel()) == set(range(len(strokes.points)))
    ys, xs = strokes.points[:, 0] / 4, strokes.points[:, 1] / 4  # back to 28x28 units
    assert xs.min() < 9 and xs.max() > 19 and ys.min() < 7 and ys.max() > 21


@pytest.mark.parametrize("width", [8, 25, 70])
def test_stroke_is_as_wide_as_asked(width):
    layer = draw_digit(bar_digit(), size=0.6, width=width)
    middle_row = layer[CANVAS // 2, :, 3]
    assert abs(int((middle_row >= 128).sum()) - width) <= 2


@pytest.mark.parametrize("size", [0.2, 0.5, 0.85])
def test_drawing_spans_the_asked_fraction_of_the_canvas(size):
    top, bottom, left, right = ink_box(draw_digit(ell_digit(), size=size, width=25))
    longer = max(bottom - top, right - left) + 1
    assert abs(longer - size * CANVAS) <= 3


@pytest.mark.parametrize("offset", [(0.0, 0.0), (-0.3, -0.3), (0.0, 0.35), (0.4, 0.1)])
def test_drawing_is_centred_where_asked(offset):
    top, bottom, left, right = ink_box(draw_digit(ell_digit(), size=0.2, width=8, offset=offset))
    centre_y, centre_x = (top + bottom) / 2, (left + right) / 2
    assert abs(centre_y - (0.5 + offset[0]) * CANVAS) <= 2
    assert abs(centre_x - (0.5 + offset[1]) * CANVAS) <= 2


def test_a_drawing_off_the_canvas_is_refused():
    with pytest.raises(ValueError):
        draw_digit(ell_digit(), size=0.5, offset=(0.3, 0.0))
    with pytest.raises(ValueError):
        draw_digit(ell_digit(), size=0.05, width=70)


def test_drawing_is_deterministic():
    digit = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    assert np.array_equal(draw_digit(digit), draw_digit(digit))


def test_forms_agree_with_the_layer():
    layer = draw_digit(ell_digit(), size=0.5, width=25)
    assert layer.shape == (CANVAS, CANVAS, 4) and layer.dtype == np.uint8
    assert not layer[..., :3].any()  # black ink: the stroke lives in alpha alone

    flat = flatten(layer)
    assert flat.shape == (CANVAS, CANVAS, 3) and flat.dtype == np.uint8
    assert np.array_equal(flat[..., 0], 255 - layer[..., 3])
    assert np.array_equal(invert(flat), 255 - flat)

    value = as_layers(layer)
    assert value["layers"][0] is layer
    assert np.array_equal(value["composite"][..., :3], flat) and (value["composite"][..., 3] == 255).all()
    assert value["background"].shape == (CANVAS, CANVAS, 4) and (value["background"] == 255).all()
    assert 0 < (layer[..., 3] > 0).mean() < 0.2


def test_soft_edges_are_antialiased():
    alpha = draw_digit(bar_digit(), size=0.6, width=25)[..., 3]
    assert ((alpha > 0) & (alpha < 255)).any()


def test_strokes_of_an_existing_centre_line_can_be_redrawn_at_other_sizes():
    strokes = centre_line(bar_digit())
    small = draw_strokes(strokes, size=0.2, width=8)
    large = draw_strokes(strokes, size=0.85, width=8)
    assert (small[..., 3] > 0).sum() < (large[..., 3] > 0).sum()


def test_a_uint8_digit_is_drawn_as_its_intensities_in_0_to_1():
    digit = ell_digit()
    assert np.array_equal(draw_digit((digit * 255).astype(np.uint8)), draw_digit(digit))


@pytest.mark.parametrize("digit", sorted(STROKES))
def test_table_strokes_are_drawn_where_placed(digit):
    layer = render_strokes(digit, canvas=560, width=28)
    assert set(np.unique(layer[..., 3])) == {0, 255}  # hard edges, as the page's brush leaves
    top, bottom, left, right = ink_box(layer)
    small = render_strokes(digit, canvas=560, width=28, scale=0.5, shift=(0.2, -0.2))
    s_top, s_bottom, s_left, s_right = ink_box(small)
    # Half the path's size (the pen keeps its width), its centre moved right and up by a fifth.
    assert abs((s_bottom - s_top - 28) - (bottom - top - 28) / 2) <= 3
    assert abs((s_left + s_right) / 2 - ((left + right) / 2 - 280) / 2 - 280 - 112) <= 2
    assert abs((s_top + s_bottom) / 2 - ((top + bottom) / 2 - 280) / 2 - 280 + 112) <= 2


def test_densify_keeps_the_corners_and_puts_points_a_step_apart():
    corners = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 9.0], [10.0, 9.5]])
    dense = densify(corners, step=4.0)
    for corner in corners:
        assert np.abs(dense - corner).sum(axis=1).min() == 0
    steps = np.linalg.norm(np.diff(dense, axis=0), axis=1)
    assert steps.max() <= 4.0 and len(dense) == 1 + 3 + 3 + 1


@pytest.mark.parametrize("digit", sorted(STROKES))
def test_a_table_value_is_the_table_drawn_by_the_apps_brush(digit):
    value = table_value(digit, scale=0.8, shift=(0.05, -0.1))
    assert value["width"] == value["height"] == brush.CANVAS
    strokes = brush.parse_strokes(value)
    assert all(np.allclose(a, b) for a, b in zip(strokes, table_strokes(digit, scale=0.8, shift=(0.05, -0.1)), strict=True))
    assert all(np.linalg.norm(np.diff(stroke, axis=0), axis=1).max() <= MOUSE_STEP + 1e-9 for stroke in strokes)
    layer = render_strokes(digit, scale=0.8, shift=(0.05, -0.1))
    assert np.array_equal(layer[..., 3], brush.draw_strokes(strokes))  # the same ink as the app's
    assert not layer[..., :3].any()


def ink_extent(value: dict) -> tuple[float, np.ndarray]:
    """The longer side of a stroke value's points, and their box's centre."""
    points = np.concatenate([np.array(stroke) for stroke in value["strokes"]])
    low, high = points.min(axis=0), points.max(axis=0)
    return float((high - low).max()), (low + high) / 2


def sample_pen_digits() -> list:
    return read_pendigits(Path(__file__).parent / "data" / "handwriting" / "pendigits-orig.tra")


def test_a_pen_digit_is_placed_on_the_canvas_centred_at_the_asked_size():
    for digit in sample_pen_digits()[:5]:
        value = on_canvas(digit, size=0.5)
        side, centre = ink_extent(value)
        assert value["width"] == value["height"] == brush.CANVAS
        assert side == pytest.approx(0.5 * brush.CANVAS) and np.allclose(centre, brush.CANVAS / 2)
        assert len(value["strokes"]) == len(digit.strokes)


def test_rounding_keeps_the_drawing():
    value = on_canvas(sample_pen_digits()[0])
    kept = rounded(value)
    assert all(np.abs(np.array(a) - np.array(b)).max() <= 0.05 + 1e-9 for a, b in zip(kept["strokes"], value["strokes"]))
    assert all(round(c, 1) == c for stroke in kept["strokes"] for point in stroke for c in point)
    assert {key: kept[key] for key in ("width", "height")} == {key: value[key] for key in ("width", "height")}


def test_the_replayed_pen_digits_are_held_out_writers_on_the_canvas():
    digits = load_pen_digits()
    assert len(digits) == 150 and {d["writer"] for d in digits} <= PEN_VALIDATION_WRITERS
    assert set(Counter((d["writer"], d["label"]) for d in digits).values()) == {3}
    for digit in digits:
        side, centre = ink_extent(digit["value"])
        assert abs(side - PEN_SIZE * brush.CANVAS) <= 0.2 and np.abs(centre - brush.CANVAS / 2).max() <= 0.2
        assert brush.parse_strokes(digit["value"])


def example_image(value: dict) -> np.ndarray:
    """A stroke value as its example image file holds it: the app's ink, black on white."""
    return 255 - brush.draw_strokes(brush.parse_strokes(value))


def test_the_examples_are_a_training_writers_digits_as_strokes_and_as_images():
    assert EXAMPLE_WRITER not in PEN_VALIDATION_WRITERS
    for digit in EXAMPLES:
        value = json.loads((EXAMPLES_DIR / f"written_{digit}.json").read_text())
        side, _ = ink_extent(value)
        assert abs(side - PEN_SIZE * brush.CANVAS) <= 0.2 and brush.parse_strokes(value)
        with Image.open(EXAMPLES_DIR / f"written_{digit}.png") as image:
            assert np.array_equal(np.asarray(image), example_image(value))


def test_writing_the_pen_digits_picks_held_out_writers_and_the_example_writer(tmp_path, monkeypatch):
    """write_pen_digits on the committed handwriting sample, into a scratch folder."""
    monkeypatch.setattr(harness.drawing, "PEN_DIGITS_FILE", tmp_path / "pen_digits.json")
    monkeypatch.setattr(harness.drawing, "EXAMPLES_DIR", tmp_path / "examples")
    monkeypatch.setattr(harness.drawing, "EXAMPLE_WRITER", 2)  # the sample's writers are 1, 2 and 26
    monkeypatch.setattr(harness.drawing, "EXAMPLES", (2, 8))
    monkeypatch.setattr(harness.drawing, "PEN_DIGITS_PER_CLASS", 2)  # writer 26 wrote three 5s
    harness.drawing.write_pen_digits(Path(__file__).parent / "data")
    sample = sample_pen_digits()
    held_out = [d for d in sample if d.writer in PEN_VALIDATION_WRITERS]
    del held_out[[index for index, d in enumerate(held_out) if d.label == 5][2]]  # the third 5 is one too many
    written = json.loads((tmp_path / "pen_digits.json").read_text())
    assert written == [{"label": d.label, "writer": d.writer, "value": rounded(on_canvas(d))} for d in held_out]
    for label in (2, 8):
        first = rounded(on_canvas(next(d for d in sample if d.writer == 2 and d.label == label)))
        assert json.loads((tmp_path / "examples" / f"written_{label}.json").read_text()) == first
        with Image.open(tmp_path / "examples" / f"written_{label}.png") as image:
            assert np.array_equal(np.asarray(image), example_image(first))
    assert len(list((tmp_path / "examples").iterdir())) == 4
