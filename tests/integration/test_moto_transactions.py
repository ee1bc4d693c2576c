"""moto patched as `quollo serve` runs it (functions/local/moto_patches.py): transactions stay
all-or-nothing, and no longer keep copies of the tables they touch."""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.local import moto_patches

ACCOUNTS, ENTRIES = "tx-accounts", "tx-entries"


@pytest.fixture
def ddb() -> Iterator[Any]:
    moto_patches.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=ACCOUNTS,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.create_table(
            TableName=ENTRIES,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "owner", "created")
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "byOwner",
                    "KeySchema": [
                        {"AttributeName": "owner", "KeyType": "HASH"},
                        {"AttributeName": "created", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName=ACCOUNTS, Item={"id": {"S": "a1"}, "balance": {"N": "5"}, "tags": {"L": []}})
        for sk in ("s1", "s2"):
            client.put_item(
                TableName=ENTRIES,
                Item={"pk": {"S": "p1"}, "sk": {"S": sk}, "owner": {"S": "a1"}, "created": {"S": f"2026-{sk}"}},
            )
        try:
            yield client
        finally:
            # Inside the integration suite's moto of the worker (conftest), this mock_aws() is nested
            # and resets nothing: the tables go with the test.
            for name in (ACCOUNTS, ENTRIES):
                client.delete_table(TableName=name)


def _state(client: Any) -> dict[str, Any]:
    """Everything a reader could see: both tables and the index, in a stable order."""
    tables = {name: client.scan(TableName=name, ConsistentRead=True)["Items"] for name in (ACCOUNTS, ENTRIES)}
    for items in tables.values():
        items.sort(key=repr)
    index = client.query(
        TableName=ENTRIES,
        IndexName="byOwner",
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": "a1"}},
    )["Items"]
    return {**tables, "byOwner": index}


def _writes() -> list[dict[str, Any]]:
    """An update, a put into each table, a delete: each succeeds on its own."""
    return [
        {
            "Update": {
                "TableName": ACCOUNTS,
                "Key": {"id": {"S": "a1"}},
                "UpdateExpression": "SET balance = balance - :one, tags = list_append(tags, :t)",
                "ConditionExpression": "balance >= :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":t": {"L": [{"S": "debited"}]}},
            }
        },
        {
            "Put": {
                "TableName": ENTRIES,
                "Item": {"pk": {"S": "p1"}, "sk": {"S": "s3"}, "owner": {"S": "a1"}, "created": {"S": "2026-s3"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {"Delete": {"TableName": ENTRIES, "Key": {"pk": {"S": "p1"}, "sk": {"S": "s2"}}}},
        {"Put": {"TableName": ACCOUNTS, "Item": {"id": {"S": "a2"}, "balance": {"N": "1"}}}},
    ]


_FAILING_LAST = {
    "condition check": {
        "ConditionCheck": {
            "TableName": ENTRIES,
            "Key": {"pk": {"S": "p1"}, "sk": {"S": "s1"}},
            "ConditionExpression": "#o = :other",
            "ExpressionAttributeNames": {"#o": "owner"},
            "ExpressionAttributeValues": {":other": {"S": "someone-else"}},
        }
    },
    "put condition": {
        "Put": {
            "TableName": ENTRIES,
            "Item": {"pk": {"S": "p1"}, "sk": {"S": "s1"}, "owner": {"S": "a1"}, "created": {"S": "x"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    },
    "update condition": {
        "Update": {
            "TableName": ENTRIES,
            "Key": {"pk": {"S": "p9"}, "sk": {"S": "s9"}},
            "UpdateExpression": "SET #o = :o",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeNames": {"#o": "owner"},
            "ExpressionAttributeValues": {":o": {"S": "a1"}},
        }
    },
}


@pytest.mark.parametrize("last", list(_FAILING_LAST), ids=list(_FAILING_LAST))
def test_a_failing_last_condition_leaves_every_item_as_it_was(ddb: Any, last: str) -> None:
    before = _state(ddb)
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(TransactItems=[*_writes(), _FAILING_LAST[last]])
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [reason["Code"] for reason in caught.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "None", "ConditionalCheckFailed"]
    assert _state(ddb) == before
    # The rolled-back item is a working copy: it takes the next transaction as before.
    ddb.transact_write_items(TransactItems=_writes())
    assert ddb.get_item(TableName=ACCOUNTS, Key={"id": {"S": "a1"}})["Item"]["balance"] == {"N": "4"}


def test_a_validation_error_after_writes_rolls_them_back(ddb: Any) -> None:
    """moto applies operations one by one; a second operation on one item is rejected only when reached."""
    before = _state(ddb)
    repeated = {
        "ConditionCheck": {
            "TableName": ACCOUNTS,
            "Key": {"id": {"S": "a1"}},
            "ConditionExpression": "attribute_exists(id)",
        }
    }
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(TransactItems=[*_writes(), repeated])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert _state(ddb) == before


def test_a_successful_transaction_writes_everything(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=_writes())
    state = _state(ddb)
    balances = {item["id"]["S"]: item["balance"]["N"] for item in state[ACCOUNTS]}
    assert balances == {"a1": "4", "a2": "1"}
    assert sorted(item["sk"]["S"] for item in state[ENTRIES]) == ["s1", "s3"]
    assert sorted(item["sk"]["S"] for item in state["byOwner"]) == ["s1", "s3"]


def test_transactions_keep_no_copies_of_the_tables(ddb: Any) -> None:
    """Unpatched moto 5.2.5 keeps a deep copy of each touched table per transaction: here ~50 MB."""
    for start in range(0, 500, 25):
        ddb.batch_write_item(
            RequestItems={
                ENTRIES: [
                    {"PutRequest": {"Item": {"pk": {"S": f"bulk{i}"}, "sk": {"S": "x" * 200}}}}
                    for i in range(start, start + 25)
                ]
            }
        )
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for i in range(100):
            ddb.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": ACCOUNTS,
                            "Key": {"id": {"S": "a1"}},
                            "UpdateExpression": "SET balance = balance + :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                    {"Put": {"TableName": ENTRIES, "Item": {"pk": {"S": f"new{i}"}, "sk": {"S": "y"}}}},
                ]
            )
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    # 100 new small items stay, of course (well under 1 MB); 100 copies of a 500-item table would not fit.
    assert grown < 2_000_000, f"{grown} bytes kept after 100 transactions"


def _debit_and_entry(entry: str) -> list[dict[str, Any]]:
    return [
        {
            "Update": {
                "TableName": ACCOUNTS,
                "Key": {"id": {"S": "a1"}},
                "UpdateExpression": "SET balance = balance - :one",
                "ConditionExpression": "balance >= :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {
            "Put": {
                "TableName": ENTRIES,
                "Item": {"pk": {"S": entry}, "sk": {"S": "x"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]


def test_a_retry_with_the_same_client_request_token_succeeds_without_writing_again(ddb: Any) -> None:
    # What DynamoDB does for the SDK's retry of a commit whose answer was lost (a read timeout on a
    # starved quollo serve): the retry is answered as the success it was. Unpatched moto ran it
    # again, failed the Put's condition, and the create answered 500.
    ddb.transact_write_items(TransactItems=_debit_and_entry("once"), ClientRequestToken="tok-1")
    ddb.transact_write_items(TransactItems=_debit_and_entry("once"), ClientRequestToken="tok-1")
    assert ddb.get_item(TableName=ACCOUNTS, Key={"id": {"S": "a1"}})["Item"]["balance"] == {"N": "4"}


def test_a_token_reused_with_other_items_is_refused_as_dynamodb_refuses_it(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=_debit_and_entry("first"), ClientRequestToken="tok-2")
    with pytest.raises(ClientError) as refused:
        ddb.transact_write_items(TransactItems=_debit_and_entry("second"), ClientRequestToken="tok-2")
    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert "Item" not in ddb.get_item(TableName=ENTRIES, Key={"pk": {"S": "second"}, "sk": {"S": "x"}})
    assert ddb.get_item(TableName=ACCOUNTS, Key={"id": {"S": "a1"}})["Item"]["balance"] == {"N": "4"}


def test_a_cancelled_transaction_leaves_its_token_free_for_a_retry(ddb: Any) -> None:
    ddb.put_item(TableName=ENTRIES, Item={"pk": {"S": "taken"}, "sk": {"S": "x"}})
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=_debit_and_entry("taken"), ClientRequestToken="tok-3")
    ddb.delete_item(TableName=ENTRIES, Key={"pk": {"S": "taken"}, "sk": {"S": "x"}})
    ddb.transact_write_items(TransactItems=_debit_and_entry("taken"), ClientRequestToken="tok-3")
    assert ddb.get_item(TableName=ACCOUNTS, Key={"id": {"S": "a1"}})["Item"]["balance"] == {"N": "4"}


def test_racing_transactions_from_threads_are_each_all_or_nothing(ddb: Any) -> None:
    # The integration suite runs handlers in threads against the in-process moto (as quollo serve
    # runs route copies): 30 debits race for a balance of 5. moto checks a transaction's conditions
    # and then writes, and our per-item rollback restores what it read: interleaved, a debit could
    # pass a condition another had already spent, or a rollback put back an item another had written.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        with ThreadPoolExecutor(max_workers=30) as pool:
            outcomes = list(pool.map(_try_debit, [f"race-{n}" for n in range(30)]))
    finally:
        sys.setswitchinterval(before)
    made = {entry for entry, ok in outcomes if ok}
    assert len(made) == 5, outcomes
    assert ddb.get_item(TableName=ACCOUNTS, Key={"id": {"S": "a1"}}, ConsistentRead=True)["Item"]["balance"] == {
        "N": "0"
    }
    written = {item["pk"]["S"] for item in ddb.scan(TableName=ENTRIES, ConsistentRead=True)["Items"]}
    assert written == made | {"p1"}


def _try_debit(entry: str) -> tuple[str, bool]:
    client: Any = boto3.client("dynamodb", region_name="us-east-1")
    try:
        client.transact_write_items(TransactItems=_debit_and_entry(entry))
    except ClientError as refused:
        assert refused.response["Error"]["Code"] == "TransactionCanceledException", refused.response
        return entry, False
    return entry, True
