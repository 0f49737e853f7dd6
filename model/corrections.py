"""Corrections: drawings the model got wrong, with the digit the person says they are.

A folder of them is laid out as Gradio's flagging (gr.CSVLogger) lays out its own: a CSV log,
dataset1.csv, with a header and one row per correction, beside a folder of image files that
the log names by relative path:

    dataset1.csv   image,label,answer,timestamp
                   image/3f2a....png,7,1,2026-01-01 12:00:00.000000
    image/         the drawings' 28x28 model inputs: 8-bit grey PNGs, white ink on black

The app writes such a folder (CorrectionsFolder); `read_labelled_drawings` reads any folder laid
out this way, for `python -m model evaluate --folder` and for training.
"""

import csv
import os
import threading
import uuid
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

LOG = "dataset1.csv"
IMAGES = "image"
COLUMNS = ["image", "label", "answer", "timestamp"]
SIDE = 28


class LabelledDrawingsError(ValueError):
    """A folder that is not laid out as labelled drawings are."""


class CorrectionsFolder:
    """Saves corrections into `folder`, keeping at most `max_items` of them and `max_bytes` in
    all: the oldest go first. File names are made here, never taken from the person."""

    def __init__(self, folder: Path, max_items: int = 1000, max_bytes: int = 20_000_000):
        self.folder = Path(folder)
        self.max_items, self.max_bytes = max_items, max_bytes
        self._lock = threading.Lock()  # two requests may correct at once
        (self.folder / IMAGES).mkdir(parents=True, exist_ok=True)

    def save(self, pixels: np.ndarray, label: int, answer: int | None) -> None:
        """pixels (28, 28) in [0, 1]: the model's input; label: the right digit; answer: the model's."""
        if pixels.shape != (SIDE, SIDE) or label not in range(10):
            raise ValueError("A correction is a 28x28 input and a digit from 0 to 9.")
        name = f"{IMAGES}/{uuid.uuid4().hex}.png"
        with self._lock:
            Image.fromarray((pixels.clip(0, 1) * 255).round().astype(np.uint8), "L").save(self.folder / name)
            rows = self.rows() + [{
                "image": name, "label": str(label), "answer": "" if answer is None else str(answer),
                "timestamp": datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f"),
            }]
            while len(rows) > self.max_items or self._bytes(rows) > self.max_bytes:
                (self.folder / rows.pop(0)["image"]).unlink(missing_ok=True)
            self._write(rows)

    def rows(self) -> list[dict]:
        """The log's rows, oldest first."""
        log = self.folder / LOG
        if not log.is_file():
            return []
        with open(log, newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))

    def _bytes(self, rows: list[dict]) -> int:
        """The images' sizes, and about the log's: a row takes under 80 bytes."""
        return sum((self.folder / row["image"]).stat().st_size + 80 for row in rows)

    def _write(self, rows: list[dict]) -> None:
        """Replaces the log in one step, so a reader never sees half of it."""
        partial = self.folder / f".{LOG}.partial"
        with open(partial, "w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(partial, self.folder / LOG)


def read_labelled_drawings(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """A folder laid out as above -> pixels (N, 28, 28) float32 in [0, 1] and labels (N,) int64.

    Raises LabelledDrawingsError for a missing log, a log that names a file outside its image folder, an image that is
    not 28x28, or a label that is not a digit."""
    folder = Path(folder)
    log = folder / LOG
    if not log.is_file():
        raise LabelledDrawingsError(f"{folder} has no {LOG}: it is not a folder of labelled drawings.")
    with open(log, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    images, labels = [], []
    for row in rows:
        path = Path(row["image"])
        if path.parent != Path(IMAGES) or path.name in ("", ".", ".."):
            raise LabelledDrawingsError(f"{log} names {row['image']!r}, which is not in its {IMAGES}/ folder.")
        if row["label"] not in [str(d) for d in range(10)]:
            raise LabelledDrawingsError(f"{log}: {row['label']!r} is not a digit from 0 to 9.")
        with Image.open(folder / path) as image:
            if image.size != (SIDE, SIDE):
                raise LabelledDrawingsError(f"{folder / path} is {image.size}, not 28x28.")
            images.append(np.asarray(image.convert("L"), np.float32) / 255)
        labels.append(int(row["label"]))
    return np.stack(images) if images else np.zeros((0, SIDE, SIDE), np.float32), np.array(labels, np.int64)
