"""What a Hugging Face Space does: a new virtual environment with only requirements.txt
installed runs `python app.py` on the repository's weights, and /predict answers. The
environment (conftest.py's `fresh_python`) is installed while the tests before this one run."""

import json

from gradio_client import Client, handle_file
from PIL import Image

from harness.drawing import flatten, render_strokes
from harness.server import ROOT, serve_app
from model.weights import DEFAULT_WEIGHTS


def test_a_fresh_venv_with_requirements_txt_serves_predict(fresh_python, tmp_path):
    image = tmp_path / "seven.png"
    Image.fromarray(flatten(render_strokes(7))).save(image)
    # serve_app runs `python app.py` configured through Gradio's variables, as a Space does.
    with serve_app(tmp_path, DEFAULT_WEIGHTS, python=fresh_python) as server:
        client = Client(server.url, verbose=False)
        drawing = json.loads((ROOT / "examples" / "written_3.json").read_text())
        by_strokes = client.predict(strokes=drawing, api_name="/predict")
        by_image = client.predict(image=handle_file(str(image)), api_name="/predict")
    assert by_strokes["label"] == 3 and len(by_strokes["probabilities"]) == 10
    assert by_image["label"] == 7 and len(by_image["probabilities"]) == 10
