"""Chooses the top-probability threshold under which the app says the model is unsure.

Validation data: MNIST test digits the robustness benchmark does not use, re-drawn as pen
strokes on the sketchpad at random sizes, places and widths, plus random scribbles that are
no digit at all. The threshold is the lowest one at which the predictions kept as "sure" are
at least --target accurate; the table shows what each threshold would flag.

    python -m benchmarks.unsure_threshold [--count 1000] [--write]
"""

import argparse
import json

import numpy as np
from PIL import Image, ImageDraw

from harness.drawing import as_sketchpad, draw_digit
from model.classifier import DigitClassifier
from model.data import load_mnist
from model.weights import DEFAULT_WEIGHTS, config_path

FIRST_DIGIT = 5000  # the robustness benchmark reads test digits from the start of the split


def scribble(rng: np.random.Generator, canvas: int = 800) -> dict:
    """A random tangle of strokes, as someone testing the app might draw."""
    layer = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    points = rng.uniform(0.15, 0.85, size=(rng.integers(4, 12), 2)) * canvas
    pen.line([tuple(p) for p in points], fill=(0, 0, 0, 255), width=int(rng.integers(8, 50)), joint="curve")
    return as_sketchpad(np.asarray(layer).copy())


def random_drawing(digit, rng: np.random.Generator) -> np.ndarray:
    """The digit drawn at a random size, place and pen width that fit the canvas."""
    size = rng.uniform(0.2, 0.9)
    width = rng.uniform(6, min(70, 0.25 * size * 800))
    offset = tuple(rng.uniform(-1, 1, 2) * (1 - size) / 2 * 0.9)
    return draw_digit(digit, size=size, width=width, offset=offset)


def top_probabilities(classifier, drawings) -> tuple[np.ndarray, np.ndarray]:
    """(N,) top probability and (N,) label of each drawing that reads as a digit."""
    predictions = [classifier.predict(d) for d in drawings]
    kept = [p for p in predictions if p.label is not None]
    return np.array([p.probabilities.max() for p in kept]), np.array([p.label for p in kept])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--weights", default=DEFAULT_WEIGHTS, help="safetensors file")
    parser.add_argument("--data-dir", default="../shared/data", help="where MNIST is")
    parser.add_argument("--count", type=int, default=1000, help="drawn digits, and a fifth as many scribbles")
    parser.add_argument("--target", type=float, default=0.995, help="accuracy of the sure predictions")
    parser.add_argument("--write", action="store_true", help="store the threshold in the weights' config")
    args = parser.parse_args()

    classifier = DigitClassifier(args.weights)
    rng = np.random.default_rng(0)
    images, labels = load_mnist(args.data_dir, train=False)
    picked = range(FIRST_DIGIT, FIRST_DIGIT + args.count)
    drawings = [as_sketchpad(random_drawing(images[i].numpy(), rng)) for i in picked]
    digit_top, digit_labels = top_probabilities(classifier, drawings)
    correct = digit_labels == labels[list(picked)].numpy()[: len(digit_labels)]
    scribble_top, _ = top_probabilities(classifier, [scribble(rng) for _ in range(args.count // 5)])

    print(f"{len(digit_top)} drawn digits, accuracy {correct.mean():.4f}; {len(scribble_top)} scribbles")
    print("threshold  digits flagged  sure accuracy  errors flagged  scribbles flagged")
    chosen = None
    for threshold in np.arange(0.30, 0.96, 0.05):
        sure = digit_top >= threshold
        sure_accuracy = correct[sure].mean() if sure.any() else 1.0
        if chosen is None and sure_accuracy >= args.target:
            chosen = round(float(threshold), 2)
        print(f"{threshold:9.2f}  {1 - sure.mean():14.3f}  {sure_accuracy:13.4f}  "
              f"{(~sure[~correct]).mean() if (~correct).any() else 0:14.3f}  {(scribble_top < threshold).mean():17.3f}")
    print(f"chosen threshold: {chosen}")
    if args.write and chosen is not None:
        path = config_path(args.weights)
        config = json.loads(path.read_text())
        config["unsure_below"] = chosen
        path.write_text(json.dumps(config, indent=2) + "\n")
        print(f"wrote unsure_below = {chosen} to {path}")


if __name__ == "__main__":
    main()
