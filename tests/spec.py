"""Datadog's OpenAPI description (`../shared/datadog-openapi/`) as JSON Schema validators, for fakes and tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SPEC_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "datadog-openapi"


def available() -> bool:
    """Whether the description is there (it is absent where ../shared/ is)."""
    return SPEC_DIR.is_dir()


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema dialect to JSON Schema: `nullable: true` becomes a null alternative."""
    if isinstance(node, list):
        return [_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _to_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if isinstance(converted.get("type"), str):
            converted["type"] = [converted["type"], "null"]
            if "enum" in converted:
                converted["enum"] = [*converted["enum"], None]
        else:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


@cache
def spec(version: str) -> dict[str, Any]:
    """The v1 or v2 description, in JSON Schema's dialect."""
    document: dict[str, Any] = _to_json_schema(json.loads((SPEC_DIR / f"{version}.json").read_text()))
    return document


def validator(version: str, schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for `schema`, whose `#/components/...` references point into the description."""
    uri = f"urn:datadog-{version}"
    registry: Registry[Any] = Registry().with_resource(uri, Resource.opaque(spec(version)))
    rebased = json.loads(json.dumps(schema).replace('"#/components/', f'"{uri}#/components/'))
    return Draft202012Validator(rebased, registry=registry)


def request_errors(version: str, path: str, method: str, body: Any) -> list[str]:
    """What is wrong with a request body by the spec; empty when it is valid or the spec is absent."""
    if not available():
        return []
    operation = spec(version)["paths"][path][method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return [error.message for error in validator(version, schema).iter_errors(body)]
