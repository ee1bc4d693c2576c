"""What the candidate and job routes' error statuses mean (functions/runtime/openapi_docs.py)."""

from __future__ import annotations

CANDIDATE_ERRORS = {
    400: "`validation_failed`: a missing, unknown or invalid field or query parameter, or a job that "
    "does not exist or is not yours",
    404: "`not_found`: the candidate does not exist or belongs to another user",
    409: "`conflict`: another candidate of yours has this externalId (the details name it), "
    "`resource_in_use`: interviews reference the candidate, or `concurrent_update`",
}
JOB_ERRORS = {
    404: "`not_found`: the job does not exist or belongs to another user",
    409: "`conflict`: another job of yours has this externalId (the details name it), "
    "`resource_in_use`: interviews or candidates reference the job, or `concurrent_update`",
}
