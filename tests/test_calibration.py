"""Calibration error, temperature scaling and the "unsure" threshold."""

import numpy as np
import pytest
import torch

from training.calibration import (
    UNSURE_GRID, ThresholdAtGridEdge, calibrate, choose_unsure_threshold, expected_calibration_error,
    fit_temperature, halves, unsure_threshold_inside_grid,
)


def test_ece_is_zero_when_confidence_matches_accuracy():
    # 10 predictions at confidence 0.8, of which 8 are right.
    probabilities = torch.tensor([[0.8, 0.2]] * 10)
    labels = torch.tensor([0] * 8 + [1] * 2)
    assert expected_calibration_error(probabilities, labels) == pytest.approx(0.0, abs=1e-6)


def test_ece_measures_overconfidence():
    # Sure (0.99) and right only half the time: a gap of 0.49.
    probabilities = torch.tensor([[0.99, 0.01]] * 10)
    labels = torch.tensor([0, 1] * 5)
    assert expected_calibration_error(probabilities, labels) == pytest.approx(0.49, abs=1e-6)


def labels_drawn_at(logits: torch.Tensor, temperature: float, generator: torch.Generator) -> torch.Tensor:
    """Labels as a model whose true temperature is `temperature` would be right."""
    return torch.multinomial(torch.softmax(logits / temperature, 1), 1, generator=generator)[:, 0]


def test_fitted_temperature_recovers_the_one_that_made_the_labels():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(20_000, 10, generator=generator) * 4
    labels = labels_drawn_at(logits, 2.0, generator)
    temperature = fit_temperature([(logits, labels)])
    assert temperature == pytest.approx(2.0, rel=0.05)
    before = expected_calibration_error(torch.softmax(logits, 1), labels)
    after = expected_calibration_error(torch.softmax(logits / temperature, 1), labels)
    assert after < 0.02 < before


def test_fitted_temperature_serves_the_worst_calibrated_source():
    # A big source calibrated at T = 1 and a small one that needs T = 1.6. Pooled, the big one
    # would pull T down to about 1 and leave the small one overconfident.
    generator = torch.Generator().manual_seed(0)
    big = torch.randn(20_000, 10, generator=generator) * 4
    small = torch.randn(2_000, 10, generator=generator) * 4
    sources = [(big, labels_drawn_at(big, 1.0, generator)), (small, labels_drawn_at(small, 1.6, generator))]

    def worst_error(t: float) -> float:
        return max(expected_calibration_error(torch.softmax(logits / t, 1), labels) for logits, labels in sources)

    temperature = fit_temperature(sources)
    assert 1.0 < temperature < 1.6
    assert worst_error(temperature) < worst_error(1.0) - 0.02
    assert worst_error(temperature) <= min(worst_error(t) for t in (1.0, 1.2, 1.4, 1.6))


def test_fitted_temperature_never_sharpens_an_under_confident_model():
    # Labels as right as a model with T = 0.6 would be: its softmax at T = 1 is under-confident.
    # Sharpening it would make scribbles surer too, so the fit leaves it at T = 1.
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(20_000, 10, generator=generator) * 2
    assert fit_temperature([(logits, labels_drawn_at(logits, 0.6, generator))]) == 1.0


CANDIDATES = np.arange(0.30, 0.96, 0.05)


def test_unsure_threshold_keeps_labels_aligned_after_no_digit_drawings():
    # The first drawing is "no digit". Every later one is right with high confidence, except one
    # unsure mistake. Dropping the "no digit" drawing but not its label would shift every label
    # by one and make the sure predictions look wrong.
    top = [None, 0.99, 0.98, 0.97, 0.40]
    predicted = [None, 3, 5, 7, 1]
    labels = [9, 3, 5, 7, 2]
    assert choose_unsure_threshold(top, predicted, labels, target=1.0, candidates=CANDIDATES) == 0.45


def test_unsure_threshold_is_the_lowest_that_reaches_the_target():
    top = [0.9, 0.9, 0.6, 0.35]
    predicted = [1, 2, 3, 4]
    labels = [1, 2, 0, 4]  # the 0.6 one is wrong
    assert choose_unsure_threshold(top, predicted, labels, target=1.0, candidates=CANDIDATES) == 0.65
    assert choose_unsure_threshold(top, predicted, labels, target=0.75, candidates=CANDIDATES) == 0.3


def test_unsure_threshold_also_flags_the_share_of_scribbles_asked_for():
    top = [0.9, 0.9, 0.6, 0.35]
    predicted = [1, 2, 3, 4]
    labels = [1, 2, 3, 4]  # all right: any threshold reaches the target
    scribble_top = np.array([0.5, 0.7, 0.8, 0.99])
    assert choose_unsure_threshold(top, predicted, labels, 1.0, CANDIDATES) == 0.3
    assert choose_unsure_threshold(top, predicted, labels, 1.0, CANDIDATES, scribble_top, 0.5) == 0.75
    assert choose_unsure_threshold(top, predicted, labels, 1.0, CANDIDATES, scribble_top, 0.75) == 0.85


def test_unsure_threshold_refuses_lists_of_different_lengths():
    with pytest.raises(ValueError):
        choose_unsure_threshold([0.9, 0.8], [1, 2], [1], target=0.9, candidates=CANDIDATES)


def test_halves_split_a_source_in_two_that_share_nothing():
    fit_part, report_part = halves(101)
    assert (len(fit_part), len(report_part)) == (50, 51)
    assert sorted(torch.cat([fit_part, report_part]).tolist()) == list(range(101))
    assert torch.equal(halves(101)[0], fit_part)  # the same split every run


def test_the_temperature_is_fitted_on_one_half_and_its_ece_reported_on_the_other():
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(4_000, 10, generator=generator) * 4
    labels = labels_drawn_at(logits, 2.0, generator)
    temperature, before, after = calibrate({"pen": (logits, labels)}, fit=True)
    assert temperature == pytest.approx(2.0, rel=0.1)
    fit_part, report_part = halves(len(labels))
    on_report = expected_calibration_error(torch.softmax(logits[report_part] / temperature, 1), labels[report_part])
    assert after["pen"] == round(on_report, 4) < before["pen"]
    # The report half plays no part in the choice: scrambling its labels leaves T where it was,
    # and only the reported figure moves.
    scrambled = labels.clone()
    scrambled[report_part] = torch.randint(10, (len(report_part),), generator=generator)
    same_t, _, worse = calibrate({"pen": (logits, scrambled)}, fit=True)
    assert same_t == temperature and worse["pen"] > after["pen"]


def test_an_uncalibrated_recipe_keeps_a_temperature_of_one_and_still_reports_ece():
    logits, labels = torch.randn(100, 10), torch.randint(10, (100,))
    temperature, before, after = calibrate({"usps": (logits, labels)}, fit=False)
    assert temperature == 1.0 and before == after


def drawings_sure_at(top: np.ndarray, wrong_below: float) -> tuple[list, list, list]:
    """Drawings with these top probabilities, wrong exactly when the top is below `wrong_below`."""
    predicted = [1] * len(top)
    labels = [1 if t >= wrong_below else 2 for t in top]
    return top.tolist(), predicted, labels


def test_a_threshold_inside_the_grid_is_kept_as_it_is():
    top, predicted, labels = drawings_sure_at(np.linspace(0.2, 1.0, 81), wrong_below=0.6)
    chosen, grid = unsure_threshold_inside_grid(top, predicted, labels, np.array([0.1, 0.2]), target=1.0)
    assert chosen == 0.6 and np.array_equal(grid, UNSURE_GRID)


def test_a_threshold_above_the_grid_is_found_by_widening_it_towards_one():
    """Right only above 0.97: the grid's 0.3-0.95 holds no answer; widened, 0.975 is inside."""
    top, predicted, labels = drawings_sure_at(np.linspace(0.2, 1.0, 801), wrong_below=0.97)
    chosen, grid = unsure_threshold_inside_grid(top, predicted, labels, np.array([0.1]), target=1.0)
    assert chosen == 0.975 and grid[0] < chosen < grid[-1] and grid[-1] > UNSURE_GRID[-1]


def test_a_threshold_on_the_grids_floor_is_looked_for_below_it():
    """Every answer right, and scribbles all below 0.1: the lowest value of any grid would do,
    so the grid widens down until the limit and the choice is refused."""
    top, predicted, labels = drawings_sure_at(np.linspace(0.2, 1.0, 81), wrong_below=0.0)
    with pytest.raises(ThresholdAtGridEdge, match="at its edge") as refused:
        unsure_threshold_inside_grid(top, predicted, labels, np.array([0.01]), target=1.0)
    assert refused.value.highest == UNSURE_GRID[-1]


def test_scribbles_can_lift_a_floor_choice_inside_the_grid():
    top, predicted, labels = drawings_sure_at(np.linspace(0.2, 1.0, 81), wrong_below=0.0)
    chosen, grid = unsure_threshold_inside_grid(top, predicted, labels, np.array([0.2, 0.42, 0.6]), target=1.0)
    assert chosen == 0.45 and np.array_equal(grid, UNSURE_GRID)
