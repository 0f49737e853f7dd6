"""Tiny training runs on the committed samples: every preset writes weights that load, with a
config whose metrics were measured on images the run did not train on."""

import os
import subprocess
import sys
from dataclasses import replace

import pytest
import torch

from model.classifier import DigitClassifier
from model.config import ArchitectureConfig, Augmentation, TrainingMix
from model.corrections import CorrectionsFolder
from model.paths import PROJECT_ROOT
from training import converted, loop, sources
from training.data import augment
from training.recipe import CORRECTION_REPEATS, PRESETS


@pytest.fixture(autouse=True)
def small_data(monkeypatch, tmp_path):
    """The sample's USPS part is 120 digits, so hold out 20; keep converted sets out of the project."""
    monkeypatch.setattr(sources, "USPS_VALIDATION_COUNT", 20)
    monkeypatch.setattr(converted, "CACHE_DIR", tmp_path / "cache")


def test_seed_run_beats_chance_on_held_out_mnist(mnist_dir, tmp_path, monkeypatch):
    seed = PRESETS["seed"]
    monkeypatch.setitem(PRESETS, "seed", replace(seed, recipe=replace(seed.recipe, mix=TrainingMix(mnist=6000))))
    out = tmp_path / "seed.safetensors"
    config = loop.train("seed", mnist_dir, epochs=2, seed=0, out=out, final_test=True)
    classifier = DigitClassifier(out)
    assert classifier.config == config
    assert config.architecture == PRESETS["seed"].architecture
    assert config.recipe.preset == "seed" and config.metrics["epochs"] == 2
    assert config.metrics["device"] == "cpu"  # where it trained, beside how long
    assert config.metrics["parameters"] == sum(p.numel() for p in classifier.network.parameters())
    # 1,000 sample images, a twelfth held out: 94 steps of the tutorial's recipe read them
    # far better than the 10% of guessing.
    assert config.metrics["validation_accuracy"]["mnist"] > 0.4
    assert config.temperature == 1.0  # the tutorial's recipe is not calibrated
    assert 0 <= config.metrics["test_accuracy"] <= 1 and 0 <= config.metrics["test_scans_accuracy"] <= 1


def test_default_recipe_trains_on_every_source_and_calibrates(mnist_dir, tmp_path, monkeypatch):
    small = replace(
        PRESETS["default"],
        architecture=ArchitectureConfig(hidden_size=8, num_layers=1),
        recipe=replace(PRESETS["default"].recipe,
                       mix=TrainingMix(mnist=64, mnist_converted=64, pen=64, pen_variants=64, optdigits=64, usps=64)),
    )
    monkeypatch.setitem(PRESETS, "default", small)
    out = tmp_path / "default.safetensors"
    read = []  # MNIST's splits as they are read: True for training, False for test
    for module in (loop, sources):
        monkeypatch.setattr(module, "load_mnist", lambda data_dir, train, read_mnist=module.load_mnist: (
            read.append(train) or read_mnist(data_dir, train)))
    config = loop.train("default", mnist_dir, epochs=1, seed=0, out=out)
    assert DigitClassifier(out).config == config
    validation = {"mnist", "mnist scans", "pen writers", "pen variants", "optdigits", "usps"}
    assert set(config.metrics["validation_accuracy"]) == validation
    # Each variant the held-out writer's digits allow is measured on its own, and all join "pen variants".
    variant_counts = {name: len(labels) for name, (_, labels) in sources.variant_validation_sets(
        mnist_dir, small.preprocess).items()}
    assert {"slashed zero", "closed four", "five, flag apart"} <= set(config.metrics["variant_accuracy"]) == set(variant_counts)
    assert sum(variant_counts.values()) == len(sources.validation_sets(mnist_dir, small.preprocess)["pen variants"][1])
    assert config.temperature > 0
    # Every ECE is a validation source's, on the half the temperature was not fitted on.
    assert set(config.metrics["ece"]) == set(config.metrics["ece_uncalibrated"]) == validation
    for source, error in config.metrics["ece"].items():
        assert 0 <= error <= 1
    # Without --final-test, MNIST's test split is never read and no test figure is written.
    assert read and False not in read
    assert "test_accuracy" not in config.metrics and "test_scans_accuracy" not in config.metrics
    # The unsure threshold is this model's, chosen on the validation drawings and scribbles.
    assert 0 < config.unsure_below < 1 and not hasattr(PRESETS["default"], "unsure_below")


def test_corrections_saved_by_the_app_join_the_training_data(mnist_dir, mnist_sample, tmp_path, monkeypatch):
    folder = CorrectionsFolder(tmp_path / "corrections")
    images, labels = mnist_sample
    for image, label in zip(images[:30], labels[:30]):
        folder.save(image / 255, int(label), answer=None)
    seed = PRESETS["seed"]
    monkeypatch.setitem(PRESETS, "seed", replace(seed, recipe=replace(seed.recipe, mix=TrainingMix(mnist=256))))
    drawn = []  # (pool size, images drawn from it) for each source, each epoch
    epoch_indices = loop.epoch_indices
    monkeypatch.setattr(loop, "epoch_indices", lambda pool, count, generator: (
        drawn.append((pool, count)) or epoch_indices(pool, count, generator)))
    config = loop.train("seed", mnist_dir, epochs=1, seed=0, out=tmp_path / "w.safetensors", corrections=folder.folder)
    assert config.recipe.mix.corrections == CORRECTION_REPEATS * 30
    assert (30, CORRECTION_REPEATS * 30) in drawn


def test_watching_each_epoch_prints_its_validation_and_changes_no_weight(mnist_dir, tmp_path, monkeypatch, capsys):
    seed = PRESETS["seed"]
    monkeypatch.setitem(PRESETS, "seed", replace(seed, recipe=replace(seed.recipe, mix=TrainingMix(mnist=512))))
    rows, weights = {}, {}
    for watch in (False, True):
        out = tmp_path / f"watch-{watch}.safetensors"
        loop.train("seed", mnist_dir, epochs=3, seed=0, out=out, watch=watch)
        rows[watch] = [line.split() for line in capsys.readouterr().out.splitlines() if line.split()[:1] in (["1"], ["2"], ["3"])]
        weights[watch] = DigitClassifier(out).network.state_dict()
    # Unwatched, epochs 1 and 2 show dashes and only the last its accuracies; watched, each does.
    assert [row[1] for row in rows[False]] == ["-", "-", rows[False][2][1]] and rows[False][2][1] != "-"
    assert all(float(row[1]) >= 0 for row in rows[True]) and len(rows[True]) == 3
    assert rows[True][2][1:-2] == rows[False][2][1:-2]
    assert weights[True].keys() == weights[False].keys()
    assert all(torch.equal(weights[True][name], weights[False][name]) for name in weights[True])


def test_epoch_indices_show_each_image_once_before_any_twice():
    indices = loop.epoch_indices(5, 12, torch.Generator().manual_seed(0))
    assert len(indices) == 12
    assert sorted(indices[:5].tolist()) == sorted(indices[5:10].tolist()) == [0, 1, 2, 3, 4]


def test_seed_preset_is_the_tutorial_recipe():
    seed = PRESETS["seed"]
    assert (seed.architecture.hidden_size, seed.architecture.num_layers) == (12, 2)
    assert (seed.recipe.lr, seed.recipe.batch_size, seed.recipe.epochs) == (5e-3, 128, 11)
    assert seed.recipe.augmentation is None and seed.recipe.grad_clip is None and seed.recipe.ema_decay is None
    assert (seed.preprocess.mean, seed.preprocess.std, seed.recipe.label_smoothing) == (0.0, 1.0, 0.0)


def test_augmentation_keeps_digits_recognisable(mnist_sample):
    images = torch.from_numpy(mnist_sample[0][:64]).float() / 255
    generator = torch.Generator().manual_seed(0)
    augmented = augment(images, PRESETS["default"].recipe.augmentation, generator)
    assert augmented.shape == images.shape and 0 <= augmented.min() and augmented.max() <= 1
    assert not torch.equal(augmented, images)
    # Warped, not destroyed: the ink stays close to the original's amount and place.
    ink_ratio = augmented.sum((1, 2)) / images.sum((1, 2))
    assert 0.6 < ink_ratio.median() < 1.6
    overlap = (augmented * images).sum((1, 2)) / (images * images).sum((1, 2))
    assert overlap.median() > 0.3


def test_no_augmentation_is_the_identity(mnist_sample):
    images = torch.from_numpy(mnist_sample[0][:8]).float() / 255
    same = augment(images, Augmentation(), torch.Generator().manual_seed(0))
    assert torch.allclose(same, images, atol=1e-5)


def test_training_on_a_gpu_that_is_not_there_stops_before_it_starts(tmp_path):
    out = tmp_path / "w.safetensors"
    stopped = subprocess.run([sys.executable, "train.py", "--device", "cuda", "--out", str(out)],
                             cwd=PROJECT_ROOT, env=os.environ | {"CUDA_VISIBLE_DEVICES": ""},  # no GPU, even where one is
                             capture_output=True, text=True, timeout=120)
    assert stopped.returncode == 2 and "no CUDA GPU" in stopped.stderr
    assert not out.exists()
