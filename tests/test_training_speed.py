"""The training-speed benchmark times training/loop.py's own step and projects a whole run from it."""

import torch

from harness.training import WARMUP, projected_seconds, time_steps, with_batch_size
from training.loop import epoch_size, steps_per_epoch
from training.recipe import PRESETS


def test_projection_is_epochs_times_steps_and_validation():
    recipe = PRESETS["default"].recipe
    assert steps_per_epoch(recipe) == 532  # 136,000 images in batches of 256
    assert projected_seconds(recipe, step_seconds=0.5, validation_seconds=7.0) == 18 * 532 * 0.5 + 7.0
    assert projected_seconds(recipe, step_seconds=0.5, validation_seconds=7.0, watch=True) == 18 * (532 * 0.5 + 7.0)


def test_a_larger_batch_takes_fewer_steps_over_the_same_images():
    preset = PRESETS["default"]
    larger = with_batch_size(preset, 512).recipe
    assert larger.batch_size == 512 and steps_per_epoch(larger) == 266
    assert epoch_size(larger.mix) == epoch_size(preset.recipe.mix) and larger.epochs == preset.recipe.epochs
    assert preset.recipe.batch_size == 256  # the shipped preset is left as it was


def test_each_timed_step_is_an_optimiser_step(mnist_sample):
    images = torch.from_numpy(mnist_sample[0][:256]).float() / 255
    labels = torch.from_numpy(mnist_sample[1][:256])
    optimisation, seconds = time_steps(PRESETS["seed"], images, labels, steps=2)
    assert len(seconds) == 2 and (seconds > 0).all()
    steps_taken = {int(state["step"]) for state in optimisation.optimizer.state.values()}
    assert steps_taken == {WARMUP + 2}
