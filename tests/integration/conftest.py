"""Handlers on moto, in-process: each test gets fresh, empty tables and a world to fill."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from functions.data import aws
from functions.local.caches import forget_aws_state
from functions.local.provision import provision
from testkit.accounts import AccountFactory, account_factory
from testkit.dynamodb_faults import InstallConflicts, TransactionConflicts
from testkit.handlers import ActionLog, Api, CallCounter, counting


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with mock_aws():
        forget_aws_state()
        provision()
        yield
    forget_aws_state()


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
