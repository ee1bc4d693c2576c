"""What a route accepts, read once from its route function's signature: the single declaration that the
request checks (request_checks) and the OpenAPI document (openapi_docs) are both derived from.

A route author writes each parameter once, as `Annotated[T, PathRule(...)]`, `QueryRule(...)` or
`HeaderRule(...)`, and the body as a parameter annotated with its pydantic model.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin

from functions.records import record
from functions.runtime.header_params import HeaderRule
from functions.runtime.idempotency_key import IDEMPOTENCY_HEADER
from functions.runtime.path_params import PathRule
from functions.runtime.query_params import QueryRule, members

if TYPE_CHECKING:
    from pydantic import BaseModel

# Where Powertools' Query and pydantic's BaseModel live. A parameter can only be declared with
# one of them once its module is loaded, so RouteInput.of looks them up rather than importing
# them: a route that declares neither then loads no pydantic (decisions 18).
_POWERTOOLS_PARAMS = "aws_lambda_powertools.event_handler.openapi.params"
_PYDANTIC = "pydantic"


@record
class DeclaredParameter:
    """One parameter of a route function: its annotation, and for `Annotated[T, ...]` its T and extras."""

    parameter: inspect.Parameter
    base: Any
    extras: tuple[Any, ...]

    @property
    def name(self) -> str:
        return self.parameter.name

    @property
    def annotation(self) -> Any:
        return self.parameter.annotation

    def rule[R](self, kind: type[R]) -> R | None:
        """The extra of this kind (a PathRule, QueryRule, HeaderRule, or a Powertools param), if declared."""
        return next((extra for extra in self.extras if isinstance(extra, kind)), None)


def declared_parameters(route_function: Callable[..., Any]) -> list[DeclaredParameter]:
    """The route function's parameters as the resolver reads them (`inspect.signature`, names resolved)."""
    declared = []
    for parameter in inspect.signature(route_function, eval_str=True).parameters.values():
        annotation = parameter.annotation
        if get_origin(annotation) is Annotated:
            base, *extras = get_args(annotation)
            declared.append(DeclaredParameter(parameter, base, tuple(extras)))
        else:
            declared.append(DeclaredParameter(parameter, annotation, ()))
    return declared


@record
class RouteInput:
    """What a route accepts: query parameter names, which of them are integers, a body, path parameter rules."""

    query: tuple[str, ...] = ()
    integer_query: tuple[str, ...] = ()
    body: type[BaseModel] | None = None
    path: tuple[tuple[str, PathRule], ...] = ()
    # Query parameters declared with QueryRule: (name, annotation, rule), checked and passed by us.
    query_rules: tuple[tuple[str, Any, QueryRule], ...] = ()
    # Any Powertools parameter (Query, Header, ...): only its validating resolver reads them.
    powertools_params: bool = False
    # Whether the route honours an Idempotency-Key (declares the header); a write that does not refuses one.
    idempotency_key: bool = False

    @property
    def needs_validation(self) -> bool:
        """Whether Powertools' validating resolver (and with it pydantic) has anything to check."""
        return self.body is not None or self.powertools_params

    @classmethod
    def of(cls, route_function: Callable[..., Any]) -> RouteInput:
        """What a route function declares, read off its signature as the resolver reads it.

        A parameter annotated `Annotated[T, Query(...)]` is a query parameter (an integer one when T
        is int or int | None); `Annotated[str, PathRule(...)]` a path parameter; one annotated with a
        pydantic model is the JSON body. Deriving it keeps the declaration in one place: the route
        function, which also feeds the OpenAPI document.
        """
        params = sys.modules.get(_POWERTOOLS_PARAMS)
        pydantic = sys.modules.get(_PYDANTIC)
        query: list[str] = []
        integers: list[str] = []
        path: list[tuple[str, PathRule]] = []
        rules: list[tuple[str, Any, QueryRule]] = []
        body: type[BaseModel] | None = None
        powertools_params = False
        idempotency_key = False
        for parameter in declared_parameters(route_function):
            name, annotation, base, extras = parameter.name, parameter.annotation, parameter.base, parameter.extras
            if parameter.extras:
                rule = parameter.rule(PathRule)
                if rule is not None:
                    path.append((name, rule))
                    continue
                header = parameter.rule(HeaderRule)
                if header is not None and header.alias == IDEMPOTENCY_HEADER:
                    idempotency_key = True
                    continue
                query_rule = parameter.rule(QueryRule)
                if query_rule is not None:
                    rules.append((name, base, query_rule))
                    query.append(name)
                    if int in members(base):
                        integers.append(name)
                    continue
                if params and any(isinstance(extra, params.Param) for extra in extras):
                    powertools_params = True
                declared = next((extra for extra in extras if params and isinstance(extra, params.Query)), None)
                if declared is not None:
                    query.append(declared.alias or name)
                    if int in members(base):
                        integers.append(declared.alias or name)
            elif pydantic and isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
                body = annotation
        return cls(
            query=tuple(query),
            integer_query=tuple(integers),
            body=body,
            path=tuple(path),
            query_rules=tuple(rules),
            powertools_params=powertools_params,
            idempotency_key=idempotency_key,
        )
