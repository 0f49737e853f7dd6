"""The training and validation data: MNIST and three sets of other people's handwriting, read
as they are stored, and augmentation applied to whole batches at once.

- MNIST: 28x28 scans (torchvision's files).
- Pen trajectories (UCI pendigits): each digit as the strokes a stylus drew, with its writer.
- Form scans (UCI optdigits): 32x32 bitmaps, 0 paper and 1 ink.
- USPS: 16x16 gray envelope scans (torchvision's reader).

The data folder holds MNIST; the other sets are in its `handwriting` folder. How these become
the app's inputs is training/converted.py's job. Per-sample PIL transforms were the tutorial's
bottleneck; here one batch of images is warped, distorted and thickened by a few tensor
operations.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.datasets import USPS

from model.config import Augmentation

PENDIGITS_FILE = "pendigits-orig.tra"
HANDWRITING_DIR_NAME = "handwriting"  # under the data folder: pen trajectories, form scans, USPS
OPTDIGITS_FILES = {"train": "optdigits-orig.tra", "validation": "optdigits-orig.cv"}


def handwriting_path(data_dir: Path, name: str) -> Path:
    return Path(data_dir) / HANDWRITING_DIR_NAME / name


@dataclass(frozen=True)
class PenDigit:
    """One digit as written with a stylus: strokes of (x, y) points, y pointing down."""

    strokes: tuple[np.ndarray, ...]  # each (K, 2) float, in tablet units
    label: int
    writer: int


def read_pendigits(path: Path) -> list[PenDigit]:
    """A UNIPEN file: `.SEGMENT` starts a digit, `.COMMENT label writer item`, then
    `.PEN_DOWN` / points / `.PEN_UP` for each stroke. Tablet y points up; we flip it."""
    digits, strokes, stroke, label, writer = [], [], None, None, None

    def finish_digit():
        if label is not None and strokes:
            digits.append(PenDigit(tuple(strokes), label, writer))

    for line in Path(path).read_text().splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == ".SEGMENT":
            finish_digit()
            strokes, label, writer = [], None, None
        elif words[0] == ".COMMENT" and label is None:
            label, writer = int(words[1]), int(words[2])
        elif words[0] == ".PEN_DOWN":
            stroke = []
        elif words[0] == ".PEN_UP":
            if stroke:
                points = np.array(stroke, np.float64)
                points[:, 1] *= -1
                strokes.append(points)
            stroke = None
        elif stroke is not None:
            stroke.append((float(words[0]), float(words[1])))
    finish_digit()
    return digits


def read_optdigits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A file of 32 lines of 32 `0`/`1` characters per digit, each followed by its label line
    -> images (N, 32, 32) uint8 (1 is ink) and labels (N,) int64. The text header is skipped."""
    images, labels, rows = [], [], []
    for line in Path(path).read_text().splitlines():
        text = line.strip()
        if len(text) == 32 and set(text) <= {"0", "1"}:
            rows.append([int(c) for c in text])
        elif len(rows) == 32 and text.isdigit():
            images.append(rows)
            labels.append(int(text))
            rows = []
        else:
            rows = []  # a header line
    return np.array(images, np.uint8), np.array(labels, np.int64)


def load_usps(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """USPS's training part -> images (N, 16, 16) uint8, light ink on black, and labels (N,)."""
    dataset = USPS(str(Path(data_dir) / HANDWRITING_DIR_NAME), train=True, download=False)
    return np.asarray(dataset.data, np.uint8), np.asarray(dataset.targets, np.int64)


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

