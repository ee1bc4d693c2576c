"""An entity (a dataclass, snake_case attributes) rendered as a wire model (the same names in camelCase)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only a bound (evaluated lazily): plain() below serves routes that load no pydantic.
    from pydantic import BaseModel


@cache
def attribute_of(field: str) -> str:
    """The entity attribute behind a wire field: `scheduledAt` -> `scheduled_at`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()


def plain(fields: Iterable[str], entity: object, **given: Any) -> dict[str, Any]:
    """Each of `fields` read from `entity`'s attribute of that name, unless `given` sets it."""
    return {name: given[name] if name in given else getattr(entity, attribute_of(name)) for name in fields}


def rendered[M: BaseModel](model: type[M], entity: object, **given: Any) -> M:
    """`model` with each field read from `entity`'s attribute of that name, unless `given` sets it."""
    return model(**plain(model.model_fields, entity, **given))
