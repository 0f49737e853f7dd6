"""The page's words: the prompts, the status line for each answer, and the About section."""

from model.canvas import NoDigit
from model.classifier import NumberReading, Prediction
from model.config import ModelConfig

DRAW_PROMPT = "Draw a digit from 0 to 9 on the canvas."
# What the status line says for each reason the conversion finds no digit; an unreadable
# input shows its own message instead.
NO_DIGIT_STATUS = {
    NoDigit.BLANK: DRAW_PROMPT,
    NoDigit.TOO_SMALL: "No digit found yet: draw one bigger, or with a darker stroke.",
    NoDigit.TOO_MUCH_INK: "Too much ink to read one digit: clear the canvas and draw a single digit.",
}


def probability_text(probability: float) -> str:
    """A top probability as the page writes it: one decimal, and never a rounded-up "100.0%",
    which would claim a certainty that a softmax never has."""
    return "> 99.9%" if probability >= 0.9995 else f"{probability:.1%}"


UNSURE_NOTE = ("The model is unsure. This doesn't look much like any digit it knows; "
               "try drawing it larger, more upright, or more clearly.")


def answer_opening(digit: int) -> str:
    """The words before an answer's digit, which the page sets apart: "It's a 7", "It's an 8"."""
    return "It's an " if digit == 8 else "It's a "


def status(prediction: Prediction) -> dict:
    """The status line, as the page shows it: {"kind", "text", "digit", "probability", "note"}.

    kind: "answer" (with the digit and its probability as the page writes it, and "opening": the
    words before the digit), "prompt" (nothing drawn), "no-digit" (text says why) or "error"
    (unreadable input, text says why). note: the unsure note, or ""."""
    if prediction.error:
        return {"kind": "error", "text": prediction.error, "digit": None, "probability": None, "note": ""}
    if prediction.label is None:
        kind = "prompt" if prediction.reason is NoDigit.BLANK else "no-digit"
        text = NO_DIGIT_STATUS[prediction.reason]
        return {"kind": kind, "text": text, "digit": None, "probability": None, "note": ""}
    probability = probability_text(float(prediction.probabilities[prediction.label]))
    opening = answer_opening(prediction.label)
    return {"kind": "answer", "text": f"{opening}{prediction.label} ({probability})", "opening": opening,
            "digit": prediction.label, "probability": probability, "note": UNSURE_NOTE if prediction.unsure else ""}


def number_status(reading) -> dict:
    """The status line for a number of several digits (model.classifier.NumberReading), in
    `status`'s shape with kind "number": "It's 4096", and a note naming the unsure digits."""
    unsure = [i for i, d in enumerate(reading.digits) if d.unsure]
    places = ", ".join(f"{ORDINALS[i]} ({reading.digits[i].label})" for i in unsure)
    note = f"The model is unsure of the {places} digit{'s' * (len(unsure) > 1)}." if unsure else ""
    return {"kind": "number", "text": f"It's {reading.number}", "number": reading.number, "digit": None,
            "probability": None, "note": note}


ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth"] + [f"{n}th" for n in range(7, 101)]


def baseline_text(reading: NumberReading) -> str:
    """Markdown: the tutorial model's answer, shown beside this one's: the digit it reads, or the
    number, each of its digits found in the drawing as for this model and read by the tutorial's."""
    if reading.number is None:  # nothing drawn, taps, too much ink
        return "The tutorial's model finds no digit."
    if len(reading.digits) > 1:
        return f"The tutorial's model says **{reading.number}**."
    (digit,) = reading.digits
    top = float(digit.probabilities[digit.label])
    return f"The tutorial's model says **{digit.label}** ({probability_text(top)})."


def about_markdown(config: ModelConfig, baseline: ModelConfig | None) -> str:
    """The About section: the model, its figures beside the tutorial recipe's, and where to read more."""
    rows = [("This app's model", config)] + ([("The tutorial's recipe", baseline)] if baseline else [])
    table = "\n".join(
        f"| {name} | {c.architecture.hidden_size} × {c.architecture.num_layers} | "
        f"{c.metrics.get('parameters', 0):,} | "
        f"{c.metrics['test_accuracy']:.2%} |" if "test_accuracy" in c.metrics else f"| {name} | | | |"
        for name, c in rows
    )
    return f"""
**The model.** A bidirectional LSTM reads the 28×28 image one row at a time, top to bottom
(forward) and bottom to top (backward); a linear layer reads all 28 rows' outputs, which is why
every row's share of a score can be shown exactly, as the heatmap does.

| model | LSTM units × layers | parameters | MNIST test accuracy |
|---|---|---|---|
{table}

**Compared with the tutorial's recipe** (12 units, trained on plain MNIST, and demos that
squash the whole canvas to 28×28): this model is wider and was trained on digits warped the way people
draw (rotation, slant, stroke thickness, elastic distortion). Your drawing is cropped to its
ink, scaled to 20 px and centred by its centre of mass, as MNIST's digits were, and its strokes
are given one width, so the size, place and pen of a drawing matter little.

**Unsure?** When the top probability is below {config.unsure_below:.0%}, the page says so.

The README has the training recipe, the robustness and latency figures
and the API; `weights/README.md` is the model card.
"""
