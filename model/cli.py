"""Command line: classify image files and drawings' stroke files (.json, as the app's canvas
sends a drawing: model/strokes.py), or measure accuracy on MNIST's test split. A drawing of
several digits is read as a number (model/segment.py): the text output shows the number and its
least sure digit's probability; --json adds `digits` and `number` to the one-digit answer.

    python -m model predict PATH [PATH ...] [--weights FILE] [--json]
    python -m model evaluate [--data-dir DIR | --folder DIR] [--weights FILE] [--json]

`evaluate --folder` scores a folder of labelled drawings laid out as the app saves corrections
(model/corrections.py) instead of MNIST's test split.
"""

import argparse
import json
import sys
from pathlib import Path

import torch

from .canvas import NoDigit, normalize
from .classifier import DigitClassifier
from .corrections import LabelledDrawingsError, read_labelled_drawings
from .mnist import load_mnist
from .network import predict_labels
from .paths import DATA_DIR
from .weights import DEFAULT_WEIGHTS, WeightsError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def image_paths(paths: list[str]) -> list[Path]:
    """Files as given (images or stroke files), and the image files inside folders, in name order."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            found.append(path)
    return found


def predict(args: argparse.Namespace) -> int:
    classifier = DigitClassifier(args.weights)
    failures = 0
    if not args.json:
        print(f"{'label':>5}  {'prob':>5}  path")
    for path in image_paths(args.paths):
        reading = classifier.read_number(path)
        prediction = reading.whole
        failures += prediction.reason is NoDigit.UNREADABLE
        if args.json:
            print(json.dumps({"path": str(path)} | reading.to_json()))
        elif len(reading.digits) > 1:
            unsure = sum(d.unsure for d in reading.digits)
            note = f" ({unsure} digit{'s' * (unsure > 1)} unsure)" if unsure else ""
            top = min(d.probabilities.max() for d in reading.digits if d.label is not None) if reading.number else None
            shown = "-" if reading.number is None else reading.number
            print(f"{shown:>5}  {'' if top is None else f'{top:5.3f}':>5}  {path} (a number of {len(reading.digits)} digits){note}")
        elif prediction.error:
            print(f"{'error':>5}  {'':>5}  {path}: {prediction.error}")
        elif prediction.label is None:
            print(f"{'-':>5}  {'':>5}  {path} (no digit: {prediction.reason.value})")
        else:
            note = " (unsure)" if prediction.unsure else ""
            print(f"{prediction.label:>5}  {prediction.probabilities.max():5.3f}  {path}{note}")
    return 1 if failures else 0


def evaluate(args: argparse.Namespace) -> int:
    classifier = DigitClassifier(args.weights)
    if args.folder:
        drawings = read_labelled_drawings(args.folder)
        if drawings.skipped:
            print(f"warning: {drawings.skipped_line()}", file=sys.stderr)
        if not len(drawings.labels):
            raise LabelledDrawingsError(f"{args.folder} has no readable labelled drawings.")
        images, labels, source = torch.from_numpy(drawings.pixels), torch.from_numpy(drawings.labels), str(args.folder)
    else:
        images, labels = load_mnist(args.data_dir, train=False)
        source = "MNIST test"
    predicted = predict_labels(classifier.network, normalize(images, classifier.config.preprocess))
    confusion = torch.zeros(10, 10, dtype=torch.long)  # rows: true class, columns: predicted
    confusion.index_put_((labels, predicted), torch.ones_like(labels), accumulate=True)
    per_class = (confusion.diag() / confusion.sum(1)).tolist()
    accuracy = (predicted == labels).float().mean().item()
    if args.json:
        print(json.dumps({"accuracy": accuracy, "count": len(labels),
                          "per_class": per_class, "confusion": confusion.tolist()}))
        return 0
    print(f"{source} accuracy: {accuracy:.4f} on {len(labels):,} images ({args.weights})")
    print("class  accuracy   " + " ".join(f"{c:>5}" for c in range(10)) + "   <- predicted")
    for true_class in range(10):
        row = " ".join(f"{n:>5}" for n in confusion[true_class].tolist())
        print(f"{true_class:>5}  {per_class[true_class]:8.4f}   {row}")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model", description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    predict_parser = commands.add_parser("predict", help="classify images, stroke files (.json) or folders of images")
    predict_parser.add_argument("paths", nargs="+", metavar="PATH")
    predict_parser.set_defaults(run=predict)
    evaluate_parser = commands.add_parser("evaluate", help="accuracy on MNIST's test split")
    evaluate_parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST is, or goes")
    evaluate_parser.add_argument("--folder", type=Path,
                                 help="a folder of labelled drawings (dataset1.csv and image/) instead of MNIST")
    evaluate_parser.set_defaults(run=evaluate)
    for sub in (predict_parser, evaluate_parser):
        sub.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="safetensors file")
        sub.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    try:
        sys.exit(args.run(args))
    except (WeightsError, LabelledDrawingsError) as error:
        sys.exit(f"error: {error}")
