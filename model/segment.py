"""Splitting a written number into its digits, left to right (and top to bottom, for rows).

Strokes are grouped by their extents: first into rows, by the strokes' vertical extents, then
within a row into digits, by their horizontal extents. Two strokes (or groups) are one digit
when their horizontal extents overlap by at least OVERLAP of the narrower one's width, so a
4's stem or second stroke, a 5's flag, a 7's bar and a slashed zero's slash, each inside its
digit's columns, join it, while neighbours that only lean into each other (slanted digits)
stay apart. A thin stroke (a 1) counts as at least MIN_WIDTH of the row's height wide. A group
much shorter than its row is part of a digit, never a digit: people write no digit at a third
of its neighbours' height, but a dot, a 5's flag or a 7's bar drawn apart from the rest, or a
1's foot, is that short. It joins the digit whose ink comes nearest.

Images (the API, the command line) are split the same way, with the ink's connected
components in place of strokes: `split_image`. A component much wider than tall may be two
digits whose ink touches: `column_cuts` offers the cuts that the reader then judges.
"""

from functools import cache

import numpy as np

from .canvas import stroke_width

OVERLAP = 0.2  # of the narrower extent's width: more overlap than this is one digit
MIN_WIDTH = 0.15  # of the row's height: the least width a stroke counts as, for a 1 or a dot
TOUCH = 0.04  # of the row's height: strokes whose paths come this close are one digit
PART = 0.3  # of the row's height: a group shorter than this is part of a digit, not a digit
WIDE = 1.0  # of its height: an image's part wider than this (its strokes' middle lines) may be two digits that touch
CUTS = 3  # the columns with the least ink tried as the cut between two digits that touch
ROW_GAP = 0.06  # of the drawing's height: a vertical gap at least this wide between ink starts a new row


def group_boxes(boxes: np.ndarray, ink_distance=None) -> list[list[int]]:
    """(N, 4) boxes (x0, y0, x1, y1), y down -> the indices of each digit's boxes, digits in
    reading order: rows top to bottom, then left to right. Each group's indices ascend.

    ink_distance: for strokes, height -> a function (i, j) -> how close the paths of boxes i
    and j come, measured finely enough for a row of that height; boxes whose paths come within
    TOUCH of the row's height are one digit whatever their extents (strokes that touch).
    Without it (an image's connected components), boxes are as far apart as their boxes say."""
    if len(boxes) == 0:
        return []
    rows, groups, box_distance = _rows(boxes), [], _box_distances(boxes)
    while rows:
        row = rows.pop(0)
        columns = _columns(boxes, box_distance, row, ink_distance)
        # A band of one digit above another band is no row of a number: a 5's flag or the top
        # of an 8 written apart from the rest. Rows are filled before the next one starts.
        if rows and len(columns) < 2:
            rows[0] = sorted(row + rows[0])
            continue
        groups += columns
    return groups


def _rows(boxes: np.ndarray) -> list[list[int]]:
    """Indices of the boxes of each row, top to bottom: boxes chained by overlapping vertical
    extents are one row; a clear horizontal band of paper between them starts another."""
    height = float(boxes[:, 3].max() - boxes[:, 1].min())
    gap = ROW_GAP * max(height, 1e-6)
    order = np.argsort(boxes[:, 1], kind="stable")
    rows, bottom = [], -np.inf
    for index in map(int, order):
        if boxes[index, 1] > bottom + gap:
            rows.append([])
        rows[-1].append(index)
        bottom = max(bottom, boxes[index, 3]) if len(rows[-1]) > 1 else boxes[index, 3]
    return [sorted(row) for row in rows]


def _columns(boxes: np.ndarray, box_distance: np.ndarray, row: list[int], ink_distance=None) -> list[list[int]]:
    """The row's boxes grouped into digits by their horizontal extents, left to right;
    `box_distance` (N, N) is `_box_distances(boxes)`."""
    height = float(boxes[row, 3].max() - boxes[row, 1].min())
    least = MIN_WIDTH * max(height, 1e-6)
    reach = TOUCH * max(height, 1e-6)
    apart = ink_distance(height) if ink_distance else lambda i, j: float(box_distance[i, j])
    groups = [[i] for i in row]
    extents = [(float(boxes[i, 0]), float(boxes[i, 2])) for i in row]
    touching = [(a, b) for a in row for b in row if a < b and box_distance[a, b] <= reach
                and apart(a, b) <= reach] if ink_distance else []
    for a, b in touching:
        ga, gb = sorted(next(g for g, group in enumerate(groups) if i in group) for i in (a, b))
        if ga != gb:
            groups[ga] += groups.pop(gb)
            other = extents.pop(gb)
            extents[ga] = (min(extents[ga][0], other[0]), max(extents[ga][1], other[1]))
    merged = True
    while merged:  # joining two groups widens them: join until no two overlap enough
        merged = False
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                if _one_digit(extents[a], extents[b], least):
                    groups[a] += groups.pop(b)
                    other = extents.pop(b)
                    extents[a] = (min(extents[a][0], other[0]), max(extents[a][1], other[1]))
                    merged = True
                    break
            if merged:
                break
    order = sorted(range(len(groups)), key=lambda g: extents[g][0] + extents[g][1])
    groups = [sorted(groups[g]) for g in order]
    # A group much shorter than its row (a dot, a tick, a 5's flag or a 7's bar drawn apart
    # from the rest, a 1's foot) is part of a digit: it joins the digit whose ink is nearest.
    parts = [g for g, group in enumerate(groups) if boxes[group, 3].max() - boxes[group, 1].min() < PART * height]
    digits = [g for g in range(len(groups)) if g not in parts]
    if not digits:  # nothing but parts (a row of dashes): nothing to join
        return groups
    for part in parts:
        nearest = min(digits, key=lambda d: min(apart(i, j) for i in groups[part] for j in groups[d]))
        groups[nearest] = sorted(groups[nearest] + groups[part])
    return [groups[d] for d in digits]


def _box_distances(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) boxes (x0, y0, x1, y1) -> (N, N): the shortest distance between each two; 0 where
    they overlap."""
    starts, ends = boxes[:, :2], boxes[:, 2:]
    gaps = np.maximum(0, np.maximum(starts[:, None] - ends[None], starts[None] - ends[:, None]))  # (N, N, 2)
    return np.hypot(gaps[..., 0], gaps[..., 1])


def _one_digit(a: tuple[float, float], b: tuple[float, float], least: float) -> bool:
    """Whether two horizontal extents overlap by OVERLAP of the narrower one's width."""
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    narrower = max(min(a[1] - a[0], b[1] - b[0]), least)
    return overlap >= OVERLAP * narrower


def stroke_boxes(strokes: list[np.ndarray]) -> np.ndarray:
    """(K, 2) strokes -> (N, 4) boxes (x0, y0, x1, y1)."""
    return np.array([[*s.min(0), *s.max(0)] for s in strokes], np.float64).reshape(-1, 4)


def stroke_groups(strokes: list[np.ndarray]) -> list[list[int]]:
    """A drawing's strokes -> the indices of each digit's strokes, in reading order: strokes
    that touch (a 5's flag drawn from its stem, a 4's stem across its bar) are one digit."""
    return group_boxes(stroke_boxes(strokes), lambda height: path_distance(strokes, height))


def path_distance(strokes: list[np.ndarray], height: float):
    """Strokes -> a function (i, j) -> how close the paths of strokes i and j come, measured on
    points at most TOUCH of a row's `height` apart along each path (laid out when first needed)."""
    path = cache(lambda i: _dense(strokes[i], TOUCH * max(height, 1e-6)))
    return lambda i, j: float(np.linalg.norm(path(i)[:, None] - path(j)[None], axis=2).min())  # of (Ki, Kj)


DENSE_POINTS = 400  # at most about this many points along one stroke, however fine the step is


def _dense(stroke: np.ndarray, step: float) -> np.ndarray:
    """(K, 2) points -> the polyline through them with points at most `step` apart, or
    DENSE_POINTS along it for a long stroke (a flat drawing has a tiny `step`)."""
    if len(stroke) < 2:
        return stroke
    lengths = np.linalg.norm(np.diff(stroke, axis=0), axis=1)
    step = max(step, float(lengths.sum()) / DENSE_POINTS, 1e-9)
    counts = np.maximum(1, np.ceil(lengths / step)).astype(np.int64)  # (K - 1,) points per segment
    segment = np.repeat(np.arange(len(counts)), counts)  # the segment of each point
    t = ((np.arange(len(segment)) - np.repeat(np.cumsum(counts) - counts, counts)) / counts[segment])[:, None]
    return np.concatenate([stroke[:-1][segment] + (stroke[1:] - stroke[:-1])[segment] * t, stroke[-1:]])


def split_image(ink: np.ndarray, threshold: float) -> list[np.ndarray]:
    """(H, W) ink in [0, 1] -> one (H, W) ink image per digit, in reading order, each holding
    only its digit's connected components of ink (at `threshold` and above)."""
    mask = ink >= threshold
    labels = connected_components(mask)
    count = int(labels.max())
    if count <= 1:
        return [ink]
    boxes = np.zeros((count, 4))
    for label in range(1, count + 1):
        rows, cols = np.nonzero(labels == label)
        boxes[label - 1] = cols.min(), rows.min(), cols.max() + 1, rows.max() + 1
    # Grouped by the boxes of their strokes' middle lines, as strokes are: the ink's own boxes
    # reach half a stroke further on every side, and a thick pen's rows would overlap.
    half = _half_stroke(mask)
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    lines = np.concatenate([np.minimum(boxes[:, :2] + half, centres), np.maximum(boxes[:, 2:] - half, centres)], axis=1)
    # Faint ink around the strokes belongs to the nearest stroke's digit: give each group the
    # ink within its components' columns (and rows), less the other groups' components.
    digits = []
    for group in group_boxes(lines):
        mine = np.isin(labels, [g + 1 for g in group])
        others = (labels > 0) & ~mine
        x0, y0 = boxes[group, 0].min(), boxes[group, 1].min()
        x1, y1 = boxes[group, 2].max(), boxes[group, 3].max()
        kept = np.zeros_like(ink)
        window = (slice(int(y0), int(y1)), slice(int(x0), int(x1)))
        kept[window] = ink[window]
        kept[others] = 0
        digits.append(kept)
    return digits


def column_cuts(ink: np.ndarray, threshold: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """A part of an image (`split_image`) -> the two sides of a cut at each of the CUTS columns
    of its middle half with the least ink, when its strokes' middle lines are more than WIDE
    times as wide as tall: perhaps two digits whose ink touches, one component. Otherwise none.
    Whether a cut parts two digits is for the reader to judge."""
    mask = ink >= threshold
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if cols.size == 0:
        return []
    box = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    half = _half_stroke(mask)
    height, width = box.shape
    if width - 2 * half <= WIDE * max(height - 2 * half, 1.0):
        return []
    start, stop = width // 4, width - width // 4
    faintest = start + np.argsort(box[:, start:stop].sum(axis=0), kind="stable")[:CUTS]
    sides = []
    for cut in cols[0] + faintest:
        left, right = ink.copy(), ink.copy()
        left[:, cut:], right[:, :cut] = 0, 0
        sides.append((left, right))
    return sides


def _half_stroke(mask: np.ndarray) -> float:
    """Half the width of a mask's strokes (`stroke_width`), 0 for none: measured on the ink's
    box and the pixel around it, where each ink pixel's neighbours are, not the whole image."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return 0.0
    around = mask[max(rows[0] - 1, 0) : rows[-1] + 2, max(cols[0] - 1, 0) : cols[-1] + 2]
    return (stroke_width(around.astype(np.float32)) or 0.0) / 2


def connected_components(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool -> (H, W) int labels 1..n of its 8-connected components, 0 for paper.

    Row by row, each run of ink joins the runs of the row above that it touches (union-find
    over runs): a few thousand runs for a drawing, where pixels are millions."""
    parent: list[int] = []

    def root(run: int) -> int:
        while parent[run] != run:
            parent[run] = parent[parent[run]]
            run = parent[run]
        return run

    runs, above = [], []  # runs: (row, start, stop) for every run; above: the previous row's (start, stop, id)
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)  # +1 where a run starts, -1 just after it ends
    for row in range(mask.shape[0]):
        starts, stops = np.flatnonzero(edges[row] == 1), np.flatnonzero(edges[row] == -1)
        current = []
        for start, stop in zip(starts.tolist(), stops.tolist()):
            run = len(runs)
            runs.append((row, start, stop))
            parent.append(run)
            for other_start, other_stop, other in above:
                if other_start <= stop and start <= other_stop:  # touching, diagonals too
                    parent[root(other)] = root(run)
            current.append((start, stop, run))
        above = current
    labels = np.zeros(mask.shape, np.int64)
    numbers: dict[int, int] = {}
    for run, (row, start, stop) in enumerate(runs):
        labels[row, start:stop] = numbers.setdefault(root(run), len(numbers) + 1)
    return labels
