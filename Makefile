# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint fuzz clean venv readme readme-check netbox-up netbox-down

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

# Plans every shipped example and writes its outputs into build/<name>/, then checks README.md's samples against
# the tool (scripts/readme_samples.py). The two largest fabrics (colossus-2,
# million-gpu: 3.3 M and 6 M links) skip graph.graphml, which alone would be 1.5 and 2.8 GB; `fabric plan SPEC
# --out DIR` writes it when wanted.
BIG_FABRICS := colossus-2 million-gpu
FABRICS     := $(basename $(notdir $(wildcard topologies/*.yaml)))
CORRIDORS   := $(basename $(notdir $(wildcard corridors/*.yaml)))
SCALE       := $(basename $(notdir $(wildcard scale-across/*.yaml)))

demo: $(STAMP)
	$(BIN)/aifabric catalog switches
	@set -e; for name in $(FABRICS); do \
	  case " $(BIG_FABRICS) " in *" $$name "*) graph=--no-graph;; *) graph=;; esac; \
	  echo "== fabric plan topologies/$$name.yaml --out build/$$name $$graph"; \
	  $(BIN)/aifabric fabric plan topologies/$$name.yaml --out build/$$name $$graph; \
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
