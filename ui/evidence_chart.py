"""The evidence chart: as the head tallies the image's rows, when does the answer pull ahead?

The head is linear over all rows, so each class's logit is its bias plus the sum of its rows'
contributions. The chart draws that sum over rows 0..r, one line per class: the answer and its
runner-up in colour, the eight others in grey. Each line ends at its class's logit minus bias.
"""

import threading

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

ANSWER_COLOUR, RUNNER_UP_COLOUR, OTHER_COLOUR = "#1b7837", "#762a83", "#c8c8c8"
SCALES = [m * 10.0**e for e in range(-1, 4) for m in (1, 2, 5)]  # the y axis's possible ends
MAX_BACKGROUNDS = 24  # about 0.8 MB each


def ahead_from(evidence: np.ndarray, answer: int, runner_up: int) -> int | None:
    """evidence (rows, classes) -> the first row from which the answer's line stays above the
    runner-up's to the end, or None if it ends below."""
    behind = np.flatnonzero(evidence[:, answer] <= evidence[:, runner_up])
    if len(behind) == 0:
        return 0
    return None if behind[-1] == len(evidence) - 1 else int(behind[-1]) + 1


def axis_end(value: float) -> float:
    """The smallest of 0.1, 0.2, 0.5, 1, 2, 5, ... that leaves a 5% margin above `value` >= 0."""
    return next((end for end in SCALES if end >= 1.05 * value), 1.05 * value)


class EvidenceChartPainter:
    """Draws running evidence as an (H, W, 3) uint8 image, fast enough to follow the pen.

    Text is most of the cost of a figure, so the axes, with their ticks and labels, are drawn
    once for each y range (from 0.1, 0.2, 0.5, 1, 2, 5, ... below and above zero) and kept;
    each call pastes one back and draws only the lines and a one-line title on it
    (matplotlib's "blitting"). Matplotlib is not thread-safe: calls take turns.
    """

    def __init__(self, rows: int):
        self._lock = threading.Lock()
        figure = Figure(figsize=(5.0, 4.4), dpi=96)
        FigureCanvasAgg(figure)
        axes = figure.add_axes((0.15, 0.17, 0.8, 0.68))
        self.rows = np.arange(rows)
        self.others = LineCollection([], colors=OTHER_COLOUR, linewidths=1)
        axes.add_collection(self.others)
        (self.runner_up,) = axes.plot(self.rows, self.rows * 0.0, color=RUNNER_UP_COLOUR, linewidth=1.8)
        (self.answer,) = axes.plot(self.rows, self.rows * 0.0, color=ANSWER_COLOUR, linewidth=2.4)
        self.ahead = axes.axvline(0, color="black", linestyle=":", linewidth=1)
        axes.axhline(0, color="black", linewidth=0.6)
        axes.set_xlim(-0.5, rows - 0.5)
        axes.yaxis.set_major_locator(MaxNLocator(5))
        axes.set_xlabel("rows 0 to r tallied (image row r)")
        axes.set_ylabel("sum of the rows' contributions")
        figure.text(0.55, 0.95, "green: the answer, purple: the runner-up, grey: the others",
                    ha="center", fontsize=8)
        self.title = axes.set_title(" ", fontsize=9)
        self.changing = [self.others, self.runner_up, self.answer, self.ahead, self.title]
        for artist in self.changing:
            artist.set_animated(True)  # left out of figure.canvas.draw()
        self.backgrounds = {}  # (low, high) -> the figure without its changing parts
        self.axes, self.figure = axes, figure

    def paint(self, evidence: np.ndarray, answer: int, runner_up: int) -> np.ndarray:
        """evidence (rows, classes), from model.explain.running_evidence -> (H, W, 3) uint8."""
        others = [c for c in range(evidence.shape[1]) if c not in (answer, runner_up)]
        limits = (-axis_end(max(-evidence.min(), 0.0)), axis_end(max(evidence.max(), 0.0)))
        ahead = ahead_from(evidence, answer, runner_up)
        with self._lock:
            canvas = self.figure.canvas
            canvas.restore_region(self._background(limits))
            self.others.set_segments([np.column_stack([self.rows, evidence[:, c]]) for c in others])
            self.answer.set_ydata(evidence[:, answer])
            self.runner_up.set_ydata(evidence[:, runner_up])
            self.ahead.set_visible(ahead is not None)
            self.ahead.set_xdata([ahead or 0] * 2)
            note = f"ahead from row {ahead} on" if ahead is not None else "behind at the end"
            self.title.set_text(f"Evidence for {answer} against {runner_up}: {answer} is {note}")
            for artist in self.changing:
                self.figure.draw_artist(artist)
            return np.asarray(canvas.buffer_rgba())[..., :3].copy()

    def _background(self, limits: tuple[float, float]):
        if limits not in self.backgrounds:
            if len(self.backgrounds) >= MAX_BACKGROUNDS:
                del self.backgrounds[next(iter(self.backgrounds))]  # the oldest
            self.axes.set_ylim(*limits)
            self.figure.canvas.draw()
            self.backgrounds[limits] = self.figure.canvas.copy_from_bbox(self.figure.bbox)
        self.axes.set_ylim(*limits)
        return self.backgrounds[limits]
