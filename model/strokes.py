"""Drawings as strokes: the value the app's canvas sends, checked, and the one round brush that
turns strokes into ink.

A stroke value is what the page's canvas sends and what /predict and `python -m model predict`
(a .json file) take:

    {"width": 560, "height": 560, "strokes": [[[x, y], [x, y], ...], ...]}

each stroke the pen's points from pen-down to pen-up, in pixels of a canvas `width` x `height`
(x right, y down). Other keys (the page's sequence number) are ignored. The value comes from
strangers, so it is bounded and checked before anything is drawn.

`draw_strokes` is the one renderer: the app's drawings, the pen trajectories training draws, and
the tests' drawings all go through it, so the network learns from the ink the app makes.
"""

import math
from itertools import chain

import numpy as np
from PIL import Image, ImageDraw

from .invalid import InvalidImage

CANVAS = 560  # the page's canvas side: 20 canvas pixels for each of the input's 28
BRUSH_WIDTH = 28  # the page's round brush, in canvas pixels: a felt pen's line at this size
MAX_STROKES = 100
MAX_POINTS = 20_000  # in all the strokes together: about a minute of drawing
MAX_SIDE = 4096  # the largest canvas side a value may claim
SPLINE_STEPS = 8  # at most this many curve points between two recorded pen points
CURVE_STEP = 3.0  # canvas pixels between two curve points, at most


def parse_strokes(value) -> list[np.ndarray]:
    """A stroke value -> its strokes as (K, 2) float arrays on a CANVAS-sized square, clipped to it.

    The value's canvas is scaled so that its longer side is CANVAS. Raises InvalidImage, with a
    reason for the user, for anything that is not a bounded, finite stroke value."""
    if not isinstance(value, dict):
        raise InvalidImage(f"A drawing must be an object with width, height and strokes, not {type(value).__name__}.")
    width, height = (_side(value.get(key), key) for key in ("width", "height"))
    strokes = value.get("strokes")
    if not isinstance(strokes, list):
        raise InvalidImage("The drawing's strokes must be a list of strokes.")
    if len(strokes) > MAX_STROKES:
        raise InvalidImage(f"The drawing has {len(strokes)} strokes; the limit is {MAX_STROKES}.")
    if not all(isinstance(stroke, list) for stroke in strokes):
        raise InvalidImage("Each stroke must be a list of [x, y] points.")
    count = sum(map(len, strokes))
    if count > MAX_POINTS:
        raise InvalidImage(f"The drawing has {count:,} points; the limit is {MAX_POINTS:,}.")
    scale = CANVAS / max(width, height)
    parsed = []
    for stroke in strokes:
        if not stroke:
            continue
        points = _points(stroke)
        if points is None:
            raise InvalidImage("Each point of a stroke must be a pair of finite numbers [x, y].")
        parsed.append(np.clip(points, 0, [width, height]) * scale)
    return parsed


def _side(side, name: str) -> float:
    if not _is_number(side):
        raise InvalidImage(f"The drawing's {name} must be a number of pixels.")
    if not 1 <= side <= MAX_SIDE:
        raise InvalidImage(f"The drawing's {name} must be from 1 to {MAX_SIDE} pixels, not {side:g}.")
    return float(side)


def _points(stroke: list) -> np.ndarray | None:
    """A stroke's points as a (K, 2) float array, or None unless each point is a list or tuple
    of two finite ints or floats (not bools). Checked by the set of the stroke's types, not
    point by point: a drawing has thousands of points."""
    if not _all_kinds(stroke, (list, tuple)) or set(map(len, stroke)) != {2}:
        return None
    if not _all_kinds(chain.from_iterable(stroke), (int, float)):
        return None
    try:
        points = np.array(stroke, np.float64)
    except OverflowError:  # JSON's integers have no bound: one too large for a float is no pixel
        return None
    return points if np.isfinite(points).all() else None


def _all_kinds(values, kinds: tuple[type, ...]) -> bool:
    """Whether every value is of one of `kinds` (a subclass counts), bools never."""
    return all(issubclass(kind, kinds) and kind is not bool for kind in set(map(type, values)))


def _is_number(value) -> bool:
    """A finite int or float, not a bool. JSON's integers have no bound: one too large for a
    float is no number of pixels either."""
    if not _all_kinds([value], (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def draw_strokes(strokes: list[np.ndarray], width: float = BRUSH_WIDTH, canvas: int = CANVAS) -> np.ndarray:
    """Strokes of (x, y) canvas pixels -> (canvas, canvas) uint8 ink, 255 where the brush went.

    A round brush `width` pixels wide, its path a smooth curve through the points (pen samples
    can be sparse), with round joints and round ends; a stroke of one point is a dot."""
    ink = Image.new("L", (canvas, canvas), 0)
    pen = ImageDraw.Draw(ink)
    radius = width / 2
    for stroke in strokes:
        # As Python floats: PIL and the loop below draw from them 2.5 times as fast as from numpy.
        path = smooth_path(np.asarray(stroke, np.float64)).tolist()
        if len(path) > 1:
            pen.line([tuple(p) for p in path], fill=255, width=round(width))
        # A disc at every point: round joints and round ends (PIL's own round joints cost ten
        # times as much), and a dot for a stroke of one point.
        for x, y in path:
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return np.asarray(ink)


def smooth_path(points: np.ndarray) -> np.ndarray:
    """(K, 2) pen points -> a Catmull-Rom curve through them: each segment in steps of at most
    CURVE_STEP pixels, and at most SPLINE_STEPS of them, so sparse pen samples curve smoothly
    and the page's dense samples are not multiplied (each point costs the brush a round joint)."""
    if len(points) < 3:
        return points
    padded = np.concatenate([points[:1], points, points[-1:]])
    p0, p1, p2, p3 = padded[:-3], padded[1:-2], padded[2:-1], padded[3:]  # each (K - 1, 2)
    lengths = np.linalg.norm(p2 - p1, axis=1)
    steps = np.clip(np.ceil(lengths / CURVE_STEP), 1, SPLINE_STEPS).astype(np.int64)  # (K - 1,)
    segment = np.repeat(np.arange(len(steps)), steps)  # (S,) the segment of each curve point
    t = ((np.arange(len(segment)) - np.repeat(np.cumsum(steps) - steps, steps)) / steps[segment])[:, None]
    p0, p1, p2, p3 = p0[segment], p1[segment], p2[segment], p3[segment]  # each (S, 2)
    curve = 0.5 * (
        2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (3 * p1 - p0 - 3 * p2 + p3) * t**3
    )
    return np.concatenate([curve, points[-1:]])


def strokes_ink(value) -> np.ndarray | None:
    """A stroke value -> (CANVAS, CANVAS) float32 ink in [0, 1], or None when nothing is drawn."""
    return ink_of(parse_strokes(value))


def ink_of(strokes: list[np.ndarray]) -> np.ndarray | None:
    """Parsed strokes -> (CANVAS, CANVAS) float32 ink in [0, 1], or None when there are none."""
    return draw_strokes(strokes).astype(np.float32) / 255.0 if strokes else None


def pen_travel(value) -> float:
    """The longer side of the box around a stroke value's points, in canvas pixels: how far the
    pen went, its brush aside. 0 for no strokes."""
    return travel_of(parse_strokes(value))


def travel_of(strokes: list[np.ndarray]) -> float:
    """`pen_travel` of parsed strokes."""
    return float(np.ptp(np.concatenate(strokes), axis=0).max()) if strokes else 0.0


def stroke_value(strokes: list, width: float = CANVAS, height: float = CANVAS) -> dict:
    """The stroke value of `strokes` (lists of (x, y) points) on a width x height canvas."""
    return {"width": width, "height": height,
            "strokes": [[[float(x), float(y)] for x, y in stroke] for stroke in strokes]}
