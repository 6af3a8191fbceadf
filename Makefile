# The two promises of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck bench schema clean neo4j lock

# The test Neo4j (tools/neo4j): built when Java and Maven are present, else the suite says
# that it skipped the Neo4j half (and .ci/run, which requires it, fails).
NEO4J_CP := tools/neo4j/target/classpath.txt
HAVE_JAVA := $(shell command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 && echo yes)

# Installs exactly what requirements.lock pins (hashes checked), dev tools included, then the
# project itself without resolving anything. `make lock` regenerates the lock from pyproject.toml's
# ranges, keeping the current pins where they still fit; `make lock UPGRADE=1` moves every pin to
# the newest version the ranges allow.
LOCK := requirements.lock
PIP := $(BIN)/python -m pip --disable-pip-version-check

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r $(LOCK)
	$(PIP) install --quiet --no-deps -e .
	touch $(STAMP)

lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 \
		--custom-compile-command 'make lock' --quiet $(if $(UPGRADE),--upgrade) -o $(LOCK)

run: $(STAMP)
	GRAPH_API_ENV=$${GRAPH_API_ENV:-development} $(BIN)/graph-api serve --demo

test: lint $(if $(HAVE_JAVA),$(NEO4J_CP))
	$(BIN)/pytest

neo4j: $(NEO4J_CP)

$(NEO4J_CP): tools/neo4j/pom.xml tools/neo4j/src/main/java/graphapi/Neo4jLauncher.java
	cd tools/neo4j && { mvn -q -B -o package 2>/dev/null || mvn -q -B package; }

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

schema: $(STAMP)
	$(BIN)/graph-api export-schema --output schema/schema.graphql

clean:
	rm -rf $(VENV) build *.egg-info
