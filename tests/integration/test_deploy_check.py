"""The deploy check's request, answered by every route's real handler (on moto): each passes.

The hook holds a new version to `check_unauthenticated_answer`; a rule our handlers do not meet
would roll back every deployment, so this runs the request through each route as deployed.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from functions.domain.deploy_checks import (
    authenticated_read,
    check_authenticated_answer,
    check_unauthenticated_answer,
    reads_with_token,
    unauthenticated_request,
)
from functions.local.gateway import LocalContext
from functions.local.openapi import render
from functions.routes import ROUTES, Route
from testkit.accounts import AccountFactory


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_route_answers_the_deploy_check_as_it_must(moto_aws: None, route: Route) -> None:
    handler = importlib.import_module(route.module).handler
    answer = handler(unauthenticated_request(route), LocalContext(function_name=f"quollo-{route.name}"))
    result = check_unauthenticated_answer(route, None, json.dumps(answer).encode())
    assert result.passed, (route.name, result.reason)


READS = [route for route in ROUTES if reads_with_token(route)]


@pytest.mark.parametrize("route", READS, ids=lambda r: r.name)
def test_every_read_answers_the_deploy_check_with_a_token_as_it_must(account: AccountFactory, route: Route) -> None:
    """With the smoke user's token a read must reach its tables: a list its first page, a read by id our 404."""
    token = account(credits=1).token
    handler = importlib.import_module(route.module).handler
    answer = handler(authenticated_read(route, token), LocalContext(function_name=f"quollo-{route.name}"))
    result = check_authenticated_answer(route, None, json.dumps(answer).encode())
    assert result.passed, (route.name, result.reason)


def test_a_revoked_token_fails_the_authenticated_check(account: AccountFactory) -> None:
    route = next(route for route in READS if route.name == "list_interviews")
    handler = importlib.import_module(route.module).handler
    answer = handler(authenticated_read(route, "qlo_live_" + "x" * 38), LocalContext(function_name="quollo-x"))
    result = check_authenticated_answer(route, None, json.dumps(answer).encode())
    assert not result.passed and "expected 200" in result.reason


def test_writes_are_never_sent_the_token() -> None:
    assert {route.method for route in READS} == {"GET"}
    assert {route.name for route in ROUTES if route.method != "GET"}.isdisjoint(route.name for route in READS)
    with pytest.raises(ValueError):
        authenticated_read(next(route for route in ROUTES if route.method == "DELETE"), "qlo_live_x")


def test_the_spec_still_builds_after_every_route_has_answered_in_this_process(moto_aws: None) -> None:
    """A validating route caches its response models at its first request (Powertools' dependant); the
    document is built from fresh copies of the route modules, so requests served before it change nothing."""
    for route in ROUTES:
        handler = importlib.import_module(route.module).handler
        handler(unauthenticated_request(route), LocalContext(function_name=f"quollo-{route.name}"))
    assert render() == (Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text(encoding="utf-8")
