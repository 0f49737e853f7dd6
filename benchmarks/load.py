"""Load test: many clients sending real drawings to the app's /predict API at once.

    python -m benchmarks.load [--requests 1000] [--clients 32] [--drawings 40] [--time-limit 600]

Starts `python app.py` on 127.0.0.1 with its Gradio cache in a temporary folder, sends
MNIST test digits re-drawn with a pen (harness/drawing.py), as image files, from `--clients`
threads, each with its own gradio_client, and prints errors, p50/p95 latency, throughput,
the server's memory before and after, and the size of its cache folder. It stops by itself
after `--requests` requests or `--time-limit` seconds, and always stops the server.

An answer that differs from the one the same drawing got before the load counts as an error:
under load the server must still give every drawing exactly its answer.
"""

import argparse
import json
import tempfile
from pathlib import Path

from harness.clients import reference_answers, run_load
from harness.server import folder_size, save_drawings, serve_app
from model.mnist import load_mnist
from model.paths import DATA_DIR, DEFAULT_WEIGHTS

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--drawings", type=int, default=40, help="distinct drawings, sent in turn")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds; the load stops then")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST is")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        images, labels = load_mnist(args.data_dir, train=False)
        drawings = save_drawings(folder / "drawings", images[: args.drawings].numpy(), labels[: args.drawings].numpy())
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
