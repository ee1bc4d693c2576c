"""The `quollo` command: `quollo serve`, `quollo admin ...` and `quollo smoke`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from functions.local import admin


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line on stderr, no usage dump: scripts read the first line.
        self.exit(2, f"{self.prog}: {message}\n")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="quollo", description="Quollo interviews API: local server and admin tools")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    serve = commands.add_parser("serve", help="run the API locally on an embedded moto (no AWS account)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--aws-port", type=int, default=8001)
    serve.add_argument("--seed", type=Path, metavar="FILE", help="JSON file of users, tokens and plans")
    serve.add_argument(
        "--state",
        type=Path,
        metavar="DIR",
        help="keep users, tokens, plans, interviews and recordings in DIR across restarts (saved on Ctrl-C)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=_positive_int,
        default=30,
        metavar="SECONDS",
        help="close a connection silent this long, mid-request or between requests (default 30)",
    )
    admin.add_parser(commands)
    smoke = commands.add_parser(
        "smoke",
        help="check a running API over HTTP: plans, a test interview created, read and deleted, a webhook pinged",
    )
    smoke.add_argument("--base", required=True, metavar="URL", help="the API's base URL (the ApiUrl output)")
    smoke.add_argument(
        "--token",
        metavar="TOKEN",
        help="a token of a user with a plan (default: $QUOLLO_TOKEN, which keeps it out of `ps` and shell history)",
    )
    smoke.add_argument(
        "--receiver", metavar="URL", help="also register a webhook at URL, ping it and check the delivery"
    )
    smoke.add_argument("--timeout", type=_positive_int, default=30, metavar="SECONDS", help="per request (default 30)")
    smoke.add_argument(
        "--wait",
        type=_positive_int,
        default=60,
        metavar="SECONDS",
        help="for the ping's delivery attempt to be logged (default 60)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "smoke":  # HTTP only: no AWS settings
        return _smoke(args)
    from functions.data.settings import use_local_defaults

    # The local server and the admin CLI work against the local names unless told otherwise.
    use_local_defaults()
    if args.command == "serve":
        from functions.local.serve import serve

        try:
            return serve(args.host, args.port, args.aws_port, args.seed, args.idle_timeout, args.state)
        except (OSError, json.JSONDecodeError, ValidationError) as exc:
            print(f"quollo serve: cannot start: {_one_line(exc)}", file=sys.stderr)
            return 2
    return _admin(args)


def _smoke(args: argparse.Namespace) -> int:
    from functions.local import smoke

    token = args.token or os.environ.get("QUOLLO_TOKEN", "")
    if not token:
        print("quollo smoke: no token: pass --token or set QUOLLO_TOKEN", file=sys.stderr)
        return 2
    status, failure = smoke.run(args.base, token, args.receiver, args.timeout, args.wait)
    if failure is not None:
        print(f"quollo smoke: {failure}", file=sys.stderr)
    return status


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _admin(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    from functions.models.errors import DomainError

    try:
        result = admin.run(args)
    except DomainError as exc:
        print(f"quollo admin {args.admin_command}: {exc.message}", file=sys.stderr)
        return 1
    except NoRegionError:
        print(
            f"quollo admin {args.admin_command}: no AWS region: set AWS_DEFAULT_REGION (e.g. us-east-1), and "
            "AWS_ENDPOINT_URL=http://127.0.0.1:8001 for the local server",
            file=sys.stderr,
        )
        return 1
    except NoCredentialsError:
        print(
            f"quollo admin {args.admin_command}: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(any values for the local server, with AWS_ENDPOINT_URL pointing at it)",
            file=sys.stderr,
        )
        return 1
    except (ClientError, BotoCoreError) as exc:
        print(f"quollo admin {args.admin_command}: AWS error: {_one_line(exc)}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    if result.get("ok") is False:  # an audit's discrepancies: also one line each for a human or a log
        for found in result["discrepancies"]:
            print(f"quollo admin audit: {found['userId']}: {found['rule']}: {found['detail']}", file=sys.stderr)
        return admin.AUDIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
