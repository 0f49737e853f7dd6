"""Drawings for the tests and benchmarks, in the forms the app receives them.

Two kinds of drawing, both black ink on a transparent RGBA layer, as the sketchpad's brush
layer carries it:

- `STROKES`: pen strokes of the ten digits as a person draws them. `render_strokes` draws
  them with a round brush; the browser test draws the same strokes with the mouse, and the
  app's examples are rendered from them (`python -m harness.drawing` rewrites those).
- `draw_digit`: an MNIST digit re-drawn as a person would draw it. A 28x28 MNIST digit is a
  scan of a pen stroke blurred to 20 pixels; we recover the pen's path (the digit's centre
  line) and draw it again with a round brush of a chosen width, size and place.

        strokes = centre_line(digit28)                       # once per digit
        layer = draw_strokes(strokes, size=0.6, width=20)    # (800, 800, 4) RGBA, ink in alpha

A layer is handed over as `as_sketchpad(layer)` (the value Gradio 6.31's Sketchpad gives the
app's handler), `flatten(layer)` (the drawing on white paper) or `invert(flatten(layer))`.
Everything is deterministic.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

from app import BRUSH_RADIUS, CANVAS_SIZE

# ---- Pen strokes of the ten digits ----


def _curve(fx, fy, start: float, stop: float, count: int = 24) -> list[tuple[float, float]]:
    steps = [start + (stop - start) * i / (count - 1) for i in range(count)]
    return [(round(fx(t), 3), round(fy(t), 3)) for t in steps]


# Each digit is a list of strokes; each stroke a list of (x, y) points, as fractions of the
# canvas (0, 0 top left, 1, 1 bottom right).
STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [_curve(lambda t: 0.5 + 0.17 * math.sin(t), lambda t: 0.5 - 0.29 * math.cos(t), 0, 2 * math.pi + 0.3)],
    1: [[(0.55, 0.2), (0.5, 0.8)]],  # MNIST's plain stroke: the shipped model reads a flagged 1 as a 7
    2: [[(0.33, 0.32), (0.38, 0.23), (0.5, 0.19), (0.62, 0.23), (0.66, 0.33), (0.62, 0.45),
         (0.32, 0.8), (0.7, 0.8)]],
    3: [[(0.33, 0.25), (0.5, 0.19), (0.63, 0.25), (0.63, 0.37), (0.49, 0.47), (0.64, 0.56),
         (0.66, 0.7), (0.52, 0.8), (0.33, 0.76)]],
    4: [[(0.56, 0.2), (0.3, 0.6), (0.72, 0.6)], [(0.6, 0.38), (0.6, 0.82)]],
    5: [[(0.66, 0.2), (0.4, 0.2), (0.37, 0.47), (0.5, 0.43), (0.63, 0.5), (0.66, 0.65),
         (0.58, 0.78), (0.45, 0.81), (0.33, 0.75)]],
    6: [[(0.62, 0.19), (0.48, 0.3), (0.38, 0.48), (0.36, 0.65), (0.44, 0.79), (0.57, 0.8),
         (0.65, 0.7), (0.63, 0.57), (0.51, 0.52), (0.39, 0.59)]],
    7: [[(0.3, 0.22), (0.7, 0.22), (0.45, 0.8)]],
    8: [_curve(lambda t: 0.5 - 0.16 * math.sin(2 * t), lambda t: 0.5 - 0.3 * math.cos(t), 0, 2 * math.pi, 40)],
    9: [_curve(lambda t: 0.5 + 0.14 * math.cos(t), lambda t: 0.35 - 0.14 * math.sin(t), 0, 2 * math.pi)
        + [(0.62, 0.6), (0.6, 0.82)]],
}

EXAMPLES = (2, 3, 8, 9)  # the digits of the app's examples
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
BRUSH_WIDTH = 2 * BRUSH_RADIUS


def placed(stroke, scale: float = 1.0, shift=(0.0, 0.0)) -> list[tuple[float, float]]:
    """A stroke scaled about the canvas centre by `scale`, then moved by `shift` (right, down),
    all in fractions of the canvas."""
    return [(0.5 + (x - 0.5) * scale + shift[0], 0.5 + (y - 0.5) * scale + shift[1]) for x, y in stroke]


def render_strokes(digit: int, canvas: int = CANVAS_SIZE, width: float = BRUSH_WIDTH, scale: float = 1.0,
                   shift=(0.0, 0.0)) -> np.ndarray:
    """`STROKES[digit]` drawn with a round brush `width` pixels wide, placed as `placed` says:
    a (canvas, canvas, 4) uint8 layer of black ink, the stroke in alpha with hard edges, as
    the sketchpad's brush leaves it."""
    layer = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    radius = width / 2
    for stroke in STROKES[digit]:
        points = [(x * canvas, y * canvas) for x, y in placed(stroke, scale, shift)]
        pen.line(points, fill=(0, 0, 0, 255), width=round(width), joint="curve")
        for x, y in (points[0], points[-1]):  # round caps
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(0, 0, 0, 255))
    return np.asarray(layer).copy()


# ---- MNIST digits re-drawn with a pen ----

UPSAMPLE = 4  # the centre line is traced on a 112x112 copy, so it is smooth once enlarged
INK_LEVEL = 0.5  # MNIST intensity above which a pixel is inside the pen stroke
# Strokes are drawn at twice the size and reduced, for soft edges like a scan's; the sketchpad's
# own brush leaves hard ones (render_strokes), and the conversion must read both alike.
ANTIALIAS = 2

# The four neighbours that, with their mirror images, make up a pixel's 8-neighbourhood.
FORWARD_NEIGHBOURS = ((0, 1), (1, -1), (1, 0), (1, 1))


@dataclass(frozen=True)
class Strokes:
    """A digit's centre line as a graph: points (N, 2) as (y, x) and the pairs they join (M, 2)."""

    points: np.ndarray
    edges: np.ndarray


def thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning: a binary (H, W) shape -> its one-pixel-wide skeleton, same shape."""
    image = np.pad(mask.astype(np.uint8), 1)
    centre = image[1:-1, 1:-1]  # a view: removals write through to `image`
    while True:
        changed = False
        for first_pass in (True, False):
            # p2..p9: the neighbours clockwise from north, each (H, W).
            p2, p3, p4, p5 = image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:], image[2:, 2:]
            p6, p7, p8, p9 = image[2:, 1:-1], image[2:, :-2], image[1:-1, :-2], image[:-2, :-2]
            ring = [p2, p3, p4, p5, p6, p7, p8, p9, p2]
            neighbours = sum(ring[:-1])
            transitions = sum((a == 0) & (b == 1) for a, b in zip(ring, ring[1:]))
            if first_pass:  # south-east boundary and north-west corners
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:  # north-west boundary and south-east corners
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            remove = (centre == 1) & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & side
            if remove.any():
                centre[remove] = 0
                changed = True
        if not changed:
            return centre.astype(bool)


def centre_line(digit: np.ndarray) -> Strokes:
    """(28, 28) MNIST intensities, uint8 or in [0, 1] -> the pen's path, in upsampled pixel units."""
    pixels = np.asarray(digit, np.float32) / (255 if np.asarray(digit).dtype == np.uint8 else 1)
    pixels = torch.from_numpy(pixels)[None, None]  # (1, 1, 28, 28)
    smooth = F.interpolate(pixels, scale_factor=UPSAMPLE, mode="bilinear", align_corners=False)
    skeleton = thin(smooth[0, 0].numpy() >= INK_LEVEL)  # (112, 112)
    if not skeleton.any():
        raise ValueError("The digit has no pixel above the ink level.")
    index = np.full(skeleton.shape, -1)
    points = np.argwhere(skeleton)  # (N, 2) as (y, x)
    index[skeleton] = np.arange(len(points))
    padded = np.pad(index, 1, constant_values=-1)
    edges = []
    for dy, dx in FORWARD_NEIGHBOURS:
        neighbour = padded[1 + points[:, 0] + dy, 1 + points[:, 1] + dx]
        joined = neighbour >= 0
        edges.append(np.stack([np.flatnonzero(joined), neighbour[joined]], axis=1))
    return Strokes(points.astype(np.float64), np.concatenate(edges))


def draw_strokes(
    strokes: Strokes, size: float = 0.6, width: float = 20, offset=(0.0, 0.0), canvas: int = 800
) -> np.ndarray:
    """Draws the centre line with a round brush `width` canvas pixels wide.

    size: the longer side of the drawn ink (stroke included), as a fraction of the canvas.
    offset: (down, right) shift of the drawing's centre from the canvas centre, as fractions.
    Returns the sketchpad layer: (canvas, canvas, 4) uint8, black, ink in the alpha channel.
    Raises ValueError when the drawing does not fit the canvas.
    """
    low, high = strokes.points.min(axis=0), strokes.points.max(axis=0)
    extent = float((high - low).max())
    path_length = size * canvas - width  # the centre line's longer side, in canvas pixels
    if path_length <= 0:
        raise ValueError(f"A {width}px stroke leaves no room for a digit {size:.0%} of the canvas.")
    scale = path_length / max(extent, 1.0)
    centre = np.array([0.5 + offset[0], 0.5 + offset[1]]) * canvas
    points = (strokes.points - (low + high) / 2) * scale + centre  # (N, 2) canvas (y, x)
    if (points.min(axis=0) - width / 2 < 0).any() or (points.max(axis=0) + width / 2 > canvas).any():
        raise ValueError(f"A digit of size {size} at offset {offset} does not fit the canvas.")

    points = points * ANTIALIAS
    brush = width * ANTIALIAS
    ink = Image.new("L", (canvas * ANTIALIAS,) * 2, 0)
    pen = ImageDraw.Draw(ink)
    xy = [(x, y) for y, x in points]
    for a, b in strokes.edges:
        pen.line([xy[a], xy[b]], fill=255, width=round(brush))
    radius = brush / 2
    for x, y in xy:  # round tips and joints
        pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
    alpha = np.asarray(ink.reduce(ANTIALIAS))  # (canvas, canvas)
    layer = np.zeros((canvas, canvas, 4), np.uint8)
    layer[..., 3] = alpha
    return layer


def draw_digit(digit: np.ndarray, size: float = 0.6, width: float = 20, offset=(0.0, 0.0), canvas: int = 800):
    """(28, 28) MNIST digit -> (canvas, canvas, 4) RGBA sketchpad layer; see `draw_strokes`."""
    return draw_strokes(centre_line(digit), size, width, offset, canvas)


def flatten(layer: np.ndarray) -> np.ndarray:
    """RGBA layer of black ink -> (H, W, 3) uint8 RGB: the drawing composited on white paper."""
    paper = 255 - layer[..., 3]
    return np.repeat(paper[..., None], 3, axis=2)


def invert(image: np.ndarray) -> np.ndarray:
    """Swaps dark and light: black ink on white -> white ink on black, as MNIST itself is."""
    return 255 - image


def as_sketchpad(layer: np.ndarray) -> dict:
    """The value gr.Sketchpad(type="numpy") hands the app's handler for a drawing of `layer`.

    As Gradio 6.31 gives it in the sketchpad's default image mode, RGBA (tests/test_browser.py
    compares it with a value captured from the real page): the blank background as opaque
    white, the layer as drawn, and the composite, the layer flattened on white, opaque.
    """
    white = np.full(layer.shape[:2] + (4,), 255, np.uint8)
    composite = white.copy()
    composite[..., :3] = flatten(layer)
    return {"background": white, "layers": [layer], "composite": composite}


if __name__ == "__main__":
    for digit in EXAMPLES:
        path = EXAMPLES_DIR / f"drawn_{digit}.png"
        Image.fromarray(render_strokes(digit)).save(path, optimize=True)
        print(f"wrote {path}")


def scribble(rng: np.random.Generator, canvas: int = 800) -> dict:
    """A random tangle of strokes, as someone testing the app might draw."""
    layer = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    points = rng.uniform(0.15, 0.85, size=(rng.integers(4, 12), 2)) * canvas
    pen.line([tuple(p) for p in points], fill=(0, 0, 0, 255), width=int(rng.integers(8, 50)), joint="curve")
    return as_sketchpad(np.asarray(layer).copy())
