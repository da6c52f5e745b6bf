"""stancekit: who is mentioned, who says what, and what stance each speaker takes toward a target.

>>> import stancekit
>>> ner = stancekit.EntityRecognizer()
>>> [(e.label, e.text) for e in ner.predict("JD Vance spoke in Munich.")]
[('PER', 'JD Vance'), ('LOC', 'Munich')]
"""

from stancekit._analysis import Analysis, Attribution, DocumentEntity, Sentence, SpeakerStance, analyze
from stancekit._api import (
    Entity,
    EntityRecognizer,
    StanceClassifier,
    StancePrediction,
    to_pandas,
)
from stancekit._attribution import AttributionExtractor, Relation
from stancekit._corpus import analyze_frame, analyze_many
from stancekit._lib import (
    InferenceError,
    InvalidInputError,
    ModelLoadError,
    StancekitError,
    __version__,
)
from stancekit._models import default_model_path
from stancekit._precision import PRECISIONS, cpu_features
from stancekit._spans import Span
from stancekit._store import base_dir, download, store_home
from stancekit._threads import get_num_threads, set_num_threads

__all__ = [
    "PRECISIONS",
    "Analysis",
    "Attribution",
    "AttributionExtractor",
    "DocumentEntity",
    "Entity",
    "EntityRecognizer",
    "InferenceError",
    "InvalidInputError",
    "ModelLoadError",
    "Relation",
    "Sentence",
    "Span",
    "SpeakerStance",
    "StanceClassifier",
    "StancePrediction",
    "StancekitError",
    "__version__",
    "analyze",
    "analyze_frame",
    "analyze_many",
    "base_dir",
    "cpu_features",
    "default_model_path",
    "download",
    "get_num_threads",
    "set_num_threads",
    "store_home",
    "to_pandas",
]
