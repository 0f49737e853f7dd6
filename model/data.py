"""MNIST as in-memory tensors, and augmentation applied to whole batches at once.

Per-sample PIL transforms were the tutorial's bottleneck; here one batch of images is
warped, distorted and thickened by a few tensor operations.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torchvision.datasets import MNIST


def load_mnist(data_dir: str, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Returns images (N, 28, 28) as floats in [0, 1] and labels (N,).

    torchvision finds the files already in `data_dir` and only downloads when they are missing.
    """
    dataset = MNIST(data_dir, train=train, download=True)
    return dataset.data.float() / 255.0, dataset.targets.clone()


@dataclass(frozen=True)
class Augmentation:
    """How far each random change may go; zero turns a change off."""

    rotate_degrees: float = 0.0
    shear: float = 0.0  # horizontal shear factor, as slanted handwriting has
    scale: float = 0.0  # relative change of size
    aspect: float = 0.0  # relative change of width against height
    shift: float = 0.0  # pixels
    elastic: float = 0.0  # pixels of smooth random displacement
    thickness: float = 0.0  # 1 blends fully towards a 3x3 dilation or erosion


def augment(images: torch.Tensor, aug: Augmentation, generator: torch.Generator) -> torch.Tensor:
    """images (B, 28, 28) in [0, 1] -> randomly drawn variants of the same digits, same shape."""
    batch, size = images.shape[0], images.shape[-1]

    def uniform(limit: float) -> torch.Tensor:  # (B,) in [-limit, limit]
        return (torch.rand(batch, generator=generator) * 2 - 1) * limit

    angle = uniform(math.radians(aug.rotate_degrees))
    shear = uniform(aug.shear)
    scale = 1 + uniform(aug.scale)
    aspect = torch.exp(uniform(aug.aspect))
    cos, sin = torch.cos(angle), torch.sin(angle)
    # theta maps output coordinates to input ones: rotate, shear, then scale.
    theta = torch.zeros(batch, 2, 3)
    sx, sy = 1 / (scale * aspect), aspect / scale
    theta[:, 0, 0] = cos * sx
    theta[:, 0, 1] = (-sin + shear * cos) * sy
    theta[:, 1, 0] = sin * sx
    theta[:, 1, 1] = (cos + shear * sin) * sy
    theta[:, :, 2] = torch.stack([uniform(aug.shift), uniform(aug.shift)], dim=1) * 2 / size
    x = images.unsqueeze(1)  # (B, 1, H, W)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (B, H, W, 2)
    if aug.elastic > 0:
        coarse = torch.randn(batch, 2, 4, 4, generator=generator) * (aug.elastic * 2 / size)
        field = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)
        grid = grid + field.permute(0, 2, 3, 1)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if aug.thickness > 0:
        amount = uniform(aug.thickness).view(batch, 1, 1, 1)
        dilated = F.max_pool2d(x, 3, stride=1, padding=1)
        eroded = -F.max_pool2d(-x, 3, stride=1, padding=1)
        target = torch.where(amount > 0, dilated, eroded)
        x = x + amount.abs() * (target - x)
    return x.squeeze(1).clamp(0, 1)
