"""Warm "containers" for the local server: separate copies of each route module.

Powertools resolvers keep per-request state, as Lambda can afford to (one request per container at
a time). The local server serves requests on threads, so each request borrows a copy of its route's
module that no other thread is using, the way Lambda hands each concurrent request its own container.

A copy alone was not enough: Powertools' `resolve()` puts the current event and Lambda context on
its `BaseRouter` class, shared by every resolver in the process. Two requests answered at once read
each other's: under load, one of twenty racing webhook registrations stored another racer's URL and
answered that it was taken. `_own_request_per_resolver` keeps them on each resolver instead.
"""

from __future__ import annotations

import functools
import importlib.util
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from functions import routes

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


# One copy loads at a time in the process. Request threads, the webhook worker and the post-processing
# worker load their first copies at once when a server starts; run concurrently, those imports meet
# Powertools' modules half-initialized in another thread ("cannot import name 'SQSEvent' from partially
# initialized module": a request answered 500 and a webhook retry was lost in CI).
_LOADING = threading.Lock()


def load_copy(module: str, suffix: str) -> ModuleType:
    """A separate copy of `module`, run anew as `<module>__<suffix>` (not put in sys.modules): its own
    resolver and routes, as a new Lambda container would have them."""
    with _LOADING:
        _own_request_per_resolver()
        return _load_copy(module, suffix)


def _own_request_per_resolver() -> None:
    """Each resolver keeps the request it is answering. resolve() still sets the class attributes, but
    every read of ours and of Powertools' goes through the resolver (`app.current_event`, the
    validation and the middlewares), where an attribute of the instance comes before the class's.
    Powertools has no per-instance option: Lambda never runs two requests in one process."""
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
    from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

    resolve = ApiGatewayResolver.resolve
    if getattr(resolve, "_quollo_own_request", False):
        return

    @functools.wraps(resolve)
    def own_request(self: Any, event: Any, context: Any) -> dict[str, Any]:
        raw = event.raw_event if isinstance(event, BaseProxyEvent) else event
        self.current_event = self._to_proxy_event(raw)
        self.lambda_context = context
        return resolve(self, event, context)

    own_request._quollo_own_request = True  # type: ignore[attr-defined]
    ApiGatewayResolver.resolve = own_request  # type: ignore[method-assign]


def _load_copy(module: str, suffix: str) -> ModuleType:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    copy_spec = importlib.util.spec_from_file_location(f"{module}__{suffix}", spec.origin)
    assert copy_spec is not None and copy_spec.loader is not None
    copy: ModuleType = importlib.util.module_from_spec(copy_spec)
    copy_spec.loader.exec_module(copy)
    return copy


class ContainerPool:
    """Copies of one handler module (a route's, or the webhook delivery's), each used by one thread at a time."""

    def __init__(self, module: str, limit: int = 8) -> None:
        self._module = module
        self._limit = limit
        self._idle: queue.SimpleQueue[Handler] = queue.SimpleQueue()
        self._created = 0
        self._lock = threading.Lock()
        self._available = threading.Semaphore(limit)

    def _load(self) -> Handler:
        return load_copy(self._module, f"container{self._created}").handler  # type: ignore[no-any-return]

    @contextmanager
    def container(self) -> Iterator[Handler]:
        with self._available:
            try:
                handler = self._idle.get_nowait()
            except queue.Empty:
                with self._lock:
                    self._created += 1
                    handler = self._load()
            try:
                yield handler
            finally:
                self._idle.put(handler)


class Containers:
    def __init__(self) -> None:
        self._pools = {route.name: ContainerPool(route.module) for route in routes.ROUTES}

    def invoke(self, route: routes.Route, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self._pools[route.name].container() as handler:
            return handler(event, context)
