"""The precision a model's encoder runs in, as this CPU runs it: `"auto"` resolved, and a precision that is slow
here warned about once per process.

- "float32": the default; the weights as trained, matching `transformers` to 1e-4.
- "bfloat16": weights and activations in bfloat16; fast on CPUs with AMX or AVX512-BF16, emulated (right, but
  slower than float32) elsewhere.
- "int8": refused (a ValueError): it fails the parity bar (`bench/precision_parity.py`). Where
  STANCEKIT_EXPERIMENTAL_INT8=1 it runs, to be measured: int8 weights with one scale per output channel and
  per-token scaled activations on libtorch's fbgemm kernels; needs AVX2, fast with VNNI.
- "auto": bfloat16 where the CPU computes it natively, else float32.

Heads, softmax and decoding stay float32 in every precision. The engine decides (`_lib.resolve_precision`); this
module only asks it, so the Python checks and the models never disagree.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Literal, get_args

from stancekit import _lib
from stancekit._checks import check_precision

Precision = Literal["float32", "bfloat16", "int8", "auto"]
# The precision names (the engine's `_lib.PRECISIONS`, which a test holds this to).
PRECISIONS: tuple[Precision, ...] = get_args(Precision)

# The resolved precisions whose warning this process has given.
_WARNED: set[str] = set()
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def cpu_features() -> str:
    """The CPU features the precisions depend on, by their `/proc/cpuinfo` names (e.g. "avx2 avx512_bf16 vnni"):
    bfloat16 is native with `avx512_bf16` or `amx_bf16`, int8 needs `avx2` and is fast with `vnni` or `amx_int8`."""
    return _lib.cpu_features()


def resolve_precision(precision: str) -> str:
    """The precision a model asked for `precision` runs in on this CPU ("auto": bfloat16 where native, else
    float32). A ValueError naming the allowed values for an unknown name, and for int8, which is not offered (it
    runs only with STANCEKIT_EXPERIMENTAL_INT8=1, to be measured, and needs AVX2)."""
    resolved, _warning = _lib.resolve_precision(check_precision(precision))
    return resolved


def precision_repr(resolved: str) -> str:
    """`, precision=...` for a model's repr, where it is not the default."""
    return "" if resolved == "float32" else f", precision={resolved!r}"


def warn_if_slow(resolved: str) -> None:
    """Warns that the precision a model was loaded in (`resolved`) runs slowly on this CPU, once per process and
    precision: a RuntimeWarning pointing at the first caller outside stancekit (the user's constructor, `analyze`
    or `pickle.loads` call), however deep in the package the model was loaded."""
    if resolved in _WARNED:
        return
    _resolved, warning = _lib.resolve_precision(resolved)
    if warning is None:
        return
    warnings.warn(warning, RuntimeWarning, stacklevel=_outside_stacklevel())
    # Marked only once it was said: where warnings are errors, every load raises.
    _WARNED.add(resolved)


def _outside_stacklevel() -> int:
    """The `stacklevel` for `warnings.warn` called in `warn_if_slow` that names the first frame outside the package."""
    frame = sys._getframe(2)  # warn_if_slow's caller; stacklevel 2 names it
    level = 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    return level
