"""How fast the app answers: its handlers on 800x800 sketchpad canvases, and /predict over HTTP.

1. The sketchpad handler, called directly with the value Gradio hands it (type="numpy"), with
   and without the hidden-state heatmap.
2. /predict through gradio_client on 127.0.0.1, interleaved with an empty endpoint that takes
   the same upload and returns at once, so Gradio's own round trip is measured in the same run.

    python -m benchmarks.app_latency [--threads 1] [--calls 200] [--http-calls 100] [--json]
"""

import argparse
import os
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image

from harness.drawing import STROKES, as_sketchpad, render_strokes
from model.classifier import DigitClassifier
from model.weights import DEFAULT_WEIGHTS
from ui.views import Views

CANVAS = 800
PEN_WIDTH = 40


def sketchpad_values() -> list[dict]:
    """One 800x800 sketchpad value per digit, as the handler receives it: RGBA numpy arrays."""
    return [as_sketchpad(render_strokes(digit, canvas=CANVAS, width=PEN_WIDTH)) for digit in STROKES]


def percentiles(seconds: list[float]) -> dict:
    ms = sorted(1000 * s for s in seconds)
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2),
        "calls": len(ms),
    }


def time_handler(views: Views, values: list[dict], show_hidden: bool, calls: int) -> dict:
    for value in values:  # warm up: first calls allocate
        views.render(value, show_hidden)
    seconds = []
    for i in range(calls):
        started = time.perf_counter()
        views.render(values[i % len(values)], show_hidden)
        seconds.append(time.perf_counter() - started)
    return percentiles(seconds)


def time_http(weights: Path, calls: int) -> dict:
    """/predict and an empty endpoint with the same inputs, called alternately."""
    import gradio as gr
    from gradio_client import Client, handle_file

    import app

    demo = app.build_demo(weights)
    with demo:  # an endpoint that does nothing, for Gradio's own round trip
        sketch, image = gr.ImageEditor(visible=False), gr.Image(type="pil", image_mode=None, visible=False)

        def empty(sketch=None, image=None) -> dict:
            return {}

        gr.Button(visible=False).click(empty, [sketch, image], gr.JSON(visible=False), api_name="empty")
    _, url, _ = demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    try:
        client = Client(url, verbose=False)
        folder = Path(tempfile.mkdtemp())
        drawings = []
        for digit in STROKES:
            path = folder / f"{digit}.png"
            Image.fromarray(render_strokes(digit, canvas=CANVAS, width=PEN_WIDTH)).save(path)
            drawings.append(path)
        timings = {"predict": [], "empty": []}
        for i in range(calls + 5):
            for endpoint in ("predict", "empty"):
                value = {"background": None, "layers": [handle_file(drawings[i % len(drawings)])], "composite": None}
                started = time.perf_counter()
                client.predict(sketch=value, api_name=f"/{endpoint}")
                if i >= 5:  # the first calls warm up
                    timings[endpoint].append(time.perf_counter() - started)
    finally:
        demo.close()
    predict, empty = percentiles(timings["predict"]), percentiles(timings["empty"])
    return {"predict": predict, "empty": empty, "ratio_p50": round(predict["p50_ms"] / empty["p50_ms"], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="safetensors file")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch threads per request (app.py: 1)")
    parser.add_argument("--calls", type=int, default=200, help="handler calls per measurement")
    parser.add_argument("--http-calls", type=int, default=100, help="calls per HTTP endpoint; 0 skips it")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    views = Views(DigitClassifier(args.weights))
    values = sketchpad_values()
    results = {
        "threads": args.threads,
        "handler": time_handler(views, values, False, args.calls),
        "handler_with_heatmap": time_handler(views, values, True, args.calls),
    }
    if args.http_calls:
        results["http"] = time_http(args.weights, args.http_calls)
    if args.json:
        print(json.dumps(results))
        return
    print(f"800x800 canvas, {args.threads} PyTorch thread(s) per request, {os.cpu_count()} CPU cores")
    print(f"{'':34}{'p50 ms':>8}{'p95 ms':>8}{'calls':>7}")
    rows = [("handler, no heatmap", results["handler"]), ("handler, with heatmap", results["handler_with_heatmap"])]
    if "http" in results:
        rows += [("HTTP /predict (gradio_client)", results["http"]["predict"]),
                 ("HTTP empty endpoint, same upload", results["http"]["empty"])]
    for name, row in rows:
        print(f"{name:34}{row['p50_ms']:8.1f}{row['p95_ms']:8.1f}{row['calls']:7d}")
    if "http" in results:
        print(f"/predict p50 / empty p50: {results['http']['ratio_p50']:.2f}")


if __name__ == "__main__":
    main()
