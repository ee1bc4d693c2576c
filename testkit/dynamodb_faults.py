"""DynamoDB faults that moto never produces, injected through botocore's event hooks (nothing of ours is patched)."""

from __future__ import annotations

import json
from typing import Any, Protocol

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders


class TransactionConflicts:
    """Real DynamoDB cancels a transaction that meets another one on the same item (moto never does):
    the first `times` TransactWriteItems answer TransactionCanceledException with a TransactionConflict
    reason, through botocore's before-call hook, as botocore's Stubber answers; later ones reach moto."""

    def __init__(self, times: int) -> None:
        self.left = times
        self.attempts = 0

    # Returns (response, parsed) or None. Any, not that union: botocore takes a before-call handler's return value
    # as the response (as its Stubber does), while botocore-stubs types every event handler as returning None.
    def __call__(self, params: dict[str, Any], **_: Any) -> Any:
        self.attempts += 1
        if self.left == 0:
            return None
        self.left -= 1
        reasons = [{"Code": "None"} for _ in json.loads(params["body"])["TransactItems"]]
        reasons[1] = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
        parsed = {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
            "CancellationReasons": reasons,
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://dynamodb.local", 400, HTTPHeaders(), None), parsed


class InstallConflicts(Protocol):
    """The `conflicts` fixture: installs a TransactionConflicts hook for `times` transactions."""

    def __call__(self, times: int) -> TransactionConflicts: ...
