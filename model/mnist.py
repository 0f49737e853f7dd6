"""MNIST as torchvision stores it: what `python -m model evaluate` scores and training learns from."""

import torch
from torchvision.datasets import MNIST


def load_mnist(data_dir: str, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Returns images (N, 28, 28) as floats in [0, 1] and labels (N,).

    torchvision finds the files already in `data_dir` and only downloads when they are missing.
    """
    dataset = MNIST(data_dir, train=train, download=True)
    return dataset.data.float() / 255.0, dataset.targets.clone()
