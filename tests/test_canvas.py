"""Canvas-to-tensor conversion: any way of drawing the same digit gives nearly the same input."""

import numpy as np
import pytest
from PIL import Image

from model.canvas import InvalidImage, canvas_to_pixels, canvas_to_tensor
from model.config import PreprocessConfig

from benchmarks.drawing import as_sketchpad, flatten
from tests.drawings import draw_digit

PRE = PreprocessConfig()


def pixels(image) -> np.ndarray:
    result = canvas_to_pixels(image, PRE)
    assert result is not None, "a drawn digit must not read as 'no digit'"
    return result


@pytest.mark.parametrize("digit", [1, 4, 7, 0])
@pytest.mark.parametrize(
    "width, size, top_left",
    [
        (8, 500, (150, 150)),  # thin pen
        (70, 500, (150, 150)),  # fat marker
        (20, 150, (20, 30)),  # small, in the top-left corner
        (20, 700, (250, 40)),  # large, off to the right
    ],
)
def test_same_digit_drawn_differently_gives_nearly_the_same_input(digit, width, size, top_left):
    reference = pixels(draw_digit(digit, width=20, size=500))
    aligned = aligned_to(pixels(draw_digit(digit, width=width, size=size, top_left=top_left)), reference)
    assert np.abs(aligned - reference).mean() < 0.04
    assert np.corrcoef(aligned.ravel(), reference.ravel())[0, 1] > 0.9


def test_hairline_on_a_huge_image_is_read_like_a_pen_stroke():
    reference = pixels(draw_digit(7, width=20, size=500))
    hairline = pixels(draw_digit(7, width=1, size=2400, top_left=(300, 300), canvas=3000))
    assert np.abs(aligned_to(hairline, reference) - reference).mean() < 0.04


def aligned_to(variant: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Like MNIST, the centre of mass is placed to the nearest pixel: undo a 1-pixel shift."""
    return min(
        (np.roll(variant, (dy, dx), axis=(0, 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)),
        key=lambda shifted: np.abs(shifted - reference).mean(),
    )


def test_low_resolution_scan_keeps_the_shape_between_its_pixels(mnist_sample):
    """A 10x10 scan is enlarged from its ink levels, not as blocks: its input stays close to
    the full digit's, closer than the same scan enlarged blockwise before it is handed over."""
    scan_errors, block_errors = [], []
    for image in mnist_sample[0][:40]:
        reference = pixels(image)
        scan = np.asarray(Image.fromarray(image).resize((10, 10), Image.Resampling.BOX))
        blocks = np.asarray(Image.fromarray(scan).resize((200, 200), Image.Resampling.NEAREST))
        scan_errors.append(np.abs(aligned_to(pixels(scan), reference) - reference).mean())
        block_errors.append(np.abs(aligned_to(pixels(blocks), reference) - reference).mean())
    assert np.mean(scan_errors) < 0.06
    assert np.mean(scan_errors) < 0.8 * np.mean(block_errors)


def test_stroke_width_is_normalised_to_mnist_like_ink():
    ink = [pixels(draw_digit(7, width=w)).sum() for w in (4, 8, 20, 40, 70)]
    assert max(ink) / min(ink) < 1.3
    # MNIST digits carry about 100 units of ink; a 7 has less than the average digit.
    assert 40 < np.mean(ink) < 110


def test_input_is_framed_like_mnist():
    digit = pixels(draw_digit(0, width=20, size=600, top_left=(400, 100)))
    rows, cols = np.nonzero(digit > 0)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 == PRE.box_size
    centre = [(digit.sum(axis=a) @ np.arange(28)) / digit.sum() for a in (1, 0)]
    assert np.allclose(centre, 14, atol=0.5)
    assert digit.min() >= 0 and digit.max() <= 1


def test_mnist_digit_passes_through_nearly_unchanged(mnist_sample):
    images, _ = mnist_sample
    errors = [np.abs(pixels(image) - image / 255).mean() for image in images[:50]]
    assert np.mean(errors) < 0.06


def test_transparent_layer_composite_and_inverted_image_agree(tmp_path):
    layer = draw_digit(4, width=30)
    composite = flatten(layer)
    inverted = 255 - composite
    path = tmp_path / "four.png"
    Image.fromarray(composite).save(path)
    forms = {
        "sketchpad": as_sketchpad(layer),
        "layer": layer,
        "composite": composite,
        "composite only": {"background": None, "layers": [], "composite": composite},
        "inverted": inverted,
        "gray PIL": Image.fromarray(composite).convert("L"),
        "RGBA PIL": Image.fromarray(layer),
        "float array": composite.astype(np.float32) / 255,
        "file": path,
    }
    reference = canvas_to_tensor(forms.pop("sketchpad"), PRE)
    for name, form in forms.items():
        assert np.allclose(canvas_to_tensor(form, PRE), reference, atol=0.05), name


@pytest.mark.parametrize(
    "blank",
    [
        None,
        {"background": None, "layers": [], "composite": None},
        as_sketchpad(np.zeros((800, 800, 4), np.uint8)),
        np.full((800, 800, 3), 255, np.uint8),
        np.zeros((800, 800), np.uint8),
        Image.new("RGBA", (800, 800), (0, 0, 0, 0)),
    ],
    ids=["None", "empty dict", "empty sketchpad", "white", "black", "transparent"],
)
def test_empty_canvas_is_no_digit(blank):
    assert canvas_to_tensor(blank, PRE) is None


def test_a_dot_is_no_digit():
    layer = np.zeros((800, 800, 4), np.uint8)
    layer[400:408, 400:408, 3] = 255  # one touch of a thin pen
    assert canvas_to_pixels(as_sketchpad(layer), PRE) is None


def test_unreadable_input_says_why(tmp_path):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("not a picture")
    with pytest.raises(InvalidImage, match="not an image"):
        canvas_to_pixels(not_an_image, PRE)
    with pytest.raises(InvalidImage, match="NaN"):
        canvas_to_pixels(np.full((28, 28), np.nan), PRE)
