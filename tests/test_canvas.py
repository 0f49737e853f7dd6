"""Canvas-to-tensor conversion: any way of drawing the same digit gives nearly the same input."""

import json

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from harness.drawing import as_layers, flatten, render_strokes, table_strokes, table_value
from model.canvas import MAX_JSON_BYTES, InvalidImage, NoDigit, _max_filter, canvas_to_pixels, canvas_to_tensor, find_digit
from model.config import PreprocessConfig

PRE = PreprocessConfig()
CANVAS = 800


def pixels(image) -> np.ndarray:
    result = canvas_to_pixels(image, PRE)
    assert result is not None, "a drawn digit must not read as 'no digit'"
    return result


# Not the table's 0, whose overlapping ends a thin pen keeps apart and a 20 px pen fills in,
# nor its 1, one straight line whose correlation swings with sub-pixel shifts.
@pytest.mark.parametrize("digit", [2, 4, 7, 9])
@pytest.mark.parametrize(
    "width, scale, shift",
    [
        (8, 1.0, (0.0, 0.0)),  # thin pen
        (70, 1.0, (0.0, 0.0)),  # fat marker
        (20, 0.3, (-0.33, -0.33)),  # small, in the top-left corner
        (20, 1.35, (0.12, 0.0)),  # large, off to the right
    ],
)
def test_same_digit_drawn_differently_gives_nearly_the_same_input(digit, width, scale, shift):
    reference = pixels(render_strokes(digit, CANVAS, width=20))
    aligned = aligned_to(pixels(render_strokes(digit, CANVAS, width, scale, shift)), reference)
    assert np.abs(aligned - reference).mean() < 0.04
    assert np.corrcoef(aligned.ravel(), reference.ravel())[0, 1] > 0.9


def test_hairline_on_a_huge_image_is_read_like_a_pen_stroke():
    """A line one pixel wide, as a vector drawing exported large would have it; the app's brush
    draws round dots along its path, so it draws no line this thin."""
    reference = pixels(render_strokes(7, CANVAS, width=20))
    image = Image.new("L", (3000, 3000))
    ImageDraw.Draw(image).line([tuple(point) for point in table_strokes(7, 3000, scale=1.3)[0]], fill=255, width=1)
    assert np.abs(aligned_to(pixels(np.asarray(image)), reference) - reference).mean() < 0.04


def aligned_to(variant: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Like MNIST, the centre of mass is placed to the nearest pixel: undo a 1-pixel shift."""
    return min(
        (np.roll(variant, (dy, dx), axis=(0, 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)),
        key=lambda shifted: np.abs(shifted - reference).mean(),
    )


def test_a_scan_at_mnists_scale_keeps_its_own_ink_levels(mnist_sample):
    """MNIST's own 28x28 images, given as scans, are what the network was trained on: they
    keep their gray levels and stroke widths, not thresholded and given the drawings' width."""
    for image in mnist_sample[0][:40]:
        assert np.abs(aligned_to(pixels(image), image / 255.0) - image / 255.0).mean() < 0.005


def test_training_can_threshold_a_scan_at_mnists_scale_as_a_drawing(mnist_sample):
    """With scans_keep_levels off (training's scan copies), the same images are thresholded
    and given the drawings' stroke width: no longer their own levels."""
    thresholded = PreprocessConfig(scans_keep_levels=False)
    for image in mnist_sample[0][:40]:
        result = canvas_to_pixels(image, thresholded)
        assert np.abs(aligned_to(result, image / 255.0) - image / 255.0).mean() > 0.005


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
    ink = [pixels(render_strokes(7, CANVAS, width=w)).sum() for w in (4, 8, 20, 40, 70)]
    assert max(ink) / min(ink) < 1.3
    # MNIST digits carry about 100 units of ink; a 7 has less than the average digit.
    assert 40 < np.mean(ink) < 110


def test_input_is_framed_like_mnist():
    digit = pixels(render_strokes(0, CANVAS, width=20, scale=1.2, shift=(0.1, -0.1)))
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
    layer = render_strokes(4, CANVAS, width=30)
    composite = flatten(layer)
    inverted = 255 - composite
    path = tmp_path / "four.png"
    Image.fromarray(composite).save(path)
    forms = {
        "layers": as_layers(layer),
        "layer": layer,
        "composite": composite,
        "composite only": {"background": None, "layers": [], "composite": composite},
        "inverted": inverted,
        "gray PIL": Image.fromarray(composite).convert("L"),
        "RGBA PIL": Image.fromarray(layer),
        "float array": composite.astype(np.float32) / 255,
        "file": path,
    }
    reference = canvas_to_tensor(forms.pop("layers"), PRE)
    for name, form in forms.items():
        assert np.allclose(canvas_to_tensor(form, PRE), reference, atol=0.05), name


def test_a_stroke_value_reads_as_the_same_drawing_in_any_form(tmp_path):
    """The page's strokes, its .json file, the strokes on a canvas of another size, and their
    ink as a layer, composite or image file: exactly the same input."""
    drawing = table_value(4)
    path = tmp_path / "four.json"
    path.write_text(json.dumps(drawing))
    layer = render_strokes(4)  # the same strokes, through the same brush
    Image.fromarray(layer).save(tmp_path / "four.png")
    smaller = {"width": 140, "height": 140, "strokes": [[[x / 4, y / 4] for x, y in s] for s in drawing["strokes"]]}
    reference = canvas_to_tensor(drawing, PRE)
    for name, form in {"file": path, "path string": str(path), "smaller canvas": smaller, "layers": as_layers(layer),
                       "layer": layer, "composite": flatten(layer), "image file": tmp_path / "four.png"}.items():
        assert torch.equal(canvas_to_tensor(form, PRE), reference), name


@pytest.mark.parametrize(
    "blank",
    [
        None,
        {"background": None, "layers": [], "composite": None},
        as_layers(np.zeros((800, 800, 4), np.uint8)),
        np.full((800, 800, 3), 255, np.uint8),
        np.zeros((800, 800), np.uint8),
        Image.new("RGBA", (800, 800), (0, 0, 0, 0)),
        {"width": 560, "height": 560, "strokes": []},
        {"width": 300, "height": 200, "strokes": [[], []]},
    ],
    ids=["None", "no layers", "untouched layer", "white", "black", "transparent", "no strokes", "empty strokes"],
)
def test_empty_canvas_is_no_digit(blank):
    assert canvas_to_tensor(blank, PRE) is None


def test_a_dot_is_too_small():
    layer = np.zeros((800, 800, 4), np.uint8)
    layer[400:408, 400:408, 3] = 255  # one touch of a thin pen
    assert canvas_to_pixels(as_layers(layer), PRE) is None
    assert find_digit(as_layers(layer), PRE) is NoDigit.TOO_SMALL


@pytest.mark.parametrize("alpha, reason", [(0, NoDigit.BLANK), (10, NoDigit.BLANK), (255, NoDigit.TOO_MUCH_INK)],
                         ids=["untouched", "faint", "painted over"])
def test_no_digit_says_why(alpha, reason):
    layer = np.zeros((800, 800, 4), np.uint8)
    layer[..., 3] = alpha
    assert find_digit(as_layers(layer), PRE) is reason


def test_unreadable_input_says_why(tmp_path):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("not a picture")
    with pytest.raises(InvalidImage, match="not an image"):
        canvas_to_pixels(not_an_image, PRE)
    with pytest.raises(InvalidImage, match="NaN"):
        canvas_to_pixels(np.full((28, 28), np.nan), PRE)


def test_unreadable_stroke_files_say_why(tmp_path):
    files = {"cut.json": b'{"width": 560, "height": 5', "binary.json": b"\xff\xfe\x00", "empty.json": b"",
             "deep.json": b"[" * 100_000, "large.json": b" " * (MAX_JSON_BYTES + 1)}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "folder.json").mkdir()
    for name in ("cut.json", "binary.json", "empty.json", "deep.json", "folder.json"):
        with pytest.raises(InvalidImage, match=f"{name} is not a drawing's JSON file"):
            canvas_to_pixels(tmp_path / name, PRE)
    with pytest.raises(InvalidImage, match="large.json is too large"):
        canvas_to_pixels(tmp_path / "large.json", PRE)
    with pytest.raises(InvalidImage, match="No such file"):
        canvas_to_pixels(tmp_path / "missing.json", PRE)
    (tmp_path / "strokes.json").write_text('{"width": 560, "height": 560, "strokes": "none"}')
    with pytest.raises(InvalidImage, match="strokes must be a list"):
        canvas_to_pixels(tmp_path / "strokes.json", PRE)


@pytest.mark.parametrize("size", [3, 5, 9])
def test_the_max_filter_is_torchs_max_pool(size):
    # Stroke widths are set by this filter (dilating ink, and eroding it as the filter of -ink):
    # it must give what torch's max_pool2d with stride 1 gives, window clipped at the edges.
    strokes = (torch.rand(1, 1, 37, 52, generator=torch.Generator().manual_seed(size)) > 0.6).float()
    for image in (strokes, -strokes):
        pooled = torch.nn.functional.max_pool2d(image, size, stride=1, padding=size // 2)[0, 0].numpy()
        assert np.array_equal(_max_filter(image[0, 0].numpy(), size), pooled)
