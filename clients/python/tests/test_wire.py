"""The request encoder and response decoder both clients share."""

from __future__ import annotations

import json
import signal
from typing import Any

import pytest

from sigrpc._wire import decode_responses, encode_request

PARAMS: list[Any] = [
    {"name": "TERM"},
    {"name": 15},
    {"name": -0},
    {"pid": 2**31 - 1, "signal": "KILL", "escalate": None, "exit_status": True, "x": False},
    {"name": 'quote " backslash \\ newline \n tab \t nul \x00'},
    {"name": "é \u2013 \u2028 😀"},
    {"é\"\n": "key needs escaping"},
    {"nested": {"a": [1, 2]}},
    {"float": 1.5},
    {"enum": signal.SIGTERM},
    ["HUP", 1, None, True],
    {},
    [],
    None,
]


@pytest.mark.parametrize("params", PARAMS)
def test_encode_request_is_the_json_of_the_request(params: Any) -> None:
    line = encode_request(42, "kill", params)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert line.isascii()
    want = {"jsonrpc": "2.0", "id": 42, "method": "kill", "params": params}
    assert json.loads(line) == json.loads(json.dumps(want))


def test_decode_responses_decodes_lines_together_or_one_by_one() -> None:
    good = [b'{"jsonrpc":"2.0","id":1,"result":15}', b'[{"id":2},{"id":3}]']
    assert decode_responses(good) == [
        {"jsonrpc": "2.0", "id": 1, "result": 15}, {"id": 2}, {"id": 3}
    ]
    # A bad line spoils the joint decode; the others still come through.
    assert decode_responses([b'{"id":1}', b"garbage", b"5", b'{"id":4}']) == [{"id": 1}, {"id": 4}]
    # A byte that is not UTF-8 does not cost the line.
    assert decode_responses([b'{"id":1,"result":"\xff"}', b"garbage"]) == [
        {"id": 1, "result": "\ufffd"}
    ]
    # Lines that only make sense joined are not taken together.
    assert decode_responses([b'{"id":1', b'"x":2}']) == []
    assert decode_responses([b'{"id":1},{"id":2}']) == []
    # Nor lines that close the joint array early: one is not JSON alone.
    assert decode_responses([b'{"id":1}]', b'[{"id":2}']) == []
    assert decode_responses([b'{"id":1}', b'{"id":2}] ']) == [{"id": 1}]
    # One line alone: compact, padded, not JSON, not UTF-8.
    assert decode_responses([b'{"id":1}']) == [{"id": 1}]
    assert decode_responses([b' {"id":1}\r']) == [{"id": 1}]
    assert decode_responses([b'{"id":1} x']) == []
    assert decode_responses([b'[{"id":1},2]']) == [{"id": 1}]
    assert decode_responses([b'{"id":"\xff"}']) == [{"id": "\ufffd"}]
