"""The OpenAPI 3.1 document of the whole API, from the route modules' own resolvers and models.

`python -m functions.local.openapi > docs/openapi.json` regenerates the committed copy; a test
fails when it is stale.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from functions import routes

# Powertools documents its own validation error (422, `detail`); ours is 400 with the error body.
_POWERTOOLS_ONLY = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def spec() -> dict[str, Any]:
    document: dict[str, Any] = {}
    for route in routes.ROUTES:
        app = importlib.import_module(route.module).app
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
    document["tags"] = [
        {"name": "Interviews", "description": "Schedule, list, read, change and delete interviews"},
        {"name": "Plans", "description": "The interview plans of your account"},
        {"name": "Candidates", "description": "The people you interview, with your ATS's ids and their jobs"},
        {"name": "Jobs", "description": "The positions you interview for"},
    ]
    return document


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def render() -> str:
    return json.dumps(spec(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
