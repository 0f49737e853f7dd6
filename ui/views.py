"""What the app shows for a drawing: the probabilities, the status line, the input the model
sees, and the hidden-state heatmap.

Everything here takes and returns plain values (dicts, strings, uint8 arrays), so the app
only wires components to it, and the tests need no browser.
"""

from dataclasses import dataclass

import numpy as np

from model.classifier import DigitClassifier

from .heatmap import HiddenStatePainter
from .texts import status_text

SEEN_SCALE = 10  # the 28x28 input is shown at 280x280, each pixel a sharp square


@dataclass(frozen=True)
class View:
    """The app's outputs for one drawing; None means "show nothing"."""

    probabilities: dict[str, float] | None  # "0".."9" -> probability, for gr.Label
    status: str  # Markdown: the prediction, a prompt to draw, or why there is no digit
    seen: np.ndarray | None  # (280, 280) uint8: the 28x28 input, enlarged
    hidden: np.ndarray | None  # (H, W, 3) uint8 heatmap figure, when asked for
    label: int | None = None


def probability_dict(probabilities: np.ndarray) -> dict[str, float]:
    return {str(digit): float(p) for digit, p in enumerate(probabilities)}


def enlarge(pixels: np.ndarray, scale: int = SEEN_SCALE) -> np.ndarray:
    """(28, 28) ink in [0, 1] -> (28 * scale, 28 * scale) uint8, white ink on black as in MNIST.

    Nearest-neighbour scaling, so each input pixel stays a visible square.
    """
    gray = (pixels.clip(0, 1) * 255).round().astype(np.uint8)
    return np.kron(gray, np.ones((scale, scale), np.uint8))


class Views:
    """The classifier and the heatmap painter behind the app; one instance serves all users."""

    def __init__(self, classifier: DigitClassifier):
        self.classifier = classifier
        architecture = classifier.config.architecture
        self.painter = HiddenStatePainter(
            architecture.rows, architecture.cols, architecture.hidden_size, architecture.num_layers
        )

    def render(self, value, show_hidden: bool = False, layer: int | None = None) -> View:
        """A sketchpad value or image -> the View. Input with no digit, or unreadable input,
        gives a status that says why, not an error."""
        prediction = self.classifier.predict(value, with_explanation=show_hidden)
        if prediction.label is None:
            return View(probabilities=None, status=status_text(prediction), seen=None, hidden=None)
        return View(
            probabilities=probability_dict(prediction.probabilities),
            status=status_text(prediction),
            seen=enlarge(prediction.pixels),
            hidden=self.painter.paint(prediction.explanation, prediction.pixels, layer) if show_hidden else None,
            label=prediction.label,
        )

    def predict(self, value) -> dict:
        """The /predict endpoint: the prediction's JSON (`Prediction.to_json`)."""
        return self.classifier.predict(value).to_json()
