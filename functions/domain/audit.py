"""The reconciliation of what the store holds: credits and reference counts that add up, nothing dangling.

For each user, from strongly consistent reads:
- the balance: never negative, equal to granted - consumed - the charged interviews that exist
  (functions/data/users.py says what the counters count), and to the sum of its ledger entries;
- every candidate's `refs` equals the interviews that point at it; every job's equals the interviews
  and the candidate links that point at it;
- no interview points at a missing candidate or job;
- every externalId is held by its entity and every entity's externalId by a holder item;
- every link item matches a candidate's job, and every candidate's job has its link item.

The reads are not one snapshot: a write landing during the audit can look like a discrepancy. So a
user found inconsistent is read again once, and only what the second reading confirms is reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from functions.data import interviews as interview_store
from functions.data import ledger, users
from functions.data import talent as talent_store
from functions.models.entities.interviews import Interview
from functions.models.errors import UnknownUser
from functions.records import record


@record
class Discrepancy:
    user_id: str
    rule: str  # a short name: balance, refs, dangling, external-id, link
    detail: str  # what was found, with the ids involved

    def as_dict(self) -> dict[str, str]:
        return {"userId": self.user_id, "rule": self.rule, "detail": self.detail}


@record
class Report:
    users: int
    interviews: int
    discrepancies: list[Discrepancy]


def audit(user_id: str | None = None) -> Report:
    """Check one user (or every user) and report the discrepancies a second reading confirms."""
    if user_id is not None:
        found = users.credits_of(user_id)
        if found is None:
            raise UnknownUser(f"user {user_id} does not exist")
        everyone = [found]
    else:
        everyone = list(users.every_credits())
    by_owner: dict[str, list[Interview]] = {}
    for interview in interview_store.every_interview(user_id):
        by_owner.setdefault(interview.owner_id, []).append(interview)
    confirmed: list[Discrepancy] = []
    for credits in everyone:
        owner = credits.user_id
        if list(check(credits, by_owner.get(owner, []), talent_store.holdings(owner), ledger.total(owner))):
            again = users.credits_of(owner)
            if again is not None:
                owned = list(interview_store.every_interview(owner))
                confirmed += check(again, owned, talent_store.holdings(owner), ledger.total(owner))
    return Report(len(everyone), sum(len(owned) for owned in by_owner.values()), confirmed)


def check(
    credits: users.Credits, interviews: Iterable[Interview], talent: talent_store.Holdings, ledger_total: int
) -> Iterator[Discrepancy]:
    """Every rule of this module over one user's credits, interviews and talent."""
    user = credits.user_id
    owned = list(interviews)

    def found(rule: str, detail: str) -> Discrepancy:
        return Discrepancy(user, rule, detail)

    charged = [i.id for i in owned if i.charged]
    if credits.balance < 0:
        yield found("balance", f"balance {credits.balance} is negative")
    if credits.granted is None:
        yield found("balance", "no granted counter (a user stored before it was kept): the balance cannot be checked")
    elif credits.balance != credits.granted - credits.consumed - len(charged):
        yield found(
            "balance",
            f"balance {credits.balance} != granted {credits.granted} - consumed {credits.consumed}"
            f" - {len(charged)} charged interviews ({', '.join(sorted(charged)) or 'none'})",
        )

    if credits.granted is not None and ledger_total != credits.balance:
        yield found("ledger", f"balance {credits.balance} != {ledger_total}, the sum of the ledger's entries")

    candidates = {stored.entity.id: stored for stored in talent.candidates}
    jobs = {stored.entity.id: stored for stored in talent.jobs}
    pointing: Counter[tuple[str, str]] = Counter()
    for interview in owned:
        for kind, entity_id, known in (
            ("candidate", interview.candidate_id, candidates),
            ("job", interview.job_id, jobs),
        ):
            if entity_id is None:
                continue
            pointing[(kind, entity_id)] += 1
            if entity_id not in known:
                yield found("dangling", f"interview {interview.id} points at missing {kind} {entity_id}")
    for job_id, _ in talent.links:
        pointing[("job", job_id)] += 1
    kinds: tuple[tuple[talent_store.Kind, dict[str, Any]], ...] = (("candidate", candidates), ("job", jobs))
    for kind, known_entities in kinds:
        for entity_id, stored in known_entities.items():
            expected = pointing[(kind, entity_id)]
            if stored.refs != expected:
                yield found("refs", f"{kind} {entity_id} has refs={stored.refs}, but {expected} point at it")

    for (kind, external_id), holder in talent.holders.items():
        entity = (candidates if kind == "candidate" else jobs).get(holder)
        if entity is None or entity.entity.external_id != external_id:
            yield found(
                "external-id", f'{kind} externalId "{external_id}" is held for {holder}, which does not have it'
            )
    for kind, known_entities in kinds:
        for entity_id, stored in known_entities.items():
            external_id = stored.entity.external_id
            if external_id is not None and talent.holders.get((kind, external_id)) != entity_id:
                yield found("external-id", f'{kind} {entity_id} has externalId "{external_id}" without its holder item')

    declared = {(job_id, c.entity.id) for c in talent.candidates for job_id in c.entity.job_ids}
    for job_id, candidate_id in sorted(talent.links - declared):
        yield found("link", f"link job {job_id} / candidate {candidate_id} matches no candidate's jobs")
    for job_id, candidate_id in sorted(declared - talent.links):
        yield found("link", f"candidate {candidate_id} lists job {job_id} without its link item")
    for job_id, candidate_id in sorted(declared):
        if job_id not in jobs:
            yield found("dangling", f"candidate {candidate_id} lists missing job {job_id}")
