"""A tiny training run of each preset writes weights that load and a config with metrics,
and what it learns carries over to images it did not train on."""

import pytest
import torch

from model.canvas import normalize
from model.classifier import DigitClassifier
from model.data import Augmentation, augment
from model.network import predict_labels
from train import PRESETS, train

TEST_IMAGES = slice(800, None)  # mnist_split_dir's test split: the sample's last 200 images


def held_out_accuracy(classifier: DigitClassifier, mnist_sample) -> float:
    images, labels = (array[TEST_IMAGES] for array in mnist_sample)
    inputs = normalize(torch.from_numpy(images).float() / 255, classifier.config.preprocess)
    return float((predict_labels(classifier.network, inputs).numpy() == labels).mean())


@pytest.mark.parametrize("preset", ["seed", "default"])
def test_training_smoke_run_writes_loadable_weights(preset, mnist_split_dir, mnist_sample, tmp_path):
    out = tmp_path / f"{preset}.safetensors"
    config = train(preset, str(mnist_split_dir), epochs=1, seed=0, out=str(out))
    classifier = DigitClassifier(out)
    assert classifier.config == config
    assert config.architecture == PRESETS[preset]["architecture"]
    assert config.metrics["epochs"] == 1
    assert config.metrics["parameters"] == sum(p.numel() for p in classifier.network.parameters())
    assert config.metrics["test_accuracy"] == pytest.approx(held_out_accuracy(classifier, mnist_sample))
    assert config.training["preset"] == preset


def test_training_beats_chance_on_images_it_did_not_train_on(mnist_split_dir, mnist_sample, tmp_path):
    """Two epochs of the tutorial's recipe on 800 images. (Not the shipped recipe: its
    weight average, at a decay of 0.999, needs far more steps than a smoke run takes.)"""
    out = tmp_path / "seed.safetensors"
    train("seed", str(mnist_split_dir), epochs=2, seed=0, out=str(out))
    assert held_out_accuracy(DigitClassifier(out), mnist_sample) > 0.25  # chance is 0.1


def test_seed_preset_is_the_tutorial_recipe():
    seed = PRESETS["seed"]
    assert (seed["architecture"].hidden_size, seed["architecture"].num_layers) == (12, 2)
    assert (seed["lr"], seed["batch_size"], seed["epochs"]) == (5e-3, 128, 11)
    assert seed["augmentation"] is None and seed["grad_clip"] is None and seed["ema_decay"] is None
    assert (seed["mean"], seed["std"], seed["label_smoothing"]) == (0.0, 1.0, 0.0)


def test_augmentation_keeps_digits_recognisable(mnist_sample):
    images = torch.from_numpy(mnist_sample[0][:64]).float() / 255
    generator = torch.Generator().manual_seed(0)
    augmented = augment(images, PRESETS["default"]["augmentation"], generator)
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
