"""Corrections are saved as Gradio's flagging saves them, within their bound, and read back."""

import csv
import json
import re

import numpy as np
import pytest
from PIL import Image

from harness.drawing import render_strokes, table_number, table_value
from model.corrections import IMAGES, LOG, STROKES, CorrectionsFolder, read_labelled_drawings
from model.strokes import CANVAS
from ui.correction import save_correction
from ui.views import Views


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
    assert rows[0] == ["image", "label", "answer", "timestamp", "strokes"]
    assert [row[1:3] for row in rows[1:]] == [["3", "7"], ["1", "7"], ["4", "7"]]
    assert all(re.fullmatch(rf"{IMAGES}/[0-9a-f]{{32}}\.png", row[0]) for row in rows[1:])
    assert [row[4] for row in rows[1:]] == ["", "", ""]  # no strokes: these came as images
    drawings = read_labelled_drawings(tmp_path)
    pixels, labels = drawings.pixels, drawings.labels
    assert drawings.skipped == [] and drawings.skipped_line() == ""
    assert pixels.shape == (3, 28, 28) and pixels.dtype == np.float32
    assert labels.tolist() == [3, 1, 4]
    assert np.abs(pixels - np.stack([digit_pixels(d) for d in (3, 1, 4)])).max() <= 0.5 / 255 + 1e-6


def test_filling_past_the_item_bound_removes_the_oldest(tmp_path):
    folder = CorrectionsFolder(tmp_path, max_items=5)
    for i in range(12):
        folder.save(digit_pixels(i % 10), label=i % 10, answer=None)
    assert read_labelled_drawings(tmp_path).labels.tolist() == [7, 8, 9, 0, 1]  # the last five, oldest first
    assert len(list((tmp_path / IMAGES).iterdir())) == 5  # the removed ones' files are gone


def test_filling_past_the_size_bound_removes_the_oldest(tmp_path):
    one = CorrectionsFolder(tmp_path / "one")
    one.save(digit_pixels(0), 0, 0)
    size = (tmp_path / "one" / one.rows()[0]["image"]).stat().st_size + 120  # the log's row: under 120 bytes
    folder = CorrectionsFolder(tmp_path / "bounded", max_bytes=int(3.5 * size))
    for i in range(10):
        folder.save(digit_pixels(0), label=i, answer=0)
    assert read_labelled_drawings(tmp_path / "bounded").labels.tolist() == [7, 8, 9]
    on_disk = sum(path.stat().st_size for path in (tmp_path / "bounded" / IMAGES).iterdir())
    assert on_disk <= 3.5 * size


def test_strokes_are_saved_beside_the_input_and_read_back(tmp_path):
    folder = CorrectionsFolder(tmp_path)
    drawing = table_value(7)
    folder.save(digit_pixels(7), label=7, answer=1, strokes=drawing)
    folder.save(digit_pixels(2), label=2, answer=3)
    drawn, scanned = folder.rows()
    name = re.fullmatch(rf"{IMAGES}/([0-9a-f]{{32}})\.png", drawn["image"]).group(1)
    assert drawn["strokes"] == f"{STROKES}/{name}.json" and scanned["strokes"] == ""
    assert json.loads((tmp_path / drawn["strokes"]).read_text()) == drawing
    assert [path.name for path in (tmp_path / STROKES).iterdir()] == [f"{name}.json"]
    assert read_labelled_drawings(tmp_path).labels.tolist() == [7, 2]


def test_eviction_removes_the_strokes_too(tmp_path):
    folder = CorrectionsFolder(tmp_path, max_items=2)
    for digit in range(5):
        folder.save(digit_pixels(digit), label=digit, answer=None, strokes=table_value(digit))
    assert [row["label"] for row in folder.rows()] == ["3", "4"]
    kept = {row["strokes"] for row in folder.rows()}
    assert {f"{STROKES}/{path.name}" for path in (tmp_path / STROKES).iterdir()} == kept
    assert len(list((tmp_path / IMAGES).iterdir())) == 2


@pytest.mark.parametrize("bound", [{"max_items": 2}, {"max_bytes": 20_000}], ids=["items", "bytes"])
def test_eviction_never_deletes_a_file_the_log_names_outside_its_folder(tmp_path, bound):
    """A log edited by hand, or written by something else, may name any path: eviction deletes
    only files inside the folder's image/ and strokes/ folders."""
    outside = {name: tmp_path / name for name in ("outside.json", "x.png", "image.png", "absolute.json")}
    for path in outside.values():
        path.write_text("keep me")
    root = tmp_path / "corrections"
    (root / IMAGES).mkdir(parents=True)
    (root / IMAGES / "inside.png").write_text("an image the log does not name")
    (root / LOG).write_text(
        "image,label,answer,timestamp,strokes\n"
        "../x.png,1,1,now,../outside.json\n"
        f"image/../../image.png,2,2,now,{outside['absolute.json']}\n"
        "image/,3,3,now,strokes/..\n"
        f"{IMAGES}/inside.png,4,4,now,{STROKES}/../{IMAGES}/inside.png\n"
    )
    folder = CorrectionsFolder(root, **bound)
    for digit in range(6):
        folder.save(digit_pixels(digit), label=digit, answer=None, strokes=table_value(digit))
    rows = folder.rows()
    assert rows and all(row["answer"] == "" for row in rows)  # the hand-written rows, answered 1-4, went first
    assert all(path.read_text() == "keep me" for path in outside.values())
    assert not (root / IMAGES / "inside.png").exists()  # named as an image in its image/ folder: removed


def test_rows_whose_files_are_missing_or_foreign_are_skipped_and_named(tmp_path):
    """A folder edited by hand or partly copied: the readable rows are read, the others are
    named with the reason, and a file the log names outside image/ is never opened."""
    root = tmp_path / "corrections"
    folder = CorrectionsFolder(root)
    folder.save(digit_pixels(3), label=3, answer=None)
    folder.save(digit_pixels(5), label=5, answer=None)
    gone, kept = folder.rows()
    (root / gone["image"]).unlink()
    (root / IMAGES / "notes.png").write_text("not an image")
    Image.new("L", (40, 40)).save(root / IMAGES / "big.png")
    (root / IMAGES / "folder.png").mkdir()
    (tmp_path / "secret.png").write_bytes(b"")
    with open(root / LOG, "a", newline="") as file:
        file.write("image/notes.png,1,,now,\nimage/big.png,2,,now,\nimage/folder.png,4,,now,\n"
                   "../secret.png,6,,now,\nimage/missing.png,7,,now,\n" f"{kept['image']},x,,now,\n")
    drawings = read_labelled_drawings(root)
    assert drawings.labels.tolist() == [5] and drawings.pixels.shape == (1, 28, 28)
    assert [name for name, _ in drawings.skipped] == [
        gone["image"], "image/notes.png", "image/big.png", "image/folder.png", "../secret.png", "image/missing.png",
        kept["image"]]
    reasons = dict(drawings.skipped)
    assert reasons["image/notes.png"].startswith("not a readable image") and reasons["image/big.png"] == "40x40, not 28x28"
    assert reasons["../secret.png"] == "not in its image/ folder" and reasons["image/missing.png"] == "missing"
    assert drawings.skipped_line().startswith("skipped 7 of 8 logged drawings: ")
    assert (tmp_path / "secret.png").read_bytes() == b""


def test_a_missing_logged_file_does_not_stop_saving(tmp_path):
    """The size bound counts only the files that are there."""
    folder = CorrectionsFolder(tmp_path, max_bytes=20_000)
    folder.save(digit_pixels(1), label=1, answer=None)
    (tmp_path / folder.rows()[0]["image"]).unlink()
    folder.save(digit_pixels(2), label=2, answer=None, strokes=table_value(2))
    assert [row["label"] for row in folder.rows()] == ["1", "2"]


def test_the_app_saves_a_drawing_with_the_digit_clicked_and_the_models_answer(tmp_path, classifier):
    views, drawing = Views(classifier), table_value(7)
    folder = CorrectionsFolder(tmp_path)
    assert "saved as a 1" in save_correction(views, folder, drawing, digit=1)
    assert "Draw a digit first" in save_correction(views, folder, render_strokes(7), digit=2)  # not strokes
    assert "Draw a digit first" in save_correction(views, folder, {"width": 560, "height": 560, "strokes": []}, 2)
    (row,) = folder.rows()
    assert (row["label"], row["answer"]) == ("1", "7") and row["strokes"]
    pixels = read_labelled_drawings(tmp_path).pixels
    assert np.abs(pixels[0] - classifier.predict(drawing).pixels).max() <= 0.5 / 255 + 1e-6


def test_a_digit_alone_on_the_wide_canvas_is_saved_as_the_page_showed_it(tmp_path, classifier):
    views, drawing = Views(classifier), table_number("7")  # read as a digit of a number is
    save_correction(views, CorrectionsFolder(tmp_path), drawing, digit=1)
    (shown,) = classifier.read_number(drawing).digits
    assert np.abs(read_labelled_drawings(tmp_path).pixels[0] - shown.pixels).max() <= 0.5 / 255 + 1e-6


@pytest.mark.parametrize("canvas", [(1680, 560), (560, 560)])
def test_a_correction_of_a_number_saves_the_chosen_digit_alone(tmp_path, classifier, canvas):
    views, number = Views(classifier), table_number("4096", canvas)
    folder = CorrectionsFolder(tmp_path)
    assert "digit 1 of the number saved as a 4" in save_correction(views, folder, number, digit=4)  # the first
    assert "digit 3 of the number saved as an 8" in save_correction(views, folder, number | {"digit": 2}, digit=8)
    first, third = folder.rows()
    assert (first["label"], first["answer"]) == ("4", "4") and (third["label"], third["answer"]) == ("8", "9")
    read_back = read_labelled_drawings(tmp_path).pixels
    digits = classifier.read_number(number).digits
    for saved, digit in zip(read_back, (digits[0], digits[2])):
        assert np.abs(saved - digit.pixels).max() <= 0.5 / 255 + 1e-6
    strokes = json.loads((tmp_path / third["strokes"]).read_text())
    assert strokes["width"] / strokes["height"] == canvas[0] / canvas[1]
    assert classifier.read_number(strokes).number == "9"  # its own strokes, and no other digit's


def test_the_app_saves_the_strokes_on_its_own_canvas_without_the_pages_keys(tmp_path, classifier):
    """The page's value is checked and scaled to the app's canvas before it is kept: what
    training reads back is a stroke value like any other, whatever the page's canvas was."""
    drawing = table_value(7)
    half = {"width": CANVAS / 2, "height": CANVAS / 2, "seq": 41, "tool": "pen",
            "strokes": [[[x / 2, y / 2] for x, y in stroke] for stroke in drawing["strokes"]]}
    folder = CorrectionsFolder(tmp_path)
    save_correction(Views(classifier), folder, half, digit=7)
    (row,) = folder.rows()
    assert json.loads((tmp_path / row["strokes"]).read_text()) == drawing
