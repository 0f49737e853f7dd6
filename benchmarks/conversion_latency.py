"""How long one drawing takes to read, after the model is loaded.

Times, over several MNIST digits drawn on a canvas (as a dict of image layers, ink in alpha):
the whole `DigitClassifier.predict` (conversion + model), the conversion alone with its two
stages (reading the ink, framing the digit), and the model alone. The target is under 10 ms
for conversion + model on an 800x800 canvas.

    python -m benchmarks.conversion_latency [--runs 200] [--canvas 800] [--weights FILE]
"""

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
import torch

from harness.drawing import as_layers, draw_digit
from model.canvas import canvas_to_pixels, frame_digit, ink_map, normalize
from model.classifier import DigitClassifier
from model.mnist import load_mnist
from model.paths import DATA_DIR
from model.weights import DEFAULT_WEIGHTS

# (size, stroke width on an 800 px canvas): the corners of what people draw, and the middle.
DRAWINGS = [(0.2, 8), (0.5, 25), (0.85, 70), (0.85, 8), (0.3, 40)]
WARMUP = 10


def timings_ms(step, inputs: list, runs: int) -> np.ndarray:
    """Calls step(input) `runs` times, cycling through the inputs; each call's milliseconds."""
    cycle = itertools.cycle(inputs)
    for _ in range(WARMUP):
        step(next(cycle))
    times = []
    for _ in range(runs):
        value = next(cycle)
        started = time.perf_counter()
        step(value)
        times.append((time.perf_counter() - started) * 1000)
    return np.array(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="the model to time")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="folder holding MNIST")
    parser.add_argument("--runs", type=int, default=200, help="timed calls per measurement")
    parser.add_argument("--canvas", type=int, default=800, help="canvas side in pixels")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own choice)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    classifier = DigitClassifier(args.weights)
    preprocess = classifier.config.preprocess
    images, _ = load_mnist(args.data_dir, train=False)
    values = [
        as_layers(draw_digit(digit.numpy(), size, width * args.canvas / 800, canvas=args.canvas))
        for digit, (size, width) in zip(images, DRAWINGS)
    ]
    inks = [ink_map(value) for value in values]
    inputs = [normalize(torch.from_numpy(canvas_to_pixels(v, preprocess)), preprocess)[None] for v in values]

    def model_alone(batch):  # what predict runs after the conversion: (1, 28, 28) -> states
        with torch.inference_mode():
            logits, _ = classifier.network.forward_with_states(batch)
            torch.softmax(logits[0], dim=0)

    measurements = {
        "conversion + model (predict)": timings_ms(classifier.predict, values, args.runs),
        "conversion (canvas_to_pixels)": timings_ms(lambda v: canvas_to_pixels(v, preprocess), values, args.runs),
        "  reading the ink (ink_map)": timings_ms(ink_map, values, args.runs),
        "  framing the digit (frame_digit)": timings_ms(lambda ink: frame_digit(ink, preprocess), inks, args.runs),
        "model (forward with states)": timings_ms(model_alone, inputs, args.runs),
    }
    print(f"{args.canvas}x{args.canvas} canvas, {len(values)} drawings as image layers, {args.runs} runs each, "
          f"{torch.get_num_threads()} torch threads\n")
    print(f"| {'step':34} | p50 ms | p95 ms | mean ms |")
    print(f"|{'-' * 36}|-------:|-------:|--------:|")
    for name, ms in measurements.items():
        print(f"| {name:34} | {np.percentile(ms, 50):6.2f} | {np.percentile(ms, 95):6.2f} | {ms.mean():7.2f} |")


if __name__ == "__main__":
    main()
