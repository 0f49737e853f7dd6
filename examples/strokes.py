"""Pen strokes of the ten digits, as a person draws them: the shipped examples are rendered
from these, and the browser test draws them with the mouse on the real sketchpad.

Each digit is a list of strokes; each stroke a list of (x, y) points, as fractions of the
canvas (0, 0 top left, 1, 1 bottom right).

    python examples/strokes.py     # rewrites the example PNGs
"""

import math
from pathlib import Path


def _curve(fx, fy, start: float, stop: float, count: int = 24) -> list[tuple[float, float]]:
    steps = [start + (stop - start) * i / (count - 1) for i in range(count)]
    return [(round(fx(t), 3), round(fy(t), 3)) for t in steps]


DIGITS: dict[int, list[list[tuple[float, float]]]] = {
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

SHIPPED = (2, 3, 8, 9)  # the examples in the app; the browser test draws others too


def render(digit: int, size: int = 560, radius: int = 14):
    """The digit's strokes as an RGBA PIL image: black ink on a transparent layer, as the
    sketchpad's brush layer carries it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for stroke in DIGITS[digit]:
        points = [(x * size, y * size) for x, y in stroke]
        draw.line(points, fill=(0, 0, 0, 255), width=2 * radius, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps, as a brush leaves
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(0, 0, 0, 255))
    return image


if __name__ == "__main__":
    folder = Path(__file__).resolve().parent
    for digit in SHIPPED:
        render(digit).save(folder / f"drawn_{digit}.png", optimize=True)
        print(f"wrote {folder / f'drawn_{digit}.png'}")
