"""Routes with no body and no query parameters run without the validating resolver, and load no pydantic."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from pydantic import BaseModel

from functions import routes
from functions.runtime.app import build_app, lambda_entry
from functions.runtime.route_input import RouteInput


def _accepts(route: routes.Route) -> RouteInput:
    module = importlib.import_module(route.module)
    return RouteInput.of(getattr(module, route.name))


LEAN = [route for route in routes.ROUTES if not _accepts(route).needs_validation]


def test_the_lean_routes_are_the_reads_and_deletes_by_id() -> None:
    assert {route.name for route in LEAN} >= {
        "get_interview",
        "get_webhook",
        "delete_webhook",
        "rotate_webhook_secret",
        "get_candidate",
        "delete_candidate",
        "get_job",
        "delete_job",
    }


@pytest.mark.parametrize("route", LEAN, ids=[route.name for route in LEAN])
def test_a_route_without_body_or_query_imports_no_pydantic(route: routes.Route) -> None:
    # A fresh interpreter: this one has pydantic loaded by other tests.
    code = f"import sys, {route.module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


class _Body(BaseModel):
    title: str


def test_a_route_with_a_body_cannot_run_without_validation() -> None:
    app = build_app(validation=False)

    @app.post("/v1/things")
    def create_thing(body: _Body) -> dict[str, str]:
        return {"title": body.title}

    with pytest.raises(TypeError, match="needs validation"):
        lambda_entry(app, create_thing)
