"""The command line's contract, which benchmarks depend on."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from harness.drawing import EXAMPLES, EXAMPLES_DIR, flatten, render_strokes, table_number, table_value
from model.corrections import CorrectionsFolder

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "model", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("images")
    for digit in (1, 4, 7):
        Image.fromarray(flatten(render_strokes(digit))).save(folder / f"digit_{digit}.png")
    Image.new("RGB", (400, 400), "white").save(folder / "blank.png")
    (folder / "notes.txt").write_text("not an image, and not listed from a folder")
    return folder


def test_predict_json_lines(images):
    result = run_cli("predict", str(images / "digit_7.png"), str(images / "blank.png"), "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(images / "digit_7.png"), str(images / "blank.png")]
    seven, blank = records
    assert seven["label"] == 7 and len(seven["probabilities"]) == 10 and seven["reason"] is None
    assert np.isclose(sum(seven["probabilities"]), 1, atol=1e-4) and np.argmax(seven["probabilities"]) == 7
    assert blank["label"] is None and blank["probabilities"] is None and blank["reason"] == "blank"
    assert seven["number"] == "7" and seven["digits"] == [{k: seven[k] for k in ("label", "probabilities", "unsure", "reason")}]
    assert blank["number"] is None and blank["digits"] == []


def test_predict_reads_a_number(tmp_path):
    (tmp_path / "year.json").write_text(json.dumps(table_number("1984")))
    records = json.loads(run_cli("predict", str(tmp_path / "year.json"), "--json").stdout)
    assert records["number"] == "1984" and [d["label"] for d in records["digits"]] == [1, 9, 8, 4]
    text = run_cli("predict", str(tmp_path / "year.json")).stdout
    assert "1984" in text and "a number of 4 digits" in text


def test_predict_reads_folders_in_name_order(images):
    result = run_cli("predict", str(images), "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["path"]).name for r in records] == ["blank.png", "digit_1.png", "digit_4.png", "digit_7.png"]
    assert [r["label"] for r in records] == [None, 1, 4, 7]


def test_predict_table(images):
    result = run_cli("predict", str(images / "digit_4.png"), str(images / "blank.png"))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["label", "prob", "path"]
    assert lines[1].split()[0] == "4" and lines[1].endswith("digit_4.png")
    assert "no digit: blank" in lines[2]


def test_predict_reads_stroke_files(tmp_path):
    """A drawing's strokes as the page sends them, saved as .json, as the app's examples are."""
    seven, blank, broken = tmp_path / "seven.json", tmp_path / "blank.json", tmp_path / "broken.json"
    seven.write_text(json.dumps(table_value(7)))
    blank.write_text(json.dumps({"width": 560, "height": 560, "strokes": []}))
    broken.write_text(json.dumps({"width": 560, "height": 560, "strokes": [[[1, 2, 3]]]}))
    example = EXAMPLES_DIR / f"written_{EXAMPLES[0]}.json"
    result = run_cli("predict", str(seven), str(example), str(blank), str(broken), "--json")
    assert result.returncode == 1  # the broken file
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(seven), str(example), str(blank), str(broken)]
    assert [r["label"] for r in records] == [7, EXAMPLES[0], None, None]
    assert [r["reason"] for r in records] == [None, None, "blank", "unreadable"]
    assert records[3]["error"] == "Each point of a stroke must be a pair of finite numbers [x, y]."


def test_unreadable_file_is_reported_and_fails_the_run(images):
    result = run_cli("predict", str(images / "notes.txt"), str(images / "digit_1.png"), "--json")
    assert result.returncode == 1
    bad, good = [json.loads(line) for line in result.stdout.splitlines()]
    assert bad["label"] is None and bad["reason"] == "unreadable" and "not an image" in bad["error"]
    assert good["label"] == 1


def test_missing_weights_stop_with_one_clear_message(images, tmp_path):
    missing = tmp_path / "nowhere.safetensors"
    result = run_cli("predict", str(images / "digit_1.png"), "--weights", str(missing))
    assert result.returncode != 0
    assert str(missing) in result.stderr and "python train.py" in result.stderr
    assert "Traceback" not in result.stderr


def test_evaluate_reports_accuracy_per_class_and_confusion(mnist_dir, mnist_sample):
    result = run_cli("evaluate", "--data-dir", str(mnist_dir), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    confusion = np.array(report["confusion"])
    _, labels = mnist_sample
    assert report["count"] == len(labels) == confusion.sum()
    assert np.array_equal(confusion.sum(axis=1), np.bincount(labels, minlength=10))
    assert np.isclose(report["accuracy"], np.trace(confusion) / confusion.sum())
    assert np.allclose(report["per_class"], confusion.diagonal() / confusion.sum(axis=1))
    assert report["accuracy"] >= 0.99


def test_evaluate_table(mnist_dir):
    result = run_cli("evaluate", "--data-dir", str(mnist_dir))
    assert result.returncode == 0
    assert result.stdout.startswith("MNIST test accuracy:")
    assert len(result.stdout.splitlines()) == 12  # the accuracy, a header and ten classes


def test_evaluate_scores_a_folder_of_labelled_drawings(tmp_path, mnist_sample):
    images, labels = mnist_sample
    folder = CorrectionsFolder(tmp_path / "corrections")
    for image, label in zip(images[:60], labels[:60]):
        folder.save(image / 255.0, int(label), answer=None)
    result = run_cli("evaluate", "--folder", str(tmp_path / "corrections"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["count"] == 60
    assert np.array_equal(np.array(report["confusion"]).sum(axis=1), np.bincount(labels[:60], minlength=10))
    assert report["accuracy"] >= 0.95
    missing = run_cli("evaluate", "--folder", str(tmp_path))
    assert missing.returncode != 0 and "dataset1.csv" in missing.stderr and "Traceback" not in missing.stderr


def test_evaluate_skips_a_folders_unreadable_files_and_names_them(tmp_path, mnist_sample):
    images, labels = mnist_sample
    folder = CorrectionsFolder(tmp_path / "corrections")
    for image, label in zip(images[:3], labels[:3]):
        folder.save(image / 255.0, int(label), answer=None)
    first = folder.rows()[0]["image"]
    (folder.folder / first).write_text("not an image")
    result = run_cli("evaluate", "--folder", str(folder.folder), "--json")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["count"] == 2
    assert f"skipped 1 of 3 logged drawings: {first} (not a readable image" in result.stderr
    for row in folder.rows()[1:]:
        (folder.folder / row["image"]).unlink()
    none_left = run_cli("evaluate", "--folder", str(folder.folder))
    assert none_left.returncode != 0 and "no readable labelled drawings" in none_left.stderr
    assert "Traceback" not in none_left.stderr
