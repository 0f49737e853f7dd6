""""Wrong? Tell it.": the person clicks the right digit, and the drawing is kept: the model's
input, and the strokes as drawn."""

from typing import Callable

import numpy as np

from model.classifier import Prediction
from model.corrections import CorrectionsFolder
from model.strokes import CANVAS, parse_strokes, stroke_value


def save_correction(read: Callable[[object], Prediction], folder: CorrectionsFolder, value, digit: int) -> str:
    """Saves the drawing `value` as a `digit`, beside the model's answer, `read(value)`; returns
    a note to show.

    A stroke value is saved as checked and scaled to the app's canvas (CANVAS high), without the
    page's own keys; a drawing that came as an image keeps only the model's input."""
    prediction = read(value)
    if prediction.pixels is None:
        return "Draw a digit first, then tell the model what it is."
    strokes = None
    if isinstance(value, dict) and "strokes" in value:
        # In the page's own units, the canvas CANVAS high: a wide canvas keeps its width.
        width, height = float(value["width"]), float(value["height"])
        scale = max(width, height) / height
        strokes = parse_strokes(value)
        if scale != 1:  # back from the longer side's CANVAS, to the nearest thousandth as the page sent it
            strokes = [np.round(stroke * scale, 3) for stroke in strokes]
        strokes = stroke_value(strokes, CANVAS * width / height, CANVAS)
    folder.save(prediction.pixels, digit, prediction.label, strokes)
    return f"Thank you: saved as a {digit}."
