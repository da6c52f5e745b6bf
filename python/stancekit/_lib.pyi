from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "PRECISIONS",
    "PRESETS",
    "InferenceError",
    "InvalidInputError",
    "ModelLoadError",
    "NativeAttributionExtractor",
    "NativeEntityRecognizer",
    "NativeStanceClassifier",
    "StancekitError",
    "__version__",
    "analysis_html",
    "analyze",
    "analyze_batch",
    "base_dir",
    "cli_main",
    "cpu_features",
    "download_from_hub",
    "find_base",
    "get_num_threads",
    "hub_cache_dir",
    "hub_download",
    "known_base",
    "resolve_model",
    "resolve_precision",
    "set_num_threads",
    "store_home",
]

__version__: str
PRESETS: list[str]
PRECISIONS: list[str]

class StancekitError(Exception): ...
class ModelLoadError(StancekitError): ...
class InvalidInputError(StancekitError): ...
class InferenceError(StancekitError): ...

@final
class NativeEntityRecognizer:
    def __new__(
        cls,
        path: str | PathLike[str],
        aggregation: str = "first",
        batch_size: int = 16,
        window: int | None = None,
        stride: int | None = None,
        words: str = "names",
        head: str = "entities",
        precision: str = "float32",
    ) -> NativeEntityRecognizer: ...
    @property
    def labels(self) -> list[str]: ...
    @property
    def precision(self) -> str: ...
    @property
    def path(self) -> Path: ...
    @property
    def aggregation(self) -> str: ...
    @property
    def words(self) -> str: ...
    @property
    def has_attribution(self) -> bool: ...
    def predict_batch(self, texts: Sequence[str]) -> list[list[tuple[str, str, int, int, float]]]: ...
    def tokens(self, text: str) -> list[tuple[str, int, int]]: ...
    def token_scores(
        self, text: str
    ) -> tuple[npt.NDArray[np.float32], list[str], list[str], list[tuple[int, int]]]: ...

@final
class NativeAttributionExtractor:
    def __new__(
        cls,
        path: str | PathLike[str],
        batch_size: int = 16,
        window: int | None = None,
        stride: int | None = None,
        precision: str = "float32",
    ) -> NativeAttributionExtractor: ...
    @property
    def path(self) -> Path: ...
    @property
    def precision(self) -> str: ...
    def predict_batch(self, texts: Sequence[str]) -> list[str]: ...

@final
class NativeStanceClassifier:
    def __new__(
        cls,
        path: str | PathLike[str],
        hypothesis_template: str | None = None,
        batch_size: int = 32,
        max_length: int | None = None,
        evidence_threshold: float | None = None,
        precision: str = "float32",
    ) -> NativeStanceClassifier: ...
    @property
    def labels(self) -> list[str]: ...
    @property
    def precision(self) -> str: ...
    @property
    def path(self) -> Path: ...
    @property
    def evidence_threshold(self) -> float: ...
    @property
    def hypothesis_template(self) -> str | None: ...
    def hypothesis(self, target: str) -> str: ...
    def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str, float, dict[str, float]]]: ...
    def score_matrix(self, texts: Sequence[str], targets: Sequence[str]) -> npt.NDArray[np.float32]: ...

def cli_main(argv: Sequence[str]) -> int: ...
def analyze(
    ner: NativeEntityRecognizer,
    stance: NativeStanceClassifier,
    text: str,
    targets: Sequence[str] | None = None,
) -> tuple[str, npt.NDArray[np.float32]]: ...
def analyze_batch(
    ner: NativeEntityRecognizer,
    stance: NativeStanceClassifier,
    texts: Sequence[str],
    targets: Sequence[Sequence[str] | None],
) -> list[tuple[str, npt.NDArray[np.float32]] | StancekitError | OSError]: ...
def analysis_html(text: str, json: str) -> str: ...
def set_num_threads(threads: int) -> None: ...
def get_num_threads() -> int: ...
def cpu_features() -> str: ...
def resolve_precision(name: str) -> tuple[str, str | None]: ...
def store_home() -> Path: ...
def hub_download(repo_id: str, filename: str, revision: str = "main") -> Path: ...
def download_from_hub(name: str) -> Path: ...
def find_base(name: str) -> Path | None: ...
def hub_cache_dir() -> Path: ...
def known_base(name: str) -> dict[str, Any] | None: ...
def resolve_model(
    spec: str | None, kind: str, bundled: str | PathLike[str] | None = None, download: bool = True
) -> Path: ...
def base_dir(name: str) -> Path: ...
