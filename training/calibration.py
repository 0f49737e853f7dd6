"""How far the model's probabilities can be trusted, and making them trustworthy.

- Expected calibration error (ECE): the gap between confidence and accuracy, averaged over
  bins of confidence, weighted by how many predictions fall in each bin.
- Temperature scaling: one number T that divides the logits before the softmax, chosen on
  the validation sources; it changes no prediction, only how sure each one is.
- The "unsure" threshold: the top probability under which the app says it is unsure.
"""

import numpy as np
import torch

ECE_BINS = 15


def expected_calibration_error(probabilities: torch.Tensor, labels: torch.Tensor, bins: int = ECE_BINS) -> float:
    """probabilities (N, classes), labels (N,) -> ECE over `bins` equal-width confidence bins."""
    confidence, predicted = probabilities.max(1)
    correct = (predicted == labels).float()
    edges = torch.linspace(0, 1, bins + 1)
    which = torch.bucketize(confidence, edges[1:-1], right=True)  # (N,) bin index 0..bins-1
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.float().mean().item() * abs(correct[members].mean().item() - confidence[members].mean().item())
    return error


# The temperatures fit_temperature chooses among. None is below 1: a T below 1 would make every
# answer surer, a scribble's as well as a digit's, and validation holds no scribbles to weigh
# that against, so a model that is under-confident on digits is left as it is.
TEMPERATURES = torch.arange(1.0, 3.0001, 0.01)


def fit_temperature(sources: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """The T that leaves the worst-calibrated source as well calibrated as it can be.

    `sources` holds each validation source's (logits, labels). Fitting one T to them pooled
    (by log-likelihood) serves the biggest source and leaves a small, harder one (another
    writer's pen drawings) overconfident; this T minimises the largest ECE among them instead.
    """
    def worst_error(t: float) -> float:
        return max(expected_calibration_error(torch.softmax(logits / t, 1), labels) for logits, labels in sources)

    return round(min(TEMPERATURES.tolist(), key=worst_error), 2)


def choose_unsure_threshold(top_probabilities: list[float | None], predicted: list[int | None],
                            labels: list[int], target: float, candidates: np.ndarray,
                            scribble_top: np.ndarray | None = None, scribbles_flagged: float = 0.0) -> float | None:
    """The lowest threshold at which the predictions kept as "sure" are `target` accurate, and
    at least `scribbles_flagged` of the scribbles (their top probabilities, `scribble_top`) are
    flagged as unsure.

    Each list has one entry per drawing; None marks a drawing read as "no digit", which is
    left out together with its label, so that labels stay aligned with their drawings.
    """
    kept = [(p, y, t) for p, y, t in zip(top_probabilities, predicted, labels, strict=True) if p is not None]
    top = np.array([p for p, _, _ in kept])
    correct = np.array([y == t for _, y, t in kept])
    for threshold in candidates:
        sure = top >= threshold
        flagged = (scribble_top < threshold).mean() if scribble_top is not None and len(scribble_top) else 1.0
        if (not sure.any() or correct[sure].mean() >= target) and flagged >= scribbles_flagged:
            return round(float(threshold), 2)
    return None
