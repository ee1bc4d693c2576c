"""What a route accepts is read off its function's signature, as the resolver reads it."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from functions.models.api import InterviewUpdate
from functions.runtime.request_checks import RouteInput


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
        query=("limit", "pageSize", "status"), integer_query=("limit", "pageSize"), body=InterviewUpdate
    )


def test_a_route_without_parameters_accepts_nothing() -> None:
    def route() -> None:
        pass

    assert RouteInput.of(route) == RouteInput()
