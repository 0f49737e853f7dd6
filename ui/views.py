"""What the app shows for a drawing: the probabilities, the status line, the input the model
sees, and the hidden-state heatmap.

Everything here takes and returns plain values (dicts, strings, uint8 arrays), so the app
only wires components to it, and the tests need no browser.
"""

from dataclasses import dataclass

import numpy as np

from model.classifier import DigitClassifier

from .evidence_chart import EvidenceChartPainter
from .heatmap import HiddenStatePainter
from .texts import baseline_text, status_text

SEEN_SCALE = 10  # the 28x28 input is shown at 280x280, each pixel a sharp square
REAL_WEIGHT = 0.05  # runners-up below this probability are left off the page
# gr.Label writes whole percents, rounded: from 99.5% up a bar would read "100%", a certainty a
# softmax never has, beside a status line that says "> 99.9%". Bars stop just short of it.
HIGHEST_BAR = 0.994


@dataclass(frozen=True)
class View:
    """The app's outputs for one drawing; None means "show nothing"."""

    probabilities: dict[str, float] | None  # "0".."9" -> probability, for gr.Label
    status: str  # Markdown: the prediction, a prompt to draw, or why there is no digit
    seen: np.ndarray | None  # (280, 280) uint8: the 28x28 input, enlarged
    hidden: np.ndarray | None  # (H, W, 3) uint8 heatmap figure, when asked for
    label: int | None = None
    evidence: np.ndarray | None = None  # (H, W, 3) uint8 evidence chart, with the heatmap
    baseline: str = ""  # Markdown: the tutorial model's answer, when asked for


def probability_dict(probabilities: np.ndarray) -> dict[str, float]:
    """The top digit and the runners-up with real weight, for gr.Label, none shown as 100%."""
    top = int(probabilities.argmax())
    return {
        str(digit): min(float(p), HIGHEST_BAR)
        for digit, p in enumerate(probabilities) if p >= REAL_WEIGHT or digit == top
    }


def enlarge(pixels: np.ndarray, scale: int = SEEN_SCALE) -> np.ndarray:
    """(28, 28) ink in [0, 1] -> (28 * scale, 28 * scale) uint8, white ink on black as in MNIST.

    Nearest-neighbour scaling, so each input pixel stays a visible square.
    """
    gray = (pixels.clip(0, 1) * 255).round().astype(np.uint8)
    return np.kron(gray, np.ones((scale, scale), np.uint8))


class Views:
    """The classifier and the heatmap painter behind the app; one instance serves all users."""

    def __init__(self, classifier: DigitClassifier, baseline: DigitClassifier | None = None):
        """`baseline`: the tutorial's model, shown beside this one on request."""
        self.classifier = classifier
        self.baseline = baseline
        architecture = classifier.config.architecture
        self.painter = HiddenStatePainter(
            architecture.rows, architecture.cols, architecture.hidden_size, architecture.num_layers
        )
        self.evidence_painter = EvidenceChartPainter(architecture.rows)

    def render(self, value, show_hidden: bool = False, layer: int | None = None, compare: bool = False) -> View:
        """A sketchpad value or image -> the View. Input with no digit, or unreadable input,
        gives a status that says why, not an error.

        show_hidden adds the heatmap and the evidence chart; compare, the baseline's answer."""
        prediction = self.classifier.predict(value, with_explanation=show_hidden)
        if prediction.label is None:
            return View(probabilities=None, status=status_text(prediction), seen=None, hidden=None)
        explanation = prediction.explanation
        runner_up = int(np.argsort(prediction.probabilities)[-2])
        return View(
            probabilities=probability_dict(prediction.probabilities),
            status=status_text(prediction),
            seen=enlarge(prediction.pixels),
            hidden=self.painter.paint(explanation, prediction.pixels, layer) if show_hidden else None,
            label=prediction.label,
            evidence=self.evidence_painter.paint(explanation.evidence, prediction.label, runner_up)
            if show_hidden else None,
            baseline=baseline_text(self.baseline.predict(value)) if compare and self.baseline else "",
        )

    def predict(self, value) -> dict:
        """The /predict endpoint: the prediction's JSON (`Prediction.to_json`)."""
        return self.classifier.predict(value).to_json()
