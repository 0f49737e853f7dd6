"""The pretrained digit classifier: a drawing in, a label and ten probabilities out."""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .canvas import InvalidImage, NoDigit, find_digit, frame_digit, ink_map, normalize, read_json
from .explain import Explanation, explain
from .segment import split_image, stroke_groups
from .strokes import BRUSH_WIDTH, CANVAS, draw_strokes, parse_strokes
from .weights import DEFAULT_WEIGHTS, load_model


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
    """A drawing read as a number: `whole`, the drawing read as one digit (today's answer, and
    the number's one digit when there is one), and `digits`, each digit's prediction in
    reading order (none when nothing is drawn)."""

    whole: Prediction
    digits: list[Prediction]

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
    def __init__(self, path: Path = DEFAULT_WEIGHTS):
        """Loads the weights at `path`; raises WeightsError with a clear message if it can't."""
        self.network, self.config = load_model(path)

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
        """A drawing split into its digits (model/segment.py), each read as `predict` reads one
        digit, all in one batch. The whole drawing is read by `predict`, as it always was: a
        drawing of one digit is read once, and that reading is its one digit."""
        whole = self.predict(image)
        if whole.reason in (NoDigit.UNREADABLE, NoDigit.BLANK):
            return NumberReading(whole, [])
        try:
            inks = digit_inks(image, self.config.preprocess.ink_threshold, self.config.preprocess.min_extent)
        except InvalidImage as invalid:  # predict has read it already: not expected
            return NumberReading(no_digit(NoDigit.UNREADABLE, str(invalid)), [])
        if len(inks) <= 1 and (not inks or inks[0] is None):  # one digit, drawn as `predict` draws it
            return NumberReading(whole, [whole] if whole.label is not None else [])
        found = [ink if isinstance(ink, NoDigit) else frame_digit(ink, self.config.preprocess) for ink in inks]
        framed = [f for f in found if not isinstance(f, NoDigit)]
        readings = iter(self._read_batch(framed) if framed else [])
        return NumberReading(whole, [no_digit(f) if isinstance(f, NoDigit) else next(readings) for f in found])

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


GROUP_SIDE = 160  # a digit of a number is drawn at most this many pixels high or wide


def digit_inks(image, ink_threshold: float, min_extent: float) -> list[np.ndarray | NoDigit | None]:
    """A drawing -> one ink image per digit, in reading order; [None] for a drawing of one digit
    that `predict` draws as this would (on a square canvas), NoDigit.TOO_SMALL for a speck. A stroke value's groups of strokes
    are each drawn alone at the scale that makes the drawing's shorter side CANVAS, so the brush
    is as wide beside each digit as beside a digit drawn alone on the page's square canvas, on a
    canvas just larger than the group (the conversion crops to the ink anyway); an image is
    split by its ink (`split_image`)."""
    if isinstance(image, (str, Path)) and Path(image).suffix.lower() == ".json":
        image = read_json(Path(image))  # a stroke value's file: split by its strokes
    if isinstance(image, dict) and "strokes" in image:
        strokes = parse_strokes(image)  # the longer side scaled to CANVAS
        groups = stroke_groups(strokes)
        width, height = (float(image[key]) for key in ("width", "height"))
        if len(groups) <= 1 and width == height:  # `predict` draws it just so
            return [None] * len(groups)
        scale = max(width, height) / min(width, height)  # the shorter side to CANVAS
        inks = []
        for group in groups:
            points = [strokes[i] * scale for i in group]
            low = np.min([p.min(0) for p in points], axis=0)
            side = float((np.max([p.max(0) for p in points], axis=0) - low).max()) + BRUSH_WIDTH
            # Drawn smaller, brush and all, when large: the conversion reduces it to 20 pixels.
            if side < min_extent * CANVAS:  # as `frame_digit` judges a digit drawn alone
                inks.append(NoDigit.TOO_SMALL)
                continue
            fit = min(1.0, GROUP_SIDE / side)
            margin = BRUSH_WIDTH * fit
            ink = draw_strokes([(p - low) * fit + margin for p in points], BRUSH_WIDTH * fit,
                               math.ceil(side * fit + 2 * margin))
            inks.append(ink.astype(np.float32) / 255.0)
        return inks
    ink = ink_map(image)
    inks = [] if ink is None else split_image(ink, ink_threshold)
    return [None] if len(inks) == 1 else inks  # one digit: `predict` reads it
