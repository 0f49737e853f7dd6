"""A small version of benchmarks/load.py: the served app under concurrent clients.

One server runs under harness/write_audit.py for the whole module; it answers a warm-up
pass and then three rounds of concurrent requests. The tests check that every request got its
drawing's own answer, that memory and the cache stop growing, that the server writes nothing
outside its cache folder, and that it connects to no one (analytics are off).
"""

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

import model.weights
from harness.clients import LoadResult, reference_answers, run_load
from harness.server import folder_size, save_drawings, serve_app

DRAWINGS = 6
CLIENTS = 4
ROUNDS = 3
REQUESTS_PER_ROUND = 48
TIME_LIMIT_S = 240  # per round; the load stops by itself then, and missing answers are failures
# Memory may grow this much over the last round. The rounds before it fill what the server
# keeps by design (Gradio's statistics of its last 100 events; about 30 MB), so a leak of
# 1 MB per request would add 48 MB. A scratch run with that leak in the /predict handler failed.
RSS_GROWTH_LIMIT_MB = 16


@dataclass
class Served:
    rounds: list[LoadResult]
    rss_mb: list[float]  # after the warm-up, and after each round
    cache: list[tuple[int, int]]  # (files, bytes) at the same moments
    drawing_bytes: int  # what the drawings' PNG files take
    cache_dir: Path
    ready_at: float
    audit: list[dict]  # harness/write_audit.py's records


@pytest.fixture(scope="module")
def served(tmp_path_factory, mnist_sample) -> Served:
    folder = tmp_path_factory.mktemp("load")
    images, labels = mnist_sample
    drawings = save_drawings(folder / "drawings", images[:DRAWINGS], labels[:DRAWINGS])
    audit_log = folder / "audit.jsonl"
    audit = ("-m", "harness.write_audit", str(audit_log))
    with serve_app(folder / "server", model.weights.DEFAULT_WEIGHTS, runner=audit) as server:
        expected = reference_answers(server.url, drawings)
        rss, cache, rounds = [server.rss_mb()], [folder_size(server.cache_dir)], []
        for _ in range(ROUNDS):
            rounds.append(run_load(server.url, drawings, expected, REQUESTS_PER_ROUND, CLIENTS, TIME_LIMIT_S))
            rss.append(server.rss_mb())
            cache.append(folder_size(server.cache_dir))
        assert server.process.poll() is None, "the server died under load"
    drawing_bytes = sum(path.stat().st_size for path in (folder / "drawings").iterdir())
    audit = [json.loads(line) for line in audit_log.read_text().splitlines()]
    return Served(rounds, rss, cache, drawing_bytes, server.cache_dir, server.ready_at, audit)


def test_every_request_gets_its_drawings_answer(served):
    for result in served.rounds:
        assert dict(result.errors) == {}
        assert result.answered == REQUESTS_PER_ROUND


def test_memory_stops_growing(served):
    *_, before_last, after_last = served.rss_mb
    assert after_last - before_last < RSS_GROWTH_LIMIT_MB


def test_repeated_drawings_add_nothing_to_the_cache(served):
    warm, *after_rounds = served.cache
    assert all(files_and_bytes == warm for files_and_bytes in after_rounds)
    # The uploads of the drawings are all that it holds: the app's examples are strokes, which
    # the page gets in its config, not files.
    assert warm == (DRAWINGS, served.drawing_bytes)


def written_paths(record: dict) -> list[str]:
    """The paths an audit record writes to (a rename writes to both its ends)."""
    args = record["args"]
    if record["event"] in ("os.rename", "os.symlink", "os.link", "shutil.copyfile"):
        return [args[1]] if record["event"] == "shutil.copyfile" else args[:2]
    return [args[0]]


def test_serving_writes_only_into_the_cache_folder(served):
    serving = [record for record in served.audit if record["time"] >= served.ready_at]
    writes = [record for record in serving if record["event"] not in ("socket.connect", "socket.getaddrinfo")]
    assert writes, "the audit saw no writes at all: the uploads should be there"
    outside = [
        (record["event"], path)
        for record in writes
        for path in written_paths(record)
        if isinstance(path, str) and not Path(path).resolve().is_relative_to(served.cache_dir.resolve())
    ]
    assert outside == []


def is_loopback(host) -> bool:
    if host in ("localhost", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def test_the_server_contacts_no_one(served):
    """With analytics off, Gradio neither looks up nor connects to any host but this one."""
    hosts = set()
    for record in served.audit:
        if record["event"] == "socket.getaddrinfo":
            hosts.add(record["args"][0])
        elif record["event"] == "socket.connect" and isinstance(record["args"][1], list):
            hosts.add(record["args"][1][0])  # (socket, (host, port)); unix sockets have a str
    assert hosts, "the audit saw no lookups: it should at least see launch() checking its own URL"
    assert {host for host in hosts if not is_loopback(host)} == set()
