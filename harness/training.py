"""Timed training steps, for the training-speed benchmark and its test: training/loop.py's own step,
on batches drawn the way its recipe mixes raw and converted images."""

import time
from dataclasses import replace

import numpy as np
import torch

from training.loop import Optimisation, epoch_size, steps_per_epoch
from training.recipe import Preset

WARMUP = 3


def with_batch_size(preset: Preset, batch_size: int) -> Preset:
    """The preset with `batch_size` images a step: the same mix and epochs, in more or fewer steps."""
    return replace(preset, recipe=replace(preset.recipe, batch_size=batch_size))


def projected_seconds(recipe, step_seconds: float, validation_seconds: float, watch: bool = False) -> float:
    """The training time train.py prints, for `recipe`, from one step's and one validation pass's
    cost: a pass after the last epoch, or with `watch` (train.py --watch) after each."""
    passes = recipe.epochs if watch else 1
    return recipe.epochs * steps_per_epoch(recipe) * step_seconds + passes * validation_seconds


def time_steps(preset: Preset, images: torch.Tensor, labels: torch.Tensor, steps: int,
               seed: int = 0) -> tuple[Optimisation, np.ndarray]:
    """Trains `steps` batches drawn from images (N, 28, 28) in [0, 1]; each step's seconds."""
    recipe = preset.recipe
    generator = torch.Generator().manual_seed(seed)
    optimisation = Optimisation.start(preset.architecture, recipe)
    raw_share = recipe.mix.mnist / epoch_size(recipe.mix)  # MNIST's own tensors, warped harder
    seconds = []
    for _ in range(WARMUP + steps):
        index = torch.randint(len(images), (recipe.batch_size,), generator=generator)
        raw = torch.rand(recipe.batch_size, generator=generator) < raw_share
        started = time.perf_counter()
        optimisation.step(images[index].clone(), labels[index], raw, recipe, preset.preprocess, generator)
        seconds.append(time.perf_counter() - started)
    return optimisation, np.array(seconds[WARMUP:])
