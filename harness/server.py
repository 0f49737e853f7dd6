"""Serving the app for the tests and benchmarks: one way to start it on a free port and stop it.

`serve_app` runs `python app.py` in its own process, configured through the environment as a
Hugging Face Space configures it, with its Gradio cache and temporary files in a folder of
its own, and always stops it. `save_drawings` writes drawings as the image files an API client
uploads; `CanvasReads` asks for the page's live answers over HTTP, as the page's canvas does.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from gradio_client import handle_file
from PIL import Image

from model.weights import DEFAULT_WEIGHTS

from .drawing import draw_digit, flatten

ROOT = Path(__file__).resolve().parent.parent
# Tests may point the app at other weights (DIGITS_WEIGHTS); the shipped ones by default.
WEIGHTS = Path(os.environ.get("DIGITS_WEIGHTS", DEFAULT_WEIGHTS))
STARTUP_LIMIT_S = 180  # the app loads torch, gradio and the weights; slow on a busy machine


@dataclass
class Server:
    """A running app: where it answers, its process and the folder Gradio caches files in."""

    url: str
    process: subprocess.Popen
    cache_dir: Path
    ready_at: float  # time.time() when it first answered

    def rss_mb(self) -> float:
        return _proc_status_mb(self.process.pid, "VmRSS")

    def peak_rss_mb(self) -> float:
        return _proc_status_mb(self.process.pid, "VmHWM")

    def reset_peak_rss(self) -> None:
        """Starts a new peak-memory measurement (Linux: writing 5 to clear_refs)."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")


def _proc_status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024  # the value is in kB
    raise KeyError(key)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve_app(folder: Path, weights: Path = WEIGHTS, python: str = sys.executable, runner: tuple[str, ...] = (),
              app_args: tuple[str, ...] = ()):
    """Runs app.py on a free port of 127.0.0.1 with its cache and temporary files under
    `folder`; yields a Server once it answers, and always stops it.

    python: the interpreter, such as a fresh virtual environment's.
    runner: a module that runs app.py under a hook, and its arguments before the script:
    ("-m", "harness.write_audit", LOG) records every file the app writes and every address
    it reaches.
    app_args: app.py's own options, such as ("--corrections", FOLDER).
    Raises RuntimeError, with the end of the app's log, when it exits or does not answer.
    """
    cache_dir, scratch = folder / "gradio-cache", folder / "tmp"
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch.mkdir(exist_ok=True)
    port = free_port()
    # Gradio's settings come from here alone, and the interpreter and app.py's folder alone
    # decide what the app imports, so a fresh virtual environment is tested as it is.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("GRADIO_") and key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port), "DIGITS_WEIGHTS": str(weights),
            "GRADIO_TEMP_DIR": str(cache_dir), "TMPDIR": str(scratch)}
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(python), *runner, "app.py", *app_args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            yield Server(url, process, cache_dir, _wait_until_up(url, process, log_path))
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> float:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The app exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=5).status_code == 200:
                return time.time()
        time.sleep(0.5)
    raise RuntimeError(f"The app did not answer within {STARTUP_LIMIT_S} s:\n{log.read_text()[-3000:]}")


@dataclass(frozen=True)
class Drawing:
    """One drawing as an API client uploads it: an image file, black ink on white."""

    digit: int  # the MNIST label of the digit it re-draws
    composite: Path

    def payload(self) -> dict:
        """The keyword arguments of /predict for this drawing."""
        return {"strokes": None, "image": handle_file(self.composite)}


def save_drawings(folder: Path, images: np.ndarray, labels: np.ndarray) -> list[Drawing]:
    """MNIST digits (N, 28, 28) re-drawn as pen strokes on an 800x800 canvas, saved as PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    drawings = []
    for index, (image, label) in enumerate(zip(images, labels)):
        drawing = Drawing(int(label), folder / f"{index}_composite.png")
        Image.fromarray(flatten(draw_digit(image))).save(drawing.composite)
        drawings.append(drawing)
    return drawings


class CanvasReads:
    """The page's live answers over HTTP: each drawing posted to the canvas's server function
    `read` (Gradio's component_server), as the page's own client posts it. A context manager."""

    CANVAS_ELEM_ID = "sketchpad"  # app.py's canvas
    SESSION = "harness"  # the server function keeps no state per session: any name will do

    def __init__(self, url: str, timeout: float = 60):
        self.http = httpx.Client(base_url=url, timeout=timeout)
        components = self.http.get("config").json()["components"]
        self.component_id = next(component["id"] for component in components
                                 if component.get("props", {}).get("elem_id") == self.CANVAS_ELEM_ID)

    def post(self, value) -> httpx.Response:
        """`value` as `read`'s one argument. Gradio's JavaScript client sends a lone argument as
        `data` itself, not in a list; Python's json writes it, NaN included."""
        body = {"data": value, "component_id": self.component_id, "session_hash": self.SESSION, "fn_name": "read"}
        return self.http.post("gradio_api/component_server", content=json.dumps(body),
                              headers={"Content-Type": "application/json"})

    def __enter__(self) -> "CanvasReads":
        return self

    def __exit__(self, *exc_info) -> None:
        self.http.close()


def folder_size(folder: Path) -> tuple[int, int]:
    """(files, bytes) under `folder`."""
    files = [path for path in folder.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)
