"""Simple digits drawn with a round pen on a sketchpad-sized transparent layer.

benchmarks/drawing.py turns such a layer into the other forms Gradio sends (as_sketchpad, flatten).
"""

import numpy as np
from PIL import Image, ImageDraw

# Digits as pen strokes, in a unit box: lists of polylines.
STROKES = {
    1: [[(0.5, 0.0), (0.5, 1.0)]],
    4: [[(0.6, 0.0), (0.05, 0.65), (0.85, 0.65)], [(0.6, 0.0), (0.6, 1.0)]],
    7: [[(0.0, 0.0), (0.9, 0.0), (0.35, 1.0)]],
    0: [[(0.5 + 0.45 * np.sin(t), 0.5 - 0.5 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 40)]],
}


def draw_digit(digit: int, width: int = 20, size: int = 500, top_left=(150, 150), canvas: int = 800) -> np.ndarray:
    """A digit drawn with a round pen on a transparent (canvas, canvas, 4) uint8 layer, ink in alpha.

    `size` is the digit's height in canvas pixels; its width is 0.6 of that, like handwriting.
    """
    layer = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    for line in STROKES[digit]:
        points = [(top_left[0] + x * 0.6 * size, top_left[1] + y * size) for x, y in line]
        pen.line(points, fill=(0, 0, 0, 255), width=width, joint="curve")
        for x, y in (points[0], points[-1]):
            pen.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=(0, 0, 0, 255))
    return np.asarray(layer).copy()
