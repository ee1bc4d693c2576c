"""What a route accepts is read off its function's signature, as the resolver reads it."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from functions.models.api import InterviewUpdate
from functions.runtime.path_params import InterviewId, PathRule
from functions.runtime.route_input import RouteInput


def test_query_parameters_integers_and_the_body_come_from_the_signature() -> None:
    def route(
        body: InterviewUpdate,
        limit: Annotated[int, Query(ge=1)] = 20,
        page: Annotated[int | None, Query(alias="pageSize")] = None,
        status: Annotated[str | None, Query()] = None,
        trace: Annotated[str | None, Header()] = None,
    ) -> None:
        del body, limit, page, status, trace

    assert RouteInput.of(route) == RouteInput(
        query=("limit", "pageSize", "status"),
        integer_query=("limit", "pageSize"),
        body=InterviewUpdate,
        powertools_params=True,
    )


def test_path_rules_alone_need_no_validating_resolver() -> None:
    def route(id: InterviewId) -> None:
        del id

    accepts = RouteInput.of(route)
    assert accepts.path == (("id", PathRule("The interview's id, as create returned it")),)
    assert not accepts.needs_validation


def test_a_header_parameter_needs_the_validating_resolver() -> None:
    def route(id: InterviewId, trace: Annotated[str | None, Header()] = None) -> None:
        del id, trace

    assert RouteInput.of(route).needs_validation


def test_a_route_without_parameters_accepts_nothing() -> None:
    def route() -> None:
        pass

    assert RouteInput.of(route) == RouteInput()
