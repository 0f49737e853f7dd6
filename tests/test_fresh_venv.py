"""What a Hugging Face Space does: a new virtual environment with only requirements.txt
installed runs `python app.py` on the repository's weights, and /predict answers."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
    python = folder / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(ROOT / "requirements.txt")],
        check=True, timeout=1800,
    )
    yield python
    shutil.rmtree(folder)  # gigabytes: torch and its libraries


def test_a_fresh_venv_with_requirements_txt_serves_predict(fresh_python, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"GRADIO_SERVER_PORT": str(port), "GRADIO_TEMP_DIR": str(tmp_path / "gradio")}
    log = (tmp_path / "app.log").open("w")
    server = subprocess.Popen(  # as a Space runs it: python app.py, the port from Gradio's variable
        [str(fresh_python), "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (tmp_path / "app.log").read_text()
            try:
                client = Client(url, verbose=False)
                break
            except Exception:
                assert time.monotonic() < deadline, "the app did not start in 3 minutes"
                time.sleep(1)
        result = client.predict(image=handle_file(str(ROOT / "examples" / "drawn_3.png")), api_name="/predict")
        assert result["label"] == 3
        assert len(result["probabilities"]) == 10
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
