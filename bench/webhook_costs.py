"""What each webhook event adds in AWS calls: stated, not measured by `make bench`.

The counts are pinned by tests/integration/test_webhook_costs.py (botocore before-call hooks on the
fan-out and delivery handlers); the report repeats them with the calls AWS makes on our behalf.
"""

from __future__ import annotations

from typing import Any

# Markdown table rows: long lines are the format.
SECTION = """## 2b. Webhooks: AWS calls per event

Pinned by `tests/integration/test_webhook_costs.py` (botocore `before-call` hooks on the fan-out and
delivery handlers, fed the stream records and queue messages as Lambda passes them). *N* = the
owner's endpoints subscribed to the event; a test interview's create is three events in one change.

| step | Lambda | DynamoDB | SQS | who calls |
| --- | --- | --- | --- | --- |
| the interview write itself | — | 0 extra (the stream record is part of the write) | — | the route / `quollo admin` |
| stream → fan-out | 1 invocation per batch of up to 100 changes | 1 Query (`webhooks`, per owner in the batch); stream reads by Lambda are free | 1 SendMessageBatch per 10 deliveries | fan-out function |
| change that is no event (e.g. PATCH title) | shares the batch's invocation | 0 | 0 | — |
| each delivery attempt, success | 1 invocation (batch size 1) | 1 GetItem (`webhooks`) + 3 PutItem (`webhookdeliveries`: claim the attempt, log it, close the claim) | ReceiveMessage + DeleteMessage by the event source | delivery function |
| each delivery attempt, failure | 1 invocation | GetItem + 3 PutItem + 1 UpdateItem (failingSince, first failure only) | + 1 SendMessageBatch (the next attempt) | delivery function |
| a retry received before its time (delays > 15 min) | 1 invocation | 0 | + 1 ChangeMessageVisibility | delivery function |
| first success after failures | — | + 1 UpdateItem (clears failingSince) | — | delivery function |

So an event to N healthy endpoints costs about 1/100 of a fan-out invocation, N+1 Lambda
invocations in all at worst, 1 Query + 4N DynamoDB reads and writes (the claim, the log row and the claim closed for each attempt), and ⌈N/10⌉ + 2N SQS requests.
A retry after 30 min, 2 h, 5 h or 10 h costs one more invocation and one ChangeMessageVisibility
(the SQS delay stops at 15 minutes). The routes pay nothing: no API request gained a call.
"""  # noqa: E501


def render(_: dict[str, Any] | None = None) -> str:
    return SECTION
