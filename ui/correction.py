""""Wrong? Tell it.": the person clicks the right digit, and the drawing is kept: the model's
input, and the strokes as drawn. For a number, the digit kept is the one chosen below it (its
small image clicked; the first by default), with its own strokes."""

import numpy as np

from model.classifier import find_digits
from model.corrections import CorrectionsFolder
from model.strokes import CANVAS, parse_strokes, stroke_value

from .views import Views, chosen_digit


def save_correction(views: Views, folder: CorrectionsFolder, value, digit: int) -> str:
    """Saves the drawing `value`, or the chosen digit of a number, as a `digit`, beside the
    model's answer for it; returns a note to show.

    The value is the page's (`Views` refuses anything but strokes). Its strokes are saved as
    checked, at the page's scale (the canvas's shorter side CANVAS), without the page's own keys."""
    digits = views.read_number(value).digits  # as the page showed them
    chosen = min(chosen_digit(value), len(digits) - 1) if len(digits) > 1 else None
    prediction = digits[chosen or 0] if digits else None
    if prediction is None or prediction.pixels is None:
        if chosen is None:
            return "Draw a digit first, then tell the model what it is."
        return "That part of the drawing is no digit: choose one of the number's digits below it."
    width, height = float(value["width"]), float(value["height"])
    scale = max(width, height) / min(width, height)  # from the longer side's CANVAS to the page's scale
    if chosen is not None:  # the chosen digit's own strokes, where they were, at the page's scale
        strokes = [np.round(s, 3) for s in find_digits(value, views.classifier.config.preprocess)[0][chosen].points]
    elif scale != 1:  # to the nearest thousandth, as the page sent them
        strokes = [np.round(stroke * scale, 3) for stroke in parse_strokes(value)]
    else:
        strokes = parse_strokes(value)
    side = min(width, height)
    folder.save(prediction.pixels, digit, prediction.label, stroke_value(strokes, CANVAS * width / side, CANVAS * height / side))
    article = "an" if digit == 8 else "a"
    if chosen is None:
        return f"Thank you: saved as {article} {digit}."
    return f"Thank you: digit {chosen + 1} of the number saved as {article} {digit}."
