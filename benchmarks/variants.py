"""Each writing variant's accuracy (training/variants.py), and the sheet that shows them.

The held-out pen writers' digits (training/sources.py) are written in each way that suits them,
drawn on canvases and sent through the app's conversion, then read by the shipped weights, the
previous shipped weights (MNIST alone) and the tutorial's recipe. Then the same digits, as
written and in each variant, as 28x28 scans (training/converted.py's pen_scan): image files of
a digit at MNIST's scale, which the conversion reads at their own ink levels and stroke widths,
where training's drawings all have one width. The same three models read them:

    python -m benchmarks.variants [--sheet docs/variants.png]

`--sheet` also draws the held-out writers' digits as written and in each variant, a row each.
"""

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from model.canvas import canvas_to_pixels, normalize
from model.network import predict_labels
from model.paths import DATA_DIR, DEFAULT_WEIGHTS, MNIST_ONLY_WEIGHTS, SEED_WEIGHTS
from model.weights import load_model
from training.converted import VariantCanvases, pen_scan
from training.sources import held_out_pen_digits, variant_validation_sets
from training.variants import VARIANTS

MODELS = {"shipped": DEFAULT_WEIGHTS, "mnist-only": MNIST_ONLY_WEIGHTS, "seed": SEED_WEIGHTS}
SCAN_COPIES, SCAN_SEED = 2, 3  # scans of each held-out digit in each way, and their drawing seed
SHEET_COLUMNS = 8
TILE = 80  # pixels for each drawing on the sheet
LABEL_WIDTH = 190


def accuracy_markdown(first_column: str, models: dict, sets_for) -> str:
    """A markdown table of each model's accuracy on each named (pixels, labels) set that
    `sets_for(its config)` gives."""
    columns = {}
    for model_name, (network, config) in models.items():
        sets = sets_for(config)
        columns[model_name] = {name: (predict_labels(network, normalize(pixels, config.preprocess)) == labels).float().mean().item()
                               for name, (pixels, labels) in sets.items()}
    lines = [f"| {first_column} | n | " + " | ".join(models) + " |", "|---" * (len(models) + 2) + "|"]
    lines += [f"| {name} | {len(labels):,} | " + " | ".join(f"{columns[m][name]:.2%}" for m in models) + " |"
              for name, (_, labels) in sets.items()]
    return "\n".join(lines)


def accuracy_table(data_dir: Path, models: dict) -> str:
    return accuracy_markdown("variant", models, lambda config: variant_validation_sets(data_dir, config.preprocess))


def scan_table(data_dir: Path, models: dict) -> str:
    """Each model on the held-out writers' digits as scans: as written, and in each variant that
    suits them."""
    preprocess = models["shipped"][1].preprocess  # the conversion; every model's is the app's
    digits = held_out_pen_digits(data_dir)
    sets = {}
    for row, (name, variant) in enumerate({"as written": None, **VARIANTS}.items()):
        pixels, labels = [], []
        for index, digit in enumerate(d for d in digits if variant is None or variant.can_write(d.label, d.strokes)):
            for copy in range(SCAN_COPIES):
                rng = np.random.default_rng([SCAN_SEED, row, index, copy])
                strokes = list(digit.strokes) if variant is None else variant.write(list(digit.strokes), rng)
                found = canvas_to_pixels(pen_scan(strokes, rng), preprocess)
                if found is not None:
                    pixels.append(found)
                    labels.append(digit.label)
        sets[name] = torch.from_numpy(np.stack(pixels)), torch.tensor(labels)
    return accuracy_markdown("held-out digits as 28x28 scans", models, lambda config: sets)


def draw_sheet(data_dir: Path, path: Path) -> None:
    """A row for each variant: held-out writers' digits written so, drawn by the canvas's brush
    as training draws them, each cropped to its ink."""
    digits = held_out_pen_digits(data_dir)
    sheet = Image.new("L", (LABEL_WIDTH + SHEET_COLUMNS * TILE, len(VARIANTS) * TILE), 255)
    pen = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=16)
    for row, (name, variant) in enumerate(VARIANTS.items()):
        pen.text((8, row * TILE + TILE // 2), name, fill=0, font=font, anchor="lm")
        writable = [d for d in digits if variant.can_write(d.label, d.strokes)]
        shown = VariantCanvases(writable[:: max(1, len(writable) // SHEET_COLUMNS)][:SHEET_COLUMNS], name, 1, row)
        for column in range(len(shown.digits)):
            ink = shown(column)["layers"][0][..., 3]
            drawing = Image.fromarray(255 - ink).crop(Image.fromarray(ink).getbbox())
            drawing.thumbnail((TILE - 12, TILE - 12), Image.Resampling.LANCZOS)
            sheet.paste(drawing, (LABEL_WIDTH + column * TILE + (TILE - drawing.width) // 2,
                                  row * TILE + (TILE - drawing.height) // 2))
    sheet.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST and handwriting/ are")
    parser.add_argument("--sheet", type=Path, help="also draw the variant sheet to this PNG")
    args = parser.parse_args()
    if args.sheet:
        draw_sheet(args.data_dir, args.sheet)
        print(f"wrote {args.sheet}")
    models = {name: load_model(weights) for name, weights in MODELS.items()}  # (network, config)
    print("accuracy on the held-out pen writers' digits written in each variant\n")
    print(accuracy_table(args.data_dir, models))
    print("\nthe same digits as scans, read at their own ink levels and stroke widths\n")
    print(scan_table(args.data_dir, models))


if __name__ == "__main__":
    main()
