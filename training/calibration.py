"""How far the model's probabilities can be trusted, and making them trustworthy.

- Expected calibration error (ECE): the gap between confidence and accuracy, averaged over
  bins of confidence, weighted by how many predictions fall in each bin.
- Temperature scaling: one number T that divides the logits before the softmax, chosen on
  one half of each validation source; it changes no prediction, only how sure each one is.
  The ECE reported for it is measured on the other half, which the choice never saw.
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


HALVES_SEED = 0


def halves(count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed random split of a source's `count` items: (indices the temperature is fitted
    on, indices its ECE is reported on), the second half one item bigger when `count` is odd."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(HALVES_SEED))
    return order[: count // 2], order[count // 2:]


def calibrate(sources: dict[str, tuple[torch.Tensor, torch.Tensor]], fit: bool) -> tuple[float, dict, dict]:
    """sources: name -> (logits (N, classes), labels (N,)) of the validation sources.

    Returns the temperature (fitted on each source's first half when `fit`, else 1), and each
    source's ECE on its second half before and after it."""
    fitting, reporting = {}, {}
    for name, (logits, labels) in sources.items():
        fit_part, report_part = halves(len(labels))
        fitting[name] = logits[fit_part], labels[fit_part]
        reporting[name] = logits[report_part], labels[report_part]
    temperature = fit_temperature(list(fitting.values())) if fit else 1.0

    def ece(t: float) -> dict:
        return {name: round(expected_calibration_error(torch.softmax(logits / t, 1), labels), 4)
                for name, (logits, labels) in reporting.items()}

    return temperature, ece(1.0), ece(temperature)


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
            return round(float(threshold), 4)
    return None


# Where the threshold is looked for, and what it must achieve on validation drawings.
UNSURE_GRID = np.round(np.arange(0.30, 0.96, 0.05), 2)
UNSURE_TARGET = 0.99  # accuracy of the predictions kept as "sure"
SCRIBBLES_FLAGGED = 0.5  # share of scribbles the threshold must flag as unsure
WIDENINGS = 4


class ThresholdAtGridEdge(ValueError):
    """No threshold inside the grid meets the rule, even after widening it; `highest` is the
    widened grid's top, the cautious value to fall back on."""

    def __init__(self, message: str, highest: float):
        super().__init__(message)
        self.highest = highest


def unsure_threshold_inside_grid(top_probabilities: list[float | None], predicted: list[int | None],
                                 labels: list[int], scribble_top: np.ndarray, grid: np.ndarray = UNSURE_GRID,
                                 target: float = UNSURE_TARGET,
                                 scribbles_flagged: float = SCRIBBLES_FLAGGED) -> tuple[float, np.ndarray]:
    """The threshold choose_unsure_threshold gives, from a grid whose edge it is not on.

    A choice on the grid's lowest value might have been lower still, and no choice at all may
    lie above the grid: then the grid is widened halfway towards 0 or 1, up to WIDENINGS times.
    Returns the threshold and the grid it was chosen from; raises ThresholdAtGridEdge."""
    grid = np.asarray(grid, np.float64)
    for _ in range(WIDENINGS + 1):
        chosen = choose_unsure_threshold(top_probabilities, predicted, labels, target, grid,
                                         scribble_top, scribbles_flagged)
        if chosen is not None and grid[0] < chosen < grid[-1]:
            return chosen, grid
        if chosen is not None and chosen <= grid[0]:
            grid = np.concatenate([[grid[0] / 2], grid])
        else:  # none met the rule, or only the highest did
            grid = np.concatenate([grid, [(grid[-1] + 1) / 2]])
    raise ThresholdAtGridEdge(
        f"the unsure threshold is {chosen} on a grid from {grid[0]:.4f} to {grid[-1]:.4f}: at its edge "
        f"after {WIDENINGS} widenings (the rule: sure predictions {target:.0%} accurate, "
        f"{scribbles_flagged:.0%} of scribbles flagged)", highest=round(float(grid[-1]), 4))
