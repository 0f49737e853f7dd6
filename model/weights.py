"""Saving and loading a model: safetensors weights with a JSON config beside them.

No pickle is involved, and the config records the weights' sha256, so a corrupt or swapped
file is refused instead of silently giving wrong answers.
"""

import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .config import ModelConfig
from .network import BiLSTMClassifier
from .paths import DEFAULT_WEIGHTS


class WeightsError(RuntimeError):
    """A weights file that cannot be used; the message names the file and how to rebuild it."""

    def __init__(self, path: Path, problem: str):
        super().__init__(
            f"Cannot load model weights from {path}: {problem}. "
            f"Rebuild them with: python train.py --out {path}"
        )


def config_path(weights_path: Path) -> Path:
    return Path(weights_path).with_suffix(".json")


def read_config(weights_path: Path) -> ModelConfig:
    """The config beside a weights file; raises ValueError, KeyError or TypeError if malformed."""
    return ModelConfig.from_dict(json.loads(config_path(weights_path).read_text()))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_model(model: BiLSTMClassifier, config: ModelConfig, path: Path) -> ModelConfig:
    """Writes PATH (safetensors) and PATH with .json; returns the config with its checksum."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {name: t.detach().contiguous() for name, t in model.state_dict().items()}
    save_file(tensors, str(path))
    config = ModelConfig.from_dict({**config.to_dict(), "sha256": sha256_of(path)})
    config_path(path).write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    return config


def load_model(path: Path = DEFAULT_WEIGHTS) -> tuple[BiLSTMClassifier, ModelConfig]:
    """Returns the network in eval mode and its config, or raises WeightsError."""
    path = Path(path)
    for file in (path, config_path(path)):
        if not file.is_file():
            raise WeightsError(path, f"{file.name} is missing")
    try:
        config = read_config(path)
    except (ValueError, KeyError, TypeError) as error:
        raise WeightsError(path, f"{config_path(path).name} is not a valid config ({error})")
    if sha256_of(path) != config.sha256:
        raise WeightsError(path, "its sha256 does not match the one in its config")
    try:
        tensors = load_file(str(path))
    except SafetensorError as error:
        raise WeightsError(path, f"it is not a readable safetensors file ({error})")
    try:
        model = BiLSTMClassifier(config.architecture)
        model.load_state_dict(tensors)
    except (RuntimeError, ValueError, TypeError) as error:
        raise WeightsError(path, f"it does not match the architecture in its config ({error})")
    return model.eval(), config
