"""Deployed functions never fall back to the local table names; the local tools do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from functions.data import schema
from functions.data.settings import MissingSetting, Settings


def test_without_local_defaults_a_missing_name_is_an_error_naming_its_variable() -> None:
    deployed = Settings(environment={schema.USERS.env_var: "Prod-UsersTable-1"}, local_defaults=False)
    assert deployed.users_table == "Prod-UsersTable-1"
    with pytest.raises(MissingSetting, match=schema.INTERVIEWS.env_var):
        _ = deployed.interviews_table
    with pytest.raises(MissingSetting, match=schema.RECORDS_BUCKET_ENV):
        _ = deployed.records_bucket


def test_the_local_tools_fall_back_to_the_names_quollo_serve_provisions() -> None:
    local = Settings(environment={}, local_defaults=True)
    assert (local.interviews_table, local.records_bucket) == ("quollo-interviews", "quollo-records")


def test_a_lambda_cold_start_without_the_bucket_variable_fails_naming_it(tmp_path: Path) -> None:
    # As Lambda runs it: LAMBDA_TASK_ROOT set, the stack's variables missing.
    env = {"LAMBDA_TASK_ROOT": str(tmp_path), "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true"}
    done = subprocess.run(
        [sys.executable, "-c", "import functions.entries.list_plans"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert f"environment variable {schema.RECORDS_BUCKET_ENV} is not set" in done.stderr


def test_a_snapstart_init_builds_the_clients_without_opening_a_connection(tmp_path: Path) -> None:
    # As Lambda runs the init it snapshots: the endpoint is a closed port, so any connection would fail.
    env = {
        "LAMBDA_TASK_ROOT": str(tmp_path),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "POWERTOOLS_TRACE_DISABLED": "true",
        schema.RECORDS_BUCKET_ENV: "records",
    }
    script = (
        "import functions.entries.get_interview\n"
        "from functions.data import aws\n"
        "print([f.cache_info().currsize for f in (aws.dynamodb, aws.s3, aws.secrets_manager, aws.sqs)])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "[1, 1, 1, 1]"), done.stderr


_TWO_RESTORES = """
import random, sys
import snapshot_restore_py
import functions.entries.webhook_delivery, functions.entries.get_interview
snapshot = random.getstate()  # what init left in the generator, frozen in the snapshot
draws = []
for _ in range(2):  # two environments restored from that one snapshot, as the runtime restores them
    random.setstate(snapshot)
    for hook, args, kwargs in snapshot_restore_py.get_after_restore():
        hook(*args, **kwargs)
    draws.append(random.random())
print(len(snapshot_restore_py.get_after_restore()), draws[0] != draws[1])
"""


@pytest.mark.parametrize(("init_type", "expected"), [("snap-start", "1 True"), ("on-demand", "0 False")])
def test_environments_restored_from_one_snapshot_draw_different_numbers(
    tmp_path: Path, init_type: str, expected: str
) -> None:
    """The webhook retry jitter and botocore's backoff use `random`: restored environments must not repeat it."""
    env = {
        "LAMBDA_TASK_ROOT": str(tmp_path),
        "AWS_LAMBDA_INITIALIZATION_TYPE": init_type,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "POWERTOOLS_TRACE_DISABLED": "true",
        schema.RECORDS_BUCKET_ENV: "records",
    }
    done = subprocess.run([sys.executable, "-c", _TWO_RESTORES], env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, expected), done.stderr
