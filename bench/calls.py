"""AWS calls per request, per route, counted with botocore event hooks while the route runs on moto.

Every boto3 client created while counting (functions.data.aws's, on any Session) gets two hooks:
`before-call` (one per API operation) and `before-send` (one per HTTP request, retries included,
which also proves that pre-signing makes no network call).
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3.session

from bench import world
from bench.common import progress, use_aws_env
from functions.routes import ROUTES


class CallCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.sends = 0
        self.presigned = 0

    def reset(self) -> None:
        self.calls.clear()
        self.sends = 0
        self.presigned = 0

    def _on_call(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def _on_send(self, **_: Any) -> None:
        self.sends += 1

    def _on_presign(self, **_: Any) -> None:
        self.presigned += 1

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.*.*", self._on_call)
        client.meta.events.register("before-send.*.*", self._on_send)
        client.meta.events.register("before-sign.s3.GetObject", self._on_presign)


@contextmanager
def counting() -> Iterator[CallCounter]:
    """Hooks on every client any boto3 Session creates while the block runs."""
    counter = CallCounter()
    original: Callable[..., Any] = boto3.session.Session.client

    def client(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
        created = original(self, *args, **kwargs)
        counter.attach(created)
        return created

    boto3.session.Session.client = client  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        boto3.session.Session.client = original  # type: ignore[method-assign]


# Targets: total AWS API calls per request, authentication included: 1 UpdateItem on the token that
# also counts the request against its rate limit (docs/decisions.md, 15). Every route of the route
# table has one (tests/unit/test_bench_routes.py).
TARGETS: dict[str, int] = {
    "create_interview": 3,  # auth + TransactWriteItems (plan check and debit inside it) + balance GetItem after
    "get_interview": 2,  # auth + GetItem; pre-signing is local
    "list_interviews": 2,  # auth + Query
    "update_interview": 2,  # auth + UpdateItem (design: 1 UpdateItem)
    "delete_interview": 3,  # auth + TransactWriteItems (delete and refund) + balance GetItem after
    "list_plans": 2,  # auth + Query
    "create_webhook": 3,  # auth + Query (the 10-per-user cap, Select COUNT) + PutItem
    "list_webhooks": 2,  # auth + Query
    "get_webhook": 2,  # auth + GetItem
    "delete_webhook": 2,  # auth + DeleteItem (conditioned on the owner)
    "ping_webhook": 3,  # auth + GetItem + SendMessageBatch (the delivery)
    "rotate_webhook_secret": 3,  # auth + GetItem (the current secret) + UpdateItem conditioned on it
    "list_webhook_deliveries": 3,  # auth + GetItem (ownership) + Query
}


def handler_of(name: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    return importlib.import_module(f"functions.entries.{name}").handler  # type: ignore[no-any-return]


def measure(port: int) -> dict[str, Any]:
    from functions.local.gateway import LocalContext

    progress("AWS calls per request: preparing data")
    owner = world.account(credits=50)
    for i in range(25):
        world.create_interview(owner, f"Seeded {i}")
    ready_id = world.ready_interview(owner)
    pending_id = world.create_interview(owner, "To rename")
    deletable = [world.create_interview(owner, "To delete") for _ in range(2)]
    started = world.create_interview(owner, "Started, deleted without refund")
    from functions.domain import interviews

    interviews.start(started)

    hook_id, hook_body = world.webhook(owner), {"url": world.WEBHOOK_URL}
    cases: list[tuple[str, str, Callable[[], dict[str, Any]], int]] = [
        (
            "create_interview",
            "create",
            lambda: world.event("create_interview", owner, body=world.create_body(owner)),
            201,
        ),
        (
            "get_interview",
            "get READY (pre-signed URL)",
            lambda: world.event("get_interview", owner, object_id=ready_id),
            200,
        ),
        ("list_interviews", "list, page 1 of 2", lambda: world.event("list_interviews", owner, query="limit=20"), 200),
        (
            "list_interviews",
            "list, status filter",
            lambda: world.event("list_interviews", owner, query="limit=20&status=PENDING"),
            200,
        ),
        (
            "update_interview",
            "update title",
            lambda: world.event("update_interview", owner, object_id=pending_id, body={"title": "Renamed"}),
            200,
        ),
        (
            "update_interview",
            "update planId",
            lambda: world.event("update_interview", owner, object_id=pending_id, body={"planId": owner.plan_id}),
            200,
        ),
        (
            "delete_interview",
            "delete PENDING (refund)",
            lambda: world.event("delete_interview", owner, object_id=deletable.pop()),
            200,
        ),
        ("list_plans", "list plans", lambda: world.event("list_plans", owner), 200),
        ("create_webhook", "create webhook", lambda: world.event("create_webhook", owner, body=hook_body), 201),
        ("list_webhooks", "list webhooks", lambda: world.event("list_webhooks", owner), 200),
        ("get_webhook", "get webhook", lambda: world.event("get_webhook", owner, object_id=hook_id), 200),
        (
            "delete_webhook",
            "delete webhook",
            lambda: world.event("delete_webhook", owner, object_id=world.webhook(owner)),
            200,
        ),
        ("ping_webhook", "ping webhook", lambda: world.event("ping_webhook", owner, object_id=hook_id), 202),
        (
            "rotate_webhook_secret",
            "rotate secret",
            lambda: world.event("rotate_webhook_secret", owner, object_id=hook_id),
            200,
        ),
        (
            "list_webhook_deliveries",
            "list deliveries",
            lambda: world.event("list_webhook_deliveries", owner, object_id=hook_id),
            200,
        ),
    ]
    untried = {route.name for route in ROUTES} - {case[0] for case in cases}
    if untried:
        raise RuntimeError(f"bench/calls.py has no case for route(s) {sorted(untried)}")
    rows: list[dict[str, Any]] = []
    for route, label, make_event, expected in cases:
        handler = handler_of(route)
        # Changing the plan needs the plan-ownership check: a read (or a ConditionCheck in a transaction).
        target = TARGETS[route] + (1 if label == "update planId" else 0)
        row: dict[str, Any] = {"route": route, "case": label, "target": target}
        for phase in ("cold", "warm"):
            event = make_event()  # may write with the bench's own clients, before the container "starts"
            if phase == "cold":
                use_aws_env(port)  # a new container: no clients, no cached secret
            with counting() as counter:
                if phase == "warm":
                    from functions.data.aws import dynamodb, s3, secrets_manager, sqs

                    for client in (dynamodb(), s3(), secrets_manager(), sqs()):
                        counter.attach(client)
                response = handler(event, LocalContext(function_name=f"quollo-{route}"))
            if response["statusCode"] != expected:
                raise RuntimeError(f"{label}: status {response['statusCode']}: {response.get('body')}")
            row[phase] = {
                "calls": sum(counter.calls.values()),
                "by_operation": dict(counter.calls),
                "http_requests": counter.sends,
                "presigned_urls": counter.presigned,
            }
        rows.append(row)
    # The one path with more calls by design: deleting a started interview (no refund).
    handler = handler_of("delete_interview")
    event = world.event("delete_interview", owner, object_id=started)
    with counting() as counter:
        from functions.data.aws import dynamodb

        counter.attach(dynamodb())
        handler(event, LocalContext(function_name="quollo-delete_interview"))
    rows.append(
        {
            "route": "delete_interview",
            "case": "delete IN_PROGRESS (no refund)",
            "target": TARGETS["delete_interview"] + 1,
            "warm": {
                "calls": sum(counter.calls.values()),
                "by_operation": dict(counter.calls),
                "http_requests": counter.sends,
            },
        }
    )
    for row in rows:
        progress(f"calls: {row['case']}: warm {row['warm']['calls']} (target {row['target']})")
    return {"rows": rows}
