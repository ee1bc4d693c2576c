"""AWS calls per request, per route, counted with botocore event hooks while the route runs on moto.

testkit.aws_calls's counter (the integration tests' too) is attached to every boto3 client created
while counting (functions.data.aws's, on any Session) and, warm, to the clients already made: calls
per operation, HTTP requests (`before-send`, retries included) and pre-signed URLs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from bench import world
from bench.common import progress, use_aws_env
from functions.routes import ROUTES
from testkit.aws_calls import counting

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
    "get_balance": 2,  # auth + GetItem
    "list_ledger": 3,  # auth + the balance GetItem (balanceAfter is counted back from it) + Query
    "create_webhook": 2,  # auth + TransactWriteItems (the webhook and the owner's counter, capped at 10)
    "list_webhooks": 2,  # auth + Query
    "get_webhook": 2,  # auth + GetItem
    "delete_webhook": 2,  # auth + TransactWriteItems (the webhook, and its slot given back on the counter)
    "ping_webhook": 3,  # auth + GetItem + SendMessageBatch (the delivery)
    "rotate_webhook_secret": 3,  # auth + GetItem (the current secret) + UpdateItem conditioned on it
    "list_webhook_deliveries": 3,  # auth + GetItem (ownership) + Query
    "list_events": 2,  # auth + Query (an index of the events table)
    "get_event": 2,  # auth + GetItem
    "resend_event": 4,  # auth + GetItem (the event) + Query (the owner's webhooks) + SendMessageBatch
    # Candidates and jobs: a change is one transaction (entity, externalId, links, counts), or the
    # single-item call when it has one item; a change of an existing one reads it first (its version,
    # links and externalId decide the items).
    "create_candidate": 2,  # auth + TransactWriteItems (PutItem alone without an externalId or jobs)
    "get_candidate": 2,  # auth + GetItem
    "list_candidates": 2,  # auth + Query
    "update_candidate": 3,  # auth + GetItem + TransactWriteItems
    "delete_candidate": 3,  # auth + GetItem + TransactWriteItems
    "create_job": 2,
    "get_job": 2,
    "list_jobs": 2,
    "update_job": 3,
    "delete_job": 3,
    # The room: no API token. A join reads the interview's failed pins and the interview, and stores the
    # room token; the others read their room token (GetItem, in place of auth) and the interview.
    "join_room": 3,  # GetItem (pin failures) + GetItem (interview) + PutItem (room token)
    "start_room": 3,  # GetItem (room token) + GetItem + UpdateItem conditioned on the state read
    "upload_recording": 2,  # GetItem (room token) + GetItem; pre-signing is local
    # GetItem (room token) + GetItem + UpdateItem conditioned on the state read + a ranged GetObject for
    # a recording uploaded during the interview (none here; with one, + PutEvents of Recording Uploaded)
    "finish_room": 4,
}
# Cases with more calls than their route's target, by design, and how many more.
EXTRA: dict[str, int] = {
    "update planId": 1,  # the plan-ownership read (or a ConditionCheck in a transaction)
    "create with candidateId": 1,  # the candidate's read: its jobs decide the interview's job
    "list candidates by jobId": 1,  # the page's candidates, one BatchGetItem after the links' Query
    "list candidates by externalId": 1,  # who holds it, then the candidate
    "list jobs by externalId": 1,  # who holds it, then the job
    "update candidateId": 1,  # read, then fields and references in one transaction
    "delete PENDING with candidate (refund)": 2,  # the plain refund refuses it: read, second transaction
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
    job_id = world.job(owner, external_id="BENCH-J-1")
    candidate_id = world.candidate(owner, [job_id], external_id="BENCH-C-1")
    spare_jobs = [world.job(owner) for _ in range(2)]
    spare_candidates = [world.candidate(owner, []) for _ in range(2)]
    linked = [world.linked_interview(owner, candidate_id) for _ in range(3)]
    relinked = linked.pop()

    hook_id = world.webhook(owner)
    event_id = world.recorded_event(owner)
    room_id, room_pin, room_token = world.room(owner)
    recording = {"contentType": "video/webm", "size": 48_213_377}
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
        ("get_balance", "get balance", lambda: world.event("get_balance", owner), 200),
        ("list_ledger", "list ledger", lambda: world.event("list_ledger", owner), 200),
        (
            "create_webhook",
            "create webhook",
            lambda: world.event("create_webhook", owner, body={"url": world.webhook_url()}),
            201,
        ),
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
            # A fresh webhook each time (cold, then warm): a second rotation within the grace is a 409.
            lambda: world.fresh_webhook_event("rotate_webhook_secret"),
            200,
        ),
        (
            "list_webhook_deliveries",
            "list deliveries",
            lambda: world.event("list_webhook_deliveries", owner, object_id=hook_id),
            200,
        ),
        ("list_events", "list events", lambda: world.event("list_events", owner, query="limit=20"), 200),
        (
            "list_events",
            "list events, type filter",
            lambda: world.event("list_events", owner, query="type=interview.created"),
            200,
        ),
        ("get_event", "get event", lambda: world.event("get_event", owner, object_id=event_id), 200),
        ("resend_event", "resend event", lambda: world.event("resend_event", owner, object_id=event_id), 202),
        (
            "resend_event",
            "resend event to one webhook",
            # The named webhook's GetItem in place of the owner's webhooks' Query.
            lambda: world.event("resend_event", owner, object_id=event_id, body={"webhookId": hook_id}),
            202,
        ),
        (
            "create_interview",
            "create with inline candidate and job",
            lambda: world.event(
                "create_interview",
                owner,
                body=world.create_body(owner) | {"candidate": {"name": "Grace"}, "job": {"title": "Ops"}},
            ),
            201,
        ),
        (
            "create_interview",
            "create with candidateId",
            lambda: world.event(
                "create_interview", owner, body=world.create_body(owner) | {"candidateId": candidate_id}
            ),
            201,
        ),
        (
            "list_interviews",
            "list, candidateId filter",
            lambda: world.event("list_interviews", owner, query=f"limit=20&candidateId={candidate_id}"),
            200,
        ),
        (
            "update_interview",
            "update candidateId",
            lambda: world.event("update_interview", owner, object_id=relinked, body={"candidateId": None}),
            200,
        ),
        (
            "delete_interview",
            "delete PENDING with candidate (refund)",
            lambda: world.event("delete_interview", owner, object_id=linked.pop()),
            200,
        ),
        ("create_candidate", "create", lambda: world.event("create_candidate", owner, body={"name": "Ada"}), 201),
        ("get_candidate", "get", lambda: world.event("get_candidate", owner, object_id=candidate_id), 200),
        ("list_candidates", "list candidates", lambda: world.event("list_candidates", owner), 200),
        (
            "list_candidates",
            "list candidates by jobId",
            lambda: world.event("list_candidates", owner, query=f"jobId={job_id}"),
            200,
        ),
        (
            "list_candidates",
            "list candidates by externalId",
            lambda: world.event("list_candidates", owner, query="externalId=BENCH-C-1"),
            200,
        ),
        (
            "update_candidate",
            "update name",
            lambda: world.event("update_candidate", owner, object_id=candidate_id, body={"name": "Ada L."}),
            200,
        ),
        (
            "delete_candidate",
            "delete",
            lambda: world.event("delete_candidate", owner, object_id=spare_candidates.pop()),
            200,
        ),
        ("create_job", "create", lambda: world.event("create_job", owner, body={"title": "Ops"}), 201),
        ("get_job", "get", lambda: world.event("get_job", owner, object_id=job_id), 200),
        ("list_jobs", "list jobs", lambda: world.event("list_jobs", owner), 200),
        (
            "list_jobs",
            "list jobs by externalId",
            lambda: world.event("list_jobs", owner, query="externalId=BENCH-J-1"),
            200,
        ),
        (
            "update_job",
            "update title",
            lambda: world.event("update_job", owner, object_id=job_id, body={"title": "Staff"}),
            200,
        ),
        ("delete_job", "delete", lambda: world.event("delete_job", owner, object_id=spare_jobs.pop()), 200),
        # In this order, on one room: joined, started, its recording's URL, finished.
        ("join_room", "join", lambda: world.event("join_room", owner, object_id=room_id, body={"pin": room_pin}), 200),
        ("start_room", "start", lambda: world.event("start_room", owner, object_id=room_id, token=room_token), 200),
        (
            "upload_recording",
            "recording URL",
            lambda: world.event("upload_recording", owner, object_id=room_id, body=recording, token=room_token),
            200,
        ),
        ("finish_room", "finish", lambda: world.event("finish_room", owner, object_id=room_id, token=room_token), 200),
    ]
    untried = {route.name for route in ROUTES} - {case[0] for case in cases}
    if untried:
        raise RuntimeError(f"bench/calls.py has no case for route(s) {sorted(untried)}")
    rows: list[dict[str, Any]] = []
    for route, label, make_event, expected in cases:
        handler = handler_of(route)
        target = TARGETS[route] + EXTRA.get(label, 0)
        row: dict[str, Any] = {"route": route, "case": label, "target": target}
        for phase in ("cold", "warm"):
            event = make_event()  # may write with the bench's own clients, before the container "starts"
            if phase == "cold":
                use_aws_env(port)  # a new container: no clients, no cached secret
            with counting(new_clients=True) as counter:
                if phase == "warm":
                    from functions.data.aws import dynamodb, s3, secrets_manager, sqs

                    for client in (dynamodb(), s3(), secrets_manager(), sqs()):
                        counter.attach(client)
                response = handler(event, LocalContext(function_name=f"quollo-{route}"))
            if response["statusCode"] != expected:
                raise RuntimeError(f"{label}: status {response['statusCode']}: {response.get('body')}")
            row[phase] = {
                "calls": len(counter.made),
                "by_operation": dict(counter.by_operation),
                "http_requests": counter.sends,
                "presigned_urls": counter.presigned,
            }
        rows.append(row)
    # The one path with more calls by design: deleting a started interview (no refund).
    handler = handler_of("delete_interview")
    event = world.event("delete_interview", owner, object_id=started)
    with counting(new_clients=True) as counter:
        from functions.data.aws import dynamodb

        counter.attach(dynamodb())
        handler(event, LocalContext(function_name="quollo-delete_interview"))
    rows.append(
        {
            "route": "delete_interview",
            "case": "delete IN_PROGRESS (no refund)",
            "target": TARGETS["delete_interview"] + 1,
            "warm": {
                "calls": len(counter.made),
                "by_operation": dict(counter.by_operation),
                "http_requests": counter.sends,
            },
        }
    )
    for row in rows:
        progress(f"calls: {row['case']}: warm {row['warm']['calls']} (target {row['target']})")
    return {"rows": rows}
