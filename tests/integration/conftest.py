"""Handlers on moto, in-process: one moto per worker, each test with users of its own.

Provisioning moto's nine tables, bucket, secret and queues took 1-3 s per test, most of the
integration suite's time. The tables are now made once per worker (xdist process) and shared; a
test is isolated by its users (`account` makes a fresh one each call, and every read the API offers
is scoped to its caller), and starts like a new Lambda container (clients and caches forgotten).
Its `api` calls come from an address of its own, so failed-authentication counters (per source
address) never add up across tests. A test that needs empty tables makes its own (`mock_aws()`,
as test_moto_transactions does); the shared tables are provisioned again after it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from functions.data import aws, post_processing, schema, secrets, settings, webhook_queue
from functions.domain import ratelimits
from functions.local import moto_patches
from functions.local.caches import forget_aws_state
from functions.local.provision import provision
from testkit.accounts import AccountFactory, account_factory
from testkit.aws_calls import CallCounter, counting
from testkit.dynamodb_faults import InstallConflicts, TransactionConflicts
from testkit.handlers import ActionLog, Api


@pytest.fixture(scope="session")
def _worker_moto() -> Iterator[None]:
    # moto as `quollo serve` runs it: without the patch, each TransactWriteItems deep-copies whole
    # tables, so creates slow down as the shared tables grow over the session.
    moto_patches.apply()
    with mock_aws():
        yield
    forget_aws_state()


def _as_a_new_container() -> None:
    """What forget_aws_state() forgets, but boto3's session: loading its service models again cost
    0.4 s a test, and no test changes what it holds (a test that points the process at another
    endpoint calls forget_aws_state() itself, as test_webhook_costs does)."""
    settings.settings.cache_clear()
    ratelimits.forget()
    secrets.forget()
    for cached in (aws.dynamodb, aws.s3, aws.secrets_manager, aws.sqs, aws.events):
        cached.cache_clear()
    webhook_queue.delivery_queue.cache_clear()
    webhook_queue.dead_letter_queue.cache_clear()
    post_processing.dead_letter_queue.cache_clear()


@pytest.fixture
def moto_aws(_worker_moto: None) -> Iterator[None]:
    """The worker's moto, provisioned (again, if a test's own mock_aws() reset moto's state since)."""
    _as_a_new_container()
    if not {settings.settings().table(spec) for spec in schema.TABLES} <= set(
        aws.dynamodb().list_tables()["TableNames"]
    ):
        provision()
    yield
    _as_a_new_container()


@pytest.fixture
def account(moto_aws: None) -> AccountFactory:
    """Factory: a user with credits, a token and one plan."""
    return account_factory()


@pytest.fixture
def api(moto_aws: None) -> Api:
    return Api()


@pytest.fixture
def aws_calls(moto_aws: None) -> Iterator[CallCounter]:
    with counting([aws.dynamodb(), aws.s3()]) as counter:
        yield counter


@pytest.fixture
def conflicts() -> Iterator[InstallConflicts]:
    client = aws.dynamodb()
    installed: list[TransactionConflicts] = []

    def install(times: int) -> TransactionConflicts:
        hook = TransactionConflicts(times)
        client.meta.events.register("before-call.dynamodb.TransactWriteItems", hook)
        installed.append(hook)
        return hook

    yield install
    for hook in installed:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", hook)


@pytest.fixture
def action_log(moto_aws: None) -> Iterator[ActionLog]:
    log = ActionLog()
    aws.dynamodb().meta.events.register("before-parameter-build.dynamodb.*", log)
    yield log
    aws.dynamodb().meta.events.unregister("before-parameter-build.dynamodb.*", log)
