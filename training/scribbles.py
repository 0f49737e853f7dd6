"""Scribbles: random tangles that are no digit, as someone testing the app might draw. The
unsure threshold must flag a share of them (training/calibration.py), so training draws them
for its validation, and tests and benchmarks draw the same ones (harness/drawing.py)."""

import math

import numpy as np
import torch

from model.canvas import canvas_to_pixels
from model.config import PreprocessConfig
from model.strokes import CANVAS, stroke_value

MOUSE_STEP = 4.0  # canvas pixels between two points of a drawn line, as a mouse reports them
VALIDATION_SCRIBBLES = 200
SCRIBBLE_SEED = 4  # neither the training nor the validation drawings' seed


def densify(points: np.ndarray, step: float = MOUSE_STEP) -> np.ndarray:
    """(K, 2) corners of a polyline -> its points every `step` pixels or less, corners kept:
    the path a hand drawing straight lines gives the page, so the brush keeps the corners."""
    dense = [points[:1]]
    for start, end in zip(points, points[1:]):
        count = max(1, math.ceil(float(np.linalg.norm(end - start)) / step))
        dense.append(start + (end - start) * (np.arange(1, count + 1) / count)[:, None])
    return np.concatenate(dense)


def scribble(rng: np.random.Generator) -> dict:
    """A random tangle, drawn in one stroke on the app's canvas: a stroke value."""
    return stroke_value([densify(rng.uniform(0.15, 0.85, size=(rng.integers(4, 12), 2)) * CANVAS)])


def validation_scribbles(preprocess: PreprocessConfig) -> torch.Tensor:
    """VALIDATION_SCRIBBLES scribbles through the app's conversion -> pixels (N, 28, 28) in
    [0, 1] of those it reads as a digit (the rest already get no answer)."""
    rng = np.random.default_rng(SCRIBBLE_SEED)
    converted = [canvas_to_pixels(scribble(rng), preprocess) for _ in range(VALIDATION_SCRIBBLES)]
    kept = [torch.as_tensor(pixels, dtype=torch.float32) for pixels in converted if pixels is not None]
    return torch.stack(kept) if kept else torch.zeros(0, 28, 28)
