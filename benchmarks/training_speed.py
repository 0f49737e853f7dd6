"""How long a training preset takes on this machine, projected from a few timed steps.

The default preset is meant to train in 30 minutes on 2 CPU cores. A full run of train.py
shows it, but takes that long; this times `--steps` real training steps (train.py's own
`Optimisation.step`, on MNIST digits, raw and converted in the recipe's proportions) and one
pass over the validation sources, as train.py makes after every epoch, and projects the run:

    epochs x (steps per epoch x seconds per step + one validation pass)

It leaves out reading the data, which train.py prints as "data ready" (seconds once the
conversion cache is built; minutes the first time).

    python -m benchmarks.training_speed [--preset default] [--steps 40]
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from model.data import load_mnist
from model.network import count_parameters
from model.paths import DATA_DIR
from model.sources import validation_sets
from train import PRESETS, Optimisation, Preset, accuracies, epoch_size, steps_per_epoch

WARMUP = 3
SEED = 0


def projected_seconds(recipe, step_seconds: float, validation_seconds: float) -> float:
    """The training time train.py prints, for `recipe`, from one step's and one validation pass's cost."""
    return recipe.epochs * (steps_per_epoch(recipe) * step_seconds + validation_seconds)


def time_steps(preset: Preset, images: torch.Tensor, labels: torch.Tensor, steps: int) -> tuple[Optimisation, np.ndarray]:
    """Trains `steps` batches drawn from images (N, 28, 28) in [0, 1]; each step's seconds."""
    recipe = preset.recipe
    generator = torch.Generator().manual_seed(SEED)
    optimisation = Optimisation.start(preset.architecture, recipe, steps_per_epoch(recipe))
    raw_share = recipe.mix.mnist / epoch_size(recipe.mix)  # MNIST's own tensors, warped harder
    seconds = []
    for _ in range(WARMUP + steps):
        index = torch.randint(len(images), (recipe.batch_size,), generator=generator)
        raw = torch.rand(recipe.batch_size, generator=generator) < raw_share
        started = time.perf_counter()
        optimisation.step(images[index].clone(), labels[index], raw, recipe, preset.preprocess, generator)
        seconds.append(time.perf_counter() - started)
    return optimisation, np.array(seconds[WARMUP:])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=PRESETS, default="default", help="training recipe to time")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST and handwriting/ are")
    parser.add_argument("--steps", type=int, default=40, help="timed training steps")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own choice, as train.py)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)

    preset = PRESETS[args.preset]
    recipe = preset.recipe
    images, labels = load_mnist(args.data_dir, train=True)
    optimisation, step_seconds = time_steps(preset, images, labels, args.steps)
    validation = validation_sets(args.data_dir, preset.preprocess)
    started = time.perf_counter()
    accuracies(optimisation.ema.module if optimisation.ema else optimisation.model, validation, preset.preprocess)
    validation_seconds = time.perf_counter() - started

    total = projected_seconds(recipe, float(step_seconds.mean()), validation_seconds)
    print(f"{args.preset} preset, {torch.get_num_threads()} torch threads: "
          f"{count_parameters(optimisation.model):,} parameters, {recipe.epochs} epochs of "
          f"{steps_per_epoch(recipe)} steps of {recipe.batch_size} images")
    print(f"training step: {np.percentile(step_seconds, 50) * 1000:.0f} ms p50, "
          f"{step_seconds.mean() * 1000:.0f} ms mean ({args.steps} steps)")
    print(f"validation pass: {validation_seconds:.1f} s "
          f"({sum(len(y) for _, y in validation.values()):,} images)")
    print(f"projected training: {total:,.0f} s ({total / 60:.1f} min) "
          f"for {recipe.epochs} epochs, besides reading the data")


if __name__ == "__main__":
    main()
