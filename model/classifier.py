"""The pretrained digit classifier: a drawing in, a label and ten probabilities out."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .canvas import canvas_to_pixels, normalize
from .explain import Explanation, explain
from .weights import DEFAULT_WEIGHTS, load_model


@dataclass(frozen=True)
class Prediction:
    label: int | None  # None when there is no digit
    probabilities: np.ndarray | None  # (10,), None when there is no digit
    pixels: np.ndarray | None  # (28, 28) in [0, 1]: what the model sees
    unsure: bool  # the top probability is below the config's `unsure_below`
    explanation: Explanation | None = None


NO_DIGIT = Prediction(label=None, probabilities=None, pixels=None, unsure=False)


class DigitClassifier:
    def __init__(self, path: Path = DEFAULT_WEIGHTS):
        """Loads the weights at `path`; raises WeightsError with a clear message if it can't."""
        self.network, self.config = load_model(path)

    def predict(self, image, with_explanation: bool = False) -> Prediction:
        """Any drawing `canvas_to_pixels` accepts; raises InvalidImage for unreadable input."""
        pixels = canvas_to_pixels(image, self.config.preprocess)
        if pixels is None:
            return NO_DIGIT
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
