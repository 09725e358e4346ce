"""Encoding requests and decoding responses: the hot path both clients share."""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any

#: JSON has no NaN or infinity: the helper would answer such a request with a
#: parse error it cannot match to the call, so they are refused here.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False)
_DECODER = json.JSONDecoder()

#: JSON for the method names seen so far; the set is small and fixed.
_method_json: dict[str, bytes] = {}

#: The helper's default --max-message-bytes.
DEFAULT_MESSAGE_LIMIT = 1 << 20

#: '"name":' for the param names seen so far (every method's are few; ``call``
#: may bring others, so the cache has a bound).
_key_json: dict[str, str] = {}
_KEY_JSON_MAX = 256

#: JSON for the scalars that need no encoder.
_LITERALS = {True: "true", False: "false", None: "null"}


def encode_params(params: Any) -> str:
    """params as compact JSON.

    Raises what ``json`` raises for a value it cannot encode (TypeError;
    ValueError for NaN, infinity, or a container that contains itself).

    A flat object of strings, ints, booleans and nulls (every method's
    params) is written directly, which is several times faster than a
    JSONEncoder; anything else goes through one.
    """
    if type(params) is dict:
        parts = []
        keys = _key_json
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
            prefix = keys.get(key)
            if prefix is None:
                if type(key) is not str:
                    return _COMPACT.encode(params)
                prefix = encode_basestring_ascii(key) + ":"
                if len(keys) < _KEY_JSON_MAX:
                    keys[key] = prefix
            parts.append(prefix + text)
        return "{" + ",".join(parts) + "}"
    return _COMPACT.encode(params)


def request_line(request_id: int, method: str, params_json: str) -> bytes:
    """One ndjson request line, its params already encoded (``encode_params``)."""
    name = _method_json.get(method)
    if name is None:
        name = _method_json[method] = _COMPACT.encode(method).encode()
    return b'{"jsonrpc":"2.0","id":%d,"method":%s,"params":%s}\n' % (
        request_id,
        name,
        params_json.encode(),
    )


def encode_request(request_id: int, method: str, params: Any) -> bytes:
    """One ndjson request line.

    Raises:
        TypeError, ValueError: params holds a value JSON cannot carry.
    """
    return request_line(request_id, method, encode_params(params))


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


def message_limit(argv: list[str]) -> int:
    """The longest request line (without its newline) the helper started with
    argv accepts: its ``--max-message-bytes`` (as Go's flag package reads it:
    one or two dashes, ``=N`` or ``N`` next, the last one counting), else
    the default.

    A longer request would be answered with an error that has no id, which no
    caller could be given, so the clients refuse it before sending.
    """
    limit = DEFAULT_MESSAGE_LIMIT
    names = ("-max-message-bytes", "--max-message-bytes")
    args = iter(argv[1:])
    for arg in args:
        if arg == "--":
            break
        if arg in names:
            value = next(args, "")
        elif arg.startswith(tuple(n + "=" for n in names)):
            value = arg.partition("=")[2]
        else:
            continue
        try:
            limit = int(value, 0)  # Go reads it as base 0 too: 1048576, 0x100000
        except ValueError:
            continue  # the helper refuses to start, and says why
    return limit


def too_large(method: str, size: int, limit: int) -> ValueError:
    """The error for a request of size bytes over the helper's limit."""
    return ValueError(f"sigrpc {method}: the request is {size} bytes, more than the helper's"
                      f" limit of {limit} bytes (--max-message-bytes); nothing was sent")
