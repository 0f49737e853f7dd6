"""The shipped weights on 1,000 MNIST test images committed under tests/data."""

import numpy as np
import torch
from PIL import Image

from harness.drawing import EXAMPLES, EXAMPLES_DIR, STROKES, as_sketchpad, render_strokes
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
            prediction = classifier.predict(as_sketchpad(render_strokes(digit, canvas=800, width=width)))
            assert prediction.label == digit, (digit, width, prediction.probabilities)


def test_clean_drawings_are_read_with_confidence(classifier):
    """A clean drawing of each digit, as the app's brush draws it, and each example in
    examples/, shows at least 97% for its class: a clear digit reads as a clear answer."""
    drawings = {f"drawn {digit}": (digit, as_sketchpad(render_strokes(digit))) for digit in STROKES}
    drawings |= {f"examples/drawn_{digit}.png": (digit, np.asarray(Image.open(EXAMPLES_DIR / f"drawn_{digit}.png")))
                 for digit in EXAMPLES}
    for name, (digit, drawing) in drawings.items():
        probability = classifier.predict(drawing).probabilities[digit]
        assert probability >= 0.97, (name, probability)
