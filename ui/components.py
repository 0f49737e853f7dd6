"""The page's own components, built on gr.HTML: the drawing canvas and the parts of the answer.

Their HTML, CSS and JavaScript live beside this file (canvas.*, answer.*). The canvas asks the
server through a server function, `read`, which skips Gradio's queue: measured on the same page,
a queued event took 97-170 ms from pen-up to answer and the server function 30-42 ms (the README's
Latency section). The page then shows the answer itself, so the answer's parts are components of
ours too; the heavier details (heatmap, evidence chart, the tutorial's model) stay queued events,
fired by the canvas's change event at pen-up.
"""

import math
import threading
import time
from pathlib import Path
from typing import Callable

import gradio as gr

from model.strokes import BRUSH_WIDTH, CANVAS

ASSETS = Path(__file__).resolve().parent
SEND_EVERY_MS = 80  # while the pen moves, the canvas asks at most this often
READS_AT_ONCE = 2  # server-function reads running at once: one for each core


def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def digit_canvas(answer: Callable[[object], dict], prompt: dict, examples: list[dict], **kwargs) -> gr.HTML:
    """The drawing canvas. Its value is the drawing as strokes (model/strokes.py) with `seq`, the
    drawing's version; it changes at pen-up, Undo, Clear and on an example.

    answer: a drawing -> the answer's JSON (ui/views.py `answer_json`); prompt: the status
    shown for an empty canvas; examples: [{"name", "value"}] stroke values to load.
    (Functions, not gr.HTML subclasses: Gradio writes a .pyi file beside any module that
    defines a component class, at import, even on a server.)"""
    reads = threading.BoundedSemaphore(READS_AT_ONCE)

    def read(value) -> dict:
        """The answer for a drawing, tagged with its version and the handler's times (epoch ms)."""
        with reads:
            start = time.time() * 1000
            result = answer(value)
            return result | {"seq": drawing_version(value), "timing": {"start": start, "end": time.time() * 1000}}

    return gr.HTML(
        value=None, html_template=asset("canvas.html"), css_template=asset("canvas.css"),
        js_on_load=asset("canvas.js"), server_functions=[read], size=CANVAS, brush=BRUSH_WIDTH,
        send_every_ms=SEND_EVERY_MS, prompt=prompt, examples=examples, **kwargs,
    )


def drawing_version(value) -> int:
    """The value's `seq`, the page's count of changes to the drawing; 0 when there is none."""
    seq = value.get("seq") if isinstance(value, dict) else None
    valid = isinstance(seq, (int, float)) and not isinstance(seq, bool) and math.isfinite(seq) and seq >= 0
    return int(seq) if valid else 0


def answer_part(part: str, answer: dict, title: str = "", **kwargs) -> gr.HTML:
    """One part of the answer, shown as the canvas's answers come: "status", "probabilities" or
    "seen". answer: the answer shown before any drawing; title: a caption above the part."""
    return gr.HTML(
        value=None, html_template=asset("answer.html"), css_template=asset("answer.css"),
        js_on_load=asset("answer.js"), part=part, answer=answer, title=title, **kwargs,
    )
