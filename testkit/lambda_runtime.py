"""What the Lambda runtime itself provides, for running what ships as Lambda does (bench, infra tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from infra.layer import installed_versions, locked_versions, uv_executable
from infra.packaging import interpreter_for


def install_runtime_sdk(target: Path, python_version: str) -> dict[str, str]:
    """boto3/botocore as the Python runtime provides them, in a folder of their own; their versions.

    AWS no longer publishes the runtime's boto3 version (it changes by region and date), so uv.lock's
    boto3/botocore stand in for it, their dependencies constrained to the lock's versions too.
    Precompiled with ordinary timestamp bytecode and left with their real dates, as pip installs
    them in the runtime image (not a CDK zip: the .pyc stay valid).
    """
    locked = locked_versions()
    target.mkdir(parents=True, exist_ok=True)
    constraints = target.parent / f"{target.name}-constraints.txt"  # beside the SDK, never on sys.path
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in sorted(locked.items())))
    subprocess.run(  # noqa: S603 - the pinned uv, fixed arguments
        [
            uv_executable(),
            "pip",
            "install",
            "--quiet",
            "--python-version",
            python_version,
            "--target",
            str(target),
            "--constraint",
            str(constraints),
            f"boto3=={locked['boto3']}",
            f"botocore=={locked['botocore']}",
        ],
        check=True,
        env={**os.environ, "UV_NO_PROGRESS": "1"},
    )
    shutil.rmtree(target / "bin", ignore_errors=True)
    interpreter = interpreter_for(python_version)
    if interpreter is not None:
        subprocess.run([interpreter, "-m", "compileall", "-q", str(target)], check=True)  # noqa: S603 - our interpreter
    return installed_versions(target)
