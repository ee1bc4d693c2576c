"""Property tests for the credit rules, over any sequence of operations hypothesis can find.

The model is the rule the API reference states: balance = initial + top-ups - charged creates +
refunds of deleted PENDING interviews, never below zero. Every step goes through the handlers
(the same event shape as API Gateway) on moto; the model only predicts what a client would see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test

from functions.data import users
from functions.domain import accounts
from functions.domain import interviews as lifecycle
from testkit.accounts import AccountFactory, create_body
from testkit.handlers import Api


@dataclass
class Tracked:
    id: str
    charged: bool
    status: str = "PENDING"


@dataclass
class Model:
    balance: int
    by_key: dict[str, dict[str, object]] = field(default_factory=dict)


def _machine(api: Api, account: AccountFactory) -> type[RuleBasedStateMachine]:
    class Credits(RuleBasedStateMachine):
        interviews = Bundle("interviews")

        def __init__(self) -> None:
            super().__init__()
            self.initial = 2
            self.acc = account(credits=self.initial)
            self.model = Model(balance=self.initial)

        def _body(self, is_test: bool) -> dict[str, object]:
            body: dict[str, object] = create_body(self.acc.plan_id, "t")
            if is_test:
                body["isTest"] = True
            return body

        @rule(target=interviews, is_test=st.booleans(), key=st.sampled_from([None, "k1", "k2"]))
        def create(self, is_test: bool, key: str | None) -> Tracked | None:
            body = self._body(is_test)
            headers = {"Idempotency-Key": key} if key else None
            reply = api.call("POST", "/v1/interviews", token=self.acc.token, body=body, headers=headers)
            if key and key in self.model.by_key:
                first = self.model.by_key[key]
                if first["body"] == body:
                    assert (reply.status, reply.json()) == (first["status"], first["reply"]), "replayed"
                else:
                    assert (reply.status, reply.json()["error"]["code"]) == (422, "idempotency_key_reused")
                return None
            if not is_test and self.model.balance == 0:
                assert (reply.status, reply.json()["error"]["code"]) == (402, "insufficient_balance")
                outcome = None
            else:
                assert reply.status == 201, reply.body
                self.model.balance -= 0 if is_test else 1
                assert reply.json()["balanceAfter"] == self.model.balance
                outcome = Tracked(reply.json()["id"], charged=not is_test, status="FINISHED" if is_test else "PENDING")
            if key:
                # A 402 is not stored: Powertools keeps only completed responses, so a retry may succeed.
                if outcome is not None:
                    self.model.by_key[key] = {"body": body, "status": reply.status, "reply": reply.json()}
            return outcome

        @rule(interview=consumes(interviews))
        def delete(self, interview: Tracked | None) -> None:
            if interview is None:
                return
            reply = api.call("DELETE", f"/v1/interviews/{interview.id}", token=self.acc.token)
            assert reply.status == 200, reply.body
            refunded = interview.charged and interview.status == "PENDING"
            assert reply.json()["refunded"] is refunded
            if refunded:
                self.model.balance += 1
                assert reply.json()["balanceAfter"] == self.model.balance
            again = api.call("DELETE", f"/v1/interviews/{interview.id}", token=self.acc.token)
            assert again.status == 404, "a second delete neither succeeds nor refunds"

        @rule(interview=interviews)
        def advance(self, interview: Tracked | None) -> None:
            if interview is None or interview.status == "FINISHED":
                return
            if interview.status == "PENDING":
                lifecycle.start(interview.id)
                interview.status = "IN_PROGRESS"
            else:
                lifecycle.finish(interview.id)
                interview.status = "FINISHED"

        @rule(amount=st.integers(min_value=1, max_value=3))
        def top_up(self, amount: int) -> None:
            assert accounts.add_credits(self.acc.user_id, amount) == self.model.balance + amount
            self.model.balance += amount

        @invariant()
        def balance_matches_the_rule_and_is_never_negative(self) -> None:
            if hasattr(self, "acc"):
                balance = users.get_balance(self.acc.user_id)
                assert balance == self.model.balance >= 0

    return Credits


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_balance_follows_the_credit_rules_for_any_sequence(api: Api, account: AccountFactory) -> None:
    machine = _machine(api, account)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            database=None,
        ),
    )
