"""When a credit moves: the one module that answers "is this debited?" and "is this refunded?".

- Creating an interview debits one credit, in the transaction that puts it; a test interview debits
  nothing. Without a credit left, nothing is written and the create is refused.
- Deleting an interview refunds its credit when, as it is deleted, it is still PENDING and was
  charged; a charged interview deleted later has used its credit, which the user's `consumed`
  counter records in the same transaction (so that an audit can reconcile the balance). Either way
  the delete is conditioned on the state the refund was decided from
  (functions/data/interviews.AsRead), so a change in between makes the domain decide again from a
  fresh read, never refund twice or lose one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from functions.data import users
from functions.data.transactions import Guarded
from functions.models.entities import InterviewStatus
from functions.models.errors import InsufficientBalance

if TYPE_CHECKING:
    from functions.data.interviews import AsRead


def debit(owner_id: str) -> Guarded:
    """The transaction item that takes one credit, refused when the balance holds none."""
    return Guarded(
        users.debit_item(owner_id),
        lambda: InsufficientBalance("Not enough interview credits to schedule a new interview"),
    )


def refundable(interview: AsRead) -> bool:
    """Whether deleting the interview in this state gives its credit back."""
    return interview.status is InterviewStatus.PENDING and interview.charged


def on_delete(interview: AsRead) -> list[Guarded]:
    """What deleting the interview in this state does to its owner's credits: a refund, a credit used, or nothing."""
    if refundable(interview):
        return [Guarded(users.refund_item(interview.owner_id))]
    if interview.charged:
        return [Guarded(users.consume_item(interview.owner_id))]
    return []
