"""Launches the app in this process for the API and browser tests, on a free loopback port."""

import os
from contextlib import contextmanager
from pathlib import Path

from model.weights import DEFAULT_WEIGHTS

# Tests may point the app at other weights (DIGITS_WEIGHTS); the shipped ones by default.
WEIGHTS = Path(os.environ.get("DIGITS_WEIGHTS", DEFAULT_WEIGHTS))


@contextmanager
def running_app():
    """Yields the URL of a launched app, and closes it afterwards."""
    import app

    demo = app.build_demo(WEIGHTS)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        yield url.rstrip("/")
    finally:
        demo.close()
