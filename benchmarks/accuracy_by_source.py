"""Accuracy and calibration of each model on every validation source and on MNIST's test split.

Side by side: the shipped weights, the previous shipped weights (MNIST alone) and the
tutorial's recipe. Validation sources are training/sources.py's held-out parts, each as the app
receives it; MNIST test is read as tensors (as `python -m model evaluate` does), and as
black-on-white PNG files through `python -m model predict --json`, as a user's files would be.
ECE is the expected calibration error over 15 confidence bins, with each model's temperature.

    python -m benchmarks.accuracy_by_source [--png-count 10000]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from model.canvas import normalize
from model.mnist import load_mnist
from model.network import predict_logits
from model.paths import DATA_DIR, DEFAULT_WEIGHTS, MNIST_ONLY_WEIGHTS, SEED_WEIGHTS
from model.weights import load_model
from training.calibration import expected_calibration_error
from training.sources import validation_sets


def png_accuracy(weights: Path, images: torch.Tensor, labels: torch.Tensor) -> float:
    """MNIST digits saved as black-on-white PNGs and read by `python -m model predict --json`."""
    with tempfile.TemporaryDirectory() as folder:
        for i, image in enumerate(images):
            Image.fromarray(255 - (image.numpy() * 255).round().astype(np.uint8)).save(f"{folder}/{i:05d}.png")
        output = subprocess.run(
            [sys.executable, "-m", "model", "predict", folder, "--json", "--weights", str(weights)],
            capture_output=True, text=True, check=True,
        ).stdout
    predicted = {Path(r["path"]).stem: r["label"] for r in map(json.loads, output.splitlines())}
    return float(np.mean([predicted[f"{i:05d}"] == int(y) for i, y in enumerate(labels)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST and handwriting/ are")
    parser.add_argument("--png-count", type=int, default=10_000, help="MNIST test digits read as PNG files")
    args = parser.parse_args()

    models = {"shipped": DEFAULT_WEIGHTS, "mnist-only": MNIST_ONLY_WEIGHTS, "seed": SEED_WEIGHTS}
    test_images, test_labels = load_mnist(args.data_dir, train=False)
    rows = {}
    for name, weights in models.items():
        network, config = load_model(weights)
        sets = {**validation_sets(args.data_dir, config.preprocess), "mnist test": (test_images, test_labels)}
        for source, (pixels, labels) in sets.items():
            logits = predict_logits(network, normalize(pixels, config.preprocess))
            probabilities = torch.softmax(logits / config.temperature, 1)
            accuracy = (logits.argmax(1) == labels).float().mean().item()
            rows.setdefault(source, {})[name] = (accuracy, expected_calibration_error(probabilities, labels))
        count = min(args.png_count, len(test_labels))
        rows.setdefault(f"mnist test as PNG files (n={count})", {})[name] = (
            png_accuracy(weights, test_images[:count], test_labels[:count]), None)

    print("accuracy (ECE, 15 bins) of each model; the shipped model never trained on a validation source,\n"
          "the two baselines trained on all 60,000 MNIST training images, the mnist rows' 5,000 included\n")
    print("| source | " + " | ".join(models) + " |")
    print("|---" * (len(models) + 1) + "|")
    for source, results in rows.items():
        cells = [f"{a:.2%}" + ("" if e is None else f" ({e:.4f})") for a, e in results.values()]
        print(f"| {source} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
