"""Each writing variant's accuracy (training/variants.py), and the sheet that shows them.

The held-out pen writers' digits (training/sources.py) are written in each way that suits them,
drawn on canvases and sent through the app's conversion, then read by the shipped weights, the
previous shipped weights (MNIST alone) and the tutorial's recipe. Then the same digits, as
written and in each variant, as 28x28 scans (training/converted.py's pen_scan): image files of
a digit at MNIST's scale, which the conversion reads at their own ink levels and stroke widths,
where training's drawings all have one width. The same three models read them:

    python -m benchmarks.variants [--sheet docs/variants.png] [--misread docs/variants_misread.png]

`--sheet` also draws the held-out writers' digits as written and in each variant, a row each.

Last, where the shipped weights' misreads come from: for the held-out digits as written and in
each variant, how many drawings it misreads, how many of those the page calls unsure, and
whose digits they are; a misread drawing whose digit it reads right as written is what the
variant adds. `--misread PATH` draws those drawings as the network reads them, a row each.
"""

import argparse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from model.canvas import canvas_to_pixels, normalize
from model.config import ModelConfig
from model.network import predict_labels, predict_logits
from model.paths import DATA_DIR, DEFAULT_WEIGHTS, MNIST_ONLY_WEIGHTS, SEED_WEIGHTS
from model.weights import load_model
from training.converted import VariantCanvases, pen_drawings, pen_scan, variant_drawings
from training.data import PenDigit
from training.sources import (PEN_VALIDATION_VARIANTS, VALIDATION_SEED, VARIANT_VALIDATION_COPIES,
                              held_out_pen_digits, variant_validation_sets)
from training.variants import VARIANTS

MODELS = {"shipped": DEFAULT_WEIGHTS, "mnist-only": MNIST_ONLY_WEIGHTS, "seed": SEED_WEIGHTS}
SCAN_COPIES, SCAN_SEED = 2, 3  # scans of each held-out digit in each way, and their drawing seed
SHEET_COLUMNS = 8
TILE = 80  # pixels for each drawing on the sheet
LABEL_WIDTH = 190
MISREAD_COLUMNS = 16  # misread drawings shown in each row of the --misread sheet
MISREAD_TILE = 84  # pixels for each 28x28 input there: 3 to a pixel


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
        for index, digit in enumerate(digits if variant is None else variant.writable(digits)):
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
        writable = variant.writable(digits)
        shown = VariantCanvases(writable[:: max(1, len(writable) // SHEET_COLUMNS)][:SHEET_COLUMNS], name, 1, row)
        for column in range(len(shown.digits)):
            ink = shown(column)["layers"][0][..., 3]
            drawing = Image.fromarray(255 - ink).crop(Image.fromarray(ink).getbbox())
            drawing.thumbnail((TILE - 12, TILE - 12), Image.Resampling.LANCZOS)
            sheet.paste(drawing, (LABEL_WIDTH + column * TILE + (TILE - drawing.width) // 2,
                                  row * TILE + (TILE - drawing.height) // 2))
    sheet.save(path)


@dataclass(frozen=True)
class Misreads:
    """The drawings of one way of writing the held-out digits that the network misreads."""

    pixels: np.ndarray  # (M, 28, 28) uint8: what the network read
    digits: list[PenDigit]  # the held-out digit that each one writes (the same objects as the held-out list's)
    read_as: list[int]
    top: list[float]  # the top probability, at the config's temperature
    drawings: int  # drawings of this way, misread or not
    drawn_digits: int  # the held-out digits they write


def misreads(data_dir: Path, network, config: ModelConfig) -> dict[str, Misreads]:
    """Each way of writing ("as written", then each variant that suits some held-out digit): the
    validation drawings of it that `network` misreads. They are drawn as validation draws them
    (training/sources.py), uncached, so each keeps the digit it writes."""
    digits = held_out_pen_digits(data_dir)
    found = {}
    for name in ["as written", *VARIANTS]:
        if name == "as written":
            pixels, drawn = pen_drawings(digits, PEN_VALIDATION_VARIANTS, VALIDATION_SEED, config.preprocess)
        else:
            pixels, drawn = variant_drawings(name, digits, VARIANT_VALIDATION_COPIES, VALIDATION_SEED, config.preprocess)
        if not drawn:
            continue
        inputs = normalize(torch.from_numpy(pixels).float() / 255.0, config.preprocess)
        top, read_as = torch.softmax(predict_logits(network, inputs) / config.temperature, 1).max(1)
        wrong = np.flatnonzero(read_as.numpy() != np.array([d.label for d in drawn]))
        found[name] = Misreads(pixels[wrong], [drawn[i] for i in wrong], read_as[wrong].tolist(),
                               top[wrong].tolist(), len(drawn), len({id(digit) for digit in drawn}))
    return found


def misread_table(found: dict[str, Misreads], unsure_below: float) -> str:
    """A markdown table: each way's misread drawings, those whose digit reads right as written
    (what the variant adds), those the page calls unsure, and whose digits they are."""
    misread_as_written = {id(digit) for digit in found["as written"].digits}
    lines = ["| way of writing | drawings | misread (accuracy) | digit read right as written | called unsure "
             "| digits misread | by writer: digits | read as: drawings |", "|---" * 8 + "|"]
    for name, m in found.items():
        added = sum(id(digit) not in misread_as_written for digit in m.digits)
        unsure = sum(top < unsure_below for top in m.top)
        digits = {id(digit): digit for digit in m.digits}.values()
        writers = Counter(digit.writer for digit in digits)
        lines.append(
            f"| {name} | {m.drawings:,} | {len(m.digits)} ({1 - len(m.digits) / m.drawings:.2%}) "
            f"| {'-' if name == 'as written' else added} | {unsure} | {len(digits)} of {m.drawn_digits:,} "
            f"| {', '.join(f'{w}: {n}' for w, n in sorted(writers.items())) or '-'} "
            f"| {', '.join(f'{c}: {n}' for c, n in Counter(m.read_as).most_common()) or '-'} |")
    return "\n".join(lines)


def draw_misread_sheet(found: dict[str, Misreads], path: Path) -> None:
    """A row for each way with misreads: up to MISREAD_COLUMNS of its misread drawings as the
    network reads them, each captioned with what it was read as, how sure, and whose it is."""
    rows = [(name, m) for name, m in found.items() if m.digits]
    sheet = Image.new("L", (LABEL_WIDTH + MISREAD_COLUMNS * MISREAD_TILE, len(rows) * (MISREAD_TILE + 16)), 255)
    pen = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=13)
    for row, (name, m) in enumerate(rows):
        top_y = row * (MISREAD_TILE + 16)
        pen.text((8, top_y + MISREAD_TILE // 2), f"{name} ({len(m.digits)})", fill=0, font=font, anchor="lm")
        for column in range(min(MISREAD_COLUMNS, len(m.digits))):
            tile = Image.fromarray(255 - m.pixels[column]).resize((MISREAD_TILE, MISREAD_TILE), Image.Resampling.NEAREST)
            left = LABEL_WIDTH + column * MISREAD_TILE
            sheet.paste(tile, (left, top_y))
            caption = f"{m.read_as[column]} {m.top[column]:.2f} w{m.digits[column].writer}"
            pen.text((left + MISREAD_TILE // 2, top_y + MISREAD_TILE + 8), caption, fill=0, font=font, anchor="mm")
    sheet.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST and handwriting/ are")
    parser.add_argument("--sheet", type=Path, help="also draw the variant sheet to this PNG")
    parser.add_argument("--misread", type=Path, help="also draw the shipped weights' misread drawings to this PNG")
    args = parser.parse_args()
    if args.sheet:
        draw_sheet(args.data_dir, args.sheet)
        print(f"wrote {args.sheet}")
    models = {name: load_model(weights) for name, weights in MODELS.items()}  # (network, config)
    print("accuracy on the held-out pen writers' digits written in each variant\n")
    print(accuracy_table(args.data_dir, models))
    print("\nthe same digits as scans, read at their own ink levels and stroke widths\n")
    print(scan_table(args.data_dir, models))
    network, config = models["shipped"]
    found = misreads(args.data_dir, network, config)
    print(f"\nthe drawings above that the shipped weights misread; unsure: under {config.unsure_below} at "
          f"T = {config.temperature}\n")
    print(misread_table(found, config.unsure_below))
    if args.misread:
        draw_misread_sheet(found, args.misread)
        print(f"wrote {args.misread}")


if __name__ == "__main__":
    main()
