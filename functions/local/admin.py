"""`quollo admin`: users, tokens, credits, plans and the interview lifecycle.

Works against whatever endpoint boto3 is pointed at: the local server (AWS_ENDPOINT_URL) or a
deployed stack (table and bucket names from the QUOLLO_* variables, credentials as usual).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from functions.data.tokens import DEFAULT_RATE_LIMIT
from functions.domain import accounts, audit, interviews, plans, post_processing
from functions.models.entities.interviews import Interview
from functions.models.errors import ValidationFailed
from functions.models.read_api import plan_public
from functions.models.views import interview_public
from functions.models.vocabulary import SENIORITIES

# The exit status of an audit that found discrepancies: told apart from 1, a command that failed.
AUDIT_FAILED = 3


def _interview(interview: Interview) -> dict[str, Any]:
    body = interview_public(interview).model_dump()
    body["record"] = {"status": interview.record.status.value} if interview.record else None
    return body


def _json_list(path: Path, what: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"cannot read {what} from {path}: {exc}") from exc
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValidationFailed(f"{what} file {path} must hold a JSON list of objects")
    return value


def _read_video(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"cannot read video from {path}: {exc.strerror}") from exc


def _json_object(path: Path, what: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"cannot read {what} from {path}: {exc}") from exc
    if not isinstance(value, dict):
        raise ValidationFailed(f"{what} file {path} must hold a JSON object")
    return value


def _analysis(detail: dict[str, Any]) -> Any:
    """The Analysis Completed model the analysis handler validates with; ValidationFailed naming the faults."""
    from pydantic import ValidationError

    from functions.entries.analysis_completed import parse
    from functions.models.post_processing import ANALYSIS_COMPLETED

    try:
        return parse(json.dumps({"detail-type": ANALYSIS_COMPLETED, "detail": detail}))
    except (ValueError, ValidationError) as exc:
        raise ValidationFailed(f"not a valid Analysis Completed event: {exc}") from exc


def _process(args: argparse.Namespace) -> dict[str, Any]:
    if args.video is not None:
        # As the room's pre-signed PUT stores it: the bucket's notification also processes it.
        from functions.data import recordings

        kind = "video/webm" if args.video.suffix.lower() == ".webm" else "video/mp4"
        recordings.put_video(post_processing.recording_key(args.id), _read_video(args.video), kind)
    return _interview(post_processing.process(args.id))


def _put_analysis(args: argparse.Namespace) -> dict[str, Any]:
    from functions.data.post_processing import publish
    from functions.models.post_processing import ANALYSIS_COMPLETED, ANALYSIS_SOURCE

    detail = {**_json_object(args.file, "results"), "interviewId": args.id}
    event = _analysis(detail)
    event_id = publish(ANALYSIS_SOURCE, ANALYSIS_COMPLETED, event.model_dump())
    return {"eventId": event_id, "interviewId": args.id, "detailType": ANALYSIS_COMPLETED}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Carry out one admin command; the result is printed as one JSON object."""
    command = args.admin_command
    if command == "create-user":
        user = accounts.create_user(args.name, args.credits)
        return {"userId": user.id, "balance": user.balance}
    if command == "create-token":
        token_id, token = accounts.create_token(args.user_id, rate_limit=args.rate_limit)
        return {"tokenId": token_id, "token": token, "rateLimit": args.rate_limit}
    if command == "set-rate-limit":
        accounts.set_rate_limit(args.token_id, args.rate_limit)
        return {"tokenId": args.token_id, "rateLimit": args.rate_limit}
    if command == "list-tokens":
        listed = accounts.list_tokens(args.user_id)
        return {
            "tokens": [
                {
                    "tokenId": t.token_id,
                    "createdAt": t.created_at,
                    "revoked": t.revoked_at is not None,
                    "revokedAt": t.revoked_at,
                    "rateLimit": t.rate_limit,
                }
                for t in listed
            ]
        }
    if command == "revoke-token":
        accounts.revoke_token(args.token_id)
        return {"revoked": True}
    if command == "add-credits":
        return {"balance": accounts.add_credits(args.user_id, args.amount)}
    if command == "create-plan":
        plan = plans.create(args.user_id, args.name, args.tag or [], args.seniority, args.language)
        return plan_public(plan).model_dump()
    if command == "audit":
        report = audit.audit(args.user_id)
        found = [d.as_dict() for d in report.discrepancies]
        return {"ok": not found, "users": report.users, "interviews": report.interviews, "discrepancies": found}
    if command == "start":
        return _interview(interviews.start(args.id))
    if command == "finish":
        return _interview(interviews.finish(args.id))
    if command == "process":
        return _process(args)
    if command == "ready":
        results = _json_list(args.results, "results")
        participants = _json_list(args.participants, "participants")
        detail = {"interviewId": args.id, "summary": args.summary, "results": results, "participants": participants}
        return _interview(post_processing.analysis_completed(_analysis(detail)))
    if command == "analysis-completed":
        return _put_analysis(args)
    raise ValidationFailed(f"unknown admin command {command}")


def add_parser(subcommands: Any) -> None:
    admin = subcommands.add_parser("admin", help="manage users, tokens, credits, plans and interviews")
    commands = admin.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")

    user = commands.add_parser("create-user", help="create a user -> {userId, balance}")
    user.add_argument("--name", required=True)
    user.add_argument("--credits", type=int, default=0)

    token = commands.add_parser("create-token", help="issue a token -> {tokenId, token, rateLimit}")
    token.add_argument("user_id", metavar="USER_ID")
    token.add_argument(
        "--rate-limit", type=int, default=DEFAULT_RATE_LIMIT, metavar="N", help="requests a minute (default 120)"
    )

    limit = commands.add_parser("set-rate-limit", help="change a token's budget -> {tokenId, rateLimit}")
    limit.add_argument("token_id", metavar="TOKEN_ID")
    limit.add_argument("rate_limit", type=int, metavar="N")

    listing = commands.add_parser("list-tokens", help="a user's tokens -> {tokens: [{tokenId, createdAt, revoked}]}")
    listing.add_argument("user_id", metavar="USER_ID")

    revoke = commands.add_parser("revoke-token", help="revoke a token -> {revoked}")
    revoke.add_argument("token_id", metavar="TOKEN_ID")

    credits = commands.add_parser("add-credits", help="add credits -> {balance}")
    credits.add_argument("user_id", metavar="USER_ID")
    credits.add_argument("amount", metavar="N", type=int)

    check = commands.add_parser(
        "audit",
        help="check credits and references add up, read-only -> {ok, users, interviews, discrepancies}; "
        f"exits {AUDIT_FAILED} on any discrepancy",
    )
    check.add_argument("user_id", metavar="USER_ID", nargs="?", help="one user (default: every user)")

    plan = commands.add_parser("create-plan", help="create a plan -> plan object")
    plan.add_argument("user_id", metavar="USER_ID")
    plan.add_argument("--name", required=True)
    plan.add_argument("--tag", action="append", metavar="T")
    plan.add_argument("--seniority", choices=SENIORITIES, metavar="|".join(SENIORITIES))
    plan.add_argument("--language", default="EN", metavar="L")

    for name, text in (
        ("start", "PENDING -> IN_PROGRESS, as the room's start (a no-op while IN_PROGRESS)"),
        ("finish", "IN_PROGRESS -> FINISHED, record IDLE, as the room's finish (a no-op once FINISHED)"),
    ):
        step = commands.add_parser(name, help=text)
        step.add_argument("id", metavar="ID")

    process = commands.add_parser(
        "process",
        help="record IDLE -> PROCESSING as the recording's upload does: checks the stored video (mp4/webm, "
        "at most 2 GiB) and publishes Recording Uploaded on the bus",
    )
    process.add_argument("id", metavar="ID")
    process.add_argument(
        "--video", type=Path, metavar="FILE", help="store FILE as the recording first (.webm: video/webm, else mp4)"
    )

    ready = commands.add_parser(
        "ready", help="record PROCESSING -> READY with these results, as an Analysis Completed event does"
    )
    ready.add_argument("id", metavar="ID")
    ready.add_argument("--summary", required=True)
    ready.add_argument("--results", required=True, type=Path, metavar="FILE")
    ready.add_argument("--participants", required=True, type=Path, metavar="FILE")

    analysis = commands.add_parser(
        "analysis-completed",
        help="put an Analysis Completed event on the bus, as the analysis service does -> {eventId}",
    )
    analysis.add_argument("id", metavar="ID")
    analysis.add_argument(
        "--file", required=True, type=Path, metavar="FILE", help="JSON object: {summary, results, participants}"
    )
