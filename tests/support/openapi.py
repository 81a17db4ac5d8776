"""Read the providers' OpenAPI specs from ../shared and validate bodies against them.

The specs live outside the project (``../shared/providers/specs``, or the folder named by
``ROOMSCOPE_SHARED_DIR``); tests that need them are skipped, with that reason, when the
folder is absent.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ROOMSCOPE_SHARED_DIR", REPO.parent / "shared"))
SPECS = SHARED / "providers" / "specs"
SPEC_FILES = {
    "signalwire": "signalwire.openapi.yaml",
    "telnyx": "telnyx.openapi.yaml",
    "whereby": "whereby.openapi.yaml",
    "realtimekit": "cloudflare.openapi.yaml",
}

requires_specs = pytest.mark.skipif(
    not SPECS.is_dir(),
    reason=f"provider specs not found at {SPECS} (set ROOMSCOPE_SHARED_DIR to the shared folder)",
)


@functools.cache
def load_spec(provider: str) -> dict[str, Any]:
    import yaml

    path = SPECS / SPEC_FILES[provider]
    if not path.is_file():
        pytest.skip(f"provider spec not found: {path}")
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def template_for(provider: str, path: str) -> str:
    """The spec's path template matching a concrete request path (base path stripped)."""
    spec = load_spec(provider)
    for template in spec["paths"]:
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return str(template)
    raise KeyError(f"{provider}: no spec path matches {path}")


def response_spec(provider: str, template: str, status: int | str = 200) -> dict[str, Any]:
    spec = load_spec(provider)
    operation = spec["paths"][template]["get"]
    responses = operation["responses"]
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            resolved: dict[str, Any] = _resolve(spec, responses[key])
            return resolved
    raise KeyError(f"{provider} {template}: no response for {status}")


def _validator(provider: str, pointer: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    spec = load_spec(provider)
    uri = f"urn:roomscope:spec:{provider}"
    registry: Registry[Any] = Registry().with_resource(
        uri, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"{uri}#{pointer}"}, registry=registry)


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validate_body(provider: str, template: str, body: Any, status: int | str = 200) -> None:
    """Raise ``jsonschema.ValidationError`` if ``body`` breaks the spec's response schema."""
    spec = load_spec(provider)
    responses = spec["paths"][template]["get"]["responses"]
    key = next(k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses)
    response = responses[key]
    parts = ["paths", template, "get", "responses", key]
    if "$ref" in response:
        parts = response["$ref"][2:].split("/")
        parts = [p.replace("~1", "/").replace("~0", "~") for p in parts]
        response = _resolve(spec, response)
    content = response.get("content", {})
    media = next((m for m in content if "json" in m), None)
    if media is None:
        return  # the spec declares no body schema for this status
    _validator(provider, _pointer(*parts, "content", media, "schema")).validate(body)


def examples(provider: str, template: str, status: int | str = 200) -> list[Any]:
    """Every example body the spec gives for a response."""
    response = response_spec(provider, template, status)
    spec = load_spec(provider)
    out: list[Any] = []
    for media, content in response.get("content", {}).items():
        if "json" not in media:
            continue
        if "example" in content:
            out.append(content["example"])
        for example in (content.get("examples") or {}).values():
            example = _resolve(spec, example)
            if isinstance(example, dict) and "value" in example:
                out.append(example["value"])
        schema = _resolve(spec, content.get("schema", {}))
        if isinstance(schema, dict) and "example" in schema:
            out.append(schema["example"])
    return out
