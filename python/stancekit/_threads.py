"""How many threads libtorch may use in this process: one setting for the whole library."""

from __future__ import annotations

from stancekit import _lib


def set_num_threads(threads: int) -> None:
    """Sets how many threads libtorch uses for one operation in this process (default: one per core).

    Give each of several workers on one machine its share of the cores. The `STANCEKIT_NUM_THREADS`
    environment variable does the same for a process when its first model loads, and `stancekit --threads N`
    for the CLI. An `InvalidInputError` for a count below 1."""
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int, not {type(threads).__name__}")
    if threads < 1:
        raise _lib.InvalidInputError(f"the number of threads must be at least 1, not {threads}")
    _lib.set_num_threads(threads)


def get_num_threads() -> int:
    """How many threads libtorch uses for one operation in this process."""
    return _lib.get_num_threads()
