"""Shared test data: a committed MNIST sample, and a tiny data folder in the project's layout;
and the fresh virtual environment that test_fresh_venv.py serves the app from, installed beside
the tests that run before it."""

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from harness.server import ROOT
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


FRESH_VENV_TESTS = "test_fresh_venv.py"
FRESH_INSTALL_LIMIT_S = 1800


@dataclass
class FreshInstall:
    """`pip install -r requirements.txt` into a new virtual environment, running in the background."""

    folder: Path
    pip: subprocess.Popen

    @classmethod
    def start(cls) -> "FreshInstall":
        folder = Path(tempfile.mkdtemp(prefix="fresh-venv-"))
        subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
        with open(folder / "pip.log", "wb") as log:  # the child keeps its own copy of the file
            # No byte-compiling: Python compiles what app.py imports as it imports it.
            pip = subprocess.Popen([str(folder / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                    "--no-compile", "-r", str(ROOT / "requirements.txt")],
                                   stdout=log, stderr=subprocess.STDOUT)
        return cls(folder, pip)

    def python(self) -> Path:
        """Waits for the install; the environment's python, or a failure that shows pip's output."""
        code = self.pip.wait(timeout=FRESH_INSTALL_LIMIT_S)
        log = self.folder / "pip.log"  # read only when the assertion fails
        assert code == 0, f"pip install -r requirements.txt failed ({code}):\n{log.read_text(errors='replace')[-3000:]}"
        return self.folder / "venv" / "bin" / "python"

    def remove(self) -> None:
        self.pip.kill()  # nothing, once it has finished
        self.pip.wait()
        shutil.rmtree(self.folder, ignore_errors=True)  # gigabytes: torch and its libraries; once is enough


FRESH_INSTALL = pytest.StashKey[FreshInstall]()


def pytest_collection_finish(session) -> None:
    """Starts the fresh environment's install (a few minutes, mostly unpacking torch, on about
    one core) as soon as the tests are collected, when test_fresh_venv.py is among them."""
    if not session.config.option.collectonly and any(item.path.name == FRESH_VENV_TESTS for item in session.items):
        session.config.stash[FRESH_INSTALL] = FreshInstall.start()


def pytest_sessionfinish(session) -> None:
    install = session.config.stash.get(FRESH_INSTALL, None)
    if install is not None:
        install.remove()


@pytest.fixture(scope="module")
def fresh_python(request) -> Path:
    """The python of a new virtual environment with only requirements.txt installed; removed
    after the module's tests."""
    install = request.config.stash[FRESH_INSTALL]
    yield install.python()
    install.remove()
