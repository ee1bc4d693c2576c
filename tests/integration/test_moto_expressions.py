"""moto's UpdateExpression handling as patched for speed (functions/local/moto_patches.py, 6): the
same expressions are refused with the same errors, and a parse shared between requests never
carries one request's names or values into another."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.local import moto_patches

TABLE = "expressions"
# The shape of every request's authentication (functions/data/tokens.py): one slot SET, 59 REMOVEd.
SLOTS = 60


@pytest.fixture
def ddb() -> Iterator[Any]:
    moto_patches.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        try:
            yield client
        finally:
            # Inside the integration suite's moto of the worker (conftest), this mock_aws() is nested
            # and resets nothing: the table goes with the test.
            client.delete_table(TableName=TABLE)


def _update(client: Any, expression: str, **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = client.update_item(
        TableName=TABLE, Key={"id": {"S": "i1"}}, UpdateExpression=expression, ReturnValues="ALL_NEW", **extra
    )
    return answer


def _refusal(client: Any, expression: str, **extra: Any) -> str:
    with pytest.raises(ClientError) as refused:
        _update(client, expression, **extra)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    return str(refused.value.response["Error"]["Message"])


def _slot_update(slot: int) -> tuple[str, dict[str, str]]:
    names = {"#now": f"rl{slot}"} | {f"#o{i}": f"rl{i}" for i in range(SLOTS) if i != slot}
    removed = ", ".join(name for name in names if name != "#now")
    return f"SET #now = if_not_exists(#now, :zero) + :one REMOVE {removed}", names


def test_a_long_set_and_remove_updates_the_item(ddb: Any) -> None:
    values = {":zero": {"N": "0"}, ":one": {"N": "1"}}
    for slot, expected in ((3, "1"), (3, "2"), (4, "1")):
        expression, names = _slot_update(slot)
        item = _update(ddb, expression, ExpressionAttributeNames=names, ExpressionAttributeValues=values)["Attributes"]
        assert item[f"rl{slot}"] == {"N": expected}
        # The other slots are removed: after slot 4's first count, slot 3's two are gone.
        assert sorted(name for name in item if name.startswith("rl")) == [f"rl{slot}"]


def test_one_text_with_other_names_and_values_writes_what_each_request_says(ddb: Any) -> None:
    for attribute, value in (("a", "1"), ("b", "2"), ("a", "3")):
        item = _update(
            ddb,
            "SET #f = :v",
            ExpressionAttributeNames={"#f": attribute},
            ExpressionAttributeValues={":v": {"N": value}},
        )["Attributes"]
        assert item[attribute] == {"N": value}
    final = ddb.get_item(TableName=TABLE, Key={"id": {"S": "i1"}})["Item"]
    assert final["a"] == {"N": "3"} and final["b"] == {"N": "2"}


def test_a_clause_twice_is_refused_wherever_it_is(ddb: Any) -> None:
    removed = ", ".join(f"r{i}" for i in range(40))
    assert '"SET" section can only be used once' in _refusal(
        ddb, "SET a = :v SET b = :v", ExpressionAttributeValues={":v": {"N": "1"}}
    )
    # The second REMOVE at the far end of a long chain, where only the root sees both.
    assert '"REMOVE" section can only be used once' in _refusal(
        ddb, f"SET a = :v REMOVE {removed} REMOVE z", ExpressionAttributeValues={":v": {"N": "1"}}
    )
    assert '"ADD" section can only be used once' in _refusal(
        ddb, "ADD a :v ADD b :v", ExpressionAttributeValues={":v": {"N": "1"}}
    )


def test_a_path_written_twice_is_refused_wherever_it_is(ddb: Any) -> None:
    removed = ", ".join(f"r{i}" for i in range(40))
    message = _refusal(ddb, f"SET a = :v REMOVE {removed}, r7", ExpressionAttributeValues={":v": {"N": "1"}})
    assert "Two document paths overlap with each other" in message and "r7" in message
    message = _refusal(
        ddb,
        "SET #x = :v REMOVE b, #y",
        ExpressionAttributeNames={"#x": "c", "#y": "c"},
        ExpressionAttributeValues={":v": {"N": "1"}},
    )
    assert "Two document paths overlap with each other" in message


def test_an_expression_that_does_not_parse_is_refused_every_time(ddb: Any) -> None:
    for _ in range(2):
        assert "Invalid UpdateExpression: Syntax error" in _refusal(ddb, "SET a = = :v")
