"""Readers of the four handwriting sets, and the validation protocol's splits."""

import numpy as np
import torch

from training.data import OPTDIGITS_FILES, PENDIGITS_FILE, handwriting_path, load_usps, read_optdigits, read_pendigits
from training.sources import PEN_VALIDATION_WRITERS, mnist_validation_mask
from tests.conftest import HANDWRITING_SAMPLE


def test_pendigits_reader_keeps_each_digits_strokes_label_and_writer():
    digits = read_pendigits(HANDWRITING_SAMPLE / PENDIGITS_FILE)
    assert len(digits) == 36 and {d.writer for d in digits} == {1, 2, 26}
    assert all(0 <= d.label <= 9 for d in digits)
    # The sample's first digits, as their `.COMMENT label writer item` lines give them.
    assert [(d.label, d.writer, len(d.strokes)) for d in digits[:3]] == [(2, 26, 1), (4, 1, 2), (8, 2, 1)]
    assert all(s.ndim == 2 and s.shape[1] == 2 and len(s) >= 1 for d in digits for s in d.strokes)
    assert any(len(d.strokes) > 1 for d in digits)  # multi-stroke digits stay whole


def test_pendigits_y_points_down_after_reading(tmp_path):
    # A "7" drawn top bar first: tablet y decreases downwards, so the bar must come out on top.
    path = tmp_path / "seven.tra"
    path.write_text('.SEGMENT DIGIT 0 ? "7"\n.COMMENT 7 3 1\n.PEN_DOWN\n 0 100\n 50 100\n 20 0\n.PEN_UP\n')
    (digit,) = read_pendigits(path)
    points = digit.strokes[0]
    assert (digit.label, digit.writer) == (7, 3)
    assert points[0, 1] < points[2, 1]  # the bar (first point) is above the foot (last point)


def test_optdigits_reader_pairs_each_bitmap_with_its_label():
    images, labels = read_optdigits(HANDWRITING_SAMPLE / OPTDIGITS_FILES["train"])
    assert images.shape == (40, 32, 32) and labels.shape == (40,)
    assert set(np.unique(images)) == {0, 1}
    assert labels[:10].tolist() == [0, 0, 7, 4, 6, 2, 5, 5, 0, 8]  # the file's own label lines
    validation, _ = read_optdigits(HANDWRITING_SAMPLE / OPTDIGITS_FILES["validation"])
    assert validation.shape == (20, 32, 32)


def test_usps_reader_gives_light_ink_on_black(mnist_dir):
    images, labels = load_usps(mnist_dir)
    assert images.shape == (120, 16, 16) and images.dtype == np.uint8
    assert labels[:5].tolist() == [6, 5, 4, 7, 3]
    border = np.concatenate([images[:, 0], images[:, -1]], axis=1)
    assert np.median(border) == 0 and images.max() == 255


def test_handwriting_lives_in_the_data_folders_handwriting_folder(mnist_dir):
    assert handwriting_path(mnist_dir, PENDIGITS_FILE).is_file()


def test_mnist_validation_is_a_fixed_twelfth():
    mask = mnist_validation_mask(60_000)
    assert mask.sum() == 5000
    assert torch.equal(mask, mnist_validation_mask(60_000))  # the same images every run


def test_validation_pen_writers_are_held_out_whole():
    digits = read_pendigits(HANDWRITING_SAMPLE / PENDIGITS_FILE)
    held_out = [d for d in digits if d.writer in PEN_VALIDATION_WRITERS]
    assert held_out and len(held_out) < len(digits)
