"""Concurrent clients of a served app's /predict API, each with its own gradio_client, for
the load test and its benchmark. Every answer must be the one the same drawing got alone."""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from gradio_client import Client

from .server import Drawing

REQUEST_LIMIT_S = 60  # one request that takes longer than this counts as an error


def predict(client: Client, drawing: Drawing) -> dict:
    job = client.submit(**drawing.payload(), api_name="/predict")
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
