"""Re-drawing MNIST digits as a person would draw them on the app's sketchpad.

A 28x28 MNIST digit is a scan of a pen stroke blurred to 20 pixels. To get the canvas a
person would produce, we recover the pen's path (the digit's centre line) and draw it again
with a round-tipped brush of a chosen width, at a chosen size and place on an 800x800 canvas.

    strokes = centre_line(digit28)                       # once per digit
    layer = draw_strokes(strokes, size=0.6, width=20)    # (800, 800, 4) RGBA, ink in alpha
    as_sketchpad(layer), flatten(layer), invert(flatten(layer))

`draw_digit(digit28, ...)` does both steps at once. Everything is deterministic.
"""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

UPSAMPLE = 4  # the centre line is traced on a 112x112 copy, so it is smooth once enlarged
INK_LEVEL = 0.5  # MNIST intensity above which a pixel is inside the pen stroke
ANTIALIAS = 2  # strokes are drawn at twice the size and reduced, as a browser smooths edges

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
    """(28, 28) MNIST intensities in [0, 1] -> the pen's path, in upsampled pixel units."""
    pixels = torch.as_tensor(np.asarray(digit, np.float32))[None, None]  # (1, 1, 28, 28)
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
    """The value a gr.Sketchpad(type="numpy") hands the app for a drawing made of `layer`.

    Gradio 6.31's ImageEditor.preprocess passes each layer as drawn (RGBA, black ink, the
    stroke in alpha), and flattens the blank white background and the composite on white.
    """
    blank = np.full(layer.shape[:2] + (3,), 255, np.uint8)
    return {"background": blank, "layers": [layer], "composite": flatten(layer)}
