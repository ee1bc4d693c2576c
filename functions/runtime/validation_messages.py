"""Human messages for pydantic validation errors, naming the field the way the API reference does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_WHOLE_BODY_OBJECT = {"model_attributes_type", "dict_type", "model_type"}

_FIELD_TEMPLATES = {
    "missing": "is required",
    "extra_forbidden": "is not allowed for this endpoint",
    "string_type": "must be a string",
    "string_too_short": "must be a non-empty string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "bool_type": "must be a boolean",
    "dict_type": "must be a JSON object",
    "list_type": "must be a list",
    "string_unicode": "must be valid Unicode text",
    "string_pattern_mismatch": "has a form this field does not accept",
    "float_type": "must be a number",
    "missing_argument": "is required",
}


def _field_message(kind: str, error: dict[str, Any]) -> str:
    context = error.get("ctx") or {}
    if kind == "string_too_long":
        return f"must be at most {context.get('max_length')} characters"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "is out of range: " + str(error.get("msg", "")).lower()
    if kind in ("literal_error", "enum"):
        return f"must be one of {context.get('expected', '')}"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return _FIELD_TEMPLATES.get(kind) or str(error.get("msg", "is invalid")).lower()


def describe(errors: Sequence[Any]) -> str:
    """One message for the first validation error (clients fix one thing at a time)."""
    if not errors:
        return "Request is invalid"
    error = dict(errors[0])
    kind = str(error.get("type", ""))
    location = [str(part) for part in error.get("loc", ())]
    source, path = (location[0], location[1:]) if location else ("body", [])
    if kind == "json_invalid":
        return "Request body is not valid JSON"
    if source == "body" and not path:
        if kind in _WHOLE_BODY_OBJECT:
            return "Request body must be a JSON object"
        if kind == "missing":
            return "Request body is required"
        return "Request body " + _field_message(kind, error) if kind != "value_error" else _field_message(kind, error)
    label = f'Field "{".".join(path)}"' if source == "body" else f'{source.capitalize()} parameter "{path[-1]}"'
    return f"{label} {_field_message(kind, error)}"
