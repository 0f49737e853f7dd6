"""Turning a drawing into the 28x28 input the network was trained on.

MNIST was built by cropping each digit to its ink, scaling the longer side to 20 pixels with
area filtering, and placing it in a 28x28 frame by its centre of mass. We do the same, and
first give every drawing the same stroke width, so a thin pen and a fat marker look alike; a
scan already at MNIST's scale (its digit 10 to 28 pixels: MNIST itself, USPS) keeps its own
ink levels and stroke widths, as MNIST's digits did.

Accepted inputs: a stroke value (model/strokes.py: the page's canvas sends one), a dict of
image layers (`background`, `layers` and `composite`, ink in the layers' alpha), a PIL image,
a numpy array, or the path of an image file or of a stroke value's .json file; images of any
size and mode, dark ink on light paper or light ink on dark.
"""

import json
from enum import Enum
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from .config import PreprocessConfig
from .invalid import InvalidImage
from .strokes import BRUSH_WIDTH, ink_of, parse_strokes, strokes_ink, travel_of

MAX_PIXELS = 4096 * 4096  # larger inputs are refused rather than decoded (decompression bombs)
MAX_JSON_BYTES = 2_000_000  # a stroke value's file; a drawing takes a few kB
MIN_CONTRAST = 0.1  # an image whose ink differs less than this from its paper is blank


class NoDigit(str, Enum):
    """Why a drawing gives no digit to read: decided here, once, and shown as it is decided."""

    BLANK = "blank"  # nothing drawn, or ink too faint to tell from the paper
    TOO_SMALL = "too_small"  # a speck, or strokes too fine to survive the scaling
    TOO_MUCH_INK = "too_much_ink"  # ink covering most of the canvas
    UNREADABLE = "unreadable"  # not an image at all: InvalidImage says why


def normalize(pixels: torch.Tensor, preprocess: PreprocessConfig) -> torch.Tensor:
    """Pixels in [0, 1] -> the network's input scale."""
    return (pixels - preprocess.mean) / preprocess.std


def canvas_to_tensor(image, preprocess: PreprocessConfig) -> torch.Tensor | None:
    """A drawing -> the normalised (28, 28) network input, or None when there is no digit."""
    pixels = canvas_to_pixels(image, preprocess)
    return None if pixels is None else normalize(torch.from_numpy(pixels), preprocess)


def canvas_to_pixels(image, preprocess: PreprocessConfig) -> np.ndarray | None:
    """A drawing -> (28, 28) float32 ink in [0, 1], MNIST style, or None when there is no digit."""
    found = find_digit(image, preprocess)
    return None if isinstance(found, NoDigit) else found


def find_digit(image, preprocess: PreprocessConfig) -> np.ndarray | NoDigit:
    """A drawing -> (28, 28) float32 ink in [0, 1], MNIST style, or why there is no digit.

    Raises InvalidImage for input that cannot be read as an image.
    """
    image = read_stroke_file(image)
    if isinstance(image, dict) and "strokes" in image:
        strokes = parse_strokes(image)  # once: the tap check and the ink both need them
        if strokes and travel_of(strokes) < BRUSH_WIDTH:
            return NoDigit.TOO_SMALL  # a tap or a tick: the brush's own dot, not yet a digit's shape
        ink = ink_of(strokes)
    else:
        ink = ink_map(image)
    return NoDigit.BLANK if ink is None else frame_digit(ink, preprocess)


def ink_map(image) -> np.ndarray | None:
    """Any accepted input -> (H, W) float32 with 1 for full ink and 0 for paper, or None if blank."""
    if image is None:
        return None
    if isinstance(image, dict):
        return strokes_ink(image) if "strokes" in image else _layers_ink(image)
    if isinstance(image, (str, Path)):
        if not str(image).strip():
            raise InvalidImage("The file path is empty.")
        if Path(image).suffix.lower() == ".json":
            return strokes_ink(read_json(Path(image)))
        return _pil_ink(_open_image(Path(image)))
    if isinstance(image, Image.Image):
        return _pil_ink(image)
    if isinstance(image, np.ndarray):
        return _array_ink(image)
    raise InvalidImage(f"Expected strokes, an image or a file path, not {type(image).__name__}.")


def read_stroke_file(image):
    """A stroke value's .json file -> the stroke value in it, so that it is read as the page's
    strokes are (a tap is too small); anything else as it is."""
    if isinstance(image, (str, Path)) and Path(image).suffix.lower() == ".json":
        return read_json(Path(image))
    return image


def read_json(path: Path):
    unreadable = InvalidImage(f"{path.name} is not a drawing's JSON file that can be read.")
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        raise InvalidImage(f"No such file: {path}.")
    except (OSError, ValueError):  # a folder, no permission, a NUL in the path
        raise unreadable
    if len(data) > MAX_JSON_BYTES:
        raise InvalidImage(f"{path.name} is too large for a drawing: the limit is {MAX_JSON_BYTES // 1_000_000} MB.")
    try:
        return json.loads(data.decode("utf-8"))
    # Not UTF-8 or not JSON (both ValueErrors), or nested deeper than the parser recurses.
    except (ValueError, RecursionError):
        raise unreadable


def _layers_ink(value: dict) -> np.ndarray | None:
    """Image layers carry the ink in their alpha channel; without them, read the composite."""
    layers = value.get("layers") or []
    if not isinstance(layers, (list, tuple)):
        raise InvalidImage("The drawing's layers must be a list of images.")
    layers = [layer for layer in layers if layer is not None]
    alphas = [alpha for alpha in map(_alpha_channel, layers) if alpha is not None]
    if alphas:
        if len({alpha.shape for alpha in alphas}) > 1:
            raise InvalidImage("The drawing's layers have different sizes.")
        ink = np.maximum.reduce(alphas).astype(np.float32) / 255.0
        return ink if ink.max() >= MIN_CONTRAST else None
    for key in ("composite", "background"):
        if isinstance(value.get(key), dict):  # nesting would recurse without end
            raise InvalidImage(f"The drawing's {key} must be an image, not a dict of layers.")
        if value.get(key) is not None:
            return ink_map(value[key])
    return None


def _alpha_channel(layer) -> np.ndarray | None:
    """The uint8 alpha of a layer given as an RGBA/LA array or image, else None."""
    if isinstance(layer, (str, Path)):
        layer = _open_image(Path(layer))
    if isinstance(layer, Image.Image):
        if layer.mode not in ("RGBA", "LA", "PA"):
            return None
        _check_size(*layer.size)
        return np.asarray(layer.getchannel("A"))
    if isinstance(layer, np.ndarray) and layer.dtype == np.uint8 and layer.ndim == 3 and layer.shape[2] in (2, 4):
        _check_size(layer.shape[1], layer.shape[0])
        return layer[..., -1]
    return None


def _open_image(path: Path) -> Image.Image:
    try:
        image = Image.open(path)
    except FileNotFoundError:
        raise InvalidImage(f"No such file: {path}.")
    except Image.DecompressionBombError:
        raise InvalidImage(f"{path.name} is too large: the limit is {MAX_PIXELS // 1_000_000} megapixels.")
    # Pillow reports a malformed header as any of these; a NUL in the path is a ValueError too.
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise InvalidImage(f"{path.name} is not an image file that can be read.")
    return image


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise InvalidImage(
            f"The image is {width}x{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels."
        )


def _pil_ink(image: Image.Image) -> np.ndarray | None:
    _check_size(*image.size)
    try:
        image.seek(0)  # the first frame of an animation
        if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            pixels = np.asarray(image.convert("F"), dtype=np.float32)
            peak = 65535.0 if image.mode.startswith("I;16") else max(float(pixels.max()), 1.0)
            return _gray_ink(pixels / peak)
        if image.mode not in ("L", "LA", "RGB", "RGBA"):
            image = image.convert("RGBA")
        image.load()
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidImage(f"The image could not be decoded ({error}).")
    return _array_ink(np.asarray(image))


def _array_ink(array: np.ndarray) -> np.ndarray | None:
    """(H, W), (H, W, 1-4) arrays of uint8, uint16, bool or floats in [0, 1] or [0, 255]."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (2, 3, 4)):
        raise InvalidImage(f"An image array must be (H, W) or (H, W, 2-4 channels), not {array.shape}.")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise InvalidImage("The image is empty.")
    _check_size(array.shape[1], array.shape[0])
    if array.dtype == np.uint8:
        pixels = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        pixels = array.astype(np.float32) / 65535.0
    elif array.dtype.kind in "biuf":  # booleans, integers and reals; complex has no ink level
        pixels = array.astype(np.float32)
        if not np.isfinite(pixels).all():
            raise InvalidImage("The image contains NaN or infinite values.")
        if pixels.max() > 1.0:
            pixels /= 255.0
    else:
        raise InvalidImage(f"Unsupported image data type {array.dtype}.")
    pixels = pixels.clip(0.0, 1.0)
    if pixels.ndim == 2:
        return _gray_ink(pixels)
    alpha = pixels[..., -1] if pixels.shape[2] in (2, 4) else None
    if alpha is not None and alpha.min() < 0.98:  # transparent: ink is wherever paint is
        return alpha if alpha.max() >= MIN_CONTRAST else None
    color = pixels[..., :3] if pixels.shape[2] >= 3 else pixels[..., :1]
    gray = color @ np.array([0.299, 0.587, 0.114], np.float32) if color.shape[2] == 3 else color[..., 0]
    return _gray_ink(gray)


def _gray_ink(gray: np.ndarray) -> np.ndarray | None:
    """Opaque gray levels -> ink, taking the border's level as the paper's colour."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    paper = float(np.median(border))
    ink = paper - gray if paper >= 0.5 else gray - paper  # dark ink on light paper, or the reverse
    contrast = float(ink.max())
    if contrast < MIN_CONTRAST:
        return None
    return (ink / contrast).clip(0.0, 1.0)


def frame_digit(ink: np.ndarray, preprocess: PreprocessConfig) -> np.ndarray | NoDigit:
    """(H, W) ink -> (frame, frame) MNIST-style digit, or why there is no digit."""
    mask = ink >= preprocess.ink_threshold
    if not mask.any():
        return NoDigit.BLANK
    if mask.mean() > preprocess.max_coverage:
        return NoDigit.TOO_MUCH_INK
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    if max(height, width) < preprocess.min_extent * max(ink.shape):
        return NoDigit.TOO_SMALL
    box = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)  # the ink's bounding box
    if preprocess.scans_keep_levels and preprocess.box_size / 2 <= max(height, width) <= preprocess.frame_size:
        return _place_by_centre_of_mass(_fit_levels_to_box(ink, box, preprocess.box_size), preprocess.frame_size)

    # Give the strokes their width at `supersample` times the box's resolution, with a margin
    # so that thickening is not clipped, then fit the ink's longer side to the box.
    work_scale = preprocess.box_size * preprocess.supersample / max(height, width)
    work_size = _scaled_size(width, height, work_scale)
    if work_scale > 1:
        # A small scan holds its strokes' shape in the ink levels between its pixels:
        # interpolate those, then threshold, rather than enlarging thresholded blocks.
        levels = Image.fromarray(np.asarray(ink, np.float32), "F")
        levels = levels.resize(work_size, Image.Resampling.BICUBIC, box=box)
        strokes = (np.asarray(levels) >= preprocess.ink_threshold).astype(np.float32)
    else:
        mask = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        coverage = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(work_size, Image.Resampling.BOX))
        # Any cell the ink touches (over a tenth of it; any touch for hairlines on a huge
        # image) is ink, so strokes thinner than a cell survive the reduction; their width
        # is set right below.
        strokes = (coverage > (25 if coverage.max() > 25 else 0)).astype(np.float32)
    if not strokes.any():  # ink too faint or too fine to survive the resampling
        return NoDigit.TOO_SMALL
    target_width = preprocess.stroke_width * preprocess.supersample
    margin = int(target_width) + 2
    strokes = _set_stroke_width(np.pad(strokes, margin), target_width)
    return _place_by_centre_of_mass(_fit_to_box(strokes, preprocess.box_size), preprocess.frame_size)


def _fit_levels_to_box(ink: np.ndarray, box: tuple[int, int, int, int], box_size: int) -> np.ndarray:
    """A digit no larger than the network's input (MNIST itself, USPS, a thumbnail) and at
    least half the box is at MNIST's own scale already: its ink levels are its strokes' shape
    and width, which thresholding them and setting a new width would coarsen. Its ink `box`
    is fitted to box_size pixels as MNIST's digits were, levels and all: area-filtered if
    larger, smoothly enlarged (at most twice) if smaller. A smaller digit has too few pixels
    for its levels to hold its strokes: it is thresholded and given its width as a drawing is
    (chosen on MNIST validation digits shrunk to scans of 8 to 40 pixels)."""
    width, height = box[2] - box[0], box[3] - box[1]
    scale = box_size / max(width, height)
    size = _scaled_size(width, height, scale)
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BICUBIC
    levels = Image.fromarray(np.asarray(ink, np.float32), "F").resize(size, resample, box=box)
    return np.asarray(levels).clip(0.0, 1.0)


def _fit_to_box(strokes: np.ndarray, box_size: int) -> np.ndarray:
    """Crops binary strokes to their ink and area-filters the longer side to box_size pixels."""
    rows, cols = np.flatnonzero(strokes.any(axis=1)), np.flatnonzero(strokes.any(axis=0))
    strokes = strokes[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = box_size / max(strokes.shape)
    size = _scaled_size(strokes.shape[1], strokes.shape[0], scale)
    return np.asarray(Image.fromarray(strokes).resize(size, Image.Resampling.BOX))


def _scaled_size(width: int, height: int, scale: float) -> tuple[int, int]:
    """A (width, height) in pixels scaled by `scale`, each side rounded and at least 1."""
    return max(1, round(width * scale)), max(1, round(height * scale))


def stroke_width(strokes: np.ndarray) -> float | None:
    """How wide a binary (h, w) float32 stroke image's strokes are, in pixels: twice their area
    over their edge (the ink pixels with a paper neighbour, both edges of a stroke); None for
    no strokes."""
    eroded = -_max_filter(-strokes, 3)
    boundary = (strokes - eroded).sum()
    return float(2 * strokes.sum() / boundary) if boundary > 0 else None


def _set_stroke_width(strokes: np.ndarray, target: float) -> np.ndarray:
    """Dilates or erodes a binary (h, w) float32 stroke image towards a stroke `target` pixels wide."""
    area = strokes.sum()
    width = stroke_width(strokes)
    width = target if width is None else width
    kernel = 2 * round(abs(target - width) / 2) + 1  # odd: a k-wide kernel changes width by k - 1
    if kernel < 3:
        return strokes
    if target > width:
        return _max_filter(strokes, kernel)
    thinned = -_max_filter(-strokes, kernel)
    return thinned if thinned.sum() > 0.25 * area else strokes


def _max_filter(image: np.ndarray, size: int) -> np.ndarray:
    """The largest value in the size x size window (size odd) around each pixel, the window
    clipped to the image, as torch's max_pool2d with stride 1 gives it, at a third of its cost
    for these small images: down the columns, then along the rows."""
    return _max_down_columns(_max_down_columns(image, size).T, size).T


def _max_down_columns(image: np.ndarray, size: int) -> np.ndarray:
    """The largest value among the `size` pixels of its column centred on each pixel (size odd)."""
    height, reach = image.shape[0], size // 2
    padded = np.full((height + 2 * reach, image.shape[1]), -np.inf, image.dtype)
    padded[reach : reach + height] = image
    largest = padded[:height].copy()
    for shift in range(1, size):
        np.maximum(largest, padded[shift : shift + height], out=largest)
    return largest


def _place_by_centre_of_mass(digit: np.ndarray, frame_size: int) -> np.ndarray:
    """Puts the digit in a frame so that its centre of mass lands on the frame's centre pixel."""
    height, width = digit.shape
    total = digit.sum()
    centre_y = (digit.sum(axis=1) @ np.arange(height)) / total
    centre_x = (digit.sum(axis=0) @ np.arange(width)) / total
    top = int(np.clip(round(frame_size / 2 - centre_y), 0, frame_size - height))
    left = int(np.clip(round(frame_size / 2 - centre_x), 0, frame_size - width))
    frame = np.zeros((frame_size, frame_size), np.float32)
    frame[top : top + height, left : left + width] = digit
    return frame
