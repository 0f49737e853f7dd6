"""Training and validation images made the way the app makes its inputs.

Every image here is a drawing or a scan sent through the app's own conversion
(`model.canvas.canvas_to_pixels`), so the network learns from exactly what the app feeds it:
- pen trajectories are drawn on the app's canvas by the app's own round brush
  (model/strokes.py), at varied sizes, places, pen widths, slants and wobbles;
- scans (MNIST, optdigits, USPS) are varied a little (turn, slant, aspect, padding, ink
  polarity) and re-sampled to varied resolutions, as other scanners would have made them.

Converting takes minutes, so each set's result is cached under CACHE_DIR, keyed by its
source file, the conversion settings, the seed, and a hash of the code that reads, draws and
converts (DRAWING_CODE, with the drawing settings below in it; and training/variants.py for the
writing variants' sets): a change to any of them builds the set again, with no version number
to remember to bump.
"""

import hashlib
import json
import multiprocessing
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image

import model.canvas
import model.strokes
from model.canvas import canvas_to_pixels
from model.config import PreprocessConfig
from model.paths import PROJECT_ROOT
from model.strokes import CANVAS, draw_strokes

from . import data, variants
from .data import PenDigit
from .variants import VARIANTS

CACHE_DIR = PROJECT_ROOT / ".cache"  # converted training images, rebuilt when missing
# The code whose output a cached set is: the readers, this module's drawing and its settings,
# the brush, and the app's conversion.
DRAWING_CODE = (data.__file__, __file__, model.strokes.__file__, model.canvas.__file__)

PEN_SIZE = (0.25, 0.85)  # the drawing's longer side, as a fraction of the canvas
PEN_WIDTH = (6.0, 45.0)  # brush diameter in canvas pixels, at most PEN_MAX_WIDTH of the drawing
PEN_MAX_WIDTH = 0.2
TURN_DEGREES = 8.0
SLANT = 0.3  # horizontal shear factor
ASPECT = 0.15  # relative change of width against height (log scale)
WOBBLE = 0.025  # smooth displacement, as a fraction of the drawing's size
SCAN_SIDES = (8, 10, 12, 16, 20, 24, 28, 32)  # resolutions scans are re-sampled to
# A pen digit as a 28x28 scan: its longer side in pixels, its pen's width in pixels, and how much
# finer it is drawn before its pixels are averaged down (so its edges are gray, as MNIST's are).
PEN_SCAN_SIDE = 28
PEN_SCAN_SIZE = (16.0, 21.0)
PEN_SCAN_WIDTH = (1.2, 3.2)
PEN_SCAN_SUPERSAMPLE = 4


def pen_canvas(digit: PenDigit, rng: np.random.Generator, canvas: int = CANVAS) -> dict:
    """A pen digit drawn on a canvas by the app's brush: a dict of one layer, ink in its alpha."""
    strokes = _vary_shape(list(digit.strokes), rng)
    points = np.concatenate(strokes)
    low, high = points.min(0), points.max(0)
    extent = max(float((high - low).max()), 1e-6)
    size = rng.uniform(*PEN_SIZE) * canvas
    scale = size / extent
    width = rng.uniform(PEN_WIDTH[0], max(PEN_WIDTH[0], min(PEN_WIDTH[1], PEN_MAX_WIDTH * size)))
    margin = width / 2 + 2
    span = (high - low) * scale
    origin = np.array([rng.uniform(margin, max(margin, canvas - margin - s)) for s in span])
    placed = [(stroke - low) * scale + origin for stroke in strokes]
    layer = np.zeros((canvas, canvas, 4), np.uint8)
    layer[..., 3] = draw_strokes(placed, width, canvas)
    return {"background": None, "layers": [layer], "composite": None}


def pen_scan(strokes: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Pen strokes (x right, y down) -> a (28, 28) uint8 scan of them, ink light on dark: varied
    as pen_canvas varies them, centred, with a pen of its own width. An image file of a digit
    at MNIST's scale, which the app's conversion reads at its own ink levels and stroke widths."""
    strokes = _vary_shape(strokes, rng)
    points = np.concatenate(strokes)
    low, high = points.min(0), points.max(0)
    fine = PEN_SCAN_SIDE * PEN_SCAN_SUPERSAMPLE
    scale = rng.uniform(*PEN_SCAN_SIZE) * PEN_SCAN_SUPERSAMPLE / max(float((high - low).max()), 1e-6)
    placed = [(stroke - low) * scale + (fine - (high - low) * scale) / 2 for stroke in strokes]
    ink = draw_strokes(placed, rng.uniform(*PEN_SCAN_WIDTH) * PEN_SCAN_SUPERSAMPLE, fine)
    return np.asarray(Image.fromarray(ink).resize((PEN_SCAN_SIDE, PEN_SCAN_SIDE), Image.Resampling.BOX))


def _vary_shape(strokes: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Turns, slants, stretches and wobbles the strokes (x right, y down) as a whole, about
    their mean point, which becomes the origin."""
    centre = np.concatenate(strokes).mean(0)
    strokes = [stroke - centre for stroke in strokes]
    angle = np.radians(rng.uniform(-TURN_DEGREES, TURN_DEGREES))
    aspect = np.exp(rng.uniform(-ASPECT, ASPECT))
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    slant = np.array([[1.0, rng.uniform(-SLANT, SLANT)], [0.0, 1.0]])  # x moves with -y
    stretch = np.diag([aspect, 1 / aspect])
    matrix = stretch @ slant @ turn
    points = np.concatenate(strokes)
    extent = max(float(np.ptp(points, axis=0).max()), 1e-6)
    # A smooth wobble: two low sine waves in each direction, a few percent of the size.
    phase, freq = rng.uniform(0, 2 * np.pi, (2, 2)), rng.uniform(1.0, 3.0, (2, 2))
    varied = []
    for stroke in strokes:
        unit = stroke / extent
        wobble = np.stack(
            [np.sin(freq[d, 0] * np.pi * unit[:, 1] + phase[d, 0]) + np.sin(freq[d, 1] * np.pi * unit[:, 0] + phase[d, 1])
             for d in range(2)], axis=1,
        ) * (WOBBLE / 2 * extent)
        varied.append((stroke + wobble) @ matrix.T)
    return varied


def varied_scan(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W) ink in [0, 1] -> a uint8 gray scan of it, turned, slanted, padded, re-sampled to
    one of SCAN_SIDES and in either polarity, as another collection might have scanned it."""
    height, width = ink.shape
    pad = int(rng.integers(0, max(height, width) // 4 + 1))
    image = Image.fromarray(np.pad(ink.astype(np.float32), pad), "F")
    angle = rng.uniform(-TURN_DEGREES, TURN_DEGREES)
    shear = rng.uniform(-SLANT, SLANT) / 2
    side = image.size[0]
    # Affine about the centre: PIL maps output to input coordinates.
    centre = side / 2
    cos, sin = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    a, b, d, e = cos, sin + shear, -sin, cos
    image = image.transform(
        image.size, Image.Transform.AFFINE,
        (a, b, centre - a * centre - b * centre, d, e, centre - d * centre - e * centre),
        resample=Image.Resampling.BILINEAR,
    )
    target = int(rng.choice([s for s in SCAN_SIDES if s <= max(side, 8)]))
    aspect = np.exp(rng.uniform(-ASPECT, ASPECT))
    size = (max(4, round(target * aspect)), max(4, round(target / aspect)))
    levels = np.asarray(image.resize(size, Image.Resampling.BOX)).clip(0, 1)
    levels = levels if rng.random() < 0.5 else 1 - levels  # light ink on dark, or dark on light
    return (levels * 255).round().astype(np.uint8)


def convert(inputs: Callable[[int], object], count: int, preprocess: PreprocessConfig,
            processes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Sends inputs(0..count-1) through the app's conversion, on `processes` worker processes.

    `inputs` is sent to each worker once, so it must pickle (PenCanvases, ScanCopies, a list's
    __getitem__). Returns pixels (N, 28, 28) uint8 and the indices (N,) of the inputs that were
    read as a digit: the rest were "no digit", and the caller must drop their labels with these
    indices.
    """
    # Workers start from a fresh forkserver process, not a fork of this one: by now torch has
    # started its own threads here, and a forked copy of a threaded process can deadlock.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # the server imports torch once; each worker forks from it
    with context.Pool(processes, initializer=_start_worker, initargs=(inputs, preprocess)) as pool:
        results = pool.map(_convert_one, range(count), chunksize=256)
    kept = [i for i, pixels in enumerate(results) if pixels is not None]
    pixels = np.stack([results[i] for i in kept]) if kept else np.zeros((0, 28, 28), np.uint8)
    return pixels, np.array(kept, np.int64)


_worker_job: tuple = ()  # set in each worker process by _start_worker: (inputs, preprocess)


def _start_worker(inputs: Callable[[int], object], preprocess: PreprocessConfig) -> None:
    global _worker_job
    torch.set_num_threads(1)  # one conversion per process; the processes are the parallelism
    _worker_job = (inputs, preprocess)


def _convert_one(index: int) -> np.ndarray | None:
    inputs, preprocess = _worker_job
    pixels = canvas_to_pixels(inputs(index), preprocess)
    return None if pixels is None else (pixels * 255).round().astype(np.uint8)


@dataclass(frozen=True)
class PenCanvases:
    """Input `index`: pen digit index // variants, drawn on a canvas with its own random draw."""

    digits: list[PenDigit]
    variants: int
    seed: int

    def __call__(self, index: int) -> dict:
        return pen_canvas(self.digits[index // self.variants], np.random.default_rng([self.seed, index]))


@dataclass(frozen=True)
class VariantCanvases:
    """Input `index`: pen digit index // copies written as `variant` (training/variants.py), then
    drawn on a canvas, each with its own random draw."""

    digits: list[PenDigit]
    variant: str
    copies: int
    seed: int

    def __call__(self, index: int) -> dict:
        rng = np.random.default_rng([self.seed, index])
        digit = self.digits[index // self.copies]
        strokes = VARIANTS[self.variant].write(list(digit.strokes), rng)
        return pen_canvas(replace(digit, strokes=tuple(strokes)), rng)


@dataclass(frozen=True)
class ScanCopies:
    """Input `index`: copy index % copies of scan index // copies; copy 0 as stored, the others
    varied by `varied_scan`. `images` (N, H, W) uint8 hold ink as light on dark, `peak` the
    level of full ink in them (1 in optdigits' bitmaps, 255 in 8-bit scans)."""

    images: np.ndarray
    peak: float
    copies: int
    seed: int

    def __call__(self, index: int) -> np.ndarray:
        ink = self.images[index // self.copies].astype(np.float32) / self.peak
        if index % self.copies == 0:
            return (ink * 255).round().astype(np.uint8)
        return varied_scan(ink, np.random.default_rng([self.seed, index]))


@cache
def drawing_code_digest() -> str:
    """sha256 of DRAWING_CODE's files, read once a run."""
    return hashlib.sha256(b"".join(Path(path).read_bytes() for path in DRAWING_CODE)).hexdigest()


def cached(name: str, key: dict, build: Callable[[], tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, torch.Tensor]:
    """build() -> (pixels uint8 (N, 28, 28), labels (N,)), stored under CACHE_DIR by `key`.

    Returns pixels as floats in [0, 1] and labels as int64 tensors.
    """
    digest = hashlib.sha256(json.dumps({**key, "code": drawing_code_digest()}, sort_keys=True).encode()).hexdigest()
    path = CACHE_DIR / f"{name}-{digest[:16]}.npz"
    if path.is_file():
        with np.load(path) as stored:
            pixels, labels = stored["pixels"], stored["labels"]
    else:
        pixels, labels = build()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp.npz")
        np.savez_compressed(temporary, pixels=pixels, labels=labels)
        temporary.replace(path)  # a run stopped half-way leaves no truncated cache behind
    return torch.from_numpy(pixels).float() / 255.0, torch.from_numpy(labels).long()


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def preprocess_key(preprocess: PreprocessConfig) -> dict:
    """The conversion settings that change its output (normalisation happens later)."""
    return {k: v for k, v in asdict(preprocess).items() if k not in ("mean", "std")}


def pen_set(digits: list[PenDigit], variants: int, seed: int, preprocess: PreprocessConfig,
            source: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Each pen digit drawn `variants` times on a canvas and converted."""
    key = {"source": file_digest(source), "writers": sorted({d.writer for d in digits}),
           "variants": variants, "seed": seed, "preprocess": preprocess_key(preprocess)}

    def build():
        pixels, drawn = pen_drawings(digits, variants, seed, preprocess)
        return pixels, np.array([d.label for d in drawn], np.int64)

    return cached("pen", key, build)


def pen_drawings(digits: list[PenDigit], variants: int, seed: int,
                 preprocess: PreprocessConfig) -> tuple[np.ndarray, list[PenDigit]]:
    """Each pen digit drawn `variants` times on a canvas and converted: the pixels (N, 28, 28)
    uint8, and the digit each drawing is of (a drawing read as no digit is left out)."""
    pixels, kept = convert(PenCanvases(digits, variants, seed), len(digits) * variants, preprocess)
    return pixels, [digits[i // variants] for i in kept]


def variant_set(variant: str, digits: list[PenDigit], copies: int, seed: int, preprocess: PreprocessConfig,
                source: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The pen digits that can be written as `variant`, each written so and drawn `copies` times."""
    key = {"source": file_digest(source), "writers": sorted({d.writer for d in digits}), "variant": variant,
           "variants_code": file_digest(variants.__file__), "copies": copies, "seed": seed,
           "preprocess": preprocess_key(preprocess)}

    def build():
        pixels, written = variant_drawings(variant, digits, copies, seed, preprocess)
        return pixels, np.array([d.label for d in written], np.int64)

    return cached("variant", key, build)


def variant_drawings(variant: str, digits: list[PenDigit], copies: int, seed: int,
                     preprocess: PreprocessConfig) -> tuple[np.ndarray, list[PenDigit]]:
    """The pen digits that can be written as `variant`, each written so, drawn `copies` times and
    converted: the pixels (N, 28, 28) uint8, and the digit each drawing writes (a drawing read as
    no digit is left out)."""
    writable = VARIANTS[variant].writable(digits)
    pixels, kept = convert(VariantCanvases(writable, variant, copies, seed), len(writable) * copies, preprocess)
    return pixels, [writable[i // copies] for i in kept]


def scan_set(name: str, images: np.ndarray, labels: np.ndarray, variants: int, seed: int,
             preprocess: PreprocessConfig, source_digest: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Scans (N, H, W) uint8 converted as stored (variants=0), or as `variants` copies: the
    first as stored, the others varied by `varied_scan`.

    `images` hold ink as light on dark (0 is paper), as MNIST, USPS and optdigits do.
    """
    key = {"source": source_digest, "count": len(images), "variants": variants, "seed": seed,
           "preprocess": preprocess_key(preprocess)}

    def build():
        copies = max(variants, 1)
        pixels, kept = convert(ScanCopies(images, max(float(images.max()), 1.0), copies, seed), len(images) * copies, preprocess)
        return pixels, labels.repeat(copies)[kept]

    return cached(name, key, build)
