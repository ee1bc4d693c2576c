"""`Idempotency-Key` for create and delete, on Powertools' idempotency utility.

A retried request with the same key and the same body gets the stored response (and debits or
refunds nothing more); the same key with another body is a 422; a retry while the first request
still runs is a 409. Keys are scoped to the caller and the route, and records expire after 24 h.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from functions.data.idempotency import PersistenceStore
from functions.http_headers import header_value
from functions.models.errors import IdempotencyInProgress, IdempotencyKeyReused
from functions.records import record
from functions.runtime.app import current_user
from functions.runtime.idempotency_key import IDEMPOTENCY_HEADER, KeyHeader

HEADER = IDEMPOTENCY_HEADER
EXPIRES_AFTER_SECONDS = 24 * 60 * 60

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

__all__ = ["HEADER", "KeyHeader", "IdempotentRoute", "Outcome", "key_from"]


@record
class Outcome:
    """What a replay must answer: the status and the JSON body of the first response."""

    status: int
    body: dict[str, Any]


def key_from(headers: Mapping[str, str]) -> str | None:
    """The caller's key; its shape was checked with every other header before routing (runtime.app)."""
    return header_value(headers, HEADER)


class IdempotentRoute:
    """A route's idempotency: its scope (the key prefix) and its own persistence layer.

    Built once per route module, so that each Lambda process, and each route copy of
    `quollo serve`, holds its own Powertools state (see data.idempotency.PersistenceStore).
    """

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self._store = PersistenceStore()

    def run_for_request(self, app: APIGatewayRestResolver, payload: Any, operation: Callable[[], Outcome]) -> Outcome:
        """`run_once` for the resolver's current request: its caller, its Idempotency-Key, its Lambda context."""
        return self.run_once(
            current_user(app), key_from(app.current_event.headers), payload, operation, app.lambda_context
        )

    def run_once(
        self,
        user_id: str,
        key: str | None,
        payload: Any,
        operation: Callable[[], Outcome],
        lambda_context: Any = None,
    ) -> Outcome:
        """Run `operation`, or replay its stored outcome for this user, scope and key."""
        if key is None:
            return operation()
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )
        from aws_lambda_powertools.utilities.idempotency.serialization.dataclass import DataclassSerializer

        config = IdempotencyConfig(
            event_key_jmespath="[user, key]",
            payload_validation_jmespath="payload",
            expires_after_seconds=EXPIRES_AFTER_SECONDS,
            hash_function="sha256",
        )
        if lambda_context is not None:
            # Lets Powertools expire an in-progress record if this invocation times out.
            config.register_lambda_context(lambda_context)

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="request",
            persistence_store=self._store.layer(),
            config=config,
            key_prefix=self.scope,
            output_serializer=DataclassSerializer(Outcome),
        )
        def once(request: dict[str, Any]) -> Outcome:
            return operation()

        try:
            return once(request={"user": user_id, "key": key, "payload": payload})  # type: ignore[no-any-return]
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReused(
                f"This {HEADER} was already used with a different request body; use a new key"
            ) from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise IdempotencyInProgress(
                f"A request with this {HEADER} is still in progress; retry after it completes"
            ) from exc
