# nianbao — the two commands of the README:
#   make demo   set up everything and run the nightly flow on the local demo sites
#   make test   run the test suite (what .ci/run calls)
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint bench serve clean

$(STAMP): pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh runtime
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

demo: install
	$(BIN)/nianbao demo

# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
test: install lint
	@bash scripts/setup-system.sh test
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

# Style: ruff lint and format (line length 100, rules in pyproject.toml); fails on any finding.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Figures, not pass/fail: each script prints what it measured (see docs/benchmarks.md).
bench: install
	$(BIN)/python bench/checks_eval.py --agencies 300
	$(BIN)/python bench/pipeline_bench.py

serve: install
	$(BIN)/nianbao serve

clean:
	rm -rf data build *.egg-info
