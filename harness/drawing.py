"""Drawings for the tests and benchmarks, in the forms the app receives them.

Every drawing here is inked by the app's own round brush, `model.strokes.draw_strokes`:

- `STROKES`: clean pen strokes of the ten digits, as fractions of the canvas. `table_value`
  gives one as the stroke value the page's canvas sends; `render_strokes` draws it as an
  RGBA layer of black ink, the stroke in alpha.
- `PEN_DIGITS`: real people's pen digits (UCI pendigits), placed on the app's canvas, for the
  browser tests and benchmarks to replay; `python -m harness.drawing` rewrites them and the
  app's examples from the data folder.
- `compose_number`: pen digits written as one number, as people write (sizes, spacings and
  slants that vary, a wandering baseline), on the desktop's wide canvas or the phone's square
  one; `table_number` writes `STROKES` digits side by side.
- `MALFORMED_STROKES`: values a stranger could send in place of a stroke value, each of which
  must be refused with a message.
- `draw_digit`: an MNIST digit re-drawn as a person would draw it. A 28x28 MNIST digit is a
  scan of a pen stroke blurred to 20 pixels; we recover the pen's path (the digit's centre
  line) and draw it again with the round brush at a chosen width, size and place.

        strokes = centre_line(digit28)                       # once per digit
        layer = draw_strokes(strokes, size=0.6, width=20)    # (800, 800, 4) RGBA, ink in alpha

A layer is handed over as `as_layers(layer)` (a dict of image layers, as model.canvas reads
them), `flatten(layer)` (the drawing on white paper) or `invert(flatten(layer))`.
Everything is deterministic.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from model import strokes as brush
from model.paths import DATA_DIR
from model.strokes import BRUSH_WIDTH, CANVAS, MAX_POINTS, MAX_SIDE, MAX_STROKES, stroke_value
from training.data import PENDIGITS_FILE, PenDigit, handwriting_path, read_pendigits
from training.scribbles import MOUSE_STEP, densify, scribble  # noqa: F401  shared with tests and benchmarks
from training.sources import PEN_VALIDATION_WRITERS

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



def placed(stroke, scale: float = 1.0, shift=(0.0, 0.0)) -> list[tuple[float, float]]:
    """A stroke scaled about the canvas centre by `scale`, then moved by `shift` (right, down),
    all in fractions of the canvas."""
    return [(0.5 + (x - 0.5) * scale + shift[0], 0.5 + (y - 0.5) * scale + shift[1]) for x, y in stroke]


def table_strokes(digit: int, canvas: int = CANVAS, scale: float = 1.0, shift=(0.0, 0.0)) -> list[np.ndarray]:
    """`STROKES[digit]` in canvas pixels, placed as `placed` says, with points MOUSE_STEP apart."""
    return [densify(np.array(placed(stroke, scale, shift)) * canvas) for stroke in STROKES[digit]]


def table_value(digit: int, scale: float = 1.0, shift=(0.0, 0.0)) -> dict:
    """`STROKES[digit]` as the stroke value the page's canvas sends."""
    return stroke_value(table_strokes(digit, CANVAS, scale, shift))


def render_strokes(digit: int, canvas: int = CANVAS, width: float = BRUSH_WIDTH, scale: float = 1.0,
                   shift=(0.0, 0.0)) -> np.ndarray:
    """`STROKES[digit]` drawn by the app's round brush `width` pixels wide, placed as `placed`
    says: a (canvas, canvas, 4) uint8 layer of black ink, the stroke in alpha with hard edges."""
    return ink_layer(brush.draw_strokes(table_strokes(digit, canvas, scale, shift), width, canvas))


def ink_layer(ink: np.ndarray) -> np.ndarray:
    """(H, W) uint8 ink -> (H, W, 4) uint8 RGBA: black paint, the ink in alpha."""
    layer = np.zeros(ink.shape + (4,), np.uint8)
    layer[..., 3] = ink
    return layer


# ---- Real people's pen digits ----

PEN_DIGITS_FILE = Path(__file__).resolve().parent / "pen_digits.json"
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
PEN_DIGITS_PER_CLASS = 3  # of each held-out writer: 5 writers x 10 digits x 3 = 150 drawings
EXAMPLE_WRITER = 7  # a training writer, whose digits the app offers as examples
EXAMPLES = (2, 3, 8, 9)  # the digits of the app's examples
PEN_SIZE = 0.6  # a replayed digit's longer side, as a fraction of the canvas


def on_canvas(digit: PenDigit, size: float = PEN_SIZE, canvas: int = CANVAS) -> dict:
    """A pen digit as a stroke value: its longer side `size` of the canvas, centred. Its points
    are sparse (a tablet sampled them every 100 ms): the brush joins them by a smooth curve."""
    points = np.concatenate(digit.strokes)
    low, high = points.min(0), points.max(0)
    scale = size * canvas / max(float((high - low).max()), 1e-6)
    centre = (low + high) / 2
    return stroke_value([(stroke - centre) * scale + canvas / 2 for stroke in digit.strokes], canvas, canvas)


def load_pen_digits() -> list[dict]:
    """The committed replay set: [{"label", "writer", "value"}, ...], writers never trained on."""
    return json.loads(PEN_DIGITS_FILE.read_text())


def write_pen_digits(data_dir: Path = DATA_DIR) -> None:
    """Rewrites PEN_DIGITS_FILE (held-out writers) and the app's examples (a training writer),
    each as strokes and as an image file."""
    digits = read_pendigits(handwriting_path(data_dir, PENDIGITS_FILE))
    chosen, counts = [], {}
    for digit in digits:
        key = (digit.writer, digit.label)
        if digit.writer in PEN_VALIDATION_WRITERS and counts.get(key, 0) < PEN_DIGITS_PER_CLASS:
            counts[key] = counts.get(key, 0) + 1
            chosen.append({"label": digit.label, "writer": digit.writer, "value": rounded(on_canvas(digit))})
    PEN_DIGITS_FILE.write_text(json.dumps(chosen, separators=(",", ":")) + "\n")
    print(f"wrote {len(chosen)} digits to {PEN_DIGITS_FILE}")
    EXAMPLES_DIR.mkdir(exist_ok=True)
    for label in EXAMPLES:
        example = next(d for d in digits if d.writer == EXAMPLE_WRITER and d.label == label)
        value = rounded(on_canvas(example))
        path = EXAMPLES_DIR / f"written_{label}.json"
        path.write_text(json.dumps(value, separators=(",", ":")) + "\n")
        # The same drawing as an image file, black on white, for the README's API example.
        ink = brush.draw_strokes(brush.parse_strokes(value))
        Image.fromarray(255 - ink).save(path.with_suffix(".png"), optimize=True)
        print(f"wrote {path} and {path.with_suffix('.png').name}")


def rounded(value: dict) -> dict:
    """A stroke value with its points to 0.1 pixel: a tenth of the file, the same drawing."""
    return value | {"strokes": [[[round(x, 1), round(y, 1)] for x, y in stroke] for stroke in value["strokes"]]}



# ---- Digits composed into numbers ----

WIDE_CANVAS = (3 * CANVAS, CANVAS)  # the page's canvas on a desktop: room for six digits
PER_ROW = 3  # digits in a row of the phone's square canvas: two rows of three


@dataclass(frozen=True)
class Number:
    """A number written with real digits' strokes: `value` the stroke value, `labels` its
    digits in reading order, `digit_of_stroke` which of them each of the value's strokes is."""

    value: dict
    labels: list[int]
    digit_of_stroke: list[int]

    @property
    def text(self) -> str:
        return "".join(map(str, self.labels))


def compose_number(digits: list[tuple[int, list[np.ndarray]]], rng: np.random.Generator,
                   canvas: tuple[int, int] = WIDE_CANVAS) -> Number:
    """Pen digits, [(label, strokes)] with strokes of (x, y) points in any units (y down), written
    as one number on a `canvas` (width, height) as people write: each number at its own size,
    slant and spacing, each digit a little larger or smaller and leaning a little more or less,
    and a baseline that wanders. A square canvas takes rows of PER_ROW digits, as on a phone."""
    width, height = canvas
    rows = 1 if width > height else math.ceil(len(digits) / PER_ROW)
    row_height = height / rows
    size = rng.uniform(0.45, 0.75) * row_height  # a digit's height
    slant = rng.uniform(-0.15, 0.35)  # x moves right by this much per unit up
    gap = rng.uniform(0.08, 0.4) * size  # paper between two digits' extents
    placed_rows, offset = [], 0.0
    for row in range(rows):
        row_digits = digits[row * PER_ROW: (row + 1) * PER_ROW] if rows > 1 else digits
        x, baseline, row_strokes = 0.0, 0.0, []
        for label, strokes in row_digits:
            points = np.concatenate(strokes)
            low, high = points.min(0), points.max(0)
            scale = size * rng.uniform(0.85, 1.15) / max(float(high[1] - low[1]), 1e-6)
            scale = min(scale, 1.3 * size / max(float(high[0] - low[0]), 1e-6))  # not too wide
            lean = slant + rng.uniform(-0.08, 0.08)
            tall = float(high[1] - low[1]) * scale
            shaped = []
            for stroke in strokes:
                point = (stroke - low) * scale
                point[:, 0] += lean * (tall - point[:, 1])  # the higher, the further right
                shaped.append(point)
            left = min(float(p[:, 0].min()) for p in shaped)
            bottom = max(float(p[:, 1].max()) for p in shaped)
            shift = np.array([x - left, baseline - bottom])
            shaped = [p + shift for p in shaped]
            row_strokes.append((label, shaped))
            x = max(float(p[:, 0].max()) for p in shaped) + gap * rng.uniform(0.7, 1.3)
            baseline += rng.normal(0, 0.06 * size)
        placed_rows.append((offset, row_strokes))
        offset += row_height
    # Fit each row to the canvas's width, and centre it in its band.
    strokes, labels, digit_of_stroke = [], [], []
    for top, row_strokes in placed_rows:
        points = np.concatenate([p for _, shaped in row_strokes for p in shaped])
        low, high = points.min(0), points.max(0)
        fit = min(1.0, 0.94 * width / float(high[0] - low[0]), 0.9 * row_height / float(high[1] - low[1]))
        centre = (low + high) / 2
        for label, shaped in row_strokes:
            labels.append(label)
            for p in shaped:
                strokes.append((p - centre) * fit + [width / 2, top + row_height / 2])
                digit_of_stroke.append(len(labels) - 1)
    return Number(stroke_value(strokes, width, height), labels, digit_of_stroke)


TABLE_PITCH = 0.45  # of the canvas's height: one table digit's cell in a number


def table_number(text: str, canvas: tuple[int, int] = WIDE_CANVAS) -> dict:
    """The digits of `text` drawn with `STROKES`, side by side, as the stroke value the page's
    canvas sends; on a square canvas, rows of PER_ROW digits at half the size."""
    width, height = canvas
    rows = 1 if width > height else math.ceil(len(text) / PER_ROW)
    size = height / rows  # a table digit's square, in canvas pixels
    per_row = len(text) if rows == 1 else PER_ROW
    strokes = []
    for i, digit in enumerate(text):
        row, column = divmod(i, per_row)
        centre = (width - per_row * TABLE_PITCH * size) / 2 + (column + 0.5) * TABLE_PITCH * size
        for stroke in table_strokes(int(digit), int(size)):  # each drawn centred on its square
            strokes.append(stroke + [centre - size / 2, row * size])
    return stroke_value(strokes, width, height)


def table_number_before_last(text: str, canvas: tuple[int, int] = WIDE_CANVAS) -> dict:
    """`table_number(text, canvas)` as the page sent it before its last digit was begun: the same
    strokes, less the last digit's."""
    value = table_number(text, canvas)
    return value | {"strokes": value["strokes"][: -len(table_strokes(int(text[-1])))]}


def value_strokes(value: dict) -> list[np.ndarray]:
    """A stroke value's strokes as (K, 2) arrays, in its own pixels."""
    return [np.array(stroke, np.float64) for stroke in value["strokes"]]


# ---- Stroke values the page never sends ----

_LINE = {"width": CANVAS, "height": CANVAS, "strokes": [[[100, 100], [300, 300]]]}  # a fine value to spoil

# (name, value): each is JSON, so it can come over HTTP too, and none is a drawing.
MALFORMED_STROKES = [
    ("a list, not an object", _LINE["strokes"]),
    ("a number", 7),
    ("true", True),
    ("strokes null", _LINE | {"strokes": None}),
    ("strokes a string", _LINE | {"strokes": "M 100 100 L 300 300"}),
    ("strokes an object", _LINE | {"strokes": {"0": [[100, 100]]}}),
    ("a stroke that is a number", _LINE | {"strokes": [5]}),
    ("a stroke that is a string", _LINE | {"strokes": ["100,100 300,300"]}),
    ("points not in a stroke", _LINE | {"strokes": [[100, 100], [300, 300]]}),
    ("strokes nested too deep", _LINE | {"strokes": [[[[100, 100]]]]}),
    ("a point of one number", _LINE | {"strokes": [[[100]]]}),
    ("a point of three numbers", _LINE | {"strokes": [[[100, 100, 1]]]}),
    ("a point of strings", _LINE | {"strokes": [[["100", "100"]]]}),
    ("a point of booleans", _LINE | {"strokes": [[[True, False]]]}),
    ("a boolean among numbers", _LINE | {"strokes": [[[100, 100], [300, True]]]}),
    ("a point of nulls", _LINE | {"strokes": [[[None, None]]]}),
    ("a point that is an object", _LINE | {"strokes": [[{"x": 100, "y": 100}]]}),
    ("a coordinate too large for a float", _LINE | {"strokes": [[[10**400, 100]]]}),
    ("one coordinate too large for a float", _LINE | {"strokes": [[[100, 100], [300, 10**400]]]}),
    ("no width", {key: value for key, value in _LINE.items() if key != "width"}),
    ("width a string", _LINE | {"width": "560"}),
    ("width a boolean", _LINE | {"width": True}),
    ("width a list", _LINE | {"width": [560]}),
    ("width zero", _LINE | {"width": 0}),
    ("height negative", _LINE | {"height": -560}),
    ("height too large", _LINE | {"height": MAX_SIDE + 1}),
    ("height too large for a float", _LINE | {"height": 10**400}),
    ("too many strokes", _LINE | {"strokes": [[[100, 100]]] * (MAX_STROKES + 1)}),
    ("too many points", _LINE | {"strokes": [[[100, 100]] * (MAX_POINTS + 1)]}),
]


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
    Returns the layer: (canvas, canvas, 4) uint8, black, ink in the alpha channel.
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

    xy = points[:, ::-1] * ANTIALIAS  # (N, 2) as (x, y)
    joined = set(strokes.edges.ravel().tolist())
    paths = [xy[list(edge)] for edge in strokes.edges] + [xy[[i]] for i in range(len(xy)) if i not in joined]
    ink = brush.draw_strokes(paths, width * ANTIALIAS, canvas * ANTIALIAS)
    return ink_layer(np.asarray(Image.fromarray(ink).reduce(ANTIALIAS)))


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


def as_layers(layer: np.ndarray) -> dict:
    """A drawing's layer as a dict of image layers, as model.canvas reads them: an opaque white
    background, the layer as drawn, and the composite, the layer flattened on white."""
    white = np.full(layer.shape[:2] + (4,), 255, np.uint8)
    composite = white.copy()
    composite[..., :3] = flatten(layer)
    return {"background": white, "layers": [layer], "composite": composite}


if __name__ == "__main__":
    write_pen_digits()
