"""Peak resident memory of a process, as the benchmarks report it."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak RSS (VmHWM) of `pid` in MB. VmHWM, not getrusage: a child's ru_maxrss starts from its parent's RSS at
    fork. Without /proc, this process's ru_maxrss (NaN for another process)."""
    status = Path(f"/proc/{pid}/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid == "self" else float("nan")
