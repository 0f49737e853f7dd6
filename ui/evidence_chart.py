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

ANSWER_COLOUR, RUNNER_UP_COLOUR, OTHER_COLOUR = "#1b7837", "#762a83", "#c8c8c8"


def ahead_from(evidence: np.ndarray, answer: int, runner_up: int) -> int | None:
    """evidence (rows, classes) -> the first row from which the answer's line stays above the
    runner-up's to the end, or None if it ends below."""
    behind = np.flatnonzero(evidence[:, answer] <= evidence[:, runner_up])
    if len(behind) == 0:
        return 0
    return None if behind[-1] == len(evidence) - 1 else int(behind[-1]) + 1


class EvidenceChartPainter:
    """Draws running evidence as an (H, W, 3) uint8 image, fast enough to follow the pen.

    As for the heatmap, the axes and labels are drawn once; each call pastes them back and
    draws only the lines, the y axis and the title on them (matplotlib's "blitting").
    Matplotlib is not thread-safe: calls take turns.
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
        self.zero_line = axes.axhline(0, color="black", linewidth=0.6)
        self.ahead = axes.axvline(0, color="black", linestyle=":", linewidth=1)
        axes.set_xlim(-0.5, rows - 0.5)
        axes.set_xlabel("rows 0 to r tallied (image row r)")
        axes.set_ylabel("sum of the rows' contributions")
        self.title = axes.set_title(" ", fontsize=9)
        self.axes = axes
        self.changing = [self.others, self.runner_up, self.answer, self.zero_line, self.ahead,
                         axes.yaxis, self.title]
        for artist in self.changing:
            artist.set_animated(True)  # left out of figure.canvas.draw()
        figure.canvas.draw()
        self.background = figure.canvas.copy_from_bbox(figure.bbox)
        self.figure = figure

    def paint(self, evidence: np.ndarray, answer: int, runner_up: int) -> np.ndarray:
        """evidence (rows, classes), from model.explain.running_evidence -> (H, W, 3) uint8."""
        others = [c for c in range(evidence.shape[1]) if c not in (answer, runner_up)]
        low, high = min(evidence.min(), 0.0), max(evidence.max(), 0.0)
        margin = 0.05 * max(high - low, 1e-6)
        ahead = ahead_from(evidence, answer, runner_up)
        with self._lock:
            self.others.set_segments([np.column_stack([self.rows, evidence[:, c]]) for c in others])
            self.answer.set_ydata(evidence[:, answer])
            self.runner_up.set_ydata(evidence[:, runner_up])
            self.axes.set_ylim(low - margin, high + margin)
            self.ahead.set_visible(ahead is not None)
            self.ahead.set_xdata([ahead or 0] * 2)
            note = f"ahead from row {ahead} on" if ahead is not None else "behind at the end"
            self.title.set_text(
                f"Evidence for {answer} (green) against {runner_up} (purple)\n{answer} is {note}; grey: other digits"
            )
            canvas = self.figure.canvas
            canvas.restore_region(self.background)
            for artist in self.changing:
                self.figure.draw_artist(artist)
            return np.asarray(canvas.buffer_rgba())[..., :3].copy()
