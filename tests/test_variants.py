"""The writing variants: each writes its digit the way it says, and training draws them."""

import numpy as np
import pytest

from model.canvas import canvas_to_pixels
from model.config import PreprocessConfig
from training import variants
from training.converted import VariantCanvases
from training.data import PENDIGITS_FILE, read_pendigits
from training.sources import VARIANT_TRAIN_COPIES
from training.variants import VARIANTS
from tests.conftest import HANDWRITING_SAMPLE

# Plain digits in tablet units, y down: a 1 as a down stroke, a 0 as a ring, a 7 as a bar and a
# stem, a 9 as a ring and a tail, a 4 and a 5 in two strokes, a 6 begun at its top.
ONE = [np.array([[100.0, 0], [100, 100], [100, 200]])]
RING = np.array([[50 + 50 * np.cos(a), 100 + 100 * np.sin(a)] for a in np.linspace(0, 2 * np.pi, 40)])
ZERO = [RING]
SEVEN = [np.array([[0.0, 0], [120, 0], [60, 200]])]
NINE = [np.concatenate([RING * [1, 0.4], [[100, 40], [100, 200]]])]
FOUR = [np.array([[20.0, 0], [0, 130], [120, 130]]), np.array([[90.0, 20], [90, 200]])]
FIVE = [np.array([[10.0, 0], [0, 90], [80, 110], [60, 200], [0, 190]]), np.array([[10.0, 0], [100, 5]])]
SIX = [np.array([[80.0, 0], [10, 120], [40, 200], [90, 150], [10, 130]])]
RNG = np.random.default_rng(0)


def added(before, after) -> np.ndarray:
    """The one stroke a variant added, whichever end it was put at."""
    (new,) = [s for s in after if not any(s is old for old in before)]
    return new


@pytest.mark.parametrize("seed", range(4))
def test_a_slash_crosses_the_zero_from_top_right_to_bottom_left(seed):
    slash = added(ZERO, variants.slashed_zero(ZERO, np.random.default_rng(seed)))
    top_right, bottom_left = slash[0], slash[-1]  # at most a twentieth of the height short of the ring's box
    assert top_right[0] >= 90 and top_right[1] <= 10 and bottom_left[0] <= 10 and bottom_left[1] >= 190


def test_a_dot_sits_inside_the_zero_and_is_short():
    dot = added(ZERO, variants.dotted_zero(ZERO, RNG))
    assert np.ptp(dot, axis=0).max() < 10 and np.abs(dot.mean(0) - [50, 100]).max() < 15


def test_a_stray_mark_apart_from_the_zero_moves_neither_slash_nor_dot():
    marked = [RING, np.array([[0.0, 400], [5, 405]])]  # a mark far below the ring, as one writer left
    slash = added(marked, variants.slashed_zero(marked, RNG))
    dot = added(marked, variants.dotted_zero(marked, RNG))
    assert slash[:, 1].max() < 240 and np.abs(dot.mean(0) - [50, 100]).max() < 15


def test_a_flag_leads_down_to_the_left_into_the_ones_top():
    flag = added(ONE, variants.flagged_one(ONE, RNG))
    assert (flag[-1] == [100, 0]).all() and flag[0][0] < 100 and flag[0][1] > 0


def test_a_foot_is_a_level_bar_across_the_ones_bottom():
    foot = added(ONE, variants.footed_one(ONE, RNG))
    assert foot[0][0] < 100 < foot[-1][0] and np.abs(foot[:, 1] - 200).max() < 10


def test_a_flagged_footed_one_has_both():
    strokes = variants.flagged_footed_one(ONE, np.random.default_rng(1))
    assert len(strokes) == 3 and strokes[0][-1][1] == 0 and np.abs(strokes[-1][:, 1] - 200).max() < 10


@pytest.mark.parametrize("seed", range(6))
def test_a_curled_foot_leaves_the_bottom_and_turns_back_up(seed):
    curl = added(ONE, variants.curled_foot_one(ONE, np.random.default_rng(seed)))
    assert np.allclose(curl[0], [100, 200])
    assert curl[:, 1].max() > 205 and curl[-1][1] < curl[:, 1].max() - 5  # down, round, and up again


@pytest.mark.parametrize("seed", range(4))
def test_a_cross_bar_crosses_the_sevens_stem_half_way_down(seed):
    bar = added(SEVEN, variants.crossed_seven(SEVEN, np.random.default_rng(seed)))
    y = bar[:, 1].mean()
    stem_x = 120 - 60 * y / 200  # where the stem is at that height
    assert 70 <= y <= 130 and bar[0][0] < stem_x < bar[-1][0]


def test_a_serif_hangs_from_the_left_end_of_the_sevens_bar():
    serif = added(SEVEN, variants.serifed_seven(SEVEN, RNG))
    assert (serif[-1] == [0, 0]).all() and serif[0][1] > 10


def test_a_curved_tail_bends_the_nines_foot_left_and_keeps_its_head():
    (bent,) = variants.curved_tail_nine(NINE, RNG)
    assert bent[-1][0] < 100 - 20 and np.allclose(bent[:40], NINE[0][:40])


def test_a_curled_tail_starts_at_the_nines_foot_and_ends_left_of_it():
    curl = added(NINE, variants.curled_tail_nine(NINE, RNG))
    assert np.allclose(curl[0], [100, 200]) and curl[-1][0] < 100


def test_a_closed_four_joins_its_two_strokes_at_the_top_and_needs_two():
    top = added(FOUR, variants.closed_four(FOUR, RNG))
    assert (top[0] == [20, 0]).all() and (top[-1] == [90, 20]).all()
    assert variants.closed_four([np.concatenate(FOUR)], RNG) is None
    bar_to_stem = [np.array([[20.0, 0], [0, 130], [90, 130]]), FOUR[1]]  # closed, it would be a 9
    assert variants.closed_four(bar_to_stem, RNG) is None


def test_a_one_stroke_four_runs_its_bar_to_the_stem_then_up_and_down_the_stem():
    (stroke,) = variants.one_stroke_four(FOUR, RNG)
    assert np.array_equal(stroke[:2], FOUR[0][:2]) and np.array_equal(stroke[-2:], FOUR[1])
    joined = stroke[2]  # where the bar meets the stem: no bar past it
    assert np.allclose(joined, [90, 130]) and stroke[:, 0].max() < 120
    up = stroke[3:-2]
    assert (np.diff(up[:, 1]) < 0).all() and (up[:, 0] > 90).all()  # rises beside the stem, to its right
    assert variants.one_stroke_four([np.concatenate(FOUR)], RNG) is None
    assert variants.one_stroke_four([FOUR[0] - [60, 0], FOUR[1]], RNG) is None  # the bar stops short of the stem


def test_a_fives_flag_moves_up_and_right_and_its_body_stays():
    body, flag = variants.five_flag_apart(FIVE, RNG)
    assert body is FIVE[0]
    shift = flag - FIVE[1]
    assert (shift[:, 0] > 5).all() and (shift[:, 1] < -5).all()
    assert variants.five_flag_apart(FIVE[:1], RNG) is None  # one stroke: no flag of its own


def test_a_looped_six_rises_from_lower_right_into_its_top():
    (looped,) = variants.looped_six(SIX, RNG)
    assert looped[0][0] > 80 and looped[0][1] > 50  # begins below and right of the top
    assert np.allclose(looped[-len(SIX[0]) + 1:], SIX[0][1:])
    assert variants.looped_six([SIX[0][::-1]], RNG) is None  # begun at the bottom


def test_every_variant_names_its_digit_and_keeps_the_random_draw_repeatable():
    examples = {0: ZERO, 1: ONE, 4: FOUR, 5: FIVE, 6: SIX, 7: SEVEN, 9: NINE}
    for name, variant in VARIANTS.items():
        strokes = examples[variant.label]
        assert variant.can_write(variant.label, strokes), name
        assert not variant.can_write((variant.label + 1) % 10, strokes), name
        first, again = (variant.write(strokes, np.random.default_rng(5)) for _ in range(2))
        assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True)), name


def test_real_writers_digits_written_as_variants_are_drawn_and_read_as_digits():
    digits = read_pendigits(HANDWRITING_SAMPLE / PENDIGITS_FILE)
    read = 0
    for name, variant in VARIANTS.items():
        writable = variant.writable(digits)
        if not writable:
            continue
        canvas = VariantCanvases(writable, name, copies=1, seed=0)(0)
        assert canvas["layers"][0][..., 3].sum() > 0, name
        assert canvas_to_pixels(canvas, PreprocessConfig()) is not None, name
        read += 1
    assert read >= 7  # the sample has 0s, 1s, two-stroke 4s and 5s, 6s and 7s


def test_training_draws_every_variant_and_only_those():
    assert set(VARIANT_TRAIN_COPIES) == set(VARIANTS)
    assert all(isinstance(copies, int) and copies >= 0 for copies in VARIANT_TRAIN_COPIES.values())
