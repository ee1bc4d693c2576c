"""The committed OpenAPI document is generated from the code and covers the reference's contract."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from functions import routes
from functions.local.openapi import render
from functions.models.webhooks_api import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "openapi.json"


def test_committed_spec_is_up_to_date() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(), "docs/openapi.json is stale: run `make openapi`"


def test_spec_documents_every_route_and_error_code() -> None:
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
    assert set(fields) == {
        "title",
        "planId",
        "intervieweeName",
        "isTest",
        "metadata",
        "scheduleTime",
        "candidateId",
        "candidate",
        "jobId",
        "job",
    }


def test_event_payloads_are_documented_as_openapi_webhooks() -> None:
    spec = _spec()
    assert set(spec["webhooks"]) == set(EVENT_TYPES) | {"webhook.ping"}
    event = spec["components"]["schemas"]["InterviewEvent"]
    assert set(event["properties"]) == {"type", "timestamp", "data"}
    for operation in (ops["post"] for ops in spec["webhooks"].values()):
        assert {p["name"] for p in operation["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    return spec


def test_operations_have_names_a_client_generator_can_use() -> None:
    spec = _spec()
    ids = {op["operationId"] for ops in spec["paths"].values() for op in ops.values()}
    assert ids == {
        "createInterview",
        "listInterviews",
        "getInterview",
        "updateInterview",
        "deleteInterview",
        "listPlans",
        "getBalance",
        "listLedger",
        "createWebhook",
        "listWebhooks",
        "getWebhook",
        "deleteWebhook",
        "pingWebhook",
        "rotateWebhookSecret",
        "listWebhookDeliveries",
        "listEvents",
        "getEvent",
        "resendEvent",
        "createCandidate",
        "listCandidates",
        "getCandidate",
        "updateCandidate",
        "deleteCandidate",
        "createJob",
        "listJobs",
        "getJob",
        "updateJob",
        "deleteJob",
        "joinRoom",
        "startRoom",
        "uploadRecording",
        "finishRoom",
    }


def test_every_timestamp_is_a_date_time_and_every_route_documents_its_statuses() -> None:
    spec = _spec()
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            if field.endswith("At"):
                options = prop.get("anyOf", [prop])
                assert {"type": "string", "format": "date-time"}.items() <= options[0].items(), (name, field)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert {"400", "401", "405", "500"} <= set(operation["responses"]), (method, path)


def test_the_document_passes_openapi_spec_validator() -> None:
    from openapi_spec_validator import validate

    validate(_spec())


def test_the_document_passes_spectral_with_no_warning() -> None:
    spectral = ROOT / "node_modules" / ".bin" / "spectral"
    assert spectral.exists(), "run `make dev` (npm ci installs Spectral into node_modules)"
    done = subprocess.run(
        [str(spectral), "lint", "docs/openapi.json", "--fail-severity", "warn", "--ruleset", ".spectral.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_incoming_events_need_no_token_and_the_server_is_a_variable() -> None:
    spec = _spec()
    # The events are POSTed to the integrator's receiver, signed: no bearer token, so no padlock in Swagger UI.
    assert spec["security"] == [{"bearer": []}]
    for event, operations in spec["webhooks"].items():
        assert operations["post"]["security"] == [], event
    # Every route the API serves keeps the global bearer security but the public room's: a join takes
    # nothing (its body holds the pin), the other room routes the room token.
    public = {route.path: route for route in routes.ROUTES if route.public}
    for path, ops in spec["paths"].items():
        for op in ops.values():
            if path not in public:
                assert "security" not in op, path
            else:
                assert op["security"] == ([] if path.endswith("/join") else [{"roomToken": []}]), path
    assert spec["components"]["securitySchemes"]["roomToken"]["bearerFormat"] == "qlr_..."
    (server,) = spec["servers"]
    assert server["url"] == "{base_url}"
    assert server["variables"]["base_url"]["default"] == "http://127.0.0.1:8000"


def test_a_conflict_documents_its_details() -> None:
    spec = _spec()
    detail = spec["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message"}
    details = detail["properties"]["details"]["anyOf"][0]["$ref"].rsplit("/", 1)[1]
    assert set(spec["components"]["schemas"][details]["properties"]) == {"field", "existingId"}
