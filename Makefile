# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint fuzz clean venv

venv: $(STAMP)

# An editable install leaves the package uncompiled (a regular install compiles it): compile it once, so a cold
# CLI start does not recompile every module (as it would each time under PYTHONDONTWRITEBYTECODE).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q aifabric
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aifabric catalog switches
	$(BIN)/aifabric fabric plan topologies/dgx-h100-superpod-4su.yaml --out build/dgx-h100-superpod-4su
	$(BIN)/aifabric fabric plan topologies/spectrum-x-8k.yaml --out build/spectrum-x-8k
	$(BIN)/aifabric fabric plan topologies/colossus-100k.yaml --out build/colossus-100k
	$(BIN)/aifabric fabric plan topologies/b300-twin-plane.yaml
	$(BIN)/aifabric fabric plan topologies/million-gpu.yaml
	$(BIN)/aifabric corridor plan corridors/texas-triangle-nova.yaml --out build/texas-triangle-nova
	$(BIN)/aifabric scale-across plan scale-across/texas-nova-training.yaml --out build/texas-nova-training
	$(BIN)/aifabric scale-across plan scale-across/three-site-ring.yaml

test: $(STAMP)
	$(BIN)/python -m pytest tests

fuzz: $(STAMP)
	AIFABRIC_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest tests/test_fuzz.py -q

bench: $(STAMP)
	$(BIN)/python -m compileall -q aifabric
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check aifabric tests benchmarks

clean:
	rm -rf build .pytest_cache
