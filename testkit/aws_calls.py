"""AWS calls counted through botocore's event hooks (nothing of ours is patched): the one counter of the
integration tests (which operations a request makes) and of the bench (bench/calls.py: calls, HTTP
requests and pre-signed URLs per request).

A client the counter is attached to gets three hooks: `before-call` (one per API operation),
`before-send` (one per HTTP request, retries included, which also proves that pre-signing makes no
network call) and `before-sign` of S3's GetObject (one per signature: a pre-signed URL, as our routes
read no object).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3.session

if TYPE_CHECKING:
    from botocore.client import BaseClient


class CallCounter:
    """The AWS calls made on the clients it is attached to, in order, since the last `reset`."""

    def __init__(self) -> None:
        self.made: list[tuple[str, str]] = []  # (service, operation), e.g. ("dynamodb", "GetItem")
        self.sends = 0
        self.presigned = 0
        self._clients: list[BaseClient] = []

    @property
    def calls(self) -> list[str]:
        """The operations, in the order made: `["UpdateItem", "GetItem"]`."""
        return [operation for _, operation in self.made]

    @property
    def by_operation(self) -> Counter[str]:
        """How many of each `service:Operation`, in the order first made."""
        return Counter(f"{service}:{operation}" for service, operation in self.made)

    def reset(self) -> None:
        self.made.clear()
        self.sends = 0
        self.presigned = 0

    def _on_call(self, model: Any, **_: Any) -> None:
        self.made.append((model.service_model.service_name, model.name))

    def _on_send(self, **_: Any) -> None:
        self.sends += 1

    def _on_presign(self, **_: Any) -> None:
        self.presigned += 1

    def _hooks(self) -> tuple[tuple[str, Callable[..., None]], ...]:
        return (
            ("before-call.*.*", self._on_call),
            ("before-send.*.*", self._on_send),
            ("before-sign.s3.GetObject", self._on_presign),
        )

    def attach(self, client: BaseClient) -> None:
        """Counts what `client` does from now on (once, however often it is attached)."""
        if any(client is attached for attached in self._clients):
            return
        self._clients.append(client)
        for event, hook in self._hooks():
            client.meta.events.register(event, hook)

    def detach(self) -> None:
        """Counts nothing more: every hook off every client it was attached to."""
        for client in self._clients:
            for event, hook in self._hooks():
                client.meta.events.unregister(event, hook)
        self._clients.clear()


@contextmanager
def on_new_clients(hook: Callable[[BaseClient], None]) -> Iterator[None]:
    """`hook(client)` on every client any boto3 Session creates while the block runs.

    boto3's `Session.client` is wrapped for the block's length (a Lambda's clients are created inside its
    first request: functions.data.aws's, on a session of its own).
    """
    original: Callable[..., Any] = boto3.session.Session.client

    def client(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
        created = original(self, *args, **kwargs)
        hook(created)
        return created

    boto3.session.Session.client = client  # type: ignore[method-assign]
    try:
        yield
    finally:
        boto3.session.Session.client = original  # type: ignore[method-assign]


@contextmanager
def counting(clients: Iterable[BaseClient] = (), *, new_clients: bool = False) -> Iterator[CallCounter]:
    """A CallCounter on `clients` (and, with `new_clients`, on every client created meanwhile) for the block's
    length; `counter.attach` adds a client within it. Every hook is taken off at the end."""
    counter = CallCounter()
    for client in clients:
        counter.attach(client)
    try:
        if new_clients:
            with on_new_clients(counter.attach):
                yield counter
        else:
            yield counter
    finally:
        counter.detach()
