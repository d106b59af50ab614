# Pathways developer entry points. Quick start: `make demo`, then `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo_data
DEMO_INSTITUTIONS ?= 4
DEMO_ALUMNI ?= 8000
DEMO_PROFILES ?= 200000
DEMO_SEED ?= 7
export PATHWAYS_WAREHOUSE ?= warehouse/pathways.duckdb

TRAIN_DIR ?= .train
TRAIN_SEED ?= 101

.PHONY: install demo test test-spark lint pytest browser jdk docs docs-serve train-model clean

$(BIN)/pathways: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $@

install: $(BIN)/pathways ## create .venv and install Pathways with its dev tools

demo: install ## generate demo data, run a full refresh, print the summary
	rm -rf $(DEMO_DIR) $(PATHWAYS_WAREHOUSE) \
		$(dir $(PATHWAYS_WAREHOUSE))build/$(basename $(notdir $(PATHWAYS_WAREHOUSE)))_build.duckdb
	$(BIN)/pathways generate --out $(DEMO_DIR) --institutions $(DEMO_INSTITUTIONS) \
		--alumni $(DEMO_ALUMNI) --profiles $(DEMO_PROFILES) --seed $(DEMO_SEED)
	$(BIN)/pathways refresh --landing $(DEMO_DIR)
	$(BIN)/pathways match evaluate --truth $(DEMO_DIR)

test: install lint pytest test-spark ## lint (ruff, sqlfluff) and run all tests (unit, dbt, end-to-end, Spark)

lint: install
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint dbt_project/models

# Two pytest-xdist workers (the machine's two cores): each worker runs its share of the tests
# in the order collected, so the tests that change the shared end-to-end warehouse still
# run after those that read it (measured: 477 tests in 6m38s, about 11 min on one).
PYTEST_WORKERS ?= 2
pytest: install browser
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=15

# Browser tests open the dbt docs site and the outcomes report in Debian's Chromium.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

browser: $(CHROMIUM) ## install Debian's chromium for the browser tests (needs root or sudo)

# The Spark tests (marker `spark`, run by `make test` after the others): each module in its own
# process, because a JVM keeps the jars of its first SparkSession.
test-spark: install jdk ## the Spark engine's tests: the whole build equals DuckDB's, Splink on Spark
	$(BIN)/pytest -m spark tests/test_spark_linkage.py
	$(BIN)/pytest -m spark tests/test_spark_equivalence.py

# The Spark equivalence tests run Spark locally, which needs a Java 17 runtime.
jdk: ## install Debian's Java 17 runtime for the Spark engine, unless java is already there
	@if command -v java >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null

docs: install ## build the dbt docs site (lineage) into target/static_index.html
	$(BIN)/dbt docs generate --static --project-dir . --profiles-dir .
	@echo "open target/static_index.html in a browser (or: make docs-serve)"

docs-serve: docs ## build the docs site and serve it on http://localhost:8080
	$(BIN)/dbt docs serve --project-dir . --profiles-dir . --port 8080 --no-browser

train-model: install ## retrain matching/models/ on fresh generated data (seed TRAIN_SEED)
	rm -rf $(TRAIN_DIR)
	$(BIN)/pathways generate --out $(TRAIN_DIR)/landing --institutions $(DEMO_INSTITUTIONS) \
		--alumni $(DEMO_ALUMNI) --profiles $(DEMO_PROFILES) --seed $(TRAIN_SEED)
	PATHWAYS_BUILD_DB=$(TRAIN_DIR)/train.duckdb $(BIN)/pathways ingest --landing $(TRAIN_DIR)/landing
	PATHWAYS_BUILD_DB=$(TRAIN_DIR)/train.duckdb $(BIN)/dbt build --quiet --project-dir . \
		--profiles-dir . --select +int_alumni_profile_pairs_scored \
		--exclude int_alumni_profile_pairs_scored \
		--indirect-selection cautious
	PATHWAYS_BUILD_DB=$(TRAIN_DIR)/train.duckdb $(BIN)/pathways match train

clean:
	rm -rf $(DEMO_DIR) warehouse target logs
