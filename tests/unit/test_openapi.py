"""The committed OpenAPI document is generated from the code and covers the reference's contract."""

from __future__ import annotations

import json
from pathlib import Path

from functions import routes
from functions.local.openapi import render

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_spec_is_up_to_date():
    assert COMMITTED.read_text(encoding="utf-8") == render(), "docs/openapi.json is stale: run `make openapi`"


def test_spec_documents_every_route_and_error_code():
    spec = json.loads(render())
    assert spec["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    assert documented == {(route.method, route.path) for route in routes.ROUTES}
    text = json.dumps(spec)
    for code in (
        "validation_failed",
        "unauthenticated",
        "invalid_token",
        "insufficient_balance",
        "not_found",
        "method_not_allowed",
        "internal_error",
        "idempotency_in_progress",
        "idempotency_key_reused",
        "concurrent_update",
    ):
        assert code in text
    create = spec["paths"]["/v1/interviews"]["post"]
    assert set(create["responses"]) >= {"201", "400", "401", "402", "405", "409", "422", "500"}
    assert "idempotency_key_reused" in create["responses"]["422"]["description"]
    assert "HTTPValidationError" not in text  # Powertools' own 422 shape is not what we answer
    fields = spec["components"]["schemas"]["InterviewCreate"]["properties"]
    assert set(fields) == {"title", "planId", "intervieweeName", "isTest", "metadata", "scheduleTime"}
