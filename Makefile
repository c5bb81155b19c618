# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo demo-big test bench lint fuzz clean venv readme readme-check contracts netbox-up netbox-down

venv: $(STAMP)

# An editable install leaves the package uncompiled (a regular install compiles it): compile it once, so a cold
# CLI start does not recompile every module (as it would each time under PYTHONDONTWRITEBYTECODE), and store the
# validated shipped catalog beside the compiled modules (aifabric/catalog/cache.py).
WARM := $(BIN)/python -m compileall -q aifabric && $(BIN)/python -c 'from aifabric.catalog.models import load_hardware; load_hardware()'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(WARM)
	touch $(STAMP)

# Plans every shipped example but the two largest and writes its outputs into build/<name>/, then checks README.md's
# samples against the tool (scripts/readme_samples.py). `make demo-big` plans the two largest fabrics (colossus-2,
# million-gpu: 3.3 M and 6 M links) without graph.graphml, which alone would be 1.5 and 2.8 GB; `fabric plan SPEC
# --out DIR` writes it when wanted. The durations and sizes echoed are measured on a 2-core machine.
BIG_FABRICS := colossus-2 million-gpu
FABRICS     := $(filter-out $(BIG_FABRICS),$(basename $(notdir $(wildcard topologies/*.yaml))))
CORRIDORS   := $(basename $(notdir $(wildcard corridors/*.yaml)))
SCALE       := $(basename $(notdir $(wildcard scale-across/*.yaml)))

demo: $(STAMP)
	@echo "make demo: plans $(words $(FABRICS) $(CORRIDORS) $(SCALE)) shipped examples into build/ (about 1 minute of CPU, 4-6 minutes on a busy 2-core machine, and 320 MB;"
	@echo "the two largest fabrics are in make demo-big: about 30 s and 950 MB more)"
	$(BIN)/aifabric catalog switches
	@set -e; for name in $(FABRICS); do \
	  echo "== fabric plan topologies/$$name.yaml --out build/$$name"; \
	  $(BIN)/aifabric fabric plan topologies/$$name.yaml --out build/$$name; \
	done
	@set -e; for name in $(CORRIDORS); do \
	  echo "== corridor plan corridors/$$name.yaml --out build/$$name"; \
	  $(BIN)/aifabric corridor plan corridors/$$name.yaml --out build/$$name; \
	done
	@set -e; for name in $(SCALE); do \
	  echo "== scale-across plan scale-across/$$name.yaml --out build/$$name"; \
	  $(BIN)/aifabric scale-across plan scale-across/$$name.yaml --out build/$$name; \
	done
	$(BIN)/python scripts/readme_samples.py --check
	@echo "done: outputs in build/; to run aifabric yourself: . .venv/bin/activate (or pipx install .)"

demo-big: $(STAMP)
	@echo "make demo-big: plans $(BIG_FABRICS) into build/ without graph.graphml (about 30 s, 950 MB)"
	@set -e; for name in $(BIG_FABRICS); do \
	  echo "== fabric plan topologies/$$name.yaml --out build/$$name --no-graph"; \
	  $(BIN)/aifabric fabric plan topologies/$$name.yaml --out build/$$name --no-graph; \
	done

test: $(STAMP)
	$(BIN)/python -m pytest tests

fuzz: $(STAMP)
	AIFABRIC_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest tests/test_fuzz.py -q

# SimAI's topology generator (github.com/aliyun/SimAI, astra-sim-alibabacloud/inputs/topo/gen_Topo_Template.py),
# run beside `export fabric --format simai` in benchmarks/bench_simai.py: `make bench SIMAI_GENERATOR=path/to/
# gen_Topo_Template.py` (a checkout of SimAI); without it the side-by-side ratio is skipped.
SIMAI_GENERATOR ?=

bench: $(STAMP)
	$(WARM)
	SIMAI_GENERATOR=$(SIMAI_GENERATOR) $(BIN)/python benchmarks/run.py

# A real NetBox on 127.0.0.1:8765 (PostgreSQL, Redis and NetBox from PyPI, state in .netbox/) for `aifabric netbox
# push|diff` and the live tests; the first `netbox-up` installs and migrates (minutes), later ones take seconds.
netbox-up:
	scripts/netbox.sh up

netbox-down:
	scripts/netbox.sh down

lint: $(STAMP)
	$(BIN)/ruff check aifabric tests benchmarks

clean:
	rm -rf build .pytest_cache

# README.md's command samples and docs/ pictures are the tool's real output: `make readme` reruns every
# <!-- sample: ... --> command and rewrites its block (and the pictures); `make readme-check` reports what differs.
readme: $(STAMP)
	$(BIN)/python scripts/readme_samples.py -v

readme-check: $(STAMP)
	$(BIN)/python scripts/readme_samples.py --check

# docs/contracts.md is generated from the --json schemas (aifabric/schemas/*.json); tests/test_schemas.py checks it.
contracts: $(STAMP)
	$(BIN)/python scripts/schemas.py --docs
