"""Shared test data: a committed MNIST sample, and a tiny data folder in the project's layout."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from model.classifier import DigitClassifier
from model.weights import DEFAULT_WEIGHTS

SAMPLE = Path(__file__).parent / "data" / "mnist_test_sample.npz"
# A few digits of each other handwriting set, in the files' own formats.
HANDWRITING_SAMPLE = Path(__file__).parent / "data" / "handwriting"


@pytest.fixture(scope="session")
def mnist_sample() -> tuple[np.ndarray, np.ndarray]:
    """1,000 MNIST test images (N, 28, 28) uint8 and their labels."""
    with np.load(SAMPLE) as data:
        return data["images"], data["labels"].astype(np.int64)


def write_idx(path: Path, array: np.ndarray) -> None:
    """MNIST's idx format: magic (0, 0, uint8 type, ndim), big-endian sizes, then the bytes."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def mnist_folder(root: Path, train: tuple, test: tuple) -> Path:
    """A data folder in the project's layout: MNIST in torchvision's layout holding
    (images, labels) as its two splits, and the handwriting sample."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for split, (images, labels) in (("train", train), ("t10k", test)):
        write_idx(raw / f"{split}-images-idx3-ubyte", images)
        write_idx(raw / f"{split}-labels-idx1-ubyte", labels)
    shutil.copytree(HANDWRITING_SAMPLE, root / "handwriting")
    return root


@pytest.fixture(scope="session")
def mnist_dir(tmp_path_factory, mnist_sample) -> Path:
    """The sample as both splits."""
    return mnist_folder(tmp_path_factory.mktemp("data"), mnist_sample, mnist_sample)


@pytest.fixture(scope="session")
def classifier() -> DigitClassifier:
    return DigitClassifier(DEFAULT_WEIGHTS)
