"""The helper's description of itself (``rpc.discover``, an OpenRPC document)
and the result schemas it publishes, as validators of real answers.

Every result schema is exact: objects list the members always present in
``required`` and allow no others (``additionalProperties: false``). The
tests hold every successful result they see to its method's schema.
"""

from __future__ import annotations

import functools
import json
import subprocess
from typing import Any

from conftest import HELPER
from jsonschema import Draft7Validator

#: Methods whose results are not validated, and why.
UNCHECKED_RESULTS = {
    "rpc.discover": "its result schema is the OpenRPC meta-schema, by a $ref to another "
                    "document, which the tests do not fetch",
}


@functools.cache
def document() -> dict[str, Any]:
    """The helper's OpenRPC document (asked once per test run)."""
    request = b'{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}\n'
    out = subprocess.run([HELPER, "--framing", "ndjson"], input=request, capture_output=True,
                         timeout=20, check=True).stdout
    found: dict[str, Any] = json.loads(out)["result"]
    return found


def methods() -> dict[str, dict[str, Any]]:
    """The helper's methods by name (a fresh copy, free to change)."""
    return {m["name"]: m for m in json.loads(json.dumps(document()["methods"]))}


class ResultSchemas:
    """The result schema of each method, as a validator (OpenRPC 1.x schemas
    are JSON Schema draft 7)."""

    def __init__(self, described: dict[str, dict[str, Any]]) -> None:
        self.validators: dict[str, Draft7Validator] = {}
        for name, method in described.items():
            if name in UNCHECKED_RESULTS:
                continue
            schema = method["result"]["schema"]
            Draft7Validator.check_schema(schema)
            self.validators[name] = Draft7Validator(schema)

    def problems(self, method: str, result: Any) -> list[str]:
        """How result breaks method's result schema; empty if it fits.

        A method the helper does not describe is a problem; one listed in
        UNCHECKED_RESULTS is not checked.
        """
        if method in UNCHECKED_RESULTS:
            return []
        validator = self.validators.get(method)
        if validator is None:
            return [f"{method}: the helper describes no such method"]
        return [f"{method} result {error.json_path}: {error.message} (in {json.dumps(result)})"
                for error in validator.iter_errors(result)]


@functools.cache
def result_schemas() -> ResultSchemas:
    """The validators of the helper's own document (made once per test run)."""
    return ResultSchemas(methods())
