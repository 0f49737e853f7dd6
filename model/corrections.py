"""Corrections: drawings the model got wrong, with the digit the person says they are.

A folder of them is laid out as Gradio's flagging (gr.CSVLogger) lays out its own: a CSV log,
dataset1.csv, with a header and one row per correction, beside a folder of image files that
the log names by relative path:

    dataset1.csv   image,label,answer,timestamp,strokes
                   image/3f2a....png,7,1,2026-01-01 12:00:00.000000,strokes/3f2a....json
    image/         the drawings' 28x28 model inputs: 8-bit grey PNGs, white ink on black
    strokes/       the drawings as the page drew them: stroke values (model/strokes.py), for
                   training; empty in the log for a drawing that came as an image

The app writes such a folder (CorrectionsFolder); `read_labelled_drawings` reads any folder laid
out this way, for `python -m model evaluate --folder` and for training.
"""

import csv
import json
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

LOG = "dataset1.csv"
IMAGES = "image"
STROKES = "strokes"
COLUMNS = ["image", "label", "answer", "timestamp", "strokes"]
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
        for part in (IMAGES, STROKES):
            (self.folder / part).mkdir(parents=True, exist_ok=True)

    def save(self, pixels: np.ndarray, label: int, answer: int | None, strokes: dict | None = None) -> None:
        """pixels (28, 28) in [0, 1]: the model's input; label: the right digit; answer: the
        model's; strokes: the drawing's stroke value, when it was drawn on the page."""
        if pixels.shape != (SIDE, SIDE) or label not in range(10):
            raise ValueError("A correction is a 28x28 input and a digit from 0 to 9.")
        name = uuid.uuid4().hex
        image, drawing = f"{IMAGES}/{name}.png", f"{STROKES}/{name}.json" if strokes else ""
        with self._lock:
            Image.fromarray((pixels.clip(0, 1) * 255).round().astype(np.uint8), "L").save(self.folder / image)
            if drawing:
                (self.folder / drawing).write_text(json.dumps(strokes, separators=(",", ":")), encoding="utf-8")
            rows = self.rows() + [{
                "image": image, "label": str(label), "answer": "" if answer is None else str(answer),
                "timestamp": datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f"), "strokes": drawing,
            }]
            while len(rows) > self.max_items or self._bytes(rows) > self.max_bytes:
                for path in self._files(rows.pop(0)):
                    path.unlink(missing_ok=True)
            self._write(rows)

    def rows(self) -> list[dict]:
        """The log's rows, oldest first."""
        log = self.folder / LOG
        if not log.is_file():
            return []
        with open(log, newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))

    def _files(self, row: dict) -> list[Path]:
        """The row's files that exist inside this folder's image/ and strokes/ folders; a path
        the log names anywhere else is never touched."""
        named = [(IMAGES, row.get("image") or ""), (STROKES, row.get("strokes") or "")]
        return [self.folder / path for part, path in named
                if _inside(path, part) and (self.folder / path).is_file()]

    def _bytes(self, rows: list[dict]) -> int:
        """The rows' files' sizes, and about the log's: a row takes under 120 bytes."""
        return sum(sum(path.stat().st_size for path in self._files(row)) + 120 for row in rows)

    def _write(self, rows: list[dict]) -> None:
        """Replaces the log in one step, so a reader never sees half of it."""
        partial = self.folder / f".{LOG}.partial"
        with open(partial, "w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(partial, self.folder / LOG)


def _inside(path: str, part: str) -> bool:
    """Whether the log's relative `path` names a file directly in the folder's `part` folder."""
    relative = Path(path)
    return relative.parent == Path(part) and relative.name not in ("", ".", "..")


@dataclass(frozen=True)
class LabelledDrawings:
    """What a folder of labelled drawings holds, and what of it could not be read."""

    pixels: np.ndarray  # (N, 28, 28) float32 in [0, 1]
    labels: np.ndarray  # (N,) int64
    skipped: list[tuple[str, str]]  # (the log's name for the file, why it was skipped), in log order

    def skipped_line(self) -> str:
        """One line for a person: how many rows were skipped, and each one's name and reason."""
        if not self.skipped:
            return ""
        return (f"skipped {len(self.skipped)} of {len(self.skipped) + len(self.labels)} logged drawings: "
                + "; ".join(f"{name or '(no name)'} ({reason})" for name, reason in self.skipped))


def read_labelled_drawings(folder: Path) -> LabelledDrawings:
    """A folder laid out as above, read row by row.

    A row is skipped, and named in `skipped`, when its file is missing, is not an image, is not
    28x28, or lies outside the folder's image/ folder (such a file is never opened), or when its
    label is not a digit: a folder edited by hand or partly copied still gives the rest.
    Raises LabelledDrawingsError only when the folder has no log."""
    folder = Path(folder)
    log = folder / LOG
    if not log.is_file():
        raise LabelledDrawingsError(f"{folder} has no {LOG}: it is not a folder of labelled drawings.")
    with open(log, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    images, labels, skipped = [], [], []
    for row in rows:
        name, label = row.get("image") or "", row.get("label") or ""
        if not _inside(name, IMAGES):
            skipped.append((name, f"not in its {IMAGES}/ folder"))
        elif label not in [str(d) for d in range(10)]:
            skipped.append((name, f"label {label!r} is not a digit from 0 to 9"))
        elif not (folder / name).is_file():
            skipped.append((name, "missing"))
        else:
            try:
                with Image.open(folder / name) as image:
                    size = image.size
                    pixels = np.asarray(image.convert("L"), np.float32) / 255
            except (OSError, ValueError) as error:  # PIL's UnidentifiedImageError is an OSError
                skipped.append((name, f"not a readable image: {type(error).__name__}"))
                continue
            if size != (SIDE, SIDE):
                skipped.append((name, f"{size[0]}x{size[1]}, not {SIDE}x{SIDE}"))
                continue
            images.append(pixels)
            labels.append(int(label))
    pixels = np.stack(images) if images else np.zeros((0, SIDE, SIDE), np.float32)
    return LabelledDrawings(pixels, np.array(labels, np.int64), skipped)
