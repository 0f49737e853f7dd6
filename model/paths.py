"""Where the project's files live: one place for every default path."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# MNIST and the other handwriting sets; torchvision downloads MNIST here when it is missing.
DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"

WEIGHTS_DIR = PROJECT_ROOT / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "bilstm.safetensors"  # the shipped model
SEED_WEIGHTS = WEIGHTS_DIR / "seed.safetensors"  # the tutorial's recipe
MNIST_ONLY_WEIGHTS = WEIGHTS_DIR / "mnist_only.safetensors"  # the previous shipped model, MNIST only
