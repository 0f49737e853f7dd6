"""The app: draw a digit, and watch the Bi-LSTM read it row by row.

    python app.py [--host HOST] [--port PORT] [--weights FILE] [--corrections DIR]

Host and port default to Gradio's GRADIO_SERVER_NAME and GRADIO_SERVER_PORT, and the weights
to $DIGITS_WEIGHTS or weights/bilstm.safetensors. "Wrong? Tell it." corrections are saved only
with a folder for them, --corrections or $DIGITS_CORRECTIONS. Importing this file starts
nothing; the functions it wires up, the page's components and texts, live in the ui/ package.
"""

import argparse
import json
import os
import warnings
from functools import partial
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported
# Gradio's queue also keeps its own in-memory statistics of recent events, by default the last
# 10,000, summarised with pandas after every event. Nothing here reads them, so keep few: on a
# long-running server they are otherwise a slow memory and CPU leak.
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "100")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "100")

import gradio as gr  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from model.canvas import MAX_PIXELS  # noqa: E402
from model.classifier import DigitClassifier  # noqa: E402
from model.corrections import CorrectionsFolder  # noqa: E402
from model.paths import SEED_WEIGHTS  # noqa: E402
from model.weights import DEFAULT_WEIGHTS, WeightsError, config_path  # noqa: E402
from ui.components import answer_part, asset, digit_canvas  # noqa: E402
from ui.correction import save_correction  # noqa: E402
from ui.texts import about_markdown  # noqa: E402
from ui.views import Views  # noqa: E402

# Gradio decodes uploaded images before our handler sees them. Pillow refuses to decode an
# image of more than twice this many pixels, so a small file that unpacks to gigabytes (a
# decompression bomb) is turned away before it fills the server's memory.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS // 2

ROOT = Path(__file__).resolve().parent
# Real people's digits (training writers' pen strokes, harness/drawing.py writes them), offered
# on the canvas as examples to load and draw over.
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
MAX_UPLOAD = "2mb"  # an image for /predict; a drawing's strokes take a few kB


def build_demo(weights: Path = DEFAULT_WEIGHTS, corrections: Path | None = None) -> gr.Blocks:
    """The page; `corrections`: a folder for "Wrong? Tell it.", which is off without one."""
    # One thread per request: one drawing is too little work to split, two requests run at
    # once, and with the cores busy a forward pass took 480 ms on two threads, 1.2 ms on one.
    torch.set_num_threads(1)
    baseline = DigitClassifier(SEED_WEIGHTS) if config_path(SEED_WEIGHTS).is_file() else None
    views = Views(DigitClassifier(weights), baseline)
    last_layer = views.classifier.config.architecture.num_layers - 1
    corrections_folder = CorrectionsFolder(corrections) if corrections else None
    blank = views.answer(None)  # what the page shows before anything is drawn
    examples = [{"name": path.stem.replace("_", " "), "value": json.loads(path.read_text())} for path in EXAMPLES]

    def on_details(drawing, show_hidden: bool, layer: int, compare: bool):
        details = views.details(drawing, show_hidden, layer, compare)
        shown = details.hidden is not None  # asked for, and a digit to show them for
        return (
            gr.Image(value=details.hidden, visible=shown),
            gr.Image(value=details.evidence, visible=shown),
            gr.Radio(visible=show_hidden),
            gr.Markdown(value=details.baseline, visible=compare),
        )

    def on_correct(digit: int, drawing) -> str:
        return save_correction(views, corrections_folder, drawing, digit)

    def predict(strokes: dict | None = None, image=None) -> dict:
        """Classifies a drawing's strokes or an image: {"label", "probabilities", "unsure", "reason"}."""
        return views.predict(strokes, image)

    # The CSS goes to the Blocks, not to launch(), so every way of launching (app.py, `gradio
    # app.py`, the tests) gets the layout; Gradio 6 still honours it there, with a warning.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The parameters have been moved")
        blocks = gr.Blocks(title="Draw a digit or a number", analytics_enabled=False, delete_cache=(300, 900),
                           css=asset("page.css"))
    with blocks as demo:
        gr.Markdown(
            "# Draw a digit or a number\n"
            "Draw one digit, 0 to 9, anywhere on the canvas, or a number of up to six digits, left to "
            "right. A bidirectional LSTM reads each digit row by row and answers as you draw.", elem_id="intro",
        )
        with gr.Row(elem_id="main"):
            with gr.Column(scale=3, elem_id="drawing-column"):
                canvas = digit_canvas(views.answer, blank["status"], examples, elem_id="sketchpad")
                compare = gr.Checkbox(
                    label="Also ask the tutorial's model", value=False, elem_id="compare",
                    visible=baseline is not None,
                )
            with gr.Column(scale=2, elem_id="answer-column"):
                answer_part("status", blank, elem_id="status")
                baseline_answer = gr.Markdown("", elem_id="baseline", visible=False)
                answer_part("probabilities", blank, "Probabilities: the answer and any close runners-up",
                           elem_id="probabilities")
                answer_part("seen", blank, "What the model sees (28×28)", elem_id="seen")
                if corrections_folder:
                    correction_note = gr.Markdown("", elem_id="correction-note", render=False)
                    gr.Markdown("**Wrong? Tell it.** The right digit is:", elem_id="corrections")
                    with gr.Row(elem_id="correction-buttons"):
                        for digit in range(10):
                            gr.Button(str(digit), size="sm", min_width=28, elem_id=f"correct-{digit}").click(
                                partial(on_correct, digit), [canvas], correction_note,
                                api_visibility="private", concurrency_limit=1, concurrency_id="corrections",
                            )
                    correction_note.render()
                    # A new drawing is not corrected yet: the thanks goes with it.
                    canvas.change(None, None, correction_note, js="() => ''", show_progress="hidden")
        with gr.Row():
            show_hidden = gr.Checkbox(
                label="Show the hidden states: what the LSTM does at each row", value=False,
                elem_id="show-hidden",
            )
            layer = gr.Radio(
                [(f"layer {i + 1}", i) for i in range(last_layer + 1)], value=last_layer,
                label="LSTM layer", visible=False, elem_id="hidden-layer",
            )
        with gr.Row():
            hidden = gr.Image(
                label="Hidden states per image row, and each row's share of the predicted digit's score",
                show_label=False, elem_id="hidden-states", visible=False, interactive=False,
                buttons=["download"], height=420, scale=2,
            )
            evidence = gr.Image(
                label="Each digit's evidence, summed over the rows read so far",
                show_label=False, elem_id="evidence", visible=False, interactive=False,
                buttons=["download"], height=420, scale=1,
            )

        # The details follow the drawing at pen-up, Undo and Clear, and each of their settings:
        # one event for all four, so `always_last` runs them one at a time, the latest last (an
        # event each could finish out of order: a Clear's details, then the old drawing's).
        gr.on(
            [canvas.change, show_hidden.change, layer.change, compare.change],
            on_details, [canvas, show_hidden, layer, compare], [hidden, evidence, layer, baseline_answer],
            trigger_mode="always_last", show_progress="hidden", api_visibility="private",
            concurrency_limit=2, concurrency_id="draw",
        )
        with gr.Accordion("About", open=False):
            gr.Markdown(about_markdown(views.classifier.config, baseline and baseline.config))

        # The API: /predict takes a drawing's strokes or an image file. The components are
        # hidden; they only give the endpoint its types.
        api_strokes = gr.JSON(label="strokes", visible=False)
        api_image = gr.Image(type="pil", image_mode=None, visible=False)
        api_result = gr.JSON(label="result", visible=False)
        gr.Button(visible=False).click(
            predict, [api_strokes, api_image], api_result, api_name="predict",
            concurrency_limit=2, concurrency_id="draw",
        )
    demo.queue(max_size=64)
    return demo


def __getattr__(name: str):
    """`app.demo`, for `gradio app.py` and other tools that import it, is built on first use,
    so importing this file loads no weights."""
    if name == "demo":
        corrections = os.environ.get("DIGITS_CORRECTIONS")
        globals()["demo"] = build_demo(Path(os.environ.get("DIGITS_WEIGHTS", DEFAULT_WEIGHTS)),
                                       Path(corrections) if corrections else None)
        return globals()["demo"]
    raise AttributeError(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--host", help="address to listen on (default: $GRADIO_SERVER_NAME or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: $GRADIO_SERVER_PORT or 7860)")
    parser.add_argument("--weights", type=Path, default=os.environ.get("DIGITS_WEIGHTS", DEFAULT_WEIGHTS),
                        help="safetensors file (default: $DIGITS_WEIGHTS or the shipped weights)")
    parser.add_argument("--corrections", type=Path, default=os.environ.get("DIGITS_CORRECTIONS"),
                        help="folder for the corrections people give (default: $DIGITS_CORRECTIONS; none: "
                             "corrections are off). It keeps the last 1,000, and 20 MB at most.")
    args = parser.parse_args()
    try:
        demo = build_demo(args.weights, args.corrections)
    except WeightsError as error:
        raise SystemExit(f"error: {error}")
    demo.launch(server_name=args.host, server_port=args.port, max_file_size=MAX_UPLOAD, show_error=True)
