# The one entry point. `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SIZE     ?= demo
SEED     ?= 20240101
LANDING  ?= data/landing
DATA_DIR ?= data/warehouse
MONTH    ?=
METRIC   ?=
PERIOD   ?=
SCOPE    ?= district

PYTHON_BASE ?= python3
VENV        := .venv
VENV_SS     := .venv-superset
PY          := $(CURDIR)/$(VENV)/bin/python
PY_SS       := $(CURDIR)/$(VENV_SS)/bin/python
UV          := $(CURDIR)/$(VENV)/bin/uv
UV_VERSION  := 0.13.9

export UV_CACHE_DIR := $(CURDIR)/.cache/uv
export PYTHONPATH := $(CURDIR)/src:$(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export DAGSTER_DISABLE_TELEMETRY := 1
# The pseudonymisation key: the environment wins; otherwise the local demo key (never in git).
export CONSORTIUM_PSEUDONYM_KEY_FILE ?= $(CURDIR)/.secrets/pseudonym.key
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# Some machines set PYTHONDONTWRITEBYTECODE: every process then recompiles everything it imports
# (Superset's app 17 s instead of 7, GX + Dagster 22 s instead of 10, each dbt call +4 s). The
# first import writes bytecode into the ignored __pycache__ folders; every later process reads it.
unexport PYTHONDONTWRITEBYTECODE

# pyspark is published only as a source distribution, and uv builds it again on every fresh
# install (27 s: its cached build is keyed to an index answer that is revalidated each time).
# Built once into this ignored wheelhouse, it installs in 2 s.
WHEELHOUSE      := .cache/wheels
PYSPARK_VERSION := $(shell sed -n 's/^pyspark==//p' requirements/pipeline.txt)
PYSPARK_WHEEL   := $(WHEELHOUSE)/pyspark-$(PYSPARK_VERSION)-py2.py3-none-any.whl

PIPELINE_STAMP := $(VENV)/.installed-$(shell sha256sum requirements/pipeline.txt 2>/dev/null | cut -c1-12)
SUPERSET_STAMP := $(VENV_SS)/.installed-$(shell sha256sum requirements/superset.txt 2>/dev/null | cut -c1-12)

.PHONY: help setup setup-pipeline setup-superset setup-browser key generate pipeline dbt-build \
        docs dashboards serve run demo-warehouse demo-landing code-location superset-metadata test test-spark lint bench sql report explain clean

help: ## List every target
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'
	@echo "Variables: SIZE=tiny|demo|city SEED=n LANDING=dir DATA_DIR=dir MONTH=YYYY-MM"

setup: setup-pipeline setup-superset ## Build both virtual environments from the locks (idempotent)

setup-pipeline: $(PIPELINE_STAMP)
$(PIPELINE_STAMP): requirements/pipeline.txt
	@test -x $(UV) || { $(PYTHON_BASE) -m venv $(VENV) && $(VENV)/bin/pip install -q uv==$(UV_VERSION); }
	@test -f $(PYSPARK_WHEEL) || $(VENV)/bin/pip wheel -q --no-deps --wheel-dir $(WHEELHOUSE) pyspark==$(PYSPARK_VERSION)
	$(UV) pip install -q --find-links $(WHEELHOUSE) --python $(VENV)/bin/python -r requirements/pipeline.txt
	@rm -f $(VENV)/.installed-* && touch $@

setup-superset: $(SUPERSET_STAMP)
$(SUPERSET_STAMP): requirements/superset.txt | $(PIPELINE_STAMP)
	@test -x $(PY_SS) || $(UV) venv -q --python $(shell $(PY) -c 'import sys;print(sys.base_prefix)')/bin/python3 $(VENV_SS)
	$(UV) pip install -q --python $(VENV_SS)/bin/python -r requirements/superset.txt
	@rm -f $(VENV_SS)/.installed-* && touch $@

setup-browser: ## Install Debian's chromium, CJK fonts and pdftotext for the browser and PDF tests (where missing)
	@command -v chromium >/dev/null && command -v pdftotext >/dev/null && fc-list 2>/dev/null | grep -qi "noto.*cjk" || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null; }

key: ## Create the local demo pseudonymisation key (outside git) if there is none
	@$(PY) -m consortium_dw.pseudonymise --ensure-key "$(CONSORTIUM_PSEUDONYM_KEY_FILE)"

generate: setup-pipeline ## Write a synthetic district: make generate SIZE=tiny|demo|city SEED=n LANDING=dir
	$(PY) -m consortium_dw.generator --size $(SIZE) --seed $(SEED) --landing $(LANDING)

pipeline: setup-pipeline key ## Load every delivery in LANDING and build the warehouse in DATA_DIR (headless Dagster)
	$(PY) -m dagster_project.headless --landing $(LANDING) --data-dir $(DATA_DIR)

docs: setup-pipeline ## Build the dbt docs (and the Data Docs) into DATA_DIR
	$(PY) -m dagster_project.headless --landing $(LANDING) --data-dir $(DATA_DIR) --docs-only

dashboards: setup-superset ## Provision Superset from dashboards/ (idempotent)
	DATA_DIR=$(DATA_DIR) $(PY_SS) -m dashboards.provision

serve: setup ## Serve Superset and the Dagster UI on localhost (foreground)
	DATA_DIR=$(DATA_DIR) LANDING=$(LANDING) bash dashboards/serve.sh

run: setup key ## Fresh machine: setup, generate the demo district, run the pipeline, serve the dashboard
	@start=$$(date +%s); \
	  $(MAKE) --no-print-directory -j2 demo-warehouse superset-metadata && \
	  $(MAKE) --no-print-directory dashboards && \
	  echo "Demo district built and provisioned in $$(( $$(date +%s) - start )) s." 
	$(MAKE) --no-print-directory serve

# The two halves of `make run` that do not depend on each other, run side by side.
demo-warehouse:
	@$(MAKE) --no-print-directory -j2 demo-landing code-location
	$(MAKE) --no-print-directory pipeline

demo-landing:
	@test -f $(LANDING).generated.json || $(MAKE) --no-print-directory generate

# Loads the Dagster code location once while the demo district is generated: that parses the
# dbt project into dbt/target/manifest.json (with the warehouse path the build will use, so the
# build's dbt starts from this parse) and writes the bytecode of everything the pipeline imports.
code-location: setup-pipeline ## Load the Dagster code location (parses the dbt project if needed)
	CONSORTIUM_DATA_DIR=$(DATA_DIR) $(PY) -m dagster_project.definitions

superset-metadata: setup-superset
	@mkdir -p $(DATA_DIR) && DATA_DIR=$(DATA_DIR) $(PY_SS) -m dashboards.provision --metadata-only \
	  > $(DATA_DIR)/superset_metadata.log 2>&1 && echo "Superset metadata ready." || \
	  { tail -n 40 $(DATA_DIR)/superset_metadata.log; exit 1; }

test: setup setup-browser ## The whole test suite (what CI runs)
	$(PY) -m pytest tests

test-spark: setup-pipeline ## The Spark-target equality test
	$(PY) -m pytest tests -m spark

lint: setup-pipeline ## ruff and sqlfluff
	$(VENV)/bin/ruff check src dagster_project dashboards expectations tests
	# sqlfluff's dbt templater renders the profile: give it a throwaway DuckDB, never the warehouse.
	cd dbt && lint_dir=$$(mktemp -d) && DUCKDB_PATH=$$lint_dir/warehouse.duckdb $(CURDIR)/$(VENV)/bin/sqlfluff lint models; status=$$?; rm -rf $$lint_dir; exit $$status

bench: setup key ## Benchmark a city-sized year and print the table
	$(PY) -m consortium_dw.bench --landing data/bench/landing --data-dir data/bench/warehouse

sql: setup-pipeline ## A read-only SQL console on the served file
	$(PY) -m consortium_dw.sql_console $(DATA_DIR)/serving.duckdb

report: setup-pipeline ## The monthly committee pack: make report MONTH=YYYY-MM
	$(PY) -m consortium_dw.report --serving $(DATA_DIR)/serving.duckdb --month $(MONTH)

explain: setup-pipeline ## Why this number: make explain METRIC=… PERIOD=… SCOPE=…
	$(PY) -m consortium_dw.explain --warehouse $(DATA_DIR)/warehouse.duckdb --metric $(METRIC) --period $(PERIOD) --scope $(SCOPE)

clean: ## Remove generated data (keeps the environments and caches)
	rm -rf data
