"""The pretrained digit classifier: a drawing in, a label and ten probabilities out."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .canvas import InvalidImage, NoDigit, find_digit, normalize
from .explain import Explanation, explain
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
