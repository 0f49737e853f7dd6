"""How fast the app answers: its handlers called directly, and over HTTP on 127.0.0.1.

1. The canvas's answer (`Views.answer`, what the page shows as you draw) for drawings as the
   page sends them, stroke values on the 560x560 canvas: one drawing (a 7), and each of the ten
   digits in turn; a 6-digit number on the desktop's 1680x560 canvas, as the page sends it
   while its last digit is written (its first five read before, when the page sent them, so
   remembered) and with none read before (as /predict gets a number), each called in turn
   with the 7 so that their ratios are taken under the same load; and the details below it
   (`Views.details`: heatmap and evidence chart). The network alone, on one digit's input
   and on six in one batch, bounds the number's ratio from below when none is read before.
2. Over HTTP: the canvas's server function `read`, as the page calls it, and /predict through
   gradio_client with the same stroke values, interleaved with an empty endpoint that takes
   the same inputs and returns at once, so Gradio's own round trip is measured in the same run.

    python -m benchmarks.app_latency [--threads 1] [--calls 200] [--http-calls 100] [--json]
"""

import argparse
import json
import os
import time
from functools import partial
from pathlib import Path

import torch

from harness.drawing import STROKES, table_number, table_number_before_last, table_value
from harness.server import CanvasReads
from harness.timing import percentiles, time_alternately, time_calls
from model.canvas import normalize
from model.classifier import DigitClassifier
from model.network import predict_logits
from model.weights import DEFAULT_WEIGHTS
from ui.views import Views


def stroke_values() -> list[dict]:
    """One drawing per digit as the page's canvas sends it."""
    return [table_value(digit) for digit in STROKES]


def time_http(weights: Path, calls: int) -> dict:
    """The canvas's `read`, then /predict and an empty endpoint with the same inputs, called alternately."""
    import gradio as gr
    from gradio_client import Client

    import app

    demo = app.build_demo(weights)
    with demo:  # an endpoint that does nothing, for Gradio's own round trip
        strokes, image = gr.JSON(visible=False), gr.Image(type="pil", image_mode=None, visible=False)

        def empty(strokes=None, image=None) -> dict:
            return {}

        gr.Button(visible=False).click(empty, [strokes, image], gr.JSON(visible=False), api_name="empty")
    _, url, _ = demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    try:
        drawings = stroke_values()
        with CanvasReads(url) as reads:
            read = time_calls(reads.post, drawings, calls)
        client = Client(url, verbose=False)
        timings = {"predict": [], "empty": []}
        for i in range(calls + 5):
            for endpoint in ("predict", "empty"):
                started = time.perf_counter()
                client.predict(strokes=drawings[i % len(drawings)], api_name=f"/{endpoint}")
                if i >= 5:  # the first calls warm up
                    timings[endpoint].append(time.perf_counter() - started)
    finally:
        demo.close()
    predict, empty = percentiles(timings["predict"]), percentiles(timings["empty"])
    return {"read": read, "predict": predict, "empty": empty, "ratio_p50": round(predict["p50_ms"] / empty["p50_ms"], 3)}


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
    fresh = Views(DigitClassifier(args.weights, recent_digits=0))  # remembers no digits of numbers
    strokes = stroke_values()
    six, begun = table_number("408163"), table_number_before_last("408163")

    def five_read_before() -> None:  # as the page sent the number before its last digit
        views.classifier.recent.clear()
        views.answer(begun)

    inputs = normalize(torch.rand(6, 28, 28), views.classifier.config.preprocess)
    network = partial(predict_logits, views.classifier.network)
    single, six_written, six_fresh, network_one, network_six = time_alternately(
        [partial(views.answer, strokes[7]), (five_read_before, partial(views.answer, six)), partial(fresh.answer, six),
         partial(network, inputs[:1]), partial(network, inputs)],
        args.calls)
    results = {
        "threads": args.threads,
        "answer_single_drawing": single,
        "answer_strokes": time_calls(views.answer, strokes, args.calls),
        "answer_six_digits": six_written,
        "answer_six_digits_fresh": six_fresh,
        "network_one_digit": network_one,
        "network_six_digits": network_six,
        "details": time_calls(lambda value: views.details(value, show_hidden=True), strokes, args.calls),
    }
    if args.http_calls:
        results["http"] = time_http(args.weights, args.http_calls)
    if args.json:
        print(json.dumps(results))
        return
    print(f"{args.threads} PyTorch thread(s) per request, {os.cpu_count()} CPU cores")
    print(f"{'':40}{'p50 ms':>8}{'p95 ms':>8}{'calls':>7}")
    rows = [("answer, one drawing (strokes, 560x560)", results["answer_single_drawing"]),
            ("answer, ten digits (strokes, 560x560)", results["answer_strokes"]),
            ("answer, 6-digit number, 5 read before", results["answer_six_digits"]),
            ("answer, 6-digit number, none before", results["answer_six_digits_fresh"]),
            ("details: heatmap and evidence chart", results["details"]),
            ("the network alone, one digit", results["network_one_digit"]),
            ("the network alone, six digits at once", results["network_six_digits"])]
    if "http" in results:
        rows += [("HTTP canvas read (server function)", results["http"]["read"]),
                 ("HTTP /predict (gradio_client)", results["http"]["predict"]),
                 ("HTTP empty endpoint, same strokes", results["http"]["empty"])]
    for name, row in rows:
        print(f"{name:40}{row['p50_ms']:8.1f}{row['p95_ms']:8.1f}{row['calls']:7d}")
    for name, key in (("its first 5 read before", "answer_six_digits"), ("none read before", "answer_six_digits_fresh")):
        ratio = results[key]["p50_ms"] / results["answer_single_drawing"]["p50_ms"]
        print(f"a 6-digit number ({name}) p50 / one drawing p50: {ratio:.2f}")
    network_ratio = results["network_six_digits"]["p50_ms"] / results["network_one_digit"]["p50_ms"]
    print(f"the network alone, six digits p50 / one p50: {network_ratio:.2f}")
    if "http" in results:
        print(f"/predict p50 / empty p50: {results['http']['ratio_p50']:.2f}")


if __name__ == "__main__":
    main()
