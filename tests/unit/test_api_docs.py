"""docs/api.md, the integrators' reference, agrees with docs/openapi.json, the generated contract.

Each JSON example in docs/api.md is preceded by a marker naming what it shows:
`<!-- example: createInterview 201 -->` (an operation's response for a status) or
`<!-- example: #/components/schemas/ErrorBody -->` (a schema). The examples were recorded from
the real handlers; this test keeps their shape in step with the spec as the code moves.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api.md"
SPEC = ROOT / "docs" / "openapi.json"

_MARKER = re.compile(r"^<!-- example: (\S+)(?: (\d{3}))? -->$")
_ERROR_CODE = re.compile(r"`([a-z][a-z_]*)`")
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _spec() -> dict[str, Any]:
    return json.loads(SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def _by_id(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {op["operationId"]: (method, path, op) for method, path, op in _operations(spec)}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _body_schema(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    body = op.get("requestBody")
    return _resolve(spec, body["content"]["application/json"]["schema"]) if body else None


def _fits_type(value: Any, schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind is None:
        return True
    if kind == "null":
        return value is None
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    return isinstance(value, _PYTHON_TYPES[kind])


def _check(spec: dict[str, Any], value: Any, schema: dict[str, Any], where: str) -> None:
    """The value has the schema's shape: an object has exactly the schema's properties (those the
    schema does not require may be left out), recursively, with $ref resolved and anyOf matched."""
    schema = _resolve(spec, schema)
    if "anyOf" in schema:
        options = [_resolve(spec, option) for option in schema["anyOf"]]
        fitting = [option for option in options if _fits_type(value, option)]
        assert fitting, f"{where}: {value!r} fits none of {[option.get('type') for option in options]}"
        _check(spec, value, fitting[0], where)
        return
    assert _fits_type(value, schema), f"{where}: {value!r} is not of type {schema.get('type')}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} is not one of {schema['enum']}"
    if isinstance(value, dict) and "properties" in schema:
        properties, required = set(schema["properties"]), set(schema.get("required", ()))
        assert set(value) <= properties, f"{where}: keys not in the spec: {sorted(set(value) - properties)}"
        assert required <= set(value), f"{where}: keys the spec requires are missing: {sorted(required - set(value))}"
        for name, item in value.items():
            _check(spec, item, schema["properties"][name], f"{where}.{name}")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _check(spec, item, schema["items"], f"{where}[{index}]")


def _fenced_blocks(text: str, language: str) -> list[tuple[int, str, str]]:
    """(line number, the line before the fence, content) of every ```language block."""
    lines = text.splitlines()
    blocks, index = [], 0
    while index < len(lines):
        if lines[index].strip() == f"```{language}":
            start = index
            index += 1
            while lines[index].strip() != "```":
                index += 1
            blocks.append((start + 1, lines[start - 1].strip() if start else "", "\n".join(lines[start + 1 : index])))
        index += 1
    return blocks


def _section(text: str, method: str, path: str, operation_id: str) -> str:
    """The operation's section: from the line naming it with its operationId to the next heading."""
    named = re.search(rf"^.*`{re.escape(f'{method} {path}')}`.*`{operation_id}`.*$", text, flags=re.MULTILINE)
    assert named, f"docs/api.md has no line naming `{method} {path}` with operationId `{operation_id}`"
    start = named.start()
    following = re.search(r"^#{2,3} ", text[start:], flags=re.MULTILINE)
    return text[start : start + following.start()] if following else text[start:]


def test_every_operation_is_named_with_its_method_path_and_operation_id() -> None:
    lines = _doc().splitlines()
    for method, path, op in _operations(_spec()):
        assert any(f"`{method} {path}`" in line and f"`{op['operationId']}`" in line for line in lines), (
            f"docs/api.md has no line naming `{method} {path}` with operationId `{op['operationId']}`"
        )


def test_every_parameter_and_body_field_is_documented() -> None:
    spec, text = _spec(), _doc()
    for method, path, op in _operations(spec):
        section = _section(text, method, path, op["operationId"])
        for parameter in op.get("parameters", []):
            # HTTP header names are case-insensitive; the spec has them lower-cased.
            haystack, name = (section.lower(), parameter["name"].lower())
            if parameter["in"] != "header":
                haystack, name = section, parameter["name"]
            assert f"`{name}`" in haystack, f"{method} {path}: {parameter['in']} parameter {name} is not documented"
        body = _body_schema(spec, op)
        for field in body["properties"] if body else ():
            assert f"`{field}`" in section, f"{method} {path}: body field {field} is not documented"


def test_every_error_code_appears_with_its_status() -> None:
    spec, lines = _spec(), _doc().splitlines()
    documented: set[tuple[str, str]] = set()
    for _, _, op in _operations(spec):
        for status, response in op["responses"].items():
            if not status.startswith("2"):
                documented |= {(status, code) for code in _ERROR_CODE.findall(response["description"])}
    assert {code for _, code in documented} >= {
        "concurrent_update",
        "idempotency_in_progress",
        "idempotency_key_reused",
    }
    for status, code in sorted(documented):
        assert any(line.startswith(f"| {status} | `{code}` |") for line in lines), (
            f"the error table of docs/api.md has no row for {status} {code}"
        )


def test_each_operation_lists_the_statuses_the_spec_documents() -> None:
    spec, text = _spec(), _doc()
    for method, path, op in _operations(spec):
        answers = re.search(
            r"^Answers: ([^.]*)\.", _section(text, method, path, op["operationId"]), flags=re.MULTILINE | re.DOTALL
        )
        assert answers, f"{method} {path}: no 'Answers: ...' line"
        assert set(re.findall(r"\b\d{3}\b", answers.group(1))) == set(op["responses"]), (method, path)


def test_every_json_example_parses_and_has_the_spec_shape() -> None:
    spec, text = _spec(), _doc()
    operations = _by_id(spec)
    shown: set[tuple[str, str]] = set()
    blocks = _fenced_blocks(text, "json")
    assert blocks, "docs/api.md has no JSON example"
    for line, before, content in blocks:
        try:
            example = json.loads(content)
        except json.JSONDecodeError as exc:
            pytest.fail(f"docs/api.md line {line}: the JSON example does not parse: {exc}")
        marker = _MARKER.match(before)
        assert marker, f"docs/api.md line {line}: no <!-- example: ... --> marker right before the block"
        target, status = marker.groups()
        if target.startswith("#/"):
            schema: dict[str, Any] = {"$ref": target}
        else:
            assert target in operations and status, f"docs/api.md line {line}: unknown example {target} {status}"
            responses = operations[target][2]["responses"]
            assert status in responses, f"docs/api.md line {line}: the spec documents no {status} for {target}"
            schema = responses[status]["content"]["application/json"]["schema"]
            shown.add((target, status))
        _check(spec, example, schema, f"docs/api.md line {line}")
    for operation_id, (_, _, op) in operations.items():
        success = next(status for status in op["responses"] if status.startswith("2"))
        assert (operation_id, success) in shown, f"docs/api.md shows no {success} response of {operation_id}"


def _curl_commands(text: str) -> list[list[str]]:
    commands: list[list[str]] = []
    for _, _, content in _fenced_blocks(text, "sh"):
        tokens = shlex.split(content.replace("\\\n", " "), comments=True)
        for index, token in enumerate(tokens):
            if token == "curl":
                end = next((i for i in range(index + 1, len(tokens)) if tokens[i] == "curl"), len(tokens))
                commands.append(tokens[index + 1 : end])
    return commands


def _option(command: list[str], *names: str) -> list[str]:
    return [command[i + 1] for i, token in enumerate(command[:-1]) if token in names]


def test_curl_examples_call_documented_operations_with_valid_requests() -> None:
    spec, text = _spec(), _doc()
    templates = [
        (re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "$"), method, path, op)
        for method, path, op in _operations(spec)
    ]
    called: set[str] = set()
    for command in _curl_commands(text):
        url = next(token for token in command if "/v1/" in token)
        parts = urlsplit(url.replace("$BASE", "http://base"))
        bodies = _option(command, "-d", "--data")
        method = (_option(command, "-X") or ["POST" if bodies else "GET"])[0]
        found = [(path, op) for regex, m, path, op in templates if m == method and regex.match(parts.path)]
        assert found, f"curl example {method} {parts.path} is no operation of the spec"
        path, op = found[0]
        called.add(op["operationId"])
        where = f"curl {method} {path}"
        known = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        assert set(parse_qs(parts.query)) <= known, f"{where}: query parameters not in the spec"
        if op.get("security") != []:  # a room join takes none: its body holds the pin
            assert any(h.startswith("Authorization: Bearer ") for h in _option(command, "-H")), f"{where}: no token"
        schema = _body_schema(spec, op)
        if schema is None:
            assert not bodies, f"{where}: the operation takes no body"
            continue
        assert len(bodies) == 1, f"{where}: expected one JSON body"
        assert "Content-Type: application/json" in _option(command, "-H"), f"{where}: no Content-Type"
        body = json.loads(bodies[0])
        assert body, f"{where}: empty body"
        _check(spec, body, schema, where)
    assert called == set(_by_id(spec)), f"operations without a curl example: {set(_by_id(spec)) - called}"
