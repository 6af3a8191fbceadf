FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph_api graph_api
COPY schema schema
COPY resolvers resolvers
COPY graph_db graph_db
RUN pip install --no-cache-dir . && useradd --create-home app
USER app
EXPOSE 8000
CMD ["graph-api", "serve"]
