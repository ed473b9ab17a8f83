"""The CPU meter of benchmarks/ray_cluster.py (Linux /proc; never a timing)."""

from __future__ import annotations

import os
import subprocess
import sys

from bench_support import REPO  # noqa: F401  (puts the repository on sys.path)
from benchmarks.ray_cluster import TreeCpu

# Burns at least 0.3 s of its own CPU, says so, then waits (alive) until its input closes.
BURN = (
    "import sys, time\n"
    "while time.process_time() < 0.3:\n"
    "    sum(range(10000))\n"
    "print(time.process_time(), flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_descendants_cpu_time_is_counted_and_an_outsiders_is_not() -> None:
    with TreeCpu([os.getpid()]) as mine, TreeCpu([1 << 30]) as nobody:  # a pid that is none
        child = subprocess.Popen(
            [sys.executable, "-c", BURN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdin is not None
        burned = float(child.stdout.readline())
    # The last sample is taken on leaving the block, while the child is still alive.
    child.stdin.close()
    assert child.wait() == 0
    assert burned >= 0.3
    assert mine.seconds >= burned - 0.02  # /proc counts in clock ticks (10 ms)
    assert nobody.seconds == 0
