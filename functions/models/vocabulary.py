"""The API's closed vocabularies as Literal types, free of pydantic.

The wire models use them as field types; the domain and the query rules of the routes that run
without pydantic (decisions 18) use them as they are.
"""

from __future__ import annotations

from typing import Literal, get_args

StatusName = Literal["PENDING", "IN_PROGRESS", "FINISHED"]
Seniority = Literal["JUNIOR", "MIDDLE", "SENIOR"]
SENIORITIES: tuple[str, ...] = get_args(Seniority)
DeliveryStatus = Literal["SUCCEEDED", "FAILED"]
EventTypeName = Literal[
    "interview.created",
    "interview.started",
    "interview.completed",
    "analysis.completed",
    "interview.deleted",
]
PING = "webhook.ping"  # the event POST /v1/webhooks/{id}/ping sends
