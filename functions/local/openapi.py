"""The OpenAPI 3.1 document of the whole API, from the route modules' own resolvers and models.

`python -m functions.local.openapi > docs/openapi.json` regenerates the committed copy; a test
fails when it is stale.
"""

from __future__ import annotations

import json
from typing import Any

from functions import routes
from functions.local.containers import load_copy
from functions.runtime.openapi_docs import prepare_for_docs

# Powertools documents its own validation error (422, `detail`); ours is 400 with the error body.
_POWERTOOLS_ONLY = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def spec() -> dict[str, Any]:
    # Merged here rather than with Powertools' configure_openapi_merge (3.37): that one finds handler
    # files by glob and loads them by path, so the route functions it documents are not the ones
    # prepare_for_docs gave their Path/Query declarations, and our route table (not a file pattern)
    # is what says which modules are routes. Our merge is the loop over `part` below.
    # Fresh copies of the route modules, not the imported ones: Powertools caches a route's
    # parameters and response models at the first request it validates, so a module that has served
    # one in this process (the deploy check's tests, a local request) would keep the error model's
    # name unresolved, and the document would fail to build.
    modules = [load_copy(route.module, "docs") for route in routes.ROUTES]
    # Routes that run without pydantic name their models and declare their path parameters as
    # PathRules; the spec gets the models and Powertools' Path(...) as the validating routes have them.
    prepare_for_docs([getattr(module, route.name) for module, route in zip(modules, routes.ROUTES, strict=True)])
    document: dict[str, Any] = {}
    for module in modules:
        app = module.app
        part = json.loads(
            app.get_openapi_json_schema(
                title="Quollo interviews API",
                version="1.0.0",
                description="Schedule, retrieve, update and delete AI-run interviews from your ATS.",
                security_schemes={"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "qlo_live_..."}},
                security=[{"bearer": []}],
            )
        )
        if not document:
            document = part
            continue
        for path, operations in part["paths"].items():
            document["paths"].setdefault(path, {}).update(operations)
        document["components"]["schemas"].update(part["components"]["schemas"])
    for operations in document["paths"].values():
        for operation in operations.values():
            # Only Powertools' own 422; create and delete document ours (idempotency_key_reused).
            if "HTTPValidationError" in json.dumps(operation["responses"].get("422", {})):
                del operation["responses"]["422"]
    for name in _POWERTOOLS_ONLY:
        document["components"]["schemas"].pop(name, None)
    for route in routes.ROUTES:
        # Names a generated client turns into method names (createInterview), instead of
        # Powertools' create_interview_v1_interviews_post.
        document["paths"][route.path][route.method.lower()]["operationId"] = _camel(route.name)
        if route.public:
            # The room: a join takes no credential but its pin; the other routes a room token.
            security: list[dict[str, list[str]]] = [] if route.path.endswith("/join") else [{"roomToken": []}]
            document["paths"][route.path][route.method.lower()]["security"] = security
    document["components"]["securitySchemes"]["roomToken"] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "qlr_...",
        "description": "The room token POST /v1/rooms/{id}/join returns: this interview's room routes only",
    }
    document["tags"] = [
        {"name": "Interviews", "description": "Schedule, list, read, change and delete interviews"},
        {"name": "Plans", "description": "The interview plans of your account"},
        {"name": "Credits", "description": "Your interview credits and every change of them"},
        {"name": "Webhooks", "description": "Signed event deliveries to your endpoints (Standard Webhooks)"},
        {"name": "Events", "description": "Every webhook event of the last 30 days: catch up, and send again"},
        {"name": "Candidates", "description": "The people you interview, with your ATS's ids and their jobs"},
        {"name": "Jobs", "description": "The positions you interview for"},
        {"name": "Room", "description": "The candidate's side: join by pin, start, upload the recording, finish"},
    ]
    # Where the API runs: a generated client or Swagger UI asks for the base URL (the stack's ApiUrl
    # output, ending in the stage; or `quollo serve`'s address) instead of calling a fixed host.
    document["servers"] = [
        {
            "url": "{base_url}",
            "variables": {
                "base_url": {
                    "default": "http://127.0.0.1:8000",
                    "description": "The API's base URL: the ApiUrl output of the stack without its trailing "
                    "slash (https://<id>.execute-api.<region>.amazonaws.com/<stage>), or quollo serve's address",
                }
            },
        }
    ]
    _add_webhooks(document)
    return document


# The events POSTed to receivers: OpenAPI 3.1 `webhooks`, one operation per event type.
_EVENT_DESCRIPTIONS = {
    "interview.created": "An interview was created (a test interview fires this, interview.completed and "
    "analysis.completed at once).",
    "interview.started": "The interviewee joined: the interview is IN_PROGRESS.",
    "interview.completed": "The interview is FINISHED.",
    "analysis.completed": "The record is READY; `data.record` carries it (without videoUrl: fetch the interview "
    "for a fresh pre-signed URL).",
    "interview.deleted": "The interview was deleted; `data.interview` is its last state.",
    "webhook.ping": "Sent by POST /v1/webhooks/{id}/ping, to whatever events the endpoint subscribed to.",
}
_DELIVERY_HEADERS = {
    "webhook-id": "The event's id (GET /v1/events/{id}), the same on every retry and resend: dedupe on it",
    "webhook-timestamp": "Unix seconds of this attempt; refuse values more than 5 minutes away",
    "webhook-signature": "Space-separated `v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}>`; two after a rotation",
}


def _add_webhooks(document: dict[str, Any]) -> None:
    from functions.models.webhook_payloads import InterviewEvent, PingEvent

    schemas = document["components"]["schemas"]
    for model in (InterviewEvent, PingEvent):
        generated = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
        for name, definition in generated.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas[model.__name__] = generated
    headers = [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string"}, "description": text}
        for name, text in _DELIVERY_HEADERS.items()
    ]
    document["webhooks"] = {
        event: {
            "post": {
                "operationId": _camel(event.replace(".", "_")) + "Event",
                "summary": event,
                "description": text,
                "tags": ["Webhooks"],
                # Sent to the integrator's receiver, signed (webhook-signature): no bearer token.
                "security": [],
                "parameters": headers,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "$ref": "#/components/schemas/"
                                + ("PingEvent" if event == "webhook.ping" else "InterviewEvent")
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "Any 2xx within 10 seconds is a success; anything else is retried"},
                    "410": {"description": "Gone: the endpoint is disabled and gets nothing more"},
                },
            }
        }
        for event, text in _EVENT_DESCRIPTIONS.items()
    }


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def render() -> str:
    return json.dumps(spec(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
