"""The test drawings' pen: strokes have the asked width, the drawing its asked size and place."""

import numpy as np
import pytest

from harness.drawing import (
    STROKES,
    as_sketchpad,
    centre_line,
    draw_digit,
    draw_strokes,
    flatten,
    invert,
    render_strokes,
    thin,
)

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

    value = as_sketchpad(layer)
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
    assert set(np.unique(layer[..., 3])) == {0, 255}  # hard edges, as the sketchpad's brush leaves
    top, bottom, left, right = ink_box(layer)
    small = render_strokes(digit, canvas=560, width=28, scale=0.5, shift=(0.2, -0.2))
    s_top, s_bottom, s_left, s_right = ink_box(small)
    # Half the path's size (the pen keeps its width), its centre moved right and up by a fifth.
    assert abs((s_bottom - s_top - 28) - (bottom - top - 28) / 2) <= 3
    assert abs((s_left + s_right) / 2 - ((left + right) / 2 - 280) / 2 - 280 - 112) <= 2
    assert abs((s_top + s_bottom) / 2 - ((top + bottom) / 2 - 280) / 2 - 280 + 112) <= 2
