"""Keeping freed memory for the next training step, instead of handing it back to the system.

Each training step allocates and frees tens of megabytes of tensors. glibc's malloc serves
blocks that large with fresh memory maps and unmaps them when freed, so every step faults its
pages in again: the variants run spent 1,098 of its 5,924 CPU seconds in the kernel, with 376
million page faults. Told to keep what it frees, malloc reuses the same pages; a training step
of the default preset went from 306 to 206 ms (p50, `python -m benchmarks.training_speed`).
"""

import ctypes

M_TRIM_THRESHOLD = -1  # mallopt's settings, from glibc's malloc.h
M_MMAP_MAX = -4
KEPT_BYTES = 1 << 30  # the free memory at the heap's top that malloc keeps


def keep_freed_memory() -> bool:
    """Makes this process's malloc serve every block from its heap and keep up to KEPT_BYTES of
    freed memory. Returns False where the C library has no glibc `mallopt` (macOS, musl)."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, KEPT_BYTES))
