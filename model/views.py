"""What the app shows for a drawing: the probabilities, the input the model sees, and the
Bi-LSTM's hidden states as heatmaps beside each row's share of the predicted class's score.

Everything here takes and returns plain values (dicts, strings, uint8 arrays), so the app
only wires components to it, and the tests need no browser.
"""

import threading
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import SymLogNorm
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .canvas import InvalidImage, ink_map
from .classifier import NO_DIGIT, DigitClassifier, Prediction
from .explain import Explanation
from ui.evidence_chart import EvidenceChartPainter

BAR_COLOURS = ("#d6604d", "#4393c3")  # forward, backward: the ends of the heatmaps' colour map
SEEN_SCALE = 10  # the 28x28 input is shown at 280x280, each pixel a sharp square
DRAW_PROMPT = "Draw a digit from 0 to 9 on the canvas."
NO_DIGIT_PROMPT = "No digit found yet: draw one bigger, or with a darker stroke."
REAL_WEIGHT = 0.05  # runners-up below this probability are left off the page


@dataclass(frozen=True)
class View:
    """The app's outputs for one drawing; None means "show nothing"."""

    probabilities: dict[str, float] | None  # "0".."9" -> probability, for gr.Label
    status: str  # Markdown: the prediction, a prompt to draw, or the unsure note
    seen: np.ndarray | None  # (280, 280) uint8: the 28x28 input, enlarged
    hidden: np.ndarray | None  # (H, W, 3) uint8 heatmap figure, when asked for
    label: int | None = None
    evidence: np.ndarray | None = None  # (H, W, 3) uint8 evidence chart, with the heatmap
    baseline: str = ""  # Markdown: the tutorial model's answer, when asked for


def probability_dict(probabilities: np.ndarray) -> dict[str, float]:
    """The top digit and the runners-up with real weight, for gr.Label."""
    top = int(probabilities.argmax())
    return {str(digit): float(p) for digit, p in enumerate(probabilities) if p >= REAL_WEIGHT or digit == top}


def baseline_text(prediction: Prediction) -> str:
    if prediction.label is None:
        return "The tutorial's model finds no digit."
    top = float(prediction.probabilities[prediction.label])
    return f"The tutorial's model says **{prediction.label}** ({top:.1%})."


def enlarge(pixels: np.ndarray, scale: int = SEEN_SCALE) -> np.ndarray:
    """(28, 28) ink in [0, 1] -> (28 * scale, 28 * scale) uint8, white ink on black as in MNIST.

    Nearest-neighbour scaling, so each input pixel stays a visible square.
    """
    gray = (pixels.clip(0, 1) * 255).round().astype(np.uint8)
    return np.kron(gray, np.ones((scale, scale), np.uint8))


def status_text(prediction: Prediction) -> str:
    if prediction.label is None:
        return NO_DIGIT_PROMPT
    top = float(prediction.probabilities[prediction.label])
    text = f"## It's a **{prediction.label}** ({top:.1%})"
    if prediction.unsure:
        text += (
            "\n\n⚠️ **The model is unsure.** This doesn't look much like any digit it knows; "
            "try drawing it larger, more upright, or more clearly."
        )
    return text


def api_result(prediction: Prediction) -> dict:
    """The /predict endpoint's answer: the label (None for no digit), the ten probabilities in
    digit order (None for no digit), and whether the model is unsure."""
    if prediction.label is None:
        return {"label": None, "probabilities": None, "unsure": False}
    return {
        "label": prediction.label,
        "probabilities": [round(float(p), 6) for p in prediction.probabilities],
        "unsure": prediction.unsure,
    }


class HiddenStatePainter:
    """Draws an Explanation as an (H, W, 3) uint8 image, fast enough to follow the pen.

    Left: the input, then the forward and backward hidden states of one layer, one heatmap row
    per image row, row 0 at the top, on a diverging scale centred on 0. Right: each row's forward and backward
    contribution to the predicted class's logit; they add up to logit - bias, because the head
    is linear over all rows' outputs.

    Drawing a whole figure takes about 100 ms, mostly its axes and text. So the figure is
    built and drawn once per layer without the parts that change (the images, the bars, their
    x axis and title), and each call pastes that background back and draws only those parts
    on it (matplotlib's "blitting"). Matplotlib is not thread-safe: calls take turns.
    """

    def __init__(self, rows: int, cols: int, hidden_size: int, layers: int):
        self._lock = threading.Lock()
        figure = Figure(figsize=(10.8, 4.4), dpi=96)
        FigureCanvasAgg(figure)
        # Fixed positions (left, bottom, width, height) instead of a layout engine, which is slow.
        # The input comes first, so each heatmap row sits level with the image row it read.
        bottom, height = 0.17, 0.73
        seen = figure.add_axes((0.055, bottom, 0.105, height))
        forward = figure.add_axes((0.175, bottom, 0.21, height), sharey=seen)
        backward = figure.add_axes((0.395, bottom, 0.21, height), sharey=seen)
        colour_bar = figure.add_axes((0.615, bottom, 0.01, height))
        bars = figure.add_axes((0.735, bottom, 0.245, height), sharey=seen)
        self.seen = seen.imshow(np.zeros((rows, cols)), cmap="gray", vmin=0, vmax=1, aspect="auto",
                                interpolation="nearest")
        seen.set_title("input", fontsize=10)
        seen.set_xticks([])
        seen.set_ylabel("image row (time step)")
        seen.set_yticks(range(0, rows, 4))
        # LSTM outputs lie in (-1, 1), and most are small: a scale linear near 0 and logarithmic
        # beyond shows the small ones too, and stays fixed, so its colour bar is drawn once.
        norm = SymLogNorm(linthresh=0.05, linscale=0.5, vmin=-1.0, vmax=1.0, base=10)
        self.images, titles = [], []
        for axes in (forward, backward):
            self.images.append(axes.imshow(np.zeros((rows, hidden_size)), cmap="RdBu_r", norm=norm,
                                           aspect="auto", interpolation="nearest"))
            titles.append(axes.set_title(" ", fontsize=10))
            axes.set_xlabel("hidden unit")
            axes.xaxis.set_major_locator(MaxNLocator(5, integer=True))
            axes.tick_params(labelleft=False)
        figure.colorbar(self.images[0], cax=colour_bar, ticks=[-1, -0.3, -0.1, 0, 0.1, 0.3, 1],
                        format="%g").set_label("hidden state (log scale beyond ±0.05)")

        # Each direction's bars are one collection of rectangles: one artist to draw, not 28.
        self.bar_sets = [PolyCollection([], facecolors=colour) for colour in BAR_COLOURS]
        for bar_set in self.bar_sets:
            bars.add_collection(bar_set)
        self.zero_line = bars.axvline(0, color="black", linewidth=0.6)
        bars.set_ylim(rows - 0.5, -0.5)  # row 0 at the top, as in the image
        bars.tick_params(labelleft=False)
        bars.set_xlabel("row's contribution to the logit")
        figure.legend([Patch(color=colour) for colour in BAR_COLOURS], ["forward", "backward"],
                      loc="lower center", bbox_to_anchor=(0.857, 0.0), ncol=2, fontsize=8, frameon=False)
        self.bars_title = bars.set_title(" ", fontsize=9)
        self.bars = bars
        self.rows = np.arange(rows)

        self.changing = [self.seen, *self.images, *self.bar_sets, self.zero_line, bars.xaxis, self.bars_title]
        for artist in self.changing:
            artist.set_animated(True)  # left out of figure.canvas.draw()
        self.backgrounds = []  # one per layer, whose number is in the titles
        for layer in range(layers):
            for title, name in zip(titles, ("forward", "backward")):
                title.set_text(f"{name} LSTM, layer {layer + 1} of {layers}")
            figure.canvas.draw()
            self.backgrounds.append(figure.canvas.copy_from_bbox(figure.bbox))
        self.figure = figure

    def paint(self, explanation: Explanation, pixels: np.ndarray, layer: int | None = None) -> np.ndarray:
        """explanation of the (rows, cols) input `pixels` in [0, 1] -> (H, W, 3) uint8."""
        layer = len(explanation.states) - 1 if layer is None else layer
        states = explanation.states[layer]  # (rows, 2, hidden)
        forward, backward = explanation.contributions[:, 0], explanation.contributions[:, 1]
        # A backward bar continues its forward bar when both point the same way.
        start = np.where(np.sign(forward) == np.sign(backward), forward, 0.0)
        ends = np.concatenate([forward, start + backward, [0.0]])
        margin = 0.05 * max(ends.max() - ends.min(), 1e-6)
        with self._lock:
            self.seen.set_data(pixels)
            for direction, image in enumerate(self.images):
                image.set_data(states[:, direction, :])
            for bar_set, left, right in zip(self.bar_sets, (0.0, start), (forward, start + backward)):
                bar_set.set_verts(self._rectangles(left, right))
            self.bars.set_xlim(ends.min() - margin, ends.max() + margin)
            self.bars_title.set_text(
                f"logit of {explanation.label}: {explanation.logit:.2f}\n"
                f"= rows {explanation.contributions.sum():+.2f} + bias {explanation.bias:+.2f}"
            )
            canvas = self.figure.canvas
            canvas.restore_region(self.backgrounds[layer])
            for artist in self.changing:
                self.figure.draw_artist(artist)
            return np.asarray(canvas.buffer_rgba())[..., :3].copy()

    def _rectangles(self, left, right) -> np.ndarray:
        """Horizontal bars from `left` to `right`, one per row, 0.8 rows high: (rows, 4, 2) corners."""
        left = np.broadcast_to(left, self.rows.shape)
        top, low = self.rows - 0.4, self.rows + 0.4
        return np.stack([np.stack([left, top], 1), np.stack([right, top], 1),
                         np.stack([right, low], 1), np.stack([left, low], 1)], 1)


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
        """A sketchpad value or image -> the View. Unreadable input gives a message, not an error.

        show_hidden adds the heatmap and the evidence chart; compare, the baseline's answer."""
        if _is_blank_sketchpad(value):
            return View(probabilities=None, status=DRAW_PROMPT, seen=None, hidden=None)
        try:
            prediction = self.classifier.predict(value, with_explanation=show_hidden)
        except InvalidImage as invalid:
            return View(probabilities=None, status=f"⚠️ {invalid}", seen=None, hidden=None)
        if prediction.label is None:  # a blank canvas asks for a drawing; a speck, for a bigger one
            status = DRAW_PROMPT if ink_map(value) is None else NO_DIGIT_PROMPT
            return View(probabilities=None, status=status, seen=None, hidden=None)
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
        """The /predict endpoint: {"label", "probabilities", "unsure"}, or {"error"} for bad input."""
        if _is_blank_sketchpad(value):
            return api_result(NO_DIGIT)
        try:
            return api_result(self.classifier.predict(value))
        except InvalidImage as invalid:
            return {**api_result(NO_DIGIT), "error": str(invalid)}


def _is_blank_sketchpad(value) -> bool:
    """Nothing given, or a sketchpad value with no image in it: the user hasn't drawn yet."""
    if value is None:
        return True
    if isinstance(value, dict):
        return not value.get("layers") and value.get("composite") is None and value.get("background") is None
    return False
