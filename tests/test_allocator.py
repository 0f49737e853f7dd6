"""Training keeps the memory it frees: a large block freed and allocated again faults no new pages."""

import subprocess
import sys

REUSE_LARGE_BLOCKS = """
import resource, sys
import numpy as np
from training.allocator import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    block = np.ones(8_000_000)  # 64 MB, written through
    del block
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def page_faults(mode: str) -> int:
    result = subprocess.run([sys.executable, "-c", REUSE_LARGE_BLOCKS, mode], capture_output=True, text=True, check=True)
    return int(result.stdout)


def test_kept_memory_is_reused_instead_of_faulted_in_again():
    # By default malloc hands freed blocks back and faults fresh pages in for the next ones;
    # kept, the blocks after the first reuse its pages.
    assert page_faults("keep") * 4 < page_faults("default")
