# kommunprogram: every target creates the virtual environment first if it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXTRAS ?= dev,distributed,explore,simweb
BASE ?= HEAD~1

.DEFAULT_GOAL := check
help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed -E 's/:.*## /\t/' | expand -t 16

.PHONY: help check setup setup-system demo run test test-hostile test-all lint typecheck train eval bench bench-crawl \
        bench-extract bench-simweb bench-classify bench-workers bench-crawl-cpu bench-real bench-classifier browse report-screenshot \
        clean

check: lint typecheck test  ## default: lint, types, then the test suite

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("kommunprogram needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	@# OCR for scanned PDFs: installed with the set-up where that is possible (Debian/Ubuntu, as root);
	@# elsewhere every run says at its start that scans will not be read, and how to fix it.
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    ! (command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx swe); then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-swe \
	   >/dev/null) || echo "note: Tesseract OCR could not be installed; scanned PDFs will not be read"; fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[$(EXTRAS)]'
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install kommunprogram with its dependencies

setup-system:  ## optional system tools (root, Debian): Tesseract OCR with Swedish data, poppler for benchmarks
	apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-swe poppler-utils

demo: $(STAMP)  ## offline demo: simulated web of 12 sites on 127.0.0.1 -> outputs/demo/
	$(BIN)/kommunprogram demo --out outputs/demo

run: $(STAMP)  ## the real inventory of all 290 municipalities for the current year (CONTACT=you@example.se) -> outputs/<year>/
	$(BIN)/kommunprogram run $(if $(CONTACT),--contact "$(CONTACT)")

test: $(STAMP)  ## the default test suite (offline, local servers only; slow tests excluded)
	$(BIN)/python -m pytest -q

test-hostile: $(STAMP)  ## the hostile local web and damaged state alone (also in make test) -> outputs/bench/hostile.json
	$(BIN)/python -m pytest -q -m hostile tests/test_hostile.py

test-all: $(STAMP)  ## every test, including the slow ones
	$(BIN)/python -m pytest -q -m ''

lint: $(STAMP)  ## ruff over the code, and the import contracts of the layers (import-linter)
	$(BIN)/ruff check base crawler extract classify publish inventory simweb tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)  ## mypy over the packages
	$(BIN)/mypy base crawler extract classify publish inventory simweb

train: $(STAMP)  ## retrain the classifier on ../shared/corpus (fixed seeds) -> classify/model/
	$(BIN)/kommunprogram train

eval: $(STAMP)  ## quality gate: cross-validated scores against the pinned floors
	$(BIN)/kommunprogram gate

bench: bench-simweb bench-extract bench-crawl bench-classify bench-classifier bench-workers bench-real  ## every benchmark -> outputs/bench/*.json

bench-simweb: $(STAMP)  ## simulated web: generation time and requests/s vs http.server
	$(BIN)/python bench/bench_simweb.py

bench-extract: $(STAMP)  ## PDF extraction pages/s and memory vs pdftotext
	$(BIN)/python bench/bench_extract.py

bench-crawl: $(STAMP)  ## focused crawl vs breadth-first on 290 simulated sites
	$(BIN)/python bench/bench_crawl.py

bench-classify: $(STAMP)  ## the shipped classifier on the simulated web's documents vs a keyword baseline
	$(BIN)/python bench/bench_classify_simweb.py

bench-real: $(STAMP)  ## the whole pipeline on a web of held-out real documents vs a keyword crawler (~5 min)
	$(BIN)/python bench/bench_real.py

bench-classifier: $(STAMP)  ## the classifier's alternatives, trained on the training part, on the held-out part
	$(BIN)/python bench/bench_classifier.py

bench-workers: $(STAMP)  ## distributed crawl with 1, 2 and 4 workers on 290 sites (about 13 min)
	$(BIN)/python bench/bench_workers.py

bench-crawl-cpu: $(STAMP)  ## crawl CPU per page of this tree against BASE=<git ref> (default HEAD~1), same sites
	@base=$$(mktemp -d) && git worktree add -q --detach $$base/tree $(BASE) && \
	  $(BIN)/python bench/bench_crawl_cpu.py --baseline $$base/tree --sites 290; rc=$$?; \
	  git worktree remove --force $$base/tree; rm -rf $$base; exit $$rc

# The last run's store: the newest SQLite file under outputs/ (make demo's is outputs/demo/kommunprogram.sqlite).
DB ?= $(shell ls -t outputs/*.sqlite outputs/*/*.sqlite 2>/dev/null | head -1)
browse: $(STAMP)  ## the last run's store (or DB=file.sqlite) in Datasette on http://127.0.0.1:8001/
	@test -n "$(DB)" || { echo "make browse: no store under outputs/ yet: run make demo or make run, or give DB=FILE"; exit 2; }
	@echo "make browse: $(DB) (the inventory view has facets on status, type and tags)"
	@# Datasette keys metadata by the database's file name: re-key ours to this store's name.
	@meta=$$(mktemp --suffix=.json) && $(BIN)/python -c 'import json, pathlib, sys; m = json.load(open(sys.argv[1])); m["databases"] = {pathlib.Path(sys.argv[2]).stem: m["databases"]["kommunprogram"]}; json.dump(m, open(sys.argv[3], "w"))' inventory/data/datasette-metadata.json "$(DB)" "$$meta" && \
	  $(BIN)/datasette serve "$(DB)" -h 127.0.0.1 -p 8001 -m "$$meta"; rc=$$?; rm -f "$$meta"; exit $$rc

REPORT ?= outputs/demo/report.html
report-screenshot: $(STAMP)  ## screenshot of REPORT (default the demo's) at 1280 px in headless Chromium -> *.png
	$(BIN)/python -m publish.screenshot $(REPORT) $(REPORT:.html=.png) --width 1280

clean:  ## remove generated outputs (keeps outputs/README.md) and caches
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .mypy_cache
