"""Numbers written with real pen digits: how often the app reads them exactly, how often it
splits them right, and how long a 6-digit number takes.

Held-out writers' pen trajectories (by default the validation writers of
pendigits-orig.tra, never trained on) are composed into numbers of 1 to 6 digits, each number
from one writer's digits, at random sizes, spacings and slants, with baselines that wander
(harness.drawing.compose_number), and drawn as the page's canvas sends them: on the desktop's
wide canvas (1680x560) and on the phone's square one (rows of three). Each is read as the app
reads it (DigitClassifier.read_number), and again as an image of the same drawing, black ink
on white as the page shows it, as the API and the command line get a scan or a photo: split
by its ink (model/segment.py's split_image), not its strokes.

    python -m benchmarks.numbers [--numbers 400] [--seed 0] [--data FILE] [--writers 26 27 ...] [--json]
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from harness.drawing import WIDE_CANVAS, compose_number, value_strokes
from harness.timing import time_calls
from model.classifier import DigitClassifier
from model.paths import DATA_DIR
from model.segment import stroke_groups
from model.strokes import BRUSH_WIDTH, CANVAS, draw_strokes
from model.weights import DEFAULT_WEIGHTS
from training.data import PENDIGITS_FILE, handwriting_path, read_pendigits
from training.sources import PEN_VALIDATION_WRITERS
from ui.views import Views

CANVASES = {"wide": WIDE_CANVAS, "square": (CANVAS, CANVAS)}
LENGTHS = range(1, 7)


def measure(classifier: DigitClassifier, digits: list, canvas: tuple[int, int], count: int,
            rng: np.random.Generator) -> dict:
    """For each length: the share of numbers read exactly, of numbers split right, and of
    digits split right (a digit whose strokes are exactly one group); and the share of their
    images read exactly and split into as many parts as the number has digits."""
    by_writer: dict[int, list] = {}
    for digit in digits:
        by_writer.setdefault(digit.writer, []).append(digit)
    writers = sorted(by_writer)
    results = {}
    for length in LENGTHS:
        exact = split = digits_right = image_exact = image_split = 0
        for _ in range(count):
            pool = by_writer[writers[rng.integers(len(writers))]]
            chosen = [pool[i] for i in rng.choice(len(pool), length, replace=False)]
            number = compose_number([(d.label, list(d.strokes)) for d in chosen], rng, canvas)
            groups = stroke_groups(value_strokes(number.value))
            truth = [[i for i, d in enumerate(number.digit_of_stroke) if d == k] for k in range(length)]
            split += groups == truth
            digits_right += sum(group in groups for group in truth)
            exact += classifier.read_number(number.value).number == number.text
            image = 255 - draw_strokes(value_strokes(number.value), BRUSH_WIDTH, max(canvas))[: canvas[1], : canvas[0]]
            reading = classifier.read_number(image)
            image_exact += reading.number == number.text
            image_split += len(reading.digits) == length
        results[length] = {"read_exactly": exact / count, "split_right": split / count,
                           "digits_split_right": digits_right / (count * length),
                           "image_read_exactly": image_exact / count, "image_split_right": image_split / count,
                           "numbers": count}
    return results


def latency(views: Views, digits: list, rng: np.random.Generator, calls: int = 200) -> dict:
    """The canvas's handler (Views.answer) for one pen digit on the square canvas (read as one
    digit drawn alone is) and for 6-digit numbers on the wide one, each called 10 times: `views`
    should remember no digits (`recent_digits=0`), or the repeats would be remembered
    (benchmarks/app_latency.py times a number as it is written)."""
    picks = [[digits[i] for i in rng.choice(len(digits), 6, replace=False)] for _ in range(20)]
    numbers = [compose_number([(d.label, list(d.strokes)) for d in chosen], rng).value for chosen in picks]
    singles = [compose_number([(d.label, list(d.strokes))], rng, CANVASES["square"]).value for d in (p[0] for p in picks)]
    one, six = (time_calls(views.answer, values, calls)["p50_ms"] for values in (singles, numbers))
    return {"one_digit_p50_ms": one, "six_digits_p50_ms": six, "ratio": round(six / one, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--numbers", type=int, default=400, help="numbers of each length on each canvas")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=handwriting_path(DATA_DIR, PENDIGITS_FILE),
                        help="pen trajectories in UNIPEN form (default: pendigits-orig.tra)")
    parser.add_argument("--writers", type=int, nargs="*", default=sorted(PEN_VALIDATION_WRITERS),
                        help="whose digits to compose (default: the validation writers); none: all in --data")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="safetensors file")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the app reads: one thread per request

    digits = [d for d in read_pendigits(args.data) if not args.writers or d.writer in args.writers]
    classifier = DigitClassifier(args.weights)
    rng = np.random.default_rng(args.seed)
    results = {name: measure(classifier, digits, canvas, args.numbers, rng) for name, canvas in CANVASES.items()}
    results["latency"] = latency(Views(DigitClassifier(args.weights, recent_digits=0)), digits, rng)
    if args.json:
        print(json.dumps(results))
        return
    writers = sorted({d.writer for d in digits})
    print(f"{len(digits)} pen digits of writers {writers}; {args.numbers} numbers of each length per canvas")
    for name in CANVASES:
        print(f"\n{name} canvas {CANVASES[name][0]}x{CANVASES[name][1]}")
        print(f"{'':6}  {'strokes':^45}  {'its image':^28}")
        print(f"{'digits':>6}  {'read exactly':>12}  {'split right':>11}  {'digits split right':>18}"
              f"  {'read exactly':>12}  {'split right':>13}")
        for length, row in results[name].items():
            print(f"{length:>6}  {row['read_exactly']:12.1%}  {row['split_right']:11.1%}  {row['digits_split_right']:18.1%}"
                  f"  {row['image_read_exactly']:12.1%}  {row['image_split_right']:13.1%}")
    timing = results["latency"]
    print(f"\nhandler (Views.answer), p50: one digit on the square canvas {timing['one_digit_p50_ms']} ms, "
          f"a 6-digit number on the wide one, none read before, {timing['six_digits_p50_ms']} ms ({timing['ratio']}x)")


if __name__ == "__main__":
    main()
