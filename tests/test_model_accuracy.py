"""The shipped weights on 1,000 MNIST test images committed under tests/data."""

import numpy as np
import torch

from harness.drawing import EXAMPLES, EXAMPLES_DIR, STROKES, as_layers, load_pen_digits, render_strokes, table_value
from model.canvas import normalize
from model.classifier import DigitClassifier
from model.network import predict_labels
from model.paths import SEED_WEIGHTS


def sample_accuracy(classifier, mnist_sample) -> float:
    images, labels = mnist_sample
    inputs = normalize(torch.from_numpy(images).float() / 255, classifier.config.preprocess)
    return (predict_labels(classifier.network, inputs).numpy() == labels).mean()


def test_shipped_weights_accuracy_on_mnist_sample(classifier, mnist_sample):
    assert sample_accuracy(classifier, mnist_sample) >= 0.99


def test_seed_weights_accuracy_on_mnist_sample(mnist_sample):
    seed = DigitClassifier(SEED_WEIGHTS)
    assert sample_accuracy(seed, mnist_sample) >= 0.97


def test_shipped_weights_read_pen_drawn_digits(classifier):
    for digit in STROKES:
        for width in (8, 30, 70):
            prediction = classifier.predict(as_layers(render_strokes(digit, canvas=800, width=width)))
            assert prediction.label == digit, (digit, width, prediction.probabilities)


def test_clean_drawings_are_read_with_confidence(classifier):
    """A clean drawing of each digit, as the page's canvas sends it, and each example in
    examples/ (strokes, and the same drawing as an image file), shows at least 97% for its
    class: a clear digit reads as a clear answer."""
    examples = {path: digit for digit in EXAMPLES for path in EXAMPLES_DIR.glob(f"written_{digit}.*")}
    assert sorted(EXAMPLES_DIR.iterdir()) == sorted(examples)
    assert sorted(path.suffix for path in examples) == [".json"] * len(EXAMPLES) + [".png"] * len(EXAMPLES)
    drawings = {f"drawn {digit}": (digit, table_value(digit)) for digit in STROKES}
    drawings |= {f"examples/{path.name}": (digit, path) for path, digit in examples.items()}
    for name, (digit, drawing) in drawings.items():
        probability = classifier.predict(drawing).probabilities[digit]
        assert probability >= 0.97, (name, probability)


def test_shipped_weights_read_held_out_writers_pen_digits(classifier):
    """The 150 replayed digits of the pen writers kept out of training, as the page's canvas
    would send them: at least 97% read right, and every class at least twice in three."""
    digits = load_pen_digits()
    predicted = np.array([classifier.predict(digit["value"]).label for digit in digits])
    labels = np.array([digit["label"] for digit in digits])
    assert len(digits) == 150
    assert (predicted == labels).mean() >= 0.97
    for label in range(10):
        assert (predicted[labels == label] == label).mean() >= 2 / 3, label
