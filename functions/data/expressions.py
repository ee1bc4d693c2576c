"""UpdateExpression text for a set of attributes, with placeholders for every name and value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.data.aws import to_value


def set_or_remove(fields: Mapping[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """`SET` each attribute with a value and `REMOVE` each one that is None (an absent attribute, not a null:
    sparse indexes and attribute_not_exists conditions depend on it). Returns (expression, names, values)."""
    kept = {name: value for name, value in fields.items() if value is not None}
    removed = [name for name, value in fields.items() if value is None]
    names = {f"#f{i}": name for i, name in enumerate(kept)} | {f"#r{i}": name for i, name in enumerate(removed)}
    values = {f":v{i}": to_value(value) for i, value in enumerate(kept.values())}
    expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(kept)))
    if removed:
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
    return expression, names, values
