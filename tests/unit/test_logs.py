"""graph_api.logs: one JSON object per line, whatever a record's extra values are."""

from __future__ import annotations

import json
import logging

from graph_api.logs import JsonFormatter


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("graph_api.test", logging.INFO, __file__, 1, "%s done", ("it",), None)
    record.__dict__.update(extra)
    return record


def test_a_line_is_one_json_object_with_the_extras_and_secrets_redacted() -> None:
    record = _record(request_id="r-1", status=200, ms=1.5, viewer=None, access_token="secret",
                     values=[1, 2], Authorization="Bearer x", _private="kept out")
    line = JsonFormatter().format(record)
    assert JsonFormatter().format(record) == line  # how each name is written is remembered
    entry = json.loads(line)
    assert entry["Authorization"] == "[redacted]" and "_private" not in entry
    assert not {"args", "msg", "thread", "levelno", "created"} & set(entry)  # logging's own
    assert "\n" not in line
    assert entry["message"] == "it done" and entry["level"] == "INFO"
    assert entry["logger"] == "graph_api.test" and entry["time"].endswith("+00:00")
    assert (entry["request_id"], entry["status"], entry["ms"], entry["viewer"]) == ("r-1", 200, 1.5, None)
    assert entry["access_token"] == "[redacted]"
    assert entry["values"] == "[1, 2]"  # anything but a scalar is written as its text


def test_what_orjson_refuses_is_still_written() -> None:
    """Integers beyond 64 bits and lone surrogates: json.dumps writes them."""
    entry = json.loads(JsonFormatter().format(_record(big=2**70, text="\ud800 echoed")))
    assert entry["big"] == 2**70 and entry["text"] == "\ud800 echoed"


def test_an_exception_is_written_with_its_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = _record()
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exception"] and "Traceback" in entry["exception"]
