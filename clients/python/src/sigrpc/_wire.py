"""Encoding requests and decoding responses: the hot path both clients share."""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any

_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)
_DECODER = json.JSONDecoder()

#: JSON for the method names seen so far; the set is small and fixed.
_method_json: dict[str, bytes] = {}

#: JSON for the scalars that need no encoder.
_LITERALS = {True: "true", False: "false", None: "null"}


def _encode_params(params: Any) -> str:
    """params as compact JSON.

    A flat object of strings, ints, booleans and nulls (every method's
    params) is written directly, which is several times faster than a
    JSONEncoder; anything else goes through one.
    """
    if type(params) is dict:
        parts = []
        for key, value in params.items():
            kind = type(value)
            if kind is str:
                text = encode_basestring_ascii(value)
            elif kind is int:
                text = int.__repr__(value)
            elif kind is bool or value is None:
                text = _LITERALS[value]
            else:
                return _COMPACT.encode(params)
            if type(key) is not str:
                return _COMPACT.encode(params)
            parts.append(encode_basestring_ascii(key) + ":" + text)
        return "{" + ",".join(parts) + "}"
    return _COMPACT.encode(params)


def encode_request(request_id: int, method: str, params: Any) -> bytes:
    """One ndjson request line."""
    name = _method_json.get(method)
    if name is None:
        name = _method_json[method] = _COMPACT.encode(method).encode()
    return b'{"jsonrpc":"2.0","id":%d,"method":%s,"params":%s}\n' % (
        request_id,
        name,
        _encode_params(params).encode(),
    )


def decode_responses(lines: list[bytes]) -> list[dict[str, Any]]:
    """The response objects in lines, one JSON value per line.

    All the lines are decoded with one json.loads when they join into an
    array of as many values (the helper writes one value per line); if not,
    each line is decoded alone and lines that are not JSON are skipped.
    Bytes that are not UTF-8 become U+FFFD rather than losing the line.
    Batch responses (arrays) are flattened, and values that are not objects
    are dropped.
    """
    # Decoding to str first spares json.loads its encoding detection, and
    # raw_decode spares it half its cost; the text ends with the array's "]",
    # so an array that ends anywhere else is not the whole text.
    # One line (the usual case, one call in flight) is decoded alone.
    values = _decode_one(lines[0]) if len(lines) == 1 else _decode_together(lines)
    out: list[dict[str, Any]] = []
    for value in values:
        if type(value) is dict:
            out.append(value)
        elif type(value) is list:
            out.extend(v for v in value if type(v) is dict)
    return out


def _decode_one(line: bytes) -> list[Any]:
    """The value of line, as a list of none or one."""
    text = line.decode("utf-8", "replace")
    try:  # the helper's compact line: raw_decode alone (decode would also skip whitespace)
        value, end = _DECODER.raw_decode(text)
        if end == len(text):
            return [value]
    except ValueError:
        pass
    try:
        return [json.loads(text)]
    except ValueError:
        return []


def _decode_together(lines: list[bytes]) -> list[Any]:
    """The values of lines, decoded as one array if they make one, else one by one."""
    text = "[" + b",".join(lines).decode("utf-8", "replace") + "]"
    try:
        values, end = _DECODER.raw_decode(text)
        if end != len(text) or len(values) != len(lines):
            raise ValueError("lines do not match values")
    except ValueError:
        values = []
        for line in lines:
            values.extend(_decode_one(line))
    return values  # type: ignore[no-any-return]
