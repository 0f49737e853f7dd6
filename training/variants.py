"""Ways of writing digits that the training writers rarely show, made from their own strokes.

Each variant is a small function of one pen digit's strokes (training/data.py's PenDigit:
(K, 2) arrays, x right, y down) and a random generator. It returns new strokes that write the
same digit another way, or None when the digit's strokes don't allow it (a 5 written in one
stroke has no flag to move apart). The variants are the ones people write and the network
misread:
- a 0 with a slash (Ø, as programmers and Scandinavians write it) or a dot in it;
- a 1 with a flag, a foot, or both (the continental 1), or with its foot curled;
- a 7 crossed, or with a serif hanging from its bar;
- a 9 with a curved or a curled tail (like a g);
- a 4 with its top closed, its bar crossing the stem, or written in one stroke;
- a 5 with its flag apart;
- a 6 begun with a loop, like a cursive ℓ.

training/sources.py draws them on the canvas like any pen digit, for training writers and for
held-out ones; `python -m benchmarks.variants` prints each variant's accuracy and draws the
sheet in docs/.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

Strokes = list[np.ndarray]
Generator = np.random.Generator


def _box(strokes: Strokes) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The strokes' top-left and bottom-right corners, width and height (at least 1)."""
    points = np.concatenate(strokes)
    low, high = points.min(0), points.max(0)
    width, height = np.maximum(high - low, 1.0)
    return low, high, float(width), float(height)


def _ring(strokes: Strokes) -> Strokes:
    """A 0's ring: its longest stroke, and the strokes that reach into that stroke's box. A mark
    apart from it (one writer's 0 has a stray stroke far below) is left out, so that a slash or a
    dot goes through the ring and not through the middle of ring and mark."""
    longest = max(strokes, key=lambda stroke: np.linalg.norm(np.diff(stroke, axis=0), axis=1).sum())
    low, high = longest.min(0), longest.max(0)
    return [stroke for stroke in strokes
            if stroke is longest or ((stroke >= low) & (stroke <= high)).all(1).any()]


def _line(start, end, points: int = 8) -> np.ndarray:
    return np.linspace(np.asarray(start, float), np.asarray(end, float), points)


def _arc(centre, radius: float, start: float, end: float, points: int = 12) -> np.ndarray:
    """Points on a circle from angle `start` to `end` (radians; y points down, so a growing
    angle turns clockwise on the screen)."""
    angles = np.linspace(start, end, points)
    return np.asarray(centre, float) + radius * np.stack([np.cos(angles), np.sin(angles)], 1)


def _lowest(strokes: Strokes) -> np.ndarray:
    points = np.concatenate(strokes)
    return points[points[:, 1].argmax()]


def _highest(strokes: Strokes) -> np.ndarray:
    points = np.concatenate(strokes)
    return points[points[:, 1].argmin()]


def _crossings(strokes: Strokes, y: float) -> np.ndarray:
    """The x of every place where the strokes' segments cross the level y."""
    found = []
    for stroke in strokes:
        (y0, y1), (x0, x1) = (stroke[:-1, 1], stroke[1:, 1]), (stroke[:-1, 0], stroke[1:, 0])
        crossing = (np.minimum(y0, y1) <= y) & (y <= np.maximum(y0, y1)) & (y0 != y1)
        t = (y - y0[crossing]) / (y1[crossing] - y0[crossing])
        found.append(x0[crossing] + t * (x1[crossing] - x0[crossing]))
    return np.concatenate(found)


def slashed_zero(strokes: Strokes, rng: Generator) -> Strokes:
    """Ø: a slash from above the top right to below the bottom left, a little past the ring."""
    low, high, width, height = _box(_ring(strokes))
    over = rng.uniform(-0.05, 0.15, 4) * height
    start = (high[0] + over[0], low[1] - over[1])
    end = (low[0] - over[2], high[1] + over[3])
    return [*strokes, _line(start, end)]


def dotted_zero(strokes: Strokes, rng: Generator) -> Strokes:
    """A 0 with a dot in the middle of its ring."""
    low, high, width, height = _box(_ring(strokes))
    centre = (low + high) / 2 + rng.uniform(-0.05, 0.05, 2) * [width, height]
    return [*strokes, _line(centre, centre + rng.uniform(0.01, 0.04, 2) * height, 3)]


def flagged_one(strokes: Strokes, rng: Generator) -> Strokes:
    """The continental 1: a long flag down to the left from its top."""
    low, high, width, height = _box(strokes)
    top = _highest(strokes)
    length, angle = rng.uniform(0.2, 0.45) * height, np.radians(rng.uniform(15, 50))
    return [_line(top + length * np.array([-np.cos(angle), np.sin(angle)]), top), *strokes]


def footed_one(strokes: Strokes, rng: Generator) -> Strokes:
    """A 1 standing on a base serif."""
    low, high, width, height = _box(strokes)
    bottom = _lowest(strokes)
    left, right = rng.uniform(0.12, 0.3, 2) * height
    tilt = rng.uniform(-0.03, 0.03) * height
    return [*strokes, _line(bottom + (-left, -tilt), bottom + (right, tilt))]


def flagged_footed_one(strokes: Strokes, rng: Generator) -> Strokes:
    """A 1 with both a flag and a foot."""
    return footed_one(flagged_one(strokes, rng), rng)


def curled_foot_one(strokes: Strokes, rng: Generator) -> Strokes:
    """A 1 whose stroke curls at the bottom, to the right or to the left."""
    low, high, width, height = _box(strokes)
    bottom = _lowest(strokes)
    radius = rng.uniform(0.08, 0.18) * height
    sweep = rng.uniform(0.6, 1.4) * np.pi  # from straight down, round and up
    if rng.random() < 0.5:  # to the right: start on the circle's left side, turn anticlockwise
        curl = _arc(bottom + (radius, 0), radius, np.pi, np.pi - sweep)
    else:
        curl = _arc(bottom - (radius, 0), radius, 0, sweep)
    return [*strokes, curl]


def crossed_seven(strokes: Strokes, rng: Generator) -> Strokes:
    """A 7 with a bar across its stem, about half-way down."""
    low, high, width, height = _box(strokes)
    y = low[1] + rng.uniform(0.4, 0.6) * height
    crossings = _crossings(strokes, y)
    x = float(np.median(crossings)) if len(crossings) else float((low[0] + high[0]) / 2)
    left, right = rng.uniform(0.15, 0.3, 2) * max(width, 0.6 * height)
    tilt = rng.uniform(-0.04, 0.04) * height
    return [*strokes, _line((x - left, y + tilt), (x + right, y - tilt))]


def serifed_seven(strokes: Strokes, rng: Generator) -> Strokes:
    """A 7 with a short serif hanging from the left end of its bar."""
    low, high, width, height = _box(strokes)
    points = np.concatenate(strokes)
    bar = points[points[:, 1] < low[1] + 0.2 * height]
    corner = bar[bar[:, 0].argmin()]
    return [_line(corner + (rng.uniform(-0.05, 0.03) * height, rng.uniform(0.1, 0.25) * height), corner), *strokes]


def curved_tail_nine(strokes: Strokes, rng: Generator) -> Strokes:
    """A 9 whose tail bends to the left as it goes down."""
    low, high, width, height = _box(strokes)
    start = low[1] + 0.55 * height
    bend = rng.uniform(0.15, 0.35) * height

    def bent(stroke: np.ndarray) -> np.ndarray:
        depth = np.clip((stroke[:, 1] - start) / (high[1] - start), 0, 1)
        return stroke - np.stack([bend * depth**2, np.zeros_like(depth)], 1)

    return [bent(stroke) for stroke in strokes]


def curled_tail_nine(strokes: Strokes, rng: Generator) -> Strokes:
    """A 9 whose tail curls back to the left and up at its foot, like a g."""
    low, high, width, height = _box(strokes)
    bottom = _lowest(strokes)
    radius = rng.uniform(0.1, 0.2) * height
    return [*strokes, _arc(bottom - (radius, 0), radius, 0, rng.uniform(1.0, 1.5) * np.pi)]


CLOSED_FOUR_CROSSING = 0.1  # how far a closed 4's bar must reach past its stem, in widths


def closed_four(strokes: Strokes, rng: Generator) -> Strokes | None:
    """A 4 whose two strokes meet at the top, closing it like a triangle, as print has it. Needs
    a 4 of two strokes whose bar (the first) reaches past its stem: closed without that
    crossing, a 4 is a 9 with a flat top, and MNIST's 9s read as 4 when such shapes are 4s."""
    if len(strokes) < 2:
        return None
    width = _box(strokes)[2]
    if strokes[0][:, 0].max() - strokes[1][:, 0].mean() < CLOSED_FOUR_CROSSING * width:
        return None
    return [*strokes, _line(strokes[0][0], _highest(strokes[1:]))]


def one_stroke_four(strokes: Strokes, rng: Generator) -> Strokes | None:
    """A 4 written without lifting the pen: down, across to the stem, up beside the stem to its
    top and down it, so its bar ends at the stem and a narrow loop joins them. Needs a 4 of two
    strokes, its bar (the first) reaching the stem (the second)."""
    if len(strokes) != 2:
        return None
    bar, stem = strokes
    stem = stem if stem[0, 1] <= stem[-1, 1] else stem[::-1]  # from its top down
    stem_x = float(stem[:, 0].mean())
    reached = np.flatnonzero(bar[:, 0] >= stem_x)
    if len(reached) == 0 or reached[0] == 0:
        return None
    end = reached[0]
    (x0, y0), (x1, y1) = bar[end - 1], bar[end]
    y = y0 + (y1 - y0) * (stem_x - x0) / (x1 - x0) if x1 != x0 else y1
    if y <= stem[0, 1]:  # the bar meets the stem above its top: no room to go up
        return None
    loop = rng.uniform(0.03, 0.08) * _box(strokes)[2]  # how far right of the stem the pen goes up
    up = _line((stem_x + loop, y), stem[0] + (loop / 2, 0), 6)
    return [np.concatenate([bar[:end], [[stem_x, y]], up, stem])]


def five_flag_apart(strokes: Strokes, rng: Generator) -> Strokes | None:
    """A 5 whose flag (its top bar, a stroke of its own) stands apart from the body, up and to
    the right. Needs a 5 written in two strokes."""
    if len(strokes) < 2:
        return None
    low, high, width, height = _box(strokes)
    flag = min(range(len(strokes)), key=lambda i: strokes[i][:, 1].mean())
    extent = np.ptp(strokes[flag], axis=0)
    if extent[0] < extent[1]:  # the highest stroke is not a bar
        return None
    shift = np.array([rng.uniform(0.05, 0.2), -rng.uniform(0.05, 0.15)]) * height
    return [stroke + shift if i == flag else stroke for i, stroke in enumerate(strokes)]


def looped_six(strokes: Strokes, rng: Generator) -> Strokes | None:
    """A 6 begun like a cursive ℓ: a lead-in rises to its top on the right and loops down into
    the stem. Needs a 6 that starts near its top."""
    low, high, width, height = _box(strokes)
    start = strokes[0][0]
    if start[1] > low[1] + 0.3 * height:
        return None
    lead_in = start + np.array([rng.uniform(0.15, 0.35) * width, rng.uniform(0.3, 0.5) * height])
    bulge = start + np.array([rng.uniform(0.2, 0.4) * width, -0.05 * height])
    t = np.linspace(0, 1, 10)[:, None]
    loop = (1 - t) ** 2 * lead_in + 2 * (1 - t) * t * bulge + t**2 * start  # a quadratic curve
    return [np.concatenate([loop, strokes[0][1:]]), *strokes[1:]]


@dataclass(frozen=True)
class Variant:
    label: int
    write: Callable[[Strokes, Generator], Strokes | None]

    def can_write(self, label: int, strokes) -> bool:
        """Whether a digit with this label and these strokes can be written as this variant (a
        structural question: the answer does not depend on the random draw)."""
        return label == self.label and self.write(list(strokes), np.random.default_rng(0)) is not None

    def writable(self, digits: list) -> list:
        """The pen digits (training/data.py's PenDigit) that can be written as this variant."""
        return [d for d in digits if self.can_write(d.label, d.strokes)]


VARIANTS = {
    "slashed zero": Variant(0, slashed_zero),
    "dotted zero": Variant(0, dotted_zero),
    "flagged one": Variant(1, flagged_one),
    "footed one": Variant(1, footed_one),
    "flagged, footed one": Variant(1, flagged_footed_one),
    "curled-foot one": Variant(1, curled_foot_one),
    "closed four": Variant(4, closed_four),
    "one-stroke four": Variant(4, one_stroke_four),
    "five, flag apart": Variant(5, five_flag_apart),
    "looped six": Variant(6, looped_six),
    "crossed seven": Variant(7, crossed_seven),
    "serifed seven": Variant(7, serifed_seven),
    "curved-tail nine": Variant(9, curved_tail_nine),
    "curled-tail nine": Variant(9, curled_tail_nine),
}
