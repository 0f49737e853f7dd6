"""What the app shows for a drawing: the answer (status line, probability bars, the input the
model sees) and, on request, the details (hidden-state heatmap, evidence chart, the tutorial
model's answer).

Everything here takes and returns plain values (dicts, strings, uint8 arrays), so the app
only wires components to it, and the tests need no browser.
"""

import base64
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from model.canvas import NoDigit
from model.classifier import DigitClassifier, NumberReading, Prediction, no_digit

from .evidence_chart import EvidenceChartPainter
from .heatmap import HiddenStatePainter
from .texts import baseline_text, number_status, probability_text, status

# The page and the API send a drawing's strokes. Anything else the classifier would read too (a
# path, image layers naming paths) could make the server open its own files: it is refused.
NOT_STROKES = "A drawing must be strokes: an object with width, height and strokes."
REAL_WEIGHT = 0.05  # runners-up below this probability are left off the page
# Bars are written in whole percents, rounded: from 99.5% up a bar would read "100%", a
# certainty a softmax never has, beside a status line that says "> 99.9%". Bars stop short of
# it, and one cut short says "> 99%".
HIGHEST_BAR = 0.994


@dataclass(frozen=True)
class Details:
    """What the page shows below the answer when asked; None means "show nothing"."""

    hidden: np.ndarray | None  # (H, W, 3) uint8 heatmap figure
    evidence: np.ndarray | None  # (H, W, 3) uint8 evidence chart
    baseline: str  # Markdown: the tutorial model's answer, or ""


def probability_bars(probabilities: np.ndarray) -> list[dict]:
    """The top digit and the runners-up with real weight, likeliest first, none shown as 100%:
    [{"digit": "7", "share": 0.93, "text": "93%"}, ...]; share is the bar's length in [0, 1].
    A bar cut short at HIGHEST_BAR says "> 99%"."""
    top = int(probabilities.argmax())
    order = np.argsort(-probabilities, kind="stable")
    return [_bar(digit, float(probabilities[digit])) for digit in map(int, order)
            if probabilities[digit] >= REAL_WEIGHT or digit == top]


def _bar(digit: int, probability: float) -> dict:
    share = min(probability, HIGHEST_BAR)
    return {"digit": str(digit), "share": round(share, 4), "text": f"{'> ' if share < probability else ''}{share:.0%}"}


def seen_image(pixels: np.ndarray) -> str:
    """(28, 28) ink in [0, 1] -> a PNG data URL, white ink on black as in MNIST; the page
    enlarges it with sharp pixels."""
    gray = (pixels.clip(0, 1) * 255).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(gray, "L").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def answer_json(prediction: Prediction) -> dict:
    """The answer the page shows: {"status", "bars", "seen"}; no digit has no bars and no image."""
    if prediction.label is None:
        return {"status": status(prediction), "bars": [], "seen": None}
    return {"status": status(prediction), "bars": probability_bars(prediction.probabilities),
            "seen": seen_image(prediction.pixels)}


def digit_json(prediction: Prediction) -> dict:
    """One digit of a number, as the page shows it under the number: {"digit", "probability",
    "unsure", "bars", "seen"}."""
    top = float(prediction.probabilities[prediction.label])
    return {"digit": prediction.label, "probability": probability_text(top), "unsure": prediction.unsure,
            "bars": probability_bars(prediction.probabilities), "seen": seen_image(prediction.pixels)}


def number_json(reading: NumberReading) -> dict:
    """The answer the page shows for a drawing read as a number: `answer_json`'s {"status",
    "bars", "seen"} and {"number", "digits"} (`digit_json` each). A drawing of one digit shows as
    it always has, and one of none says why; for several, the status says the number, and the
    bars and the image are its first digit's until another is chosen. A number with a part that
    is no digit (too much ink) says why, as one digit would."""
    if not reading.digits:  # why there is no digit, known without reading the drawing
        return answer_json(reading.whole) | {"number": None, "digits": []}
    if reading.number is None or len(reading.digits) == 1:
        answer = answer_json(next((d for d in reading.digits if d.label is None), reading.digits[0]))
        return answer | {"number": None, "digits": []}
    digits = [digit_json(d) for d in reading.digits]
    answer = {"status": number_status(reading), "bars": digits[0]["bars"], "seen": digits[0]["seen"]}
    return answer | {"number": reading.number, "digits": digits}


def chosen_digit(strokes) -> int:
    """The digit of a number that the page's details follow: the value's `digit`, chosen by a
    click on its small image, or the first."""
    digit = strokes.get("digit") if isinstance(strokes, dict) else None
    valid = isinstance(digit, int) and not isinstance(digit, bool) and 0 <= digit < 100
    return digit if valid else 0


class Views:
    """The classifiers and the painters behind the app; one instance serves all users."""

    def __init__(self, classifier: DigitClassifier, baseline: DigitClassifier | None = None):
        """`baseline`: the tutorial's model, shown beside this one on request."""
        self.classifier = classifier
        self.baseline = baseline
        architecture = classifier.config.architecture
        self.painter = HiddenStatePainter(
            architecture.rows, architecture.cols, architecture.hidden_size, architecture.num_layers
        )
        self.evidence_painter = EvidenceChartPainter(architecture.rows)

    def answer(self, strokes) -> dict:
        """A drawing's strokes -> the answer's JSON for the page (`number_json`). No digit, or
        unreadable input, gets a status that says why, not an error."""
        return number_json(self.read_number(strokes))

    def details(self, strokes, show_hidden: bool = False, layer: int | None = None, compare: bool = False) -> Details:
        """show_hidden: the heatmap of `layer` (the last by default) and the evidence chart, for
        the digit of a number that the value's `digit` names (the first by default);
        compare: the tutorial model's answer."""
        baseline = baseline_text(self.read_number(strokes, self.baseline)) if compare and self.baseline else ""
        if not show_hidden:
            return Details(None, None, baseline)
        digits = self.read_number(strokes).digits
        chosen = digits[min(chosen_digit(strokes), len(digits) - 1)] if digits else None
        if chosen is None or chosen.label is None:
            return Details(None, None, baseline)
        prediction = self.classifier.predict_pixels(chosen.pixels, with_explanation=True)
        runner_up = int(np.argsort(prediction.probabilities)[-2])
        return Details(
            hidden=self.painter.paint(prediction.explanation, prediction.pixels, layer),
            evidence=self.evidence_painter.paint(prediction.explanation.evidence, prediction.label, runner_up),
            baseline=baseline,
        )

    def read_number(self, strokes, classifier: DigitClassifier | None = None) -> NumberReading:
        """A drawing's strokes from the page or a client (a stroke value, or None for nothing
        drawn) -> the number they write, as `classifier` reads it (`DigitClassifier.read_number`),
        this app's model by default. Anything that is not a stroke value gets "no digit",
        unreadable, and is never opened as a file."""
        if strokes is not None and not (isinstance(strokes, dict) and "strokes" in strokes):
            refused = no_digit(NoDigit.UNREADABLE, NOT_STROKES)
            return NumberReading([], lambda: refused)
        return (classifier or self.classifier).read_number(strokes)

    def predict(self, strokes=None, image=None) -> dict:
        """The /predict endpoint: a drawing's strokes, or an image that Gradio decoded -> the
        prediction's JSON (`NumberReading.to_json`: today's answer, `digits` and `number`)."""
        reading = self.classifier.read_number(image) if image is not None else self.read_number(strokes)
        return reading.to_json()
