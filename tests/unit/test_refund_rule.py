"""When a deleted interview gives its credit back, as the pure rule the delete transaction is built from."""

from __future__ import annotations

from typing import Any

import pytest

from functions.data.interviews import AsRead
from functions.domain import credits
from functions.models.entities.interviews import InterviewStatus


def _as_read(status: InterviewStatus, charged: bool) -> AsRead:
    return AsRead(id="iv_1", owner_id="usr_1", status=status, charged=charged)


def _updates(interview: AsRead) -> list[str]:
    """The balance-side writes the delete carries: each Update's expression, and a ledger Put by its type."""
    shown = []
    for guarded in credits.on_delete(interview):
        item: Any = guarded.item
        if "Update" in item:
            shown.append(item["Update"]["UpdateExpression"])
        else:
            shown.append(f"ledger {item['Put']['Item']['type']['S']} {item['Put']['Item']['amount']['N']}")
    return shown


@pytest.mark.parametrize(
    ("status", "charged", "refunded"),
    [
        (InterviewStatus.PENDING, True, True),
        (InterviewStatus.PENDING, False, False),  # a test interview was never charged
        (InterviewStatus.IN_PROGRESS, True, False),  # started: the credit is used
        (InterviewStatus.FINISHED, True, False),
        (InterviewStatus.FINISHED, False, False),
    ],
)
def test_a_credit_comes_back_only_for_a_charged_interview_deleted_while_pending(
    status: InterviewStatus, charged: bool, refunded: bool
) -> None:
    interview = _as_read(status, charged)
    assert credits.refundable(interview) is refunded
    writes = _updates(interview)
    if refunded:
        # The balance and its ledger entry move in the one transaction.
        assert writes == ["SET balance = balance + :one", "ledger refund 1"]
    elif charged:
        # No refund, but the used credit is counted, so that an audit reconciles the balance.
        assert writes == ["ADD #consumed :one"]
    else:
        assert writes == []
