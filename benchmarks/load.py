"""Load test: many clients sending real drawings to the app's /predict API at once.

    python -m benchmarks.load [--requests 1000] [--clients 32] [--drawings 40] [--time-limit 600]

Starts `python app.py` on 127.0.0.1 with its Gradio cache in a temporary folder, sends
MNIST test digits re-drawn as sketchpad strokes (benchmarks/drawing.py) from `--clients`
threads, each with its own gradio_client, and prints errors, p50/p95 latency, throughput,
the server's memory before and after, and the size of its cache folder. It stops by itself
after `--requests` requests or `--time-limit` seconds, and always stops the server.

An answer that differs from the one the same drawing got before the load counts as an error:
under load the server must still give every drawing exactly its answer.
"""

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from gradio_client import Client, handle_file
from PIL import Image

from benchmarks.drawing import draw_digit, flatten
from model.weights import DEFAULT_WEIGHTS

ROOT = Path(__file__).resolve().parent.parent
MNIST_SAMPLE = ROOT / "tests" / "data" / "mnist_test_sample.npz"
STARTUP_LIMIT_S = 180  # the app loads torch, gradio and the weights; slow on a busy machine
REQUEST_LIMIT_S = 60  # one request that takes longer than this counts as an error


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
def serve_app(folder: Path, weights: Path = DEFAULT_WEIGHTS, audit_log: Path | None = None, env=None):
    """Runs app.py on 127.0.0.1 with its cache and temporary files under `folder`; yields a Server.

    With `audit_log`, the server runs under benchmarks/write_audit.py, which records every
    file it writes and every address it connects to. The server is always stopped on exit.
    """
    cache_dir, scratch = folder / "gradio-cache", folder / "tmp"
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch.mkdir(exist_ok=True)
    port = free_port()
    server_env = {key: value for key, value in os.environ.items() if not key.startswith("GRADIO_")}
    server_env |= {"GRADIO_TEMP_DIR": str(cache_dir), "TMPDIR": str(scratch), **(env or {})}
    app_args = ["app.py", "--host", "127.0.0.1", "--port", str(port), "--weights", str(weights)]
    audit = ["-m", "benchmarks.write_audit", str(audit_log)] if audit_log else []
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, *audit, *app_args], cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        yield Server(url, process, cache_dir, _wait_until_up(url, process, folder / "server.log"))
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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
    """One drawing as a browser sends it: the stroke layer and the composite, as PNG files."""

    digit: int  # the MNIST label of the digit it re-draws
    layer: Path
    composite: Path

    def payload(self) -> dict:
        """The sketchpad argument of /predict."""
        return {"background": None, "layers": [handle_file(self.layer)], "composite": handle_file(self.composite)}


def make_drawings(folder: Path, count: int) -> list[Drawing]:
    """`count` MNIST test digits re-drawn as pen strokes on an 800x800 canvas, saved as PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    with np.load(MNIST_SAMPLE) as sample:
        images, labels = sample["images"][:count], sample["labels"][:count]
    drawings = []
    for index, (image, label) in enumerate(zip(images, labels)):
        layer = draw_digit(image)
        drawing = Drawing(int(label), folder / f"{index}_layer.png", folder / f"{index}_composite.png")
        Image.fromarray(layer).save(drawing.layer)
        Image.fromarray(flatten(layer)).save(drawing.composite)
        drawings.append(drawing)
    return drawings


def predict(client: Client, drawing: Drawing) -> dict:
    job = client.submit(sketch=drawing.payload(), image=None, api_name="/predict")
    return job.result(timeout=REQUEST_LIMIT_S)


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, of the requests answered
    errors: Counter = field(default_factory=Counter)  # description -> count
    seconds: float = 0.0

    @property
    def answered(self) -> int:
        return len(self.latencies)

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(self.latencies, q) * 1000) if self.latencies else float("nan")


def reference_answers(url: str, drawings: list[Drawing]) -> list[dict]:
    """Each drawing's answer from one client, one request at a time (this also warms up)."""
    client = Client(url, verbose=False)
    return [predict(client, drawing) for drawing in drawings]


def run_load(url: str, drawings: list[Drawing], expected: list[dict], requests: int, clients: int,
             time_limit: float) -> LoadResult:
    """`clients` threads send `requests` requests in all, cycling through the drawings."""
    result = LoadResult()
    lock = threading.Lock()
    next_request = iter(range(requests))
    deadline = time.monotonic() + time_limit

    def client_loop() -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as error:  # a client that cannot connect is an error to report, not a crash
            with lock:
                result.errors[f"connect: {type(error).__name__}: {error}"] += 1
            return
        while time.monotonic() < deadline:
            with lock:
                index = next(next_request, None)
            if index is None:
                return
            which = index % len(drawings)
            started = time.perf_counter()
            try:
                answer = predict(client, drawings[which])
                problem = None if answer == expected[which] else f"answer differs from before: {answer}"
            except Exception as error:  # any failure of a request is counted, and the load goes on
                problem = f"{type(error).__name__}: {error}"
            with lock:
                if problem:
                    result.errors[problem[:200]] += 1
                else:
                    result.latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + REQUEST_LIMIT_S)
    result.seconds = time.perf_counter() - started
    return result


def folder_size(folder: Path) -> tuple[int, int]:
    """(files, bytes) under `folder`."""
    files = [path for path in folder.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--drawings", type=int, default=40, help="distinct drawings, sent in turn")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds; the load stops then")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        drawings = make_drawings(folder / "drawings", args.drawings)
        with serve_app(folder / "server", args.weights) as server:
            expected = reference_answers(server.url, drawings)
            rss_start = server.rss_mb()
            # A first burst at full concurrency makes the server's one-off allocations (a
            # thread and its malloc arena per worker and connection), so that the memory
            # compared after the load is growth, not start-up.
            run_load(server.url, drawings, expected, 2 * args.clients, args.clients, args.time_limit)
            rss_before, cache_before = server.rss_mb(), folder_size(server.cache_dir)
            server.reset_peak_rss()
            result = run_load(server.url, drawings, expected, args.requests, args.clients, args.time_limit)
            figures = {
                "requests": args.requests,
                "clients": args.clients,
                "distinct_drawings": len(drawings),
                "answered": result.answered,
                "errors": sum(result.errors.values()),
                "error_kinds": dict(result.errors.most_common(5)),
                "seconds": round(result.seconds, 2),
                "throughput_per_s": round(result.answered / result.seconds, 2),
                "p50_ms": round(result.percentile_ms(50), 1),
                "p95_ms": round(result.percentile_ms(95), 1),
                "p99_ms": round(result.percentile_ms(99), 1),
                "rss_start_mb": round(rss_start, 1),
                "rss_before_mb": round(rss_before, 1),
                "rss_after_mb": round(server.rss_mb(), 1),
                "peak_rss_during_mb": round(server.peak_rss_mb(), 1),
                "cache_before": dict(zip(("files", "bytes"), cache_before)),
                "cache_after": dict(zip(("files", "bytes"), folder_size(server.cache_dir))),
                "server_alive": server.process.poll() is None,
            }
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name:>20}: {value}")


if __name__ == "__main__":
    main()
