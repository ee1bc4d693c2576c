"""The bases of the wire models: deferred builds, and strict, closed requests."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    # Built on first use, not at import: a route builds only the models it validates or returns,
    # not all of a module's (bench/report.md, cold start).
    model_config = ConfigDict(defer_build=True)


class RequestModel(ApiModel):
    model_config = ConfigDict(extra="forbid", strict=True)
