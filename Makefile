# The two promises of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck bench schema clean neo4j

# The test Neo4j (tools/neo4j): built when Java and Maven are present, else the suite says
# that it skipped the Neo4j half (and .ci/run, which requires it, fails).
NEO4J_CP := tools/neo4j/target/classpath.txt
HAVE_JAVA := $(shell command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 && echo yes)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

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
