"""The error answer every route gives, as a wire model: routes name it (`openapi_docs.responses`) and the
docs build resolves it, so that no route defines it (decisions 31)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from functions.models.base import ApiModel as _Model


class ConflictDetails(_Model):
    field: Literal["externalId", "url"] = Field(description="The unique field whose value another object holds")
    existingId: str = Field(description="The id of the object that holds it")


class ErrorDetail(_Model):
    code: str
    message: str
    details: ConflictDetails | None = Field(
        default=None, description="Only on a 409 `conflict` with an existing object: which one holds the value"
    )


class ErrorBody(_Model):
    error: ErrorDetail
