"""How well drawn digits are read: MNIST test digits re-drawn on a canvas.

Each digit is re-drawn with a round pen (harness/drawing.py) at several sizes, places and
stroke widths, and handed over as a dict of image layers with its transparent stroke layer,
the flattened composite alone, or inverted (white ink on black). Then other people's
handwriting: the validation parts of the pen trajectories (drawn on the app's canvas by its
brush), the optdigits form scans and USPS (training/sources.py), which no model trained on.
Five systems read every input:

    shipped + ours     the shipped weights after model.canvas's MNIST-style conversion
    mnist-only + ours  the previous shipped weights, trained on MNIST alone, same conversion
    seed + ours        the tutorial's recipe, same conversion
    seed + naive       the tutorial's recipe after resizing the whole canvas to 28x28
    shipped + naive    the shipped weights after the same naive resize

    python -m benchmarks.robustness [--count 500] [--weights FILE] [--mnist-only-weights FILE]
                                     [--seed-weights FILE] [--json FILE]
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from model.canvas import canvas_to_pixels, ink_map, normalize
from model.mnist import load_mnist
from model.paths import DATA_DIR, DEFAULT_WEIGHTS, MNIST_ONLY_WEIGHTS, SEED_WEIGHTS
from model.weights import WeightsError, load_model
from training.sources import validation_sets

from harness.drawing import as_layers, centre_line, draw_strokes, flatten, invert

SIZES = {"small": 0.2, "quarter": 0.25, "third": 0.33, "medium": 0.5, "large": 0.85}  # ink's side / canvas's
WIDTHS = {"thin": 8, "medium": 25, "marker": 70}  # brush width in pixels of an 800 px canvas
# Where the drawing sits: (down, right) directions; the drawing goes as far as fits that way.
PLACES = {"centre": (0, 0), "top-left corner": (-1, -1), "right edge": (0, 1), "bottom-right corner": (1, 1)}
EDGE_MARGIN = 0.02  # of the canvas, left between an off-centre drawing and the edge
FORMS = {
    "layer": as_layers,  # a dict of image layers: ink in the layer's alpha
    "flattened": flatten,  # the composite alone, black on white RGB
    "inverted": lambda layer: invert(flatten(layer)),  # white ink on black
}
# Sides of coarse copies of MNIST scans: the digit spans 9 pixels (as in UCI's 8), 10 (the
# smallest that model.canvas keeps at its own ink levels) and 14 (as in USPS).
COARSE_SIDES = (12, 14, 20)
SYSTEMS = ("shipped + ours", "mnist-only + ours", "seed + ours", "seed + naive", "shipped + naive")
# Validation parts of other handwriting, by their name in training.sources, and how each is shown.
OTHER_WRITERS = {
    "pen writers": "pen trajectories of 5 held-out writers, drawn on 560 px canvases",
    "optdigits": "optdigits form scans, validation part (32x32)",
    "usps": "USPS envelope scans, held-out part (16x16)",
}


@dataclass(frozen=True)
class Condition:
    size: str
    width: str
    place: str = "centre"
    form: str = "layer"

    @property
    def name(self) -> str:
        return f"{self.size}, {self.width}, {self.place}, {self.form}"

    def offset(self, size: float) -> tuple[float, float]:
        """The drawing's shift from the centre, for a drawing `size` of the canvas across."""
        reach = 0.5 - size / 2 - EDGE_MARGIN
        return tuple(direction * max(reach, 0.0) for direction in PLACES[self.place])


def conditions() -> dict[str, list[Condition]]:
    """Condition groups: one factor at a time around the grid of sizes and widths."""
    diagonal = [("small", "thin"), ("medium", "medium"), ("large", "marker")]
    return {
        "size x stroke width (centred, layer)": [
            Condition(s, w) for s in ("small", "medium", "large") for w in WIDTHS
        ],
        "a marker on smaller digits (centred, layer)": [Condition(s, "marker") for s in ("quarter", "third")],
        "position (medium stroke, layer)": [
            Condition(s, "medium", place) for s in ("small", "medium") for place in PLACES if place != "centre"
        ],
        "form (centred)": [Condition(s, w, form=f) for s, w in diagonal for f in FORMS if f != "layer"],
    }


def naive_pixels(image) -> np.ndarray:
    """The tutorial-style conversion: the whole canvas's ink area-filtered to (28, 28)."""
    ink = ink_map(image)
    if ink is None:
        return np.zeros((28, 28), np.float32)
    return np.asarray(Image.fromarray(ink).resize((28, 28), Image.Resampling.BOX))


def our_pixels(image, preprocess) -> np.ndarray:
    """model.canvas's conversion; NaN where it finds no digit, which then counts as wrong."""
    pixels = canvas_to_pixels(image, preprocess)
    return np.full((28, 28), np.nan, np.float32) if pixels is None else pixels


@dataclass(frozen=True)
class Job:
    """What a worker process needs to draw and convert one digit under every condition."""

    all_conditions: tuple[Condition, ...]
    preprocesses: tuple  # the distinct PreprocessConfigs of the models
    canvas: int


def convert_digit(job: Job, digit: np.ndarray) -> np.ndarray:
    """(28, 28) digit -> (conditions, 1 + preprocesses, 28, 28): naive, then ours per config."""
    strokes = centre_line(digit)
    layers = {}
    out = np.empty((len(job.all_conditions), 1 + len(job.preprocesses), 28, 28), np.float32)
    for i, condition in enumerate(job.all_conditions):
        key = (condition.size, condition.width, condition.place)
        if key not in layers:
            size = SIZES[condition.size]
            width = WIDTHS[condition.width] * job.canvas / 800
            layers[key] = draw_strokes(strokes, size, width, condition.offset(size), job.canvas)
        image = FORMS[condition.form](layers[key])
        out[i, 0] = naive_pixels(image)
        for j, preprocess in enumerate(job.preprocesses):
            out[i, 1 + j] = our_pixels(image, preprocess)
    return out


def convert_all(job: Job, digits: np.ndarray, workers: int) -> np.ndarray:
    """(N, 28, 28) digits -> (N, conditions, 1 + preprocesses, 28, 28), over worker processes."""
    torch.set_num_threads(1)  # one process per core does the parallel work
    if workers <= 1:
        return np.stack([convert_digit(job, digit) for digit in digits])
    with ProcessPoolExecutor(workers) as pool:
        return np.stack(list(pool.map(convert_digit, [job] * len(digits), digits, chunksize=16)))


def accuracy(network, preprocess, pixels: np.ndarray, labels: torch.Tensor) -> float:
    """pixels (N, 28, 28), NaN rows for "no digit" -> fraction read correctly."""
    found = ~np.isnan(pixels).any(axis=(1, 2))
    inputs = normalize(torch.from_numpy(np.nan_to_num(pixels)), preprocess)
    with torch.inference_mode():
        predicted = network(inputs).argmax(1)
    return float(((predicted == labels) & torch.from_numpy(found)).float().mean())


def load_models(args) -> dict[str, tuple]:
    models = {}
    for name, path in (("shipped", args.weights), ("mnist-only", args.mnist_only_weights), ("seed", args.seed_weights)):
        try:
            models[name] = load_model(path)
        except WeightsError as error:
            print(f"Skipping the {name} model: {error}", file=sys.stderr)
    if not models:
        sys.exit("No model could be loaded.")
    return models


def evaluate(models, pixels: np.ndarray, preprocesses: tuple, labels) -> dict[str, float | None]:
    """pixels (N, 1 + preprocesses, 28, 28) for one condition -> accuracy of each system."""
    results = {}
    for system in SYSTEMS:
        model_name, conversion = system.split(" + ")
        if model_name not in models:
            results[system] = None
            continue
        network, config = models[model_name]
        channel = 0 if conversion == "naive" else 1 + preprocesses.index(config.preprocess)
        results[system] = accuracy(network, config.preprocess, pixels[:, channel], labels)
    return results


def other_writers(models, data_dir) -> dict[str, dict]:
    """Each model on the validation parts of other handwriting, converted by our conversion."""
    rows = {}
    by_preprocess = {}
    for name, (_, config) in models.items():
        if config.preprocess not in by_preprocess:
            by_preprocess[config.preprocess] = validation_sets(data_dir, config.preprocess)
    for source, title in OTHER_WRITERS.items():
        results = {}
        for system in SYSTEMS:
            model_name, conversion = system.split(" + ")
            if model_name not in models or conversion == "naive":
                results[system] = None
                continue
            network, config = models[model_name]
            pixels, labels = by_preprocess[config.preprocess][source]
            results[system] = accuracy(network, config.preprocess, pixels.numpy(), labels)
        rows[f"{title}, n={len(labels)}"] = results
    return rows


def markdown_table(scanned: dict[str, dict], drawn: dict[str, dict], groups, others: dict[str, dict]) -> str:
    def cells(results):
        return " | ".join("n/a" if v is None else f"{v:.1%}" for v in results.values())

    lines = ["| condition | " + " | ".join(SYSTEMS) + " |", "|---" * (len(SYSTEMS) + 1) + "|"]
    lines.append("| **scans, not drawn** |" + " |" * len(SYSTEMS))
    lines += [f"| {name} | {cells(results)} |" for name, results in scanned.items()]
    for group, members in groups.items():
        lines.append(f"| **drawn: {group}** |" + " |" * len(SYSTEMS))
        lines += [f"| {c.name} | {cells(drawn[c.name])} |" for c in members]
    lines.append("| **other writers, validation parts, our conversion only** |" + " |" * len(SYSTEMS))
    lines += [f"| {name} | {cells(results)} |" for name, results in others.items()]
    return "\n".join(lines)


def uci_digits():
    """Scikit-learn's copy of the UCI optical digits test set, or None without scikit-learn.

    1,797 digits by 13 writers outside MNIST, scanned from NIST forms at 32x32, size-normalised
    to fill the box, and stored as 8x8 counts of ink pixels (0-16). Returned as they are:
    (N, 8, 8) floats in [0, 1], white on black, with labels (N,).
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        return None
    digits = load_digits()
    return (digits.images / 16.0).astype(np.float32), torch.from_numpy(digits.target)


def low_resolution(images: np.ndarray, side: int) -> np.ndarray:
    """(N, 28, 28) scans in [0, 1] -> (N, side, side), area-filtered as a coarse scanner would."""
    return np.stack([np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.BOX)) for image in images])


def scanned_pixels(scans: np.ndarray, preprocesses: tuple) -> np.ndarray:
    """(N, H, W) white-on-black scans in [0, 1] -> (N, 1 + preprocesses, 28, 28), naive first."""
    as_uint8 = (scans * 255).round().astype(np.uint8)
    return np.array([[naive_pixels(scan)] + [our_pixels(scan, p) for p in preprocesses] for scan in as_uint8])


def example_sheet(pixels: np.ndarray, all_conditions, columns: int = 10) -> Image.Image:
    """pixels (N, conditions, 1 + preprocesses, 28, 28) -> one row per condition: the first
    `columns` digits as our conversion gives them (first model's config), then naive."""
    scale, label_width = 2, 260
    tile = 28 * scale
    sheet = Image.new("L", (label_width + (2 * columns + 1) * tile, len(all_conditions) * tile), 64)
    pen = ImageDraw.Draw(sheet)
    for row, condition in enumerate(all_conditions):
        pen.text((4, row * tile + tile // 3), condition.name, fill=255)
        for column in range(columns):
            for conversion, start in ((1, 0), (0, columns + 1)):
                gray = np.nan_to_num(pixels[column, row, conversion]) * 255
                image = Image.fromarray(gray.astype(np.uint8)).resize((tile, tile), Image.Resampling.NEAREST)
                sheet.paste(image, (label_width + (start + column) * tile, row * tile))
    return sheet


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="the shipped model")
    parser.add_argument("--mnist-only-weights", type=Path, default=MNIST_ONLY_WEIGHTS,
                        help="the previous shipped model, trained on MNIST alone")
    parser.add_argument("--seed-weights", type=Path, default=SEED_WEIGHTS, help="the tutorial-recipe model")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="folder holding MNIST and handwriting/")
    parser.add_argument("--count", type=int, default=500, help="MNIST test digits to draw")
    parser.add_argument("--canvas", type=int, default=800, help="canvas side in pixels")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="processes that draw")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--examples", type=Path, help="also save a PNG of the inputs each conversion gives (ours | naive)"
    )
    args = parser.parse_args(argv)

    models = load_models(args)
    preprocesses = tuple(dict.fromkeys(config.preprocess for _, config in models.values()))
    images, labels = load_mnist(args.data_dir, train=False)
    images, labels = images[: args.count].numpy(), labels[: args.count]
    groups = conditions()
    all_conditions = tuple(c for members in groups.values() for c in members)

    started = time.perf_counter()
    pixels = convert_all(Job(all_conditions, preprocesses, args.canvas), images, args.workers)
    seconds = time.perf_counter() - started

    scanned = {
        f"MNIST test digits as scanned (28x28, n={len(images)})": (images, labels),
    } | {
        f"the same, scanned coarsely ({side}x{side})": (low_resolution(images, side), labels) for side in COARSE_SIDES
    }
    uci = uci_digits()
    if uci is None:
        print("No UCI digits row: scikit-learn, which ships them, is not installed.", file=sys.stderr)
    else:
        scanned[f"UCI digits, 13 other writers (8x8 scans, n={len(uci[0])})"] = uci
    scanned_rows = {
        name: evaluate(models, scanned_pixels(scans, preprocesses), preprocesses, truth)
        for name, (scans, truth) in scanned.items()
    }
    drawn = {c.name: evaluate(models, pixels[:, i], preprocesses, labels) for i, c in enumerate(all_conditions)}
    others = other_writers(models, args.data_dir)

    print(f"{len(images)} MNIST test digits, each drawn on a {args.canvas}x{args.canvas} canvas "
          f"under {len(all_conditions)} conditions (drawn and converted in {seconds:.0f} s).\n")
    print(markdown_table(scanned_rows, drawn, groups, others))
    for system in ("shipped + ours", "mnist-only + ours", "seed + ours"):
        scored = {name: r[system] for name, r in drawn.items() if r[system] is not None}
        if scored:
            worst = min(scored, key=scored.get)
            print(f"\nWorst drawn condition for {system}: {worst}: {scored[worst]:.1%}")
    if args.examples:
        example_sheet(pixels, all_conditions).save(args.examples)
    if args.json:
        args.json.write_text(json.dumps({"count": len(images), "canvas": args.canvas, "scanned": scanned_rows, "drawn": drawn,
                                              "other writers": others}, indent=2))


if __name__ == "__main__":
    main()
