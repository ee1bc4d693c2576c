"""Shape of every DynamoDB table and the records bucket.

The CDK stack and the local server both build their resources from these specs, so
the key names the data layer relies on exist in exactly one place.
"""

from __future__ import annotations

from dataclasses import field

from functions.records import record


@record
class IndexSpec:
    name: str
    partition_key: str
    sort_key: str | None = None
    # ALL: list pages are served from the index alone, with no read-back per item.
    projection: str = "ALL"


@record
class TableSpec:
    key: str  # short name used by the route table and IAM policies
    env_var: str  # environment variable that carries the deployed table name
    default_name: str  # name used locally (quollo serve / quollo admin)
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[IndexSpec, ...] = field(default_factory=tuple)
    ttl_attribute: str | None = None  # DynamoDB deletes items once this epoch-seconds attribute has passed
    # A DynamoDB Stream's view type (NEW_AND_OLD_IMAGES), for tables whose changes feed webhooks.
    stream: str | None = None


USERS = TableSpec(
    key="users",
    env_var="QUOLLO_USERS_TABLE",
    default_name="quollo-users",
    partition_key="userId",
)

TOKENS = TableSpec(
    key="tokens",
    env_var="QUOLLO_TOKENS_TABLE",
    default_name="quollo-tokens",
    partition_key="tokenHash",
    indexes=(
        # `quollo admin revoke-token TOKEN_ID` finds the hash by its public id.
        IndexSpec(name="byTokenId", partition_key="tokenId", projection="KEYS_ONLY"),
        # `quollo admin list-tokens USER_ID`: a user's tokens, oldest first.
        IndexSpec(name="byUser", partition_key="userId", sort_key="createdAt"),
    ),
    # Room tokens (functions/data/room_tokens.py) expire; API tokens have no expiresAt and never do.
    ttl_attribute="expiresAt",
)

PLANS = TableSpec(
    key="plans",
    env_var="QUOLLO_PLANS_TABLE",
    default_name="quollo-plans",
    partition_key="ownerId",
    sort_key="planId",
)

INTERVIEWS = TableSpec(
    key="interviews",
    env_var="QUOLLO_INTERVIEWS_TABLE",
    default_name="quollo-interviews",
    partition_key="id",
    # Every change feeds the webhook fan-out (functions/entries/webhook_fanout.py), the API's and
    # `quollo admin`'s alike.
    stream="NEW_AND_OLD_IMAGES",
    indexes=(
        IndexSpec(name="byOwner", partition_key="ownerId", sort_key="createdKey"),
        IndexSpec(name="byOwnerStatus", partition_key="ownerStatus", sort_key="createdKey"),
        # GET /v1/interviews?candidateId= / ?jobId=: sparse (only interviews that have one); the key
        # carries the owner, so another user's id finds nothing.
        IndexSpec(name="byOwnerCandidate", partition_key="ownerCandidate", sort_key="createdKey"),
        IndexSpec(name="byOwnerJob", partition_key="ownerJob", sort_key="createdKey"),
    ),
)

# Candidates and jobs, keyed by owner like plans so that ownership is part of every key.
# One table holds both kinds, their externalId uniqueness items and the candidate-job links; the
# sort key says which is which (functions/data/talent.py).
TALENT = TableSpec(
    key="talent",
    env_var="QUOLLO_TALENT_TABLE",
    default_name="quollo-talent",
    partition_key="ownerId",
    sort_key="sk",
)

# Every change of a balance (debit, refund, grant), written in the transaction that makes it; newest
# first per owner (the sort key starts with the time).
LEDGER = TableSpec(
    key="ledger",
    env_var="QUOLLO_LEDGER_TABLE",
    default_name="quollo-ledger",
    partition_key="ownerId",
    sort_key="sk",
)

# Powertools' idempotency records (Idempotency-Key on create and delete); its attribute names are
# the DynamoDBPersistenceLayer defaults.
IDEMPOTENCY = TableSpec(
    key="idempotency",
    env_var="QUOLLO_IDEMPOTENCY_TABLE",
    default_name="quollo-idempotency",
    partition_key="id",
    ttl_attribute="expiration",
)

# Failed authentications per source address and minute (the slow lane for token guessing).
RATE_LIMITS = TableSpec(
    key="ratelimits",
    env_var="QUOLLO_RATELIMITS_TABLE",
    default_name="quollo-ratelimits",
    partition_key="id",
    ttl_attribute="expiresAt",
)

# Webhooks, their deliveries and the cap on them.
# A user's webhook endpoints: the fan-out reads all of an owner's with one Query.
WEBHOOKS = TableSpec(
    key="webhooks",
    env_var="QUOLLO_WEBHOOKS_TABLE",
    default_name="quollo-webhooks",
    partition_key="ownerId",
    sort_key="webhookId",
)

# One item per delivery attempt, newest first per endpoint; kept 30 days.
WEBHOOK_DELIVERIES = TableSpec(
    key="webhookdeliveries",
    env_var="QUOLLO_WEBHOOK_DELIVERIES_TABLE",
    default_name="quollo-webhook-deliveries",
    partition_key="webhookId",
    sort_key="attemptKey",
    ttl_attribute="expiresAt",
)

# Every webhook event, whether or not an endpoint receives it (GET /v1/events, resend): keyed by owner
# and event id (GET /v1/events/{id} reads one item, another user's cannot be found); the indexes list
# an owner's events newest first, all of them or one type. Kept 30 days.
EVENTS = TableSpec(
    key="events",
    env_var="QUOLLO_EVENTS_TABLE",
    default_name="quollo-events",
    partition_key="ownerId",
    sort_key="id",
    ttl_attribute="expiresAt",
    indexes=(
        IndexSpec(name="byOwner", partition_key="ownerId", sort_key="timeKey"),
        IndexSpec(name="byOwnerType", partition_key="ownerType", sort_key="timeKey"),
    ),
)

WEBHOOK_QUEUE_ENV = "QUOLLO_WEBHOOK_QUEUE_URL"
WEBHOOK_QUEUE_DEFAULT = "quollo-webhook-deliveries"
WEBHOOK_DLQ_ENV = "QUOLLO_WEBHOOK_DLQ_URL"
WEBHOOK_DLQ_DEFAULT = "quollo-webhook-deliveries-dead"

TABLES: tuple[TableSpec, ...] = (
    USERS,
    TOKENS,
    PLANS,
    INTERVIEWS,
    IDEMPOTENCY,
    RATE_LIMITS,
    WEBHOOKS,
    WEBHOOK_DELIVERIES,
    EVENTS,
    TALENT,
    LEDGER,
)

# Post-processing (docs/lifecycle.md): the stack's own EventBridge bus, and the dead-letter queue that
# keeps the events post-processing could not use (an invalid Analysis Completed, or a recording or
# an analysis that failed every retry). The two queues that feed the workers are named locally only:
# on AWS their event source mappings carry them.
EVENT_BUS_ENV = "QUOLLO_EVENT_BUS"
EVENT_BUS_DEFAULT = "quollo-local"
PROCESSING_DLQ_ENV = "QUOLLO_PROCESSING_DLQ_URL"
PROCESSING_DLQ_DEFAULT = "quollo-post-processing-dead"
RECORDINGS_QUEUE_DEFAULT = "quollo-recordings"  # S3 ObjectCreated under RECORDS_PREFIX
ANALYSIS_QUEUE_DEFAULT = "quollo-analysis-results"  # the bus's Analysis Completed events

RECORDS_BUCKET_ENV = "QUOLLO_RECORDS_BUCKET"
RECORDS_BUCKET_DEFAULT = "quollo-records"
RECORDS_PREFIX = "records/"

CURSOR_SECRET_ENV = "QUOLLO_CURSOR_SECRET"  # noqa: S105 - a variable name, not a secret
CURSOR_SECRET_DEFAULT = "quollo/cursor-signing-key"  # noqa: S105 - the secret's name
