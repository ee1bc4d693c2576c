"""The route table: the one source of truth for the API's routes.

The CDK stack creates one Lambda function per entry (with exactly the permissions listed),
the local server dispatches HTTP requests with it (404 and 405 fall out of it), and the
infra tests compare the synthesized template against it.
"""

from __future__ import annotations

import re

from functions.records import record


@record
class TableAccess:
    table: str  # TableSpec.key
    actions: tuple[str, ...]
    indexes: tuple[str, ...] = ()  # index names the actions also apply to


@record
class Route:
    name: str
    method: str
    path: str
    tables: tuple[TableAccess, ...]
    s3_read_records: bool = False  # s3:GetObject on the records prefix (pre-signing)
    s3_write_records: bool = False  # s3:PutObject on the records prefix (test interviews' sample video)
    # S3_DELETE_RECORDS on the records prefix and S3_LIST_RECORD_VERSIONS on the bucket, held to the
    # prefix: a recording goes with its interview, every version of it.
    s3_delete_records: bool = False
    cursor_secret: bool = False
    webhook_queue_send: bool = False  # sqs:SendMessage on the webhook delivery queue (ping)
    # events:PutEvents on the stage's bus: a finish publishes Recording Uploaded for a recording the
    # room stored during the interview (functions/domain/post_processing.after_finish).
    publishes_events: bool = False
    # Its share of the account's Lambda concurrency: the stack reserves weight x the stage's
    # `reserved_concurrency` for it (guaranteed to it, and its cap). 0 reserves nothing: a route
    # called rarely, bounded by the stage's per-method throttling, takes from the unreserved pool.
    concurrency_weight: int = 1
    # Answers without an API token by design: the candidate's room (a join by pin, then a room token).
    # Its function skips `authenticate` (lambda_entry's `access`); prod's WAF then lets its requests
    # through without `Bearer qlo_` (infra/constructs/waf.py), and the deploy check does not expect its
    # 401 (domain/deploy_checks.py).
    public: bool = False

    @property
    def module(self) -> str:
        return f"functions.entries.{self.name}"

    @property
    def handler(self) -> str:
        """Lambda handler string, relative to the code asset root."""
        return f"{self.module}.handler"

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.path)


# Deleting a recording: the bucket is versioned, so the recording's versions (and any delete marker)
# are listed under its key and deleted by version id in one DeleteObjects, which S3 authorizes as
# s3:DeleteObject, and as s3:DeleteObjectVersion for each version id.
S3_DELETE_RECORDS = ("s3:DeleteObject", "s3:DeleteObjectVersion")
S3_LIST_RECORD_VERSIONS = "s3:ListBucketVersions"


def _compile(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return re.compile(f"^{regex}$")


# Authentication is one UpdateItem on the token (it also counts the request against the token's
# budget); a failed one counts against its source address.
_AUTH = TableAccess("tokens", ("dynamodb:UpdateItem",))
_AUTH_FAILURES = TableAccess("ratelimits", ("dynamodb:UpdateItem",))
# What Powertools' DynamoDB persistence layer calls for an Idempotency-Key.
_IDEMPOTENCY = TableAccess(
    "idempotency", ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
)

# Webhooks: registration, test deliveries and the delivery log.
_WEBHOOKS = "webhooks"
# Create and delete change the owner's endpoint counter in the endpoint's transaction (Put or Delete,
# UpdateItem); an owner whose endpoints predate the counter gets it counted once (Query, PutItem); a
# refused create reads the counter (GetItem) to tell a full one from a missing one.
_WEBHOOK_COUNTED = TableAccess(
    _WEBHOOKS, ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem")
)
# Webhook registration is set up once per integration and rarely called after: no reserved concurrency.
WEBHOOK_ROUTES: tuple[Route, ...] = (
    Route(
        name="create_webhook",
        method="POST",
        path="/v1/webhooks",
        concurrency_weight=0,
        tables=(_AUTH, _AUTH_FAILURES, _WEBHOOK_COUNTED, _IDEMPOTENCY),
    ),
    Route(
        name="list_webhooks",
        method="GET",
        path="/v1/webhooks",
        concurrency_weight=0,
        tables=(_AUTH, _AUTH_FAILURES, TableAccess(_WEBHOOKS, ("dynamodb:Query",))),
        cursor_secret=True,
    ),
    Route(
        name="get_webhook",
        method="GET",
        path="/v1/webhooks/{id}",
        concurrency_weight=0,
        tables=(_AUTH, _AUTH_FAILURES, TableAccess(_WEBHOOKS, ("dynamodb:GetItem",))),
    ),
    Route(
        name="delete_webhook",
        method="DELETE",
        path="/v1/webhooks/{id}",
        concurrency_weight=0,
        tables=(
            _AUTH,
            _AUTH_FAILURES,
            TableAccess(
                _WEBHOOKS, ("dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem")
            ),
            _IDEMPOTENCY,
        ),
    ),
    Route(
        name="ping_webhook",
        method="POST",
        path="/v1/webhooks/{id}/ping",
        concurrency_weight=0,
        tables=(_AUTH, _AUTH_FAILURES, TableAccess(_WEBHOOKS, ("dynamodb:GetItem",)), _IDEMPOTENCY),
        webhook_queue_send=True,
    ),
    Route(
        name="rotate_webhook_secret",
        method="POST",
        path="/v1/webhooks/{id}/rotate-secret",
        concurrency_weight=0,
        tables=(
            _AUTH,
            _AUTH_FAILURES,
            TableAccess(_WEBHOOKS, ("dynamodb:GetItem", "dynamodb:UpdateItem")),
            _IDEMPOTENCY,
        ),
    ),
    Route(
        name="list_webhook_deliveries",
        method="GET",
        path="/v1/webhooks/{id}/deliveries",
        concurrency_weight=0,
        tables=(
            _AUTH,
            _AUTH_FAILURES,
            TableAccess(_WEBHOOKS, ("dynamodb:GetItem",)),
            TableAccess("webhookdeliveries", ("dynamodb:Query",)),
        ),
        cursor_secret=True,
    ),
)
# The events feed: the fan-out records every event; the feed reads them by owner. Catching
# up is rare next to the interview routes: no reserved concurrency.
EVENT_ROUTES: tuple[Route, ...] = (
    Route(
        name="list_events",
        method="GET",
        path="/v1/events",
        concurrency_weight=0,
        tables=(
            _AUTH,
            _AUTH_FAILURES,
            TableAccess("events", ("dynamodb:Query",), indexes=("byOwner", "byOwnerType")),
        ),
        cursor_secret=True,
    ),
    Route(
        name="get_event",
        method="GET",
        path="/v1/events/{id}",
        concurrency_weight=0,
        tables=(_AUTH, _AUTH_FAILURES, TableAccess("events", ("dynamodb:GetItem",))),
    ),
    Route(
        name="resend_event",
        method="POST",
        path="/v1/events/{id}/resend",
        concurrency_weight=0,
        # GetItem: the event and a named webhook; Query: every webhook of the owner otherwise.
        tables=(
            _AUTH,
            _AUTH_FAILURES,
            TableAccess("events", ("dynamodb:GetItem",)),
            TableAccess(_WEBHOOKS, ("dynamodb:GetItem", "dynamodb:Query")),
            _IDEMPOTENCY,
        ),
        webhook_queue_send=True,
    ),
)
# Create interview with an inline or existing candidate and job: GetItem reads an existing
# candidate (and, after a conflict, who holds an externalId), PutItem creates and links, UpdateItem
# counts references.
_TALENT_LINKS = TableAccess("talent", ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"))


def _talent(name: str, method: str, path: str, *actions: str, cursor_secret: bool = False) -> Route:
    talent = TableAccess("talent", tuple(f"dynamodb:{action}" for action in actions))
    # Creates and deletes honour an Idempotency-Key.
    keyed = (_IDEMPOTENCY,) if method in ("POST", "DELETE") else ()
    return Route(
        name=name,
        method=method,
        path=path,
        tables=(_AUTH, _AUTH_FAILURES, talent, *keyed),
        cursor_secret=cursor_secret,
    )


# Candidates and jobs, all in the `talent` table. Writes are transactions whose items are
# Put (entity, externalId, link), Update (reference counts, the entity) and Delete; GetItem reads
# before a change and, after a conflict, who holds an externalId.
TALENT_ROUTES: tuple[Route, ...] = (
    _talent("create_candidate", "POST", "/v1/candidates", "GetItem", "PutItem", "UpdateItem"),
    _talent("list_candidates", "GET", "/v1/candidates", "Query", "GetItem", "BatchGetItem", cursor_secret=True),
    _talent("get_candidate", "GET", "/v1/candidates/{id}", "GetItem"),
    _talent("update_candidate", "PATCH", "/v1/candidates/{id}", "GetItem", "PutItem", "UpdateItem", "DeleteItem"),
    _talent("delete_candidate", "DELETE", "/v1/candidates/{id}", "GetItem", "UpdateItem", "DeleteItem"),
    _talent("create_job", "POST", "/v1/jobs", "GetItem", "PutItem"),
    _talent("list_jobs", "GET", "/v1/jobs", "Query", "GetItem", cursor_secret=True),
    _talent("get_job", "GET", "/v1/jobs/{id}", "GetItem"),
    _talent("update_job", "PATCH", "/v1/jobs/{id}", "GetItem", "PutItem", "UpdateItem", "DeleteItem"),
    _talent("delete_job", "DELETE", "/v1/jobs/{id}", "GetItem", "DeleteItem"),
)

# The candidate's room (public: a pin, then a room token; functions/domain/rooms.py). Each holds the
# default weight: called about once per interview, but public, so its reservation is also its cap: a
# flood of joins takes at most that share of the account's concurrency (docs/decisions.md, 29).
_ROOM_TOKEN = TableAccess("tokens", ("dynamodb:GetItem",))
ROOM_ROUTES: tuple[Route, ...] = (
    Route(
        name="join_room",
        method="POST",
        path="/v1/rooms/{id}/join",
        public=True,
        tables=(
            TableAccess("interviews", ("dynamodb:GetItem",)),
            # PutItem: the room token (its hash).
            TableAccess("tokens", ("dynamodb:PutItem",)),
            # The interview's failed pins (GetItem, UpdateItem, PutItem) and the address's (UpdateItem).
            TableAccess("ratelimits", ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")),
        ),
    ),
    Route(
        name="start_room",
        method="POST",
        path="/v1/rooms/{id}/start",
        public=True,
        tables=(_ROOM_TOKEN, TableAccess("interviews", ("dynamodb:GetItem", "dynamodb:UpdateItem"))),
    ),
    Route(
        name="upload_recording",
        method="POST",
        path="/v1/rooms/{id}/recording",
        public=True,
        tables=(_ROOM_TOKEN, TableAccess("interviews", ("dynamodb:GetItem",))),
        # The upload URL is signed with the function's role: S3 authorizes the PUT as its s3:PutObject.
        s3_write_records=True,
    ),
    Route(
        name="finish_room",
        method="POST",
        path="/v1/rooms/{id}/finish",
        public=True,
        tables=(_ROOM_TOKEN, TableAccess("interviews", ("dynamodb:GetItem", "dynamodb:UpdateItem"))),
        # A recording uploaded during the interview is checked (its first bytes) and announced.
        s3_read_records=True,
        publishes_events=True,
    ),
)

# Concurrency weights: ATS integrations create interviews in bulk and poll their state, so the
# three busiest interview routes get 6 (prod: 60, what 200 req/s at 0.3 s needs); changes 2;
# candidates, jobs and plans 1 (the default); webhook registration 0 (docs/decisions.md, 14).
ROUTES: tuple[Route, ...] = (
    Route(
        name="create_interview",
        method="POST",
        path="/v1/interviews",
        concurrency_weight=6,
        tables=(
            _AUTH,
            _AUTH_FAILURES,
            TableAccess("users", ("dynamodb:GetItem", "dynamodb:UpdateItem")),
            # The debit's or refund's ledger entry, in the same transaction.
            TableAccess("ledger", ("dynamodb:PutItem",)),
            TableAccess("plans", ("dynamodb:ConditionCheckItem",)),
            TableAccess("interviews", ("dynamodb:PutItem",)),
            _IDEMPOTENCY,
            _TALENT_LINKS,
        ),
        s3_write_records=True,
    ),
    Route(
        name="list_interviews",
        method="GET",
        path="/v1/interviews",
        concurrency_weight=6,
        tables=(
            _AUTH,
            _AUTH_FAILURES,
            TableAccess(
                "interviews",
                ("dynamodb:Query",),
                indexes=("byOwner", "byOwnerStatus", "byOwnerCandidate", "byOwnerJob"),
            ),
        ),
        cursor_secret=True,
    ),
    Route(
        name="get_interview",
        method="GET",
        path="/v1/interviews/{id}",
        concurrency_weight=6,
        tables=(_AUTH, _AUTH_FAILURES, TableAccess("interviews", ("dynamodb:GetItem",))),
        s3_read_records=True,
    ),
    Route(
        name="update_interview",
        method="PATCH",
        path="/v1/interviews/{id}",
        concurrency_weight=2,
        tables=(
            _AUTH,
            _AUTH_FAILURES,
            TableAccess("plans", ("dynamodb:GetItem",)),
            # GetItem: a refused reschedule reads the interview to tell "not PENDING" from "not yours".
            TableAccess("interviews", ("dynamodb:GetItem", "dynamodb:UpdateItem")),
            # Setting candidateId or jobId moves a reference from one to the other.
            TableAccess("talent", ("dynamodb:UpdateItem",)),
        ),
    ),
    Route(
        name="delete_interview",
        method="DELETE",
        path="/v1/interviews/{id}",
        concurrency_weight=2,
        tables=(
            _AUTH,
            _AUTH_FAILURES,
            TableAccess("users", ("dynamodb:GetItem", "dynamodb:UpdateItem")),
            # The debit's or refund's ledger entry, in the same transaction.
            TableAccess("ledger", ("dynamodb:PutItem",)),
            TableAccess("interviews", ("dynamodb:GetItem", "dynamodb:DeleteItem")),
            _IDEMPOTENCY,
            # An interview's candidate and job get their reference back.
            TableAccess("talent", ("dynamodb:UpdateItem",)),
        ),
        s3_delete_records=True,
    ),
    Route(
        name="get_balance",
        method="GET",
        path="/v1/balance",
        tables=(_AUTH, _AUTH_FAILURES, TableAccess("users", ("dynamodb:GetItem",))),
    ),
    Route(
        name="list_ledger",
        method="GET",
        path="/v1/ledger",
        # GetItem: the balance, from which each entry's balanceAfter is counted back (first page only).
        tables=(
            _AUTH,
            _AUTH_FAILURES,
            TableAccess("users", ("dynamodb:GetItem",)),
            TableAccess("ledger", ("dynamodb:Query",)),
        ),
        cursor_secret=True,
    ),
    Route(
        name="list_plans",
        method="GET",
        path="/v1/plans",
        tables=(_AUTH, _AUTH_FAILURES, TableAccess("plans", ("dynamodb:Query",))),
        cursor_secret=True,
    ),
    *WEBHOOK_ROUTES,
    *EVENT_ROUTES,
    *TALENT_ROUTES,
    *ROOM_ROUTES,
)


def suggest(path: str) -> str | None:
    """The route path a client most likely meant by an unknown one: without a trailing slash, with /v1."""
    candidates = [path.rstrip("/") or "/"]
    candidates += ["/v1" + candidate for candidate in candidates if not candidate.startswith("/v1/")]
    for candidate in candidates:
        if candidate != path and any(route.pattern.match(candidate) for route in ROUTES):
            return candidate
    return None


@record
class Match:
    route: Route | None
    path_params: dict[str, str]
    allowed: tuple[str, ...]  # methods the path supports; empty when the path is unknown


def match(method: str, path: str) -> Match:
    """Find the route for a request: a route, or the methods allowed (405), or nothing (404)."""
    allowed: list[str] = []
    for route in ROUTES:
        found = route.pattern.match(path)
        if not found:
            continue
        if route.method == method.upper():
            return Match(route, found.groupdict(), (route.method,))
        allowed.append(route.method)
    return Match(None, {}, tuple(allowed))
