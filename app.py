"""The sketchpad app: draw a digit, and watch the Bi-LSTM read it row by row.

    python app.py [--host HOST] [--port PORT] [--weights FILE] [--corrections DIR]

Host and port default to Gradio's GRADIO_SERVER_NAME and GRADIO_SERVER_PORT, and the weights
to $DIGITS_WEIGHTS or weights/bilstm.safetensors. "Wrong? Tell it." corrections are saved only
with a folder for them, --corrections or $DIGITS_CORRECTIONS. Importing this file starts
nothing; the functions it wires up, and the page's texts, live in the ui/ package.
"""

import argparse
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
from ui.correction import save_correction  # noqa: E402
from ui.texts import DRAW_PROMPT, about_markdown  # noqa: E402
from ui.views import Views  # noqa: E402

# Gradio decodes uploaded canvases before our handler sees them. Pillow refuses to decode an
# image of more than twice this many pixels, so a small file that unpacks to gigabytes (a
# decompression bomb) is turned away before it fills the server's memory.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS // 2

ROOT = Path(__file__).resolve().parent
EXAMPLES = sorted((ROOT / "examples").glob("*.png"))
CANVAS_SIZE = 560  # 20 canvas pixels for each of the input's 28: room for one digit
BRUSH_RADIUS = 14  # a 28 px stroke: a felt pen's line at this size, like MNIST's strokes

# The page's one Clear. The sketchpad's own "Clear canvas" button (hidden by the CSS below)
# resets the canvas only: an answer still on its way, or a stroke still being exported, can
# land after it, and the page then shows an old answer over a blank canvas. This one cancels
# the drawing's running events, shows the prompt, and sets the sketchpad to a new blank page:
# Gradio 6.31 resets it for a new image each time (not for None twice), and reads that page
# after anything already on its way, so the last answer is always the blank page's.
BLANK_PAGE = Image.new("RGB", (CANVAS_SIZE, CANVAS_SIZE), "white")

# Desktop: the drawing and the answer side by side. A phone (under 640 px): one column, the
# answer first and kept at the top of the screen while the canvas, as wide as the screen, is
# drawn on; the columns dissolve ("display: contents") so their parts can be reordered.
CSS = """
#sketchpad button[aria-label="Clear canvas"] { display: none; }
@media (max-width: 640px) {
  #main { flex-direction: column; margin: 0 -28px; width: calc(100% + 56px); }  /* into the page margins */
  #drawing-column, #answer-column { display: contents; }
  #status { order: -1; position: sticky; top: 0; z-index: 20; background: var(--background-fill-primary);
            padding: 4px 12px; min-height: 3.2em; }
  #status h2 { margin: 0; }
  #sketchpad { height: calc(100vw + 40px) !important; }
  #intro p { display: none; }
}
"""

# A stroke's answer can still be on its way when Clear is pressed: the sketchpad may export the
# old drawing once more, after the Clear, and keep it as its value. So the page notes a Clear,
# and until the next press on the sketchpad (a stroke, undo) or on an example, the events that
# read the drawing (the drawing events, a checkbox, a correction) are sent no drawing: they
# answer with the prompt, as the blank canvas asks.
NOTE_CLEAR_JS = """
() => {
  window.canvasCleared = false;
  document.addEventListener('pointerdown', (event) => {
    if (event.target.closest('#clear')) window.canvasCleared = true;
    else if (event.target.closest('#sketchpad, #examples')) window.canvasCleared = false;
  }, true);
}
"""
DROP_DRAWING_AFTER_CLEAR_JS = "(sketch, ...rest) => [window.canvasCleared ? null : sketch, ...rest]"

# A new or cleared sketchpad waits for its Brush button before it draws ("select the draw tool
# to start"). Whenever no tool is chosen, choose the brush, so people can draw at once.
# Gradio gives the buttons no ids, so they are found by their accessible names.
SELECT_BRUSH_JS = """
() => {
  const tools = ['Brush', 'Erase', 'Pan'];
  const choose = () => {
    const pad = document.querySelector('#sketchpad');
    const brush = pad && pad.querySelector('button[aria-label="Brush"]');
    if (!brush) return;
    const chosen = tools.some((name) => {
      const button = pad.querySelector(`button[aria-label="${name}"]`);
      return button && button.classList.contains('highlight');
    });
    if (!chosen) brush.click();
  };
  new MutationObserver(choose).observe(document.body, {childList: true, subtree: true});
  choose();
}
"""


def build_demo(weights: Path = DEFAULT_WEIGHTS, corrections: Path | None = None) -> gr.Blocks:
    """The page; `corrections`: a folder for "Wrong? Tell it.", which is off without one."""
    # One thread per request: one drawing is too little work to split, two requests run at
    # once, and with the cores busy a forward pass took 480 ms on two threads, 1.2 ms on one.
    torch.set_num_threads(1)
    baseline = DigitClassifier(SEED_WEIGHTS) if config_path(SEED_WEIGHTS).is_file() else None
    views = Views(DigitClassifier(weights), baseline)
    last_layer = views.classifier.config.architecture.num_layers - 1
    corrections_folder = CorrectionsFolder(corrections) if corrections else None

    def on_draw(sketch, show_hidden: bool, layer: int, compare: bool):
        view = views.render(sketch, show_hidden, layer, compare)
        return (
            view.probabilities,
            view.status,
            view.seen,
            gr.Image(value=view.hidden, visible=show_hidden),
            gr.Image(value=view.evidence, visible=show_hidden),
            gr.Radio(visible=show_hidden),
            gr.Markdown(value=view.baseline, visible=compare),
        )

    def on_clear(compare: bool):
        blank = {"background": BLANK_PAGE, "layers": [], "composite": BLANK_PAGE}
        return blank, None, DRAW_PROMPT, None, None, None, gr.Markdown(value="", visible=compare)

    def on_correct(digit: int, sketch) -> str:
        return save_correction(views.classifier, corrections_folder, sketch, digit)

    def predict(sketch: dict | None = None, image=None) -> dict:
        """Classifies a sketchpad value or an image: {"label", "probabilities", "unsure", "reason"}."""
        return views.predict(image if image is not None else sketch)

    # The CSS goes to the Blocks, not to launch(), so every way of launching (app.py, `gradio
    # app.py`, the tests) gets the layout; Gradio 6 still honours it there, with a warning.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The parameters have been moved")
        blocks = gr.Blocks(title="Draw a digit", analytics_enabled=False, delete_cache=(300, 900), css=CSS)
    with blocks as demo:
        gr.Markdown(
            "# Draw a digit\n"
            "Draw one digit, 0 to 9, anywhere on the canvas. A bidirectional LSTM reads it row by "
            "row and answers as you draw.", elem_id="intro",
        )
        with gr.Row(elem_id="main"):
            with gr.Column(scale=3, elem_id="drawing-column"):
                sketchpad = gr.Sketchpad(
                    label="Your drawing",
                    elem_id="sketchpad",
                    canvas_size=(CANVAS_SIZE, CANVAS_SIZE),
                    height=CANVAS_SIZE + 100,
                    fixed_canvas=True,
                    brush=gr.Brush(default_size=BRUSH_RADIUS, colors=["#000000"], color_mode="fixed"),
                    layers=False,
                    transforms=(),
                    format="png",
                    type="numpy",
                )
                with gr.Row():
                    clear = gr.Button("Clear", elem_id="clear", variant="secondary", size="sm")
                    compare = gr.Checkbox(
                        label="Also ask the tutorial's model", value=False, elem_id="compare",
                        visible=baseline is not None,
                    )
                if EXAMPLES:  # shown as layers, like a drawing, so they can be drawn over
                    gr.Examples(
                        [[{"background": None, "layers": [str(path)], "composite": None}] for path in EXAMPLES],
                        inputs=[sketchpad],
                        label="Examples: load one, then draw over it or clear it",
                        elem_id="examples",
                        example_labels=[path.stem.replace("_", " ") for path in EXAMPLES],
                    )
            with gr.Column(scale=2, elem_id="answer-column"):
                status = gr.Markdown(DRAW_PROMPT, elem_id="status")
                baseline_answer = gr.Markdown("", elem_id="baseline", visible=False)
                probabilities = gr.Label(
                    label="Probabilities: the answer and any close runners-up", num_top_classes=10, elem_id="probabilities",
                    show_label=True, show_heading=False,
                )
                seen = gr.Image(
                    label="What the model sees (28×28)", elem_id="seen", interactive=False,
                    height=300, width=300, buttons=[],
                )
                if corrections_folder:
                    correction_note = gr.Markdown("", elem_id="correction-note", render=False)
                    gr.Markdown("**Wrong? Tell it.** The right digit is:", elem_id="corrections")
                    with gr.Row():
                        for digit in range(10):
                            gr.Button(str(digit), size="sm", min_width=28, elem_id=f"correct-{digit}").click(
                                partial(on_correct, digit), [sketchpad], correction_note,
                                api_visibility="private", concurrency_limit=1, concurrency_id="corrections",
                                js=DROP_DRAWING_AFTER_CLEAR_JS,
                            )
                    correction_note.render()
                    for trigger in (sketchpad.change, clear.click):  # a new drawing is not corrected yet
                        trigger(None, None, correction_note, js="() => ''", show_progress="hidden")
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

        inputs = [sketchpad, show_hidden, layer, compare]
        outputs = [probabilities, status, seen, hidden, evidence, layer, baseline_answer]
        drawing_events = [
            trigger(
                on_draw, inputs, outputs, trigger_mode="always_last", show_progress="hidden",
                api_visibility="private", concurrency_limit=2, concurrency_id="draw", js=DROP_DRAWING_AFTER_CLEAR_JS,
            )
            for trigger in (sketchpad.change, show_hidden.change, layer.change, compare.change)
        ]
        clear.click(
            on_clear, [compare], [sketchpad, probabilities, status, seen, hidden, evidence, baseline_answer],
            cancels=drawing_events, show_progress="hidden", api_visibility="private",
        )
        with gr.Accordion("About", open=False):
            gr.Markdown(about_markdown(views.classifier.config, baseline and baseline.config))

        # The API: /predict takes a sketchpad value or an image file. The components are hidden;
        # they only give the endpoint its types.
        api_image = gr.Image(type="pil", image_mode=None, visible=False)
        api_result = gr.JSON(label="result", visible=False)
        gr.Button(visible=False).click(
            predict, [sketchpad, api_image], api_result, api_name="predict",
            concurrency_limit=2, concurrency_id="draw",
        )
        demo.load(None, js=SELECT_BRUSH_JS).then(None, js=NOTE_CLEAR_JS)
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
    # A drawing uploads about 14 kB; anything far larger is not a drawing.
    demo.launch(server_name=args.host, server_port=args.port, max_file_size="2mb", show_error=True)
