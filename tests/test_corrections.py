"""Corrections are saved as Gradio's flagging saves them, within their bound, and read back."""

import csv
import re

import numpy as np
import pytest

from harness.drawing import render_strokes
from model.corrections import IMAGES, LOG, CorrectionsFolder, read_labelled_drawings
from ui.correction import save_correction


def digit_pixels(digit: int) -> np.ndarray:
    pixels = np.zeros((28, 28), np.float32)
    pixels[4:24, 10 + digit % 5: 13 + digit % 5] = 1.0
    pixels[4, 4 + digit] = 0.5
    return pixels


def test_corrections_are_logged_as_gradio_flags_them_and_read_back(tmp_path):
    folder = CorrectionsFolder(tmp_path)
    for digit in (3, 1, 4):
        folder.save(digit_pixels(digit), label=digit, answer=7)
    with open(tmp_path / LOG, newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["image", "label", "answer", "timestamp"]
    assert [row[1:3] for row in rows[1:]] == [["3", "7"], ["1", "7"], ["4", "7"]]
    assert all(re.fullmatch(rf"{IMAGES}/[0-9a-f]{{32}}\.png", row[0]) for row in rows[1:])
    pixels, labels = read_labelled_drawings(tmp_path)
    assert pixels.shape == (3, 28, 28) and pixels.dtype == np.float32
    assert labels.tolist() == [3, 1, 4]
    assert np.abs(pixels - np.stack([digit_pixels(d) for d in (3, 1, 4)])).max() <= 0.5 / 255 + 1e-6


def test_filling_past_the_item_bound_removes_the_oldest(tmp_path):
    folder = CorrectionsFolder(tmp_path, max_items=5)
    for i in range(12):
        folder.save(digit_pixels(i % 10), label=i % 10, answer=None)
    _, labels = read_labelled_drawings(tmp_path)
    assert labels.tolist() == [7, 8, 9, 0, 1]  # the last five, oldest first
    assert len(list((tmp_path / IMAGES).iterdir())) == 5  # the removed ones' files are gone


def test_filling_past_the_size_bound_removes_the_oldest(tmp_path):
    one = CorrectionsFolder(tmp_path / "one")
    one.save(digit_pixels(0), 0, 0)
    size = (tmp_path / "one" / one.rows()[0]["image"]).stat().st_size + 80
    folder = CorrectionsFolder(tmp_path / "bounded", max_bytes=int(3.5 * size))
    for i in range(10):
        folder.save(digit_pixels(0), label=i, answer=0)
    _, labels = read_labelled_drawings(tmp_path / "bounded")
    assert labels.tolist() == [7, 8, 9]
    on_disk = sum(path.stat().st_size for path in (tmp_path / "bounded" / IMAGES).iterdir())
    assert on_disk <= 3.5 * size


def test_a_log_naming_a_file_outside_its_folder_is_refused(tmp_path):
    (tmp_path / "secret.png").write_bytes(b"")
    (tmp_path / LOG).write_text("image,label,answer,timestamp\n../secret.png,1,1,now\n")
    with pytest.raises(ValueError, match="not in its image/ folder"):
        read_labelled_drawings(tmp_path)


def test_the_app_saves_a_drawing_with_the_digit_clicked_and_the_models_answer(tmp_path, classifier):
    folder = CorrectionsFolder(tmp_path)
    assert "saved as a 1" in save_correction(classifier, folder, render_strokes(7), digit=1)
    assert "Draw a digit first" in save_correction(classifier, folder, np.zeros((50, 50, 4), np.uint8), digit=2)
    (row,) = folder.rows()
    assert (row["label"], row["answer"]) == ("1", "7")
    pixels, _ = read_labelled_drawings(tmp_path)
    assert np.abs(pixels[0] - classifier.predict(render_strokes(7)).pixels).max() <= 0.5 / 255 + 1e-6
