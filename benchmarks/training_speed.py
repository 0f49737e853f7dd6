"""How long a training preset takes on this machine, projected from a few timed steps.

The default preset is meant to train in 45 minutes on 2 CPU cores. A full run of train.py
shows it, but takes that long; this times `--steps` real training steps (training/loop.py's own
`Optimisation.step`, on MNIST digits, raw and converted in the recipe's proportions) and one
pass over the validation sources, as train.py makes after the last epoch, and projects the run:

    epochs x steps per epoch x seconds per step + one validation pass
    (with --watch, as train.py --watch: a validation pass after every epoch)

It leaves out reading the data, which train.py prints as "data ready" (seconds once the
conversion cache is built; minutes the first time).

    python -m benchmarks.training_speed [--preset default] [--steps 40] [--watch] [--batch-size N]

`--batch-size` times the preset with another batch size (the same images an epoch, in fewer or
more steps), to see whether a larger batch trains more images a second on this machine.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from harness.training import projected_seconds, time_steps, with_batch_size
from model.mnist import load_mnist
from model.network import count_parameters
from model.paths import DATA_DIR
from training.allocator import keep_freed_memory
from training.loop import accuracies, steps_per_epoch
from training.recipe import PRESETS
from training.sources import validation_sets

SEED = 0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=PRESETS, default="default", help="training recipe to time")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST and handwriting/ are")
    parser.add_argument("--steps", type=int, default=40, help="timed training steps")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own choice, as train.py)")
    parser.add_argument("--watch", action="store_true", help="project train.py --watch: validation after every epoch")
    parser.add_argument("--batch-size", type=int, help="images a step (default: the preset's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    keep_freed_memory()  # as train.py does
    torch.manual_seed(SEED)

    preset = PRESETS[args.preset]
    if args.batch_size:
        preset = with_batch_size(preset, args.batch_size)
    recipe = preset.recipe
    images, labels = load_mnist(args.data_dir, train=True)
    optimisation, step_seconds = time_steps(preset, images, labels, args.steps, SEED)
    validation = validation_sets(args.data_dir, preset.preprocess)
    started = time.perf_counter()
    accuracies(optimisation.kept, validation, preset.preprocess)
    validation_seconds = time.perf_counter() - started

    total = projected_seconds(recipe, float(step_seconds.mean()), validation_seconds, args.watch)
    print(f"{args.preset} preset, {torch.get_num_threads()} torch threads: "
          f"{count_parameters(optimisation.model):,} parameters, {recipe.epochs} epochs of "
          f"{steps_per_epoch(recipe)} steps of {recipe.batch_size} images")
    step_p50 = np.percentile(step_seconds, 50)
    print(f"training step: {step_p50 * 1000:.0f} ms p50, "
          f"{step_seconds.mean() * 1000:.0f} ms mean ({args.steps} steps), "
          f"{step_p50 / recipe.batch_size * 1e6:.0f} µs an image")
    print(f"validation pass: {validation_seconds:.1f} s "
          f"({sum(len(y) for _, y in validation.values()):,} images)")
    print(f"projected training: {total:,.0f} s ({total / 60:.1f} min) "
          f"for {recipe.epochs} epochs{' validated after each' if args.watch else ''}, besides reading the data")


if __name__ == "__main__":
    main()
