"""Training images made as the app makes its inputs: drawn pen digits, varied scans, the cache."""

from pathlib import Path

import numpy as np
import pytest
import torch

from model.canvas import canvas_to_pixels
from model.config import PreprocessConfig
from training import converted
from training.converted import (SCAN_SIDES, PenCanvases, VariantCanvases, cached, convert, pen_canvas, pen_drawings,
                                pen_scan, pen_set, variant_drawings, variant_set, varied_scan)
from training.data import PENDIGITS_FILE, PenDigit, read_optdigits, read_pendigits
from training.variants import VARIANTS
from tests.conftest import HANDWRITING_SAMPLE

PRE = PreprocessConfig()
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pen_digits():
    return read_pendigits(HANDWRITING_SAMPLE / PENDIGITS_FILE)


def test_pen_digit_is_drawn_on_a_sketchpad_layer_and_read_as_a_digit(pen_digits):
    value = pen_canvas(pen_digits[0], np.random.default_rng(0))
    (layer,) = value["layers"]
    assert layer.shape == (560, 560, 4) and layer.dtype == np.uint8
    assert (layer[..., :3] == 0).all() and layer[..., 3].max() == 255  # black ink in the alpha
    pixels = canvas_to_pixels(value, PRE)
    assert pixels is not None and pixels.shape == (28, 28)


def test_pen_drawings_vary_with_the_seed_and_repeat_with_it(pen_digits):
    first, again, other = (pen_canvas(pen_digits[1], np.random.default_rng(s))["layers"][0] for s in (5, 5, 6))
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_pen_strokes_are_joined_between_their_sparse_points(pen_digits):
    # Every stroke is one connected line: no gap between two recorded points survives.
    from scipy import ndimage

    digit = next(d for d in pen_digits if len(d.strokes) == 1)
    alpha = pen_canvas(digit, np.random.default_rng(0))["layers"][0][..., 3] > 0
    assert ndimage.label(alpha)[1] == 1


def test_pen_strokes_keep_their_places_in_the_digit():
    # Two short bars, one far above the other, as a 5's flag sits above its body: each stroke is
    # drawn where it was written, not moved onto the other.
    from scipy import ndimage

    bar = np.array([[0.0, 0.0], [20.0, 0.0], [40.0, 0.0]])
    digit = PenDigit(strokes=(bar, bar + [0.0, 200.0]), label=5, writer=0)
    for seed in range(4):
        alpha = pen_canvas(digit, np.random.default_rng(seed))["layers"][0][..., 3] > 0
        parts, count = ndimage.label(alpha)
        assert count == 2
        rows = [np.nonzero((parts == i).any(1))[0] for i in (1, 2)]
        assert rows[0].max() < rows[1].min()  # the first stroke stays above the second


def test_a_pen_scan_is_a_gray_image_of_the_digit_at_mnist_scale():
    ring = np.array([[50 + 50 * np.cos(a), 100 + 100 * np.sin(a)] for a in np.linspace(0, 2 * np.pi, 40)])
    scan = pen_scan([ring], np.random.default_rng(0))
    assert scan.shape == (28, 28) and scan.dtype == np.uint8 and scan.max() > 200  # light ink on dark
    rows, columns = np.nonzero(scan > 64)
    assert 15 <= np.ptp(rows) + 1 <= 23 and np.ptp(columns) < np.ptp(rows)  # a tall 0, its longer side as MNIST's
    assert ((scan > 0) & (scan < 255)).sum() > 20 and scan[14, 14] < 64  # gray edges; the ring's hole kept
    assert canvas_to_pixels(scan, PRE) is not None


def test_varied_scans_are_gray_images_at_a_scanner_resolution():
    scans, _ = read_optdigits(HANDWRITING_SAMPLE / "optdigits-orig.tra")
    for seed in range(6):
        scan = varied_scan(scans[seed].astype(np.float32), np.random.default_rng(seed))
        assert scan.dtype == np.uint8
        assert min(SCAN_SIDES) // 2 <= max(scan.shape) <= max(SCAN_SIDES) * 1.2
        assert canvas_to_pixels(scan, PRE) is not None


def test_convert_drops_no_digit_inputs_and_says_which_were_kept():
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 12:16] = 255
    blank = np.zeros((28, 28), np.uint8)
    inputs = [blank, digit, blank, digit]
    pixels, kept = convert(inputs.__getitem__, len(inputs), PRE, processes=1)
    assert kept.tolist() == [1, 3]
    assert pixels.shape == (2, 28, 28) and pixels.dtype == np.uint8 and pixels.max() == 255


def test_worker_processes_convert_what_one_process_does():
    """The workers start from a forkserver, not a fork of this threaded process, and get the
    job from their initializer: the answers are those of a conversion here."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # threads running here, as they are once training has begun
    torch.ones(256, 256) @ torch.ones(256, 256)
    torch.set_num_threads(threads)
    digits = read_pendigits(HANDWRITING_SAMPLE / PENDIGITS_FILE)[:6]
    canvases = PenCanvases(digits, variants=2, seed=5)
    pooled, kept = convert(canvases, 12, PRE, processes=2)
    here = [canvas_to_pixels(canvases(i), PRE) for i in range(12)]
    assert kept.tolist() == [i for i, pixels in enumerate(here) if pixels is not None]
    assert np.array_equal(pooled, np.stack([(here[i] * 255).round().astype(np.uint8) for i in kept]))


def test_a_change_to_the_drawing_code_rebuilds_the_cache(tmp_path, monkeypatch):
    """The key holds a hash of the code that draws and converts, so an edit to it (or to a
    drawing setting written in it) never reuses a set drawn by the old code."""
    monkeypatch.setattr(converted, "CACHE_DIR", tmp_path / "cache")
    code = tmp_path / "drawing.py"
    code.write_text("PEN_SIZE = (0.25, 0.85)\n")
    monkeypatch.setattr(converted, "DRAWING_CODE", (str(code),))
    builds = []

    def build():
        builds.append(1)
        return np.zeros((1, 28, 28), np.uint8), np.array([0])

    for size in ("(0.25, 0.85)", "(0.25, 0.85)", "(0.3, 0.85)"):
        code.write_text(f"PEN_SIZE = {size}\n")
        converted.drawing_code_digest.cache_clear()
        cached("set", {"source": "a"}, build)
    converted.drawing_code_digest.cache_clear()
    assert len(builds) == 2
    assert len(list((tmp_path / "cache").iterdir())) == 2


def test_the_drawing_code_covers_the_brush_the_conversion_and_the_readers():
    names = {Path(path).relative_to(ROOT).as_posix() for path in converted.DRAWING_CODE}
    assert names == {"training/converted.py", "training/data.py", "model/strokes.py", "model/canvas.py"}


def test_cache_is_reused_for_the_same_key_and_rebuilt_for_another(tmp_path, monkeypatch):
    monkeypatch.setattr(converted, "CACHE_DIR", tmp_path)
    builds = []

    def build():
        builds.append(1)
        return np.full((2, 28, 28), 255, np.uint8), np.array([3, 4])

    first = cached("set", {"source": "a"}, build)
    second = cached("set", {"source": "a"}, build)
    cached("set", {"source": "b"}, build)
    assert len(builds) == 2
    assert torch.equal(first[0], second[0]) and first[0].max() == 1.0 and first[1].tolist() == [3, 4]


def as_uint8(pixels: np.ndarray) -> np.ndarray:
    return (pixels * 255).round().astype(np.uint8)


def test_pen_and_variant_drawings_say_which_digit_each_drawing_is_of(pen_digits, tmp_path, monkeypatch):
    """The validation sets drawing by drawing, each with its digit: benchmarks.variants shows
    whose digits the network misreads with them, so they must be the cached sets' drawings."""
    monkeypatch.setattr(converted, "CACHE_DIR", tmp_path)
    source = HANDWRITING_SAMPLE / PENDIGITS_FILE
    pixels, drawn = pen_drawings(pen_digits, 2, 5, PRE)
    assert [id(d) for d in drawn] == [id(d) for d in pen_digits for _ in range(2)]  # the sample's all read
    assert np.array_equal(pixels[3], as_uint8(canvas_to_pixels(PenCanvases(pen_digits, 2, 5)(3), PRE)))
    stored, labels = pen_set(pen_digits, 2, 5, PRE, source)
    assert torch.equal(stored, torch.from_numpy(pixels).float() / 255.0)
    assert labels.tolist() == [d.label for d in drawn]

    writable = VARIANTS["closed four"].writable(pen_digits)
    pixels, written = variant_drawings("closed four", pen_digits, 2, 5, PRE)
    assert len(writable) >= 2 and all(d.label == 4 for d in writable)
    assert [id(d) for d in written] == [id(d) for d in writable for _ in range(2)]
    assert np.array_equal(pixels[3], as_uint8(canvas_to_pixels(VariantCanvases(writable, "closed four", 2, 5)(3), PRE)))
    stored, labels = variant_set("closed four", pen_digits, 2, 5, PRE, source)
    assert torch.equal(stored, torch.from_numpy(pixels).float() / 255.0) and labels.tolist() == [4] * len(written)
