"""The pretrained digit classifier: a drawing in, a label and ten probabilities out."""

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from threading import Lock

import numpy as np
import torch

from .canvas import InvalidImage, NoDigit, find_digit, frame_digit, ink_map, normalize, read_stroke_file
from .config import PreprocessConfig
from .explain import Explanation, explain
from .segment import column_cuts, split_image, stroke_groups
from .strokes import BRUSH_WIDTH, CANVAS, draw_strokes, ink_of, parse_strokes, travel_of
from .weights import DEFAULT_WEIGHTS, load_model


RECENT_DIGITS = 256  # digits of numbers remembered by their strokes: a few users' numbers, 1 MB


@dataclass(frozen=True)
class Prediction:
    label: int | None  # None when there is no digit
    probabilities: np.ndarray | None  # (10,), None when there is no digit
    pixels: np.ndarray | None  # (28, 28) in [0, 1]: what the model sees
    unsure: bool  # the top probability is below the config's `unsure_below`
    explanation: Explanation | None = None
    reason: NoDigit | None = None  # why there is no digit, when there is none
    error: str | None = None  # why the input is unreadable, for the user

    def to_json(self) -> dict:
        """The one JSON shape of a prediction, answered by /predict and `predict --json`."""
        probabilities = None if self.probabilities is None else [round(float(p), 6) for p in self.probabilities]
        reason = None if self.reason is None else self.reason.value
        result = {"label": self.label, "probabilities": probabilities, "unsure": self.unsure, "reason": reason}
        return result | ({"error": self.error} if self.error else {})


@dataclass(frozen=True)
class NumberReading:
    """A drawing read as a number: `digits`, each digit's prediction in reading order (none when
    there is no digit), and `whole`, the drawing read as one digit: /predict's answer from
    before it read numbers, which it still gives. For a drawing of one digit read as `predict`
    reads it (on a square canvas, or an image), or of none, `whole` is known already: that
    digit, or why there is none. Otherwise `read_whole` reads it when it is first asked for
    (by /predict and the command line; the page shows the digits)."""

    digits: list[Prediction]
    read_whole: Callable[[], Prediction] = field(repr=False, compare=False)

    @cached_property
    def whole(self) -> Prediction:
        return self.read_whole()

    @property
    def number(self) -> str | None:
        """The digits written as a string, or None when there are none or one is no digit."""
        if not self.digits or any(d.label is None for d in self.digits):
            return None
        return "".join(str(d.label) for d in self.digits)

    def to_json(self) -> dict:
        """Today's answer for the whole drawing, plus `digits` and `number`."""
        return self.whole.to_json() | {"digits": [d.to_json() for d in self.digits], "number": self.number}


def no_digit(reason: NoDigit, error: str | None = None) -> Prediction:
    return Prediction(label=None, probabilities=None, pixels=None, unsure=False, reason=reason, error=error)


class DigitClassifier:
    def __init__(self, path: Path = DEFAULT_WEIGHTS, recent_digits: int = RECENT_DIGITS):
        """Loads the weights at `path`; raises WeightsError with a clear message if it can't.
        `recent_digits`: how many digits of numbers to remember (`_read_parts`); 0 for none."""
        self.network, self.config = load_model(path)
        self.recent = RecentDigits(recent_digits)

    def predict(self, image, with_explanation: bool = False) -> Prediction:
        """Any drawing `find_digit` accepts. Input that holds no digit, or cannot be read at
        all, gives a Prediction without a label whose `reason` says why."""
        try:
            pixels = find_digit(image, self.config.preprocess)
        except InvalidImage as invalid:
            return no_digit(NoDigit.UNREADABLE, str(invalid))
        if isinstance(pixels, NoDigit):
            return no_digit(pixels)
        return self.predict_pixels(pixels, with_explanation)

    def predict_pixels(self, pixels: np.ndarray, with_explanation: bool = False) -> Prediction:
        """(28, 28) ink in [0, 1], as `find_digit` frames it -> the prediction for it."""
        inputs = normalize(torch.from_numpy(pixels), self.config.preprocess)[None]  # (1, 28, 28)
        with torch.inference_mode():
            logits, states = self.network.forward_with_states(inputs)
            probabilities = torch.softmax(logits[0] / self.config.temperature, dim=0).numpy()
            label = int(probabilities.argmax())
            explanation = (
                explain(self.network.head, [s[0] for s in states], label) if with_explanation else None
            )
        return Prediction(
            label=label,
            probabilities=probabilities,
            pixels=pixels,
            unsure=bool(probabilities[label] < self.config.unsure_below),
            explanation=explanation,
        )

    def read_number(self, image) -> NumberReading:
        """A drawing split into its digits (model/segment.py), each converted as one digit is
        (`find_digits`: the drawing parsed, and each stroke drawn, once) and all read in one
        batch. A drawing of one digit on a square canvas, or an image of one, is converted and
        read exactly as `predict` reads it. A part of an image of several may be two digits whose
        ink touches (`_cut_touching`)."""
        try:
            found = find_digits(image, self.config.preprocess)
        except InvalidImage as invalid:
            unreadable = no_digit(NoDigit.UNREADABLE, str(invalid))
            return NumberReading([], lambda: unreadable)
        if isinstance(found, NoDigit):  # nothing drawn, or a tap
            nothing = no_digit(found)
            return NumberReading([], lambda: nothing)
        parts, as_predict = found
        digits = self._read_parts(parts)
        if as_predict:  # `predict`'s answer: a digit, or why there is none
            (digit,) = digits
            return NumberReading(digits if digit.label is not None else [], lambda: digit)
        digits = [read for part, digit in zip(parts, digits) for read in self._cut_touching(part, digit)]
        if all(digit.reason is NoDigit.TOO_SMALL for digit in digits):  # taps apart: no digit anywhere
            too_small = no_digit(NoDigit.TOO_SMALL)
            return NumberReading(digits, lambda: too_small)
        return NumberReading(digits, lambda: self.predict(image))

    def _read_parts(self, parts: list) -> list[Prediction]:
        """Each part's prediction, the framed ones read in one batch. A digit whose strokes
        `recent` remembers is not drawn or read again: while a number is written, the page sends
        it again and again, and only its last digit has changed."""
        predictions = [self.recent.get(p.key) if isinstance(p, DigitStrokes) else None for p in parts]
        new = [i for i, prediction in enumerate(predictions) if prediction is None]
        pixels = {i: parts[i].frame(self.config.preprocess) if isinstance(parts[i], (DigitStrokes, DigitInk))
                  else parts[i] for i in new}
        framed = [i for i in new if not isinstance(pixels[i], NoDigit)]
        for i, prediction in zip(framed, self._read_batch([pixels[i] for i in framed]) if framed else []):
            predictions[i] = prediction
        for i in new:
            if isinstance(pixels[i], NoDigit):
                predictions[i] = no_digit(pixels[i])
            if isinstance(parts[i], DigitStrokes):
                self.recent.put(parts[i].key, predictions[i])
        return predictions

    def _cut_touching(self, part, digit: Prediction) -> list[Prediction]:
        """A part of an image read as one digit -> the two digits of its best cut at a faint
        column (`column_cuts`: the cut whose sides' less sure reading is surest), when both sides
        read surer than the whole and than `unsure_below`: two digits whose ink touches.
        Otherwise the one digit."""
        if not isinstance(part, DigitInk) or digit.label is None:
            return [digit]
        framed = [[frame_digit(side, self.config.preprocess) for side in cut]
                  for cut in column_cuts(part.ink, self.config.preprocess.ink_threshold)]
        framed = [pair for pair in framed if not any(isinstance(side, NoDigit) for side in pair)]
        if not framed:
            return [digit]
        reads = self._read_batch([side for pair in framed for side in pair])
        pairs = [reads[i : i + 2] for i in range(0, len(reads), 2)]
        surest = max(pairs, key=lambda pair: min(p.probabilities[p.label] for p in pair))
        sure = min(p.probabilities[p.label] for p in surest)
        return surest if sure > max(digit.probabilities[digit.label], self.config.unsure_below) else [digit]

    def _read_batch(self, pixels: list[np.ndarray]) -> list[Prediction]:
        inputs = normalize(torch.from_numpy(np.stack(pixels)), self.config.preprocess)  # (B, 28, 28)
        with torch.inference_mode():
            logits = self.network(inputs)  # (B, 10)
            probabilities = torch.softmax(logits / self.config.temperature, dim=1).numpy()
        predictions = []
        for digit_pixels, p in zip(pixels, probabilities):
            label = int(p.argmax())
            predictions.append(Prediction(label=label, probabilities=p, pixels=digit_pixels,
                                          unsure=bool(p[label] < self.config.unsure_below)))
        return predictions


class RecentDigits:
    """The last `size` digits of numbers read, by their strokes' key: the least recently read
    is forgotten first. Handlers run in threads, so each look-up holds a lock."""

    def __init__(self, size: int):
        self.size = size
        self._readings: OrderedDict[bytes, Prediction] = OrderedDict()
        self._lock = Lock()

    def get(self, key: bytes) -> Prediction | None:
        with self._lock:
            if key in self._readings:
                self._readings.move_to_end(key)
            return self._readings.get(key)

    def put(self, key: bytes, prediction: Prediction) -> None:
        with self._lock:
            self._readings[key] = prediction
            while len(self._readings) > self.size:
                self._readings.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._readings.clear()


# A digit of a number is drawn at most this many pixels high or wide: at the conversion's own 80,
# a marker's dense scribble beside a digit covered less than `max_coverage` and read as a digit.
GROUP_SIDE = 160


@dataclass(frozen=True, eq=False)
class DigitStrokes:
    """One digit's strokes in a drawing of several, at the page's scale (the drawing's shorter
    side CANVAS)."""

    points: list[np.ndarray]

    @cached_property
    def key(self) -> bytes:
        """The strokes' digest: equal for equal strokes, whichever drawing they are in."""
        digest = hashlib.blake2b(digest_size=16)
        for stroke in self.points:
            digest.update(len(stroke).to_bytes(4, "little"))
            digest.update(np.ascontiguousarray(stroke, np.float64).tobytes())
        return digest.digest()

    def frame(self, preprocess: PreprocessConfig) -> np.ndarray | NoDigit:
        """Drawn alone, at most GROUP_SIDE pixels (brush and all), on a canvas just larger than it
        (the conversion crops to the ink), then framed as one digit: its (28, 28) input, or why
        it is no digit (a tap or a tick, as `find_digit` judges a drawing).

        The brush is in proportion to the digit: as wide beside it as the page's brush beside a
        digit as tall as the canvas, never wider than the page's. A number's digits are small
        on the page, where the brush is as wide as ever and a small 8's loops close up; its
        strokes keep them open (`benchmarks.numbers`: 4-digit numbers on the square canvas read
        98.2%, and 97.0% with the page's brush)."""
        travel = travel_of(self.points)
        if travel < BRUSH_WIDTH:
            return NoDigit.TOO_SMALL
        brush = BRUSH_WIDTH * min(1.0, travel / CANVAS)
        side = travel + brush
        fit = min(1.0, GROUP_SIDE / side)
        margin = brush * fit
        low = np.concatenate(self.points).min(0)
        ink = draw_strokes([(p - low) * fit + margin for p in self.points], brush * fit,
                           math.ceil(side * fit + 2 * margin))
        return frame_digit(ink.astype(np.float32) / 255.0, preprocess)


@dataclass(frozen=True, eq=False)
class DigitInk:
    """One part of an image of several digits (`split_image`): its ink, the image's size."""

    ink: np.ndarray

    def frame(self, preprocess: PreprocessConfig) -> np.ndarray | NoDigit:
        return frame_digit(self.ink, preprocess)


def find_digits(image, preprocess: PreprocessConfig) -> tuple[list[np.ndarray | NoDigit | DigitStrokes | DigitInk], bool] | NoDigit:
    """A drawing -> its digits in reading order, and whether the drawing is one digit converted
    exactly as `find_digit` converts it; or why the whole drawing has no digit (nothing drawn,
    or a tap). Raises InvalidImage as `find_digit` does.

    A stroke value is parsed once. On a square canvas one digit is drawn as `find_digit` draws
    it, to its (28, 28) input or why it has none; otherwise each group of strokes is a
    DigitStrokes, drawn when it is read. An image is split by its ink (`split_image`), each part
    a DigitInk, framed when it is read; an image of one digit is converted whole, as
    `find_digit` converts it."""
    image = read_stroke_file(image)
    if not (isinstance(image, dict) and "strokes" in image):
        ink = ink_map(image)
        if ink is None:
            return NoDigit.BLANK
        inks = split_image(ink, preprocess.ink_threshold)
        if len(inks) == 1:
            return [frame_digit(ink, preprocess)], True
        return [DigitInk(digit) for digit in inks], False
    strokes = parse_strokes(image)  # the longer side scaled to CANVAS
    width, height = (float(image[key]) for key in ("width", "height"))
    scale = max(width, height) / min(width, height)  # to the page's scale: the shorter side CANVAS
    if not strokes:
        return NoDigit.BLANK
    if travel_of(strokes) * scale < BRUSH_WIDTH:
        return NoDigit.TOO_SMALL  # a tap or a tick, as `find_digit` judges one
    groups = stroke_groups(strokes)
    if len(groups) == 1 and width == height:
        return [frame_digit(ink_of(strokes), preprocess)], True
    return [DigitStrokes([strokes[i] * scale for i in group]) for group in groups], False
