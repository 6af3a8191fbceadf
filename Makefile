# The two promises of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck bench schema clean neo4j lock deploy-check client-check test-tools

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
	# The image's half (Dockerfile): the same pins, without the dev extras.
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 \
		--custom-compile-command 'make lock' --quiet -c $(LOCK) -o requirements-runtime.lock

run: $(STAMP)
	GRAPH_API_ENV=$${GRAPH_API_ENV:-development} GRAPH_API_SMTP_DEV_SINK=$${GRAPH_API_SMTP_DEV_SINK:-1} \
		$(BIN)/graph-api serve --demo

test: lint $(if $(CI),test-tools) deploy-check client-check $(if $(HAVE_JAVA),$(NEO4J_CP))
	$(BIN)/pytest

# On CI (root, Debian): the browser for tests/api/test_graphiql.py and a compose client.
# Elsewhere those tests and checks are skipped with a line saying how to get them.
test-tools:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		{ command -v chromium >/dev/null && command -v docker-compose >/dev/null; } || { \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium docker-compose >/dev/null; } \
		|| echo "test-tools: apt-get failed; the browser test and the compose check will say SKIPPED"; }; fi

# The compose file is valid (with placeholder secrets; no Docker engine needed) and the
# Dockerfile passes hadolint (tests/unit/test_deploy.py checks the rest of both).
deploy-check: $(STAMP)
	@if docker compose version >/dev/null 2>&1; then compose="docker compose"; \
	elif command -v docker-compose >/dev/null; then compose=docker-compose; fi; \
	if [ -n "$$compose" ]; then \
		NEO4J_PASSWORD=x REDIS_PASSWORD=x GRAPH_API_JWT_SECRET=x $$compose -f docker-compose.yml config --quiet \
		&& echo "docker-compose.yml: valid ($$compose config)"; \
	else echo "docker-compose.yml check SKIPPED: no 'docker compose' or 'docker-compose' (apt-get install docker-compose)"; fi
	$(BIN)/hadolint Dockerfile && echo "Dockerfile: hadolint clean"

# Typed clients: GraphQL Code Generator types the README's operations from the committed SDL
# and fails on any mismatch (tools/codegen; needs Node.js and npm).
CODEGEN := tools/codegen
client-check:
	@if command -v npm >/dev/null; then \
		[ $(CODEGEN)/node_modules/.package-lock.json -nt $(CODEGEN)/package-lock.json ] \
			|| (cd $(CODEGEN) && npm ci --no-audit --no-fund --loglevel=error); \
		cd $(CODEGEN) && npm run --silent check; \
	else echo "typed-client check SKIPPED: no Node.js/npm"; fi

neo4j: $(NEO4J_CP)

$(NEO4J_CP): tools/neo4j/pom.xml tools/neo4j/src/main/java/graphapi/Neo4jLauncher.java
	cd tools/neo4j && { mvn -q -B -o package 2>/dev/null || mvn -q -B package; }

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy

# `BENCH_ARGS="--backend neo4j"` needs the test Neo4j's launcher (tools/neo4j) built.
bench: $(STAMP) $(if $(findstring neo4j,$(BENCH_ARGS)),$(NEO4J_CP))
	$(BIN)/python -m bench $(BENCH_ARGS)

schema: $(STAMP)
	$(BIN)/graph-api export-schema --output schema/schema.graphql

clean:
	rm -rf $(VENV) build *.egg-info
