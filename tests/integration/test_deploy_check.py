"""The deploy check's request, answered by every route's real handler (on moto): each passes.

The hook holds a new version to `check_unauthenticated_answer`; a rule our handlers do not meet
would roll back every deployment, so this runs the request through each route as deployed.
"""

from __future__ import annotations

import importlib
import json

import pytest

from functions.domain.deploy_checks import check_unauthenticated_answer, unauthenticated_request
from functions.local.gateway import LocalContext
from functions.routes import ROUTES, Route


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_route_answers_the_deploy_check_as_it_must(moto_aws: None, route: Route) -> None:
    handler = importlib.import_module(route.module).handler
    answer = handler(unauthenticated_request(route), LocalContext(function_name=f"quollo-{route.name}"))
    result = check_unauthenticated_answer(route, None, json.dumps(answer).encode())
    assert result.passed, (route.name, result.reason)
