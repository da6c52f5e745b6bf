"""`precision=`: the names and their check, "auto" as this CPU resolves it, pickles and the model cache that keep it,
the warning about a slow precision said once, and task-level agreement of bfloat16 with float32 on the shipped
models (bfloat16 is emulated on CPUs without AMX or AVX512-BF16: slower, but the same answers, so these run on any
CPU). int8 is not offered (it fails the parity bar): it is checked to be refused, and to run only where
STANCEKIT_EXPERIMENTAL_INT8=1 asks for it to be measured (its agreement is `tests/test_precision_parity.py`'s).
"""

from __future__ import annotations

import pickle
import shutil
import warnings
from pathlib import Path
from typing import Any, get_args

import pytest

import stancekit
import stancekit.dask
from stancekit import _cache, _lib, _precision

# Fixed news sentences with clear entities (not the bundled article).
NEWS = [
    "Angela Merkel met Emmanuel Macron in Berlin on Tuesday.",
    "Microsoft said it would open a new office in Nairobi next year.",
    "The United Nations Security Council voted on the resolution in New York.",
    "Senator Elizabeth Warren criticised Amazon over its labour practices.",
    "Jacinda Ardern flew from Wellington to Tokyo for talks with Japanese officials.",
    "Barcelona signed the Brazilian striker after talks with Real Madrid collapsed.",
    "The European Central Bank raised interest rates, Christine Lagarde told reporters in Frankfurt.",
    "NASA and the European Space Agency will launch the probe from French Guiana.",
]
# (text, target) pairs of favor, against and none (the float32 model's top class leads the next by at least 0.12).
PAIRS = [
    ("We must raise taxes on the rich to fund schools.", "higher taxes on the wealthy"),
    ("Raising taxes on the rich would destroy jobs and drive investment away.", "higher taxes on the wealthy"),
    ("The council met on Tuesday to discuss the budget.", "higher taxes on the wealthy"),
    ("Sanctions on Russia are the only language the Kremlin understands.", "sanctions on Russia"),
    ("The sanctions have failed and only hurt ordinary Europeans; lift them now.", "sanctions on Russia"),
    ("Ministers will meet in Brussels next week.", "sanctions on Russia"),
    ("Nuclear power is clean, safe and essential for our climate goals.", "nuclear energy"),
    ("We should shut down every nuclear plant before the next disaster.", "nuclear energy"),
    ("The plant's new director started work on Monday.", "nuclear energy"),
    ("Every child deserves free school meals, and I will fight for them.", "free school meals"),
    ("Free school meals are a waste of taxpayers' money.", "free school meals"),
    ("Remote work has made our team more productive than ever.", "remote work"),
    ("Working from home is killing our city centres and our culture.", "remote work"),
    ("Ukraine should be welcomed into NATO as soon as possible.", "Ukraine joining NATO"),
    ("Bringing Ukraine into NATO would drag the alliance into war.", "Ukraine joining NATO"),
    ("The weather in Kyiv was cold and grey this morning.", "Ukraine joining NATO"),
]
# Largest difference of a class probability, bfloat16 against float32, on PAIRS. Measured: 0.0029 with native
# AVX512-BF16, 0.0058 with oneDNN held to AVX2 (ONEDNN_MAX_CPU_ISA=AVX2); transformers with the whole model in
# bfloat16 (head included) differs by 0.0073; int8 (same labels) by 0.065. A bfloat16 path that mishandles masks,
# norms or residuals is off by tenths.
STANCE_TOLERANCE = 0.015
# Largest difference of an entity's score; measured 0.0046 on NEWS (both kernels above).
ENTITY_SCORE_TOLERANCE = 0.02


def _load(build: Any, *args: Any, **options: Any) -> Any:
    """A model whose precision may be slow on this CPU: its warning (an error under `filterwarnings = error`) is
    expected here, not a failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return build(*args, **options)


def _int8_refusal() -> str | None:
    """The engine's reason int8 cannot run here (not offered, or no AVX2), or None where it can."""
    try:
        _lib.resolve_precision("int8")
    except ValueError as error:
        return str(error)
    return None


# The names and their check.


def test_the_precision_names_are_the_engines() -> None:
    assert stancekit.PRECISIONS == get_args(_precision.Precision) == tuple(_lib.PRECISIONS)
    assert stancekit.PRECISIONS == ("float32", "bfloat16", "int8", "auto")
    assert "PRECISIONS" in stancekit.__all__ and "cpu_features" in stancekit.__all__
    features = stancekit.cpu_features()
    assert features == _lib.cpu_features() and features


def _refuses(call: Any) -> None:
    with pytest.raises(ValueError, match="precision") as raised:
        call()
    message = str(raised.value)
    assert "'fp16'" in message
    assert all(repr(name) in message for name in _lib.PRECISIONS), message


@pytest.mark.parametrize("kind", ["EntityRecognizer", "StanceClassifier", "AttributionExtractor"])
def test_an_unknown_precision_is_refused_by_each_model(kind: str, tiny_ner: Path, tiny_nli: Path) -> None:
    model = tiny_nli if kind == "StanceClassifier" else tiny_ner
    _refuses(lambda: getattr(stancekit, kind)(model, precision="fp16"))
    with pytest.raises(TypeError, match="precision must be a str"):
        getattr(stancekit, kind)(model, precision=None)


def test_an_unknown_precision_is_refused_by_the_analyses(tiny_ner: Path, tiny_nli: Path) -> None:
    ner, stance = stancekit.EntityRecognizer(tiny_ner), stancekit.StanceClassifier(tiny_nli)
    # Checked before anything loads, and even when the models are given (nothing would be loaded in it).
    _refuses(lambda: stancekit.analyze("Vance spoke.", ["NATO"], precision="fp16"))
    _refuses(lambda: stancekit.analyze("Vance spoke.", ["NATO"], ner=ner, stance=stance, precision="fp16"))
    _refuses(lambda: next(stancekit.analyze_many(["Vance spoke."], ner=ner, stance=stance, precision="fp16")))
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": ["a"], "text": ["Vance spoke."]})
    _refuses(lambda: stancekit.analyze_frame(df, ner=ner, stance=stance, precision="fp16"))
    dd = pytest.importorskip("dask.dataframe")
    _refuses(lambda: stancekit.dask.analyze_frame(dd.from_pandas(df, npartitions=1), precision="fp16"))


# Resolution, pickles and the cache.


@pytest.mark.parametrize("precision", ["float32", "bfloat16", "auto"])
def test_the_precision_property_is_the_resolved_one(precision: str, tiny_ner: Path, tiny_nli: Path) -> None:
    resolved, _warning = _lib.resolve_precision(precision)
    assert resolved in ("float32", "bfloat16")
    ner = _load(stancekit.EntityRecognizer, tiny_ner, precision=precision)
    stance = _load(stancekit.StanceClassifier, tiny_nli, precision=precision)
    assert ner.precision == stance.precision == resolved
    assert (f"precision={resolved!r}" in repr(ner)) == (resolved != "float32")
    assert ner.predict("Vance said peace talks start in Paris.") is not None


def test_auto_is_bfloat16_where_the_cpu_computes_it_natively() -> None:
    features = stancekit.cpu_features().split()
    native = "avx512_bf16" in features or "amx_bf16" in features
    assert _lib.resolve_precision("auto") == ("bfloat16" if native else "float32", None)


def test_int8_is_not_offered(tiny_ner: Path, tiny_nli: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STANCEKIT_EXPERIMENTAL_INT8", raising=False)
    refusal = _int8_refusal()
    assert refusal is not None and "not offered" in refusal and "STANCEKIT_EXPERIMENTAL_INT8" in refusal
    for build, model in [
        (stancekit.EntityRecognizer, tiny_ner),
        (stancekit.StanceClassifier, tiny_nli),
        (stancekit.AttributionExtractor, tiny_ner),
    ]:
        with pytest.raises(ValueError, match="not offered"):
            build(model, precision="int8")
    with pytest.raises(ValueError, match="not offered"):
        stancekit.analyze("Vance spoke.", ["NATO"], precision="int8")


def test_int8_runs_where_it_is_asked_for_to_be_measured(
    tiny_ner: Path, tiny_nli: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANCEKIT_EXPERIMENTAL_INT8", "1")
    refusal = _int8_refusal()
    if refusal is not None:  # a CPU without AVX2: fbgemm cannot run
        assert "AVX2" in refusal
        with pytest.raises(ValueError, match="AVX2"):
            stancekit.StanceClassifier(tiny_nli, precision="int8")
        return
    ner = _load(stancekit.EntityRecognizer, tiny_ner, precision="int8")
    stance = _load(stancekit.StanceClassifier, tiny_nli, precision="int8")
    assert ner.precision == stance.precision == "int8"
    assert len(stance.predict_batch([("Vance said yes.", "peace talks")])) == 1


def test_pickles_keep_the_precision_asked_for(tiny_ner: Path, tiny_nli: Path) -> None:
    for model in [
        _load(stancekit.EntityRecognizer, tiny_ner, aggregation="max", precision="bfloat16"),
        _load(stancekit.StanceClassifier, tiny_nli, precision="bfloat16"),
        stancekit.StanceClassifier(tiny_nli, precision="auto"),
        _load(stancekit.AttributionExtractor, "fast", precision="bfloat16"),
    ]:
        clone = _load(pickle.loads, pickle.dumps(model))
        assert type(clone) is type(model)
        assert clone.precision == model.precision
        assert clone.model_path == model.model_path
        # "auto" travels as asked, to be resolved for the CPU that unpickles it.
        assert clone.__reduce__() == model.__reduce__()
    assert model.__reduce__()[1][-1] == "bfloat16"
    assert stancekit.StanceClassifier(tiny_nli, precision="auto").__reduce__()[1][-1] == "auto"
    # Pickles written before precision existed load in float32.
    old = stancekit._api._rebuild_classifier(str(tiny_nli), None, 32, None)
    assert old.precision == "float32"


def test_the_model_cache_keeps_precisions_apart(tiny_ner: Path, tiny_nli: Path, tmp_path: Path) -> None:
    # Copies, so that no other test has cached these paths.
    ner_dir, nli_dir = shutil.copytree(tiny_ner, tmp_path / "ner"), shutil.copytree(tiny_nli, tmp_path / "nli")
    before = _cache.load.cache_info()
    single = _cache.tier_models(ner_dir, nli_dir)
    half = _load(_cache.tier_models, ner_dir, nli_dir, precision="bfloat16")
    assert [model.precision for model in single] == ["float32", "float32"]
    assert [model.precision for model in half] == ["bfloat16", "bfloat16"]
    assert all(a is not b for a, b in zip(single, half))
    again = _cache.tier_models(ner_dir, nli_dir, precision="bfloat16")
    assert all(a is b for a, b in zip(half, again))
    # "auto" shares the entry of the precision it resolves to.
    auto = _cache.tier_models(ner_dir, nli_dir, precision="auto")
    resolved = _lib.resolve_precision("auto")[0]
    assert all(a is b for a, b in zip(auto, half if resolved == "bfloat16" else single))
    after = _cache.load.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (4, 4)
    # A Dask worker is sent the precision with the path.
    recipe = stancekit.dask._recipe("ner", ner_dir, "bfloat16")
    assert recipe != stancekit.dask._recipe("ner", ner_dir, "float32")
    assert _cache.load(recipe) is half[0]
    assert stancekit.dask._recipe("stance", half[1], "float32") == _cache.recipe("stance", half[1])


def test_the_analyses_load_their_models_in_the_precision_asked_for(
    tiny_ner: Path, tiny_nli: Path, tmp_path: Path
) -> None:
    pd = pytest.importorskip("pandas")
    # Copies, so that the paths other tests name stay out of the cache.
    ner_dir, nli_dir = shutil.copytree(tiny_ner, tmp_path / "ner"), shutil.copytree(tiny_nli, tmp_path / "nli")
    df = pd.DataFrame({"id": ["a", "b"], "text": ["Vance said peace talks start.", "Macron spoke in Paris."]})
    before = _cache.load.cache_info()
    single = stancekit.analyze_frame(df, targets=["peace talks"], ner=ner_dir, stance=nli_dir, progress=False)
    half = _load(
        stancekit.analyze_frame,
        df,
        targets=["peace talks"],
        ner=ner_dir,
        stance=nli_dir,
        precision="bfloat16",
        progress=False,
    )
    after = _cache.load.cache_info()
    assert after.misses - before.misses == 4
    assert _cache.load(_cache.recipe("ner", ner_dir, "bfloat16")).precision == "bfloat16"
    assert _cache.load(_cache.recipe("stance", nli_dir, "float32")).precision == "float32"
    for name, table in single.items():
        assert list(half[name].columns) == list(table.columns)


# The warning about a slow precision.


@pytest.fixture
def slow_bfloat16(monkeypatch: pytest.MonkeyPatch) -> None:
    """This CPU as one that emulates bfloat16: the engine's resolution with a warning for it, and no warning given
    yet in this process."""
    real = _lib.resolve_precision

    def resolve(name: str) -> tuple[str, str | None]:
        resolved, warning = real(name)
        return resolved, ("precision bfloat16 is emulated on this CPU" if resolved == "bfloat16" else warning)

    monkeypatch.setattr(_lib, "resolve_precision", resolve)
    monkeypatch.setattr(_precision, "_WARNED", set())


def test_a_slow_precision_is_warned_about_once_at_the_users_call(
    slow_bfloat16: None, tiny_ner: Path, tiny_nli: Path
) -> None:
    with pytest.warns(RuntimeWarning, match="bfloat16 is emulated") as caught:
        ner = stancekit.EntityRecognizer(tiny_ner, precision="bfloat16")
    assert len(caught) == 1
    assert Path(caught[0].filename) == Path(__file__)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stancekit.StanceClassifier(tiny_nli, precision="bfloat16")
        pickle.loads(pickle.dumps(ner))
        stancekit.EntityRecognizer(tiny_ner)
    assert _precision._WARNED == {"bfloat16"}


def test_the_warning_points_at_the_analysis_call_that_loaded_the_model(
    slow_bfloat16: None, tiny_ner: Path, tiny_nli: Path, tmp_path: Path
) -> None:
    pd = pytest.importorskip("pandas")
    ner_dir, nli_dir = shutil.copytree(tiny_ner, tmp_path / "ner"), shutil.copytree(tiny_nli, tmp_path / "nli")
    df = pd.DataFrame({"id": ["a"], "text": ["Vance said peace talks start."]})
    with pytest.warns(RuntimeWarning, match="bfloat16 is emulated") as caught:
        stancekit.analyze_frame(df, ner=ner_dir, stance=nli_dir, precision="bfloat16", progress=False)
    # Two models loaded in bfloat16, one warning, at this line rather than inside the package.
    assert len(caught) == 1
    assert Path(caught[0].filename) == Path(__file__)


def test_a_warning_made_an_error_is_raised_at_every_load(slow_bfloat16: None, tiny_ner: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for _ in range(2):
            with pytest.raises(RuntimeWarning, match="emulated"):
                stancekit.EntityRecognizer(tiny_ner, precision="bfloat16")
    assert _precision._WARNED == set()


# Task-level agreement on the shipped models.


@pytest.fixture(scope="module")
def fast_ner() -> tuple[stancekit.EntityRecognizer, stancekit.EntityRecognizer]:
    return stancekit.EntityRecognizer("fast"), _load(stancekit.EntityRecognizer, "fast", precision="bfloat16")


def test_fast_ner_in_bfloat16_finds_the_entities_of_float32(fast_ner) -> None:
    single, half = fast_ner
    assert (single.precision, half.precision) == ("float32", "bfloat16")
    expected, found = single.predict_batch(NEWS), half.predict_batch(NEWS)
    spans = lambda entities: [[(e.text, e.label, e.start, e.end) for e in doc] for doc in entities]
    assert spans(found) == spans(expected)
    assert sum(map(len, expected)) >= 20
    scores = [abs(a.score - b.score) for doc_a, doc_b in zip(expected, found) for a, b in zip(doc_a, doc_b)]
    assert 0 < max(scores) < ENTITY_SCORE_TOLERANCE  # bfloat16 did run, and moved the scores by rounding only


def _assert_stance_agreement(single: Any, half: Any, pairs: list[tuple[str, str]]) -> None:
    """The same labels on a decisive sample (each float32 top class leads by more than 0.1); every class probability
    within STANCE_TOLERANCE, but not all equal (bfloat16 did run)."""
    expected, found = single.predict_batch(pairs), half.predict_batch(pairs)
    for prediction in expected:
        first, second = sorted(prediction.scores.values(), reverse=True)[:2]
        assert first - second > 0.1, prediction
    assert [p.label for p in found] == [p.label for p in expected]
    differences = [abs(a.scores[label] - b.scores[label]) for a, b in zip(expected, found) for label in a.scores]
    assert 0 < max(differences) < STANCE_TOLERANCE, max(differences)


def test_fast_stance_in_bfloat16_gives_the_labels_of_float32() -> None:
    single = stancekit.StanceClassifier("fast")
    half = _load(stancekit.StanceClassifier, "fast", precision="bfloat16")
    assert half.precision == "bfloat16"
    _assert_stance_agreement(single, half, PAIRS)


@pytest.mark.slow
def test_accurate_stance_in_bfloat16_gives_the_labels_of_float32() -> None:
    base = stancekit.base_dir("accurate")
    if not (base / "model.safetensors").is_file():
        pytest.fail(f"the accurate base is not in {base}: run `make base` (make test does)")
    # The float32 tier model from the one cache (`analyze(models="accurate")` elsewhere loads the same one).
    single = _cache.load(_cache.recipe("stance", "accurate"))
    half = _load(stancekit.StanceClassifier, "accurate", precision="bfloat16")
    assert (single.precision, half.precision) == ("float32", "bfloat16")
    _assert_stance_agreement(single, half, PAIRS[:6])
