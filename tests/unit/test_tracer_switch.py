"""The Tracer exists only where it traces, so that a disabled Tracer costs no X-Ray SDK import."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

_PROBE = (
    "import json, sys; from functions.runtime import observability as o; "
    "print(json.dumps([o.tracer is not None, 'aws_xray_sdk' in sys.modules]))"
)


def _probe(env: dict[str, str]) -> list[bool]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "LAMBDA_", "AWS_SAM", "AWS_CHAL"))}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    probed: list[bool] = json.loads(done.stdout)
    return probed


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, [False, False]),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, [True, True]),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, [False, False]),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, [False, False]),
    ],
    ids=["outside-lambda", "in-lambda", "disabled-by-the-stack", "sam-local"],
)
def test_tracer_is_built_only_where_it_traces(env: dict[str, str], expected: list[bool]) -> None:
    assert _probe(env) == expected
