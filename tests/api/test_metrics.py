"""/metrics in the Prometheus text format and the JSON access log, through real HTTP."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from graph_api.logs import JsonFormatter
from graph_api.metrics import Metrics
from graph_api.pipeline import Exchange, OperationRecord
from tests.api.conftest import Api, with_settings
from tests.factories import make_member

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(api: Api) -> Samples:
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum over the series of `name` carrying these labels (a PromQL selector's meaning)."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= set(have))


async def test_operations_errors_and_database_work_are_counted(api: Api) -> None:
    _, token = await make_member(api)
    for _ in range(2):
        await api.gql("query Me { me { id name } }", token=token)
    await api.gql("{ me { id } }")
    await api.post("query Broken { nope }")
    await api.post("{ me { id ")  # never parses
    await api.http.post("/graphql", content=b"{", headers={"content-type": "application/json"})

    samples = await scrape(api)
    ops = "graphql_operations_total"
    assert value(samples, ops, operation="Me", type="query", outcome="ok") == 2
    assert value(samples, ops, operation="anonymous", type="query", outcome="ok") == 1
    assert value(samples, ops, operation="Broken", type="query", outcome="error") == 1
    assert value(samples, ops, operation="unknown", type="unknown", outcome="error") == 1
    assert value(samples, "graphql_operation_duration_seconds_count", operation="Me") == 2
    assert value(samples, "graphql_errors_total", code="BAD_USER_INPUT") == 3
    assert value(samples, "graphql_http_responses_total", status="200") == 5
    assert value(samples, "graphql_http_responses_total", status="400") == 1
    # `me` costs one round trip when signed in (the viewer's record), none when signed out.
    assert value(samples, "graphql_db_round_trips_count") == 6
    assert value(samples, "graphql_db_round_trips_sum") >= 2
    reads = value(samples, "db_query_duration_seconds_count", kind="read")
    assert reads >= 2
    assert value(samples, "graphql_document_cache_total", result="hits") >= 1
    # The member's session is read by the first `Me`, kept for the second.
    assert value(samples, "graphql_session_cache_total", result="misses") == 1
    assert value(samples, "graphql_session_cache_total", result="hits") == 1


@pytest.mark.parametrize("settings", [with_settings(rate_limit_ip_per_minute=1)])
async def test_rate_limited_requests_are_counted(api: Api) -> None:
    await api.post("{ me { id } }")
    await api.post("{ me { id } }")
    samples = await scrape(api)
    assert value(samples, "rate_limited_requests_total", bucket="anonymous") == 1
    assert value(samples, "graphql_errors_total", code="RATE_LIMITED") == 1
    assert value(samples, "graphql_http_responses_total", status="429") == 1


async def test_persisted_query_lookups_are_counted(api: Api) -> None:
    from graph_api.persisted import sha256_hex

    query = "{ me { id } }"
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}
    await api.http.post("/graphql", json={"extensions": ext})
    await api.http.post("/graphql", json={"query": query, "extensions": ext})
    await api.http.post("/graphql", json={"extensions": ext})
    samples = await scrape(api)
    assert value(samples, "graphql_persisted_queries_total", result="misses") == 1
    assert value(samples, "graphql_persisted_queries_total", result="registered") == 1
    assert value(samples, "graphql_persisted_queries_total", result="hits") == 1
    assert value(samples, "graphql_errors_total", code="PERSISTED_QUERY_NOT_FOUND") == 1


@pytest.mark.parametrize("settings", [with_settings(metrics=False)])
async def test_metrics_can_be_turned_off(api: Api) -> None:
    assert (await api.http.get("/metrics")).status_code == 404


def test_operation_labels_are_bounded() -> None:
    metrics = Metrics(max_operations=2)
    assert [metrics.operation_label(n, True) for n in ("A", "B", "C", "A", None)] == [
        "A", "B", "other", "A", "anonymous",
    ]
    assert metrics.operation_label("Whatever", known=False) == "unknown"
    exchange = Exchange(
        request_id="r", method="POST", path="/graphql", client_ip="", status=200,
        operations=[OperationRecord(name="Z", type="query", known=True, error_codes=["SOMETHING_ODD"])],
    )
    metrics.observe_exchange(exchange)
    text = metrics.render().decode()
    assert 'graphql_errors_total{code="OTHER"} 1.0' in text
    assert 'operation="other"' in text and 'operation="Z"' not in text


# -- access log ---------------------------------------------------------------------------------


async def test_one_json_line_per_request_without_secrets(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    member, token = await make_member(api)
    password = "correct horse battery staple"
    with caplog.at_level(logging.INFO, logger="graph_api.access"):
        response = await api.http.post(
            "/graphql",
            json={
                "query": "query Me($secret: String) { me { id } }",
                "operationName": "Me",
                "variables": {"secret": password},
            },
            headers={"authorization": f"Bearer {token}", "x-request-id": "req-42"},
        )
        await api.post("mutation Login($input: LoginInput!) { login(input: $input) { errors { code } } }",
                       {"input": {"email": member.email, "password": password}})
    assert response.status_code == 200
    records = [r for r in caplog.records if r.name == "graph_api.access"]
    assert len(records) == 2
    lines = [JsonFormatter().format(r) for r in records]
    first = json.loads(lines[0])
    assert first["request_id"] == "req-42"
    assert first["operation"] == "Me" and first["operation_type"] == "query"
    assert first["viewer_id"] == member.id
    assert first["status"] == 200
    assert first["db_round_trips"] >= 1
    assert isinstance(first["duration_ms"], float)
    second = json.loads(lines[1])
    assert second["operation"] == "Login" and second["operation_type"] == "mutation"
    assert second["viewer_id"] is None
    for line in lines:
        assert token not in line
        assert password not in line
        assert member.email not in line


async def test_a_hostile_request_id_is_replaced(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"x-request-id": "a b\"c" + "x" * 300}
    )
    assert response.headers["x-request-id"] != "a b\"c" + "x" * 300
    assert len(response.headers["x-request-id"]) == 32
