"""Benchmarks: robustness of the whole drawing-to-label path, and its latency."""
