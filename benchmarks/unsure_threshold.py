"""Chooses the top-probability threshold under which the app says the model is unsure.

Validation drawings only, never a test split: the held-out pen writers' digits drawn on the
app's canvas by its brush, MNIST's held-out training digits re-drawn as pen strokes at random
sizes, places and widths, and random scribbles that are no digit at all. The threshold is the lowest
one at which the predictions kept as "sure" are at least --target accurate and at least
--flag-scribbles of the scribbles are flagged, from a grid widened until the choice is not on its
edge (training/calibration.py, which train.py uses too); the table shows what each threshold of
that grid would flag.

    python -m benchmarks.unsure_threshold [--count 1000] [--write]
"""

import argparse
import json

import numpy as np

from harness.drawing import as_layers, draw_digit, scribble
from model.classifier import DigitClassifier
from model.mnist import load_mnist
from model.paths import DATA_DIR, DEFAULT_WEIGHTS
from model.weights import config_path
from training.calibration import (
    SCRIBBLES_FLAGGED, UNSURE_TARGET, ThresholdAtGridEdge, unsure_threshold_inside_grid,
)
from training.converted import pen_canvas
from training.sources import held_out_pen_digits, mnist_validation_mask

DRAWING_SEED = 3  # neither the training nor the validation drawings' seed


def random_drawing(digit, rng: np.random.Generator) -> np.ndarray:
    """The digit drawn at a random size, place and pen width that fit the canvas."""
    size = rng.uniform(0.2, 0.9)
    width = rng.uniform(6, min(70, 0.25 * size * 800))
    offset = tuple(rng.uniform(-1, 1, 2) * (1 - size) / 2 * 0.9)
    return draw_digit(digit, size=size, width=width, offset=offset)


def validation_drawings(data_dir, count: int, rng: np.random.Generator) -> tuple[list, list[int]]:
    """`count` held-out pen digits and `count` held-out MNIST digits, drawn; and their labels."""
    pen = held_out_pen_digits(data_dir)
    picked = rng.choice(len(pen), size=min(count, len(pen)), replace=False)
    drawings = [pen_canvas(pen[i], rng) for i in picked]
    labels = [pen[i].label for i in picked]
    images, mnist_labels = load_mnist(data_dir, train=True)
    held_out = np.flatnonzero(mnist_validation_mask(len(images)).numpy())[:count]
    drawings += [as_layers(random_drawing(images[i].numpy(), rng)) for i in held_out]
    return drawings, labels + mnist_labels[held_out].tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--weights", default=DEFAULT_WEIGHTS, help="safetensors file")
    parser.add_argument("--data-dir", default=DATA_DIR, help="where MNIST and handwriting/ are")
    parser.add_argument("--count", type=int, default=1000, help="drawn digits of each source, and a fifth as many scribbles")
    parser.add_argument("--target", type=float, default=UNSURE_TARGET, help="accuracy of the sure predictions")
    parser.add_argument("--flag-scribbles", type=float, default=SCRIBBLES_FLAGGED, help="share of scribbles to flag as unsure")
    parser.add_argument("--write", action="store_true", help="store the threshold in the weights' config")
    args = parser.parse_args()

    classifier = DigitClassifier(args.weights)
    rng = np.random.default_rng(DRAWING_SEED)
    drawings, labels = validation_drawings(args.data_dir, args.count, rng)
    predictions = [classifier.predict(d) for d in drawings]
    top = [None if p.label is None else float(p.probabilities.max()) for p in predictions]
    predicted = [p.label for p in predictions]
    read = np.array([t is not None for t in top])
    digit_top = np.array([t for t in top if t is not None])
    correct = np.array([y == t for y, t in zip(predicted, labels) if y is not None])
    scribbles = [classifier.predict(scribble(rng)) for _ in range(args.count // 5)]
    scribble_top = np.array([p.probabilities.max() for p in scribbles if p.label is not None])

    print(f"{len(drawings)} drawn digits ({(~read).sum()} read as no digit), accuracy {correct.mean():.4f}; "
          f"{len(scribble_top)} scribbles read as a digit")
    try:
        chosen, grid = unsure_threshold_inside_grid(top, predicted, labels, scribble_top, target=args.target,
                                                    scribbles_flagged=args.flag_scribbles)
    except ThresholdAtGridEdge as problem:
        raise SystemExit(f"no threshold: {problem}")
    print("threshold  digits flagged  sure accuracy  errors flagged  scribbles flagged")
    for threshold in grid:
        sure = digit_top >= threshold
        sure_accuracy = correct[sure].mean() if sure.any() else 1.0
        errors_flagged = (~sure[~correct]).mean() if (~correct).any() else 0.0
        print(f"{threshold:9.4f}  {1 - sure.mean():14.3f}  {sure_accuracy:13.4f}  "
              f"{errors_flagged:14.3f}  {(scribble_top < threshold).mean():17.3f}")
    print(f"chosen threshold: {chosen}, inside the grid {grid[0]:.4f}-{grid[-1]:.4f}")
    if args.write:
        path = config_path(args.weights)
        config = json.loads(path.read_text())
        config["unsure_below"] = chosen
        path.write_text(json.dumps(config, indent=2) + "\n")
        print(f"wrote unsure_below = {chosen} to {path}")


if __name__ == "__main__":
    main()
