"""Package the functions' code as a plain asset directory: no Docker, no pip, nothing downloaded.

Dependencies come from the runtime (boto3) and our dependency layer (infra/layer.py: Powertools,
pydantic), so the asset is only our own source. The CDK CLI zips assets with every file dated 1980,
which makes ordinary timestamp-checked `.pyc` files stale on Lambda; `unchecked-hash` bytecode is
used as is. Bytecode records the path it was compiled at (co_filename, shown in tracebacks), so it
is compiled as if at `/var/task`, where Lambda unpacks the asset: two builds of one commit in
different directories give byte-identical trees, hence the same asset hash (CDK hashes relative
paths and contents in sorted order, never mtimes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "functions"
BUILD_DIR = ROOT / ".build" / "lambda"

# Where Lambda unpacks the function's code asset.
TASK_ROOT = "/var/task"

# Only needed by `quollo serve` / `quollo admin`, never by a deployed function.
_EXCLUDED_TOP_LEVEL = {"local"}


@dataclass(frozen=True)
class LambdaAsset:
    path: Path
    compiled: bool  # False when no interpreter matching the Lambda runtime was found


def _ignore_for(source: Path) -> Callable[[str, list[str]], set[str]]:
    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))}
        if Path(directory) == source:
            ignored |= _EXCLUDED_TOP_LEVEL & set(names)
        return ignored

    return ignore


def _candidates(python_version: str) -> list[str]:
    found = [sys.executable] if f"{sys.version_info.major}.{sys.version_info.minor}" == python_version else []
    on_path = shutil.which(f"python{python_version}")
    found += [on_path] if on_path else []
    # pyenv keeps other versions out of PATH (its shim refuses unless selected); use them directly.
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found += sorted(str(p) for p in pyenv_root.glob(f"versions/{python_version}.*/bin/python{python_version}"))
    return found


def interpreter_for(python_version: str) -> str | None:
    """Bytecode is version-specific: a 3.11 `.pyc` is ignored by the 3.12 runtime."""
    probe = f"import sys; sys.exit(sys.version_info[:2] != {tuple(map(int, python_version.split('.')))})"
    for candidate in _candidates(python_version):
        works = subprocess.run(  # noqa: S603 - an interpreter found above, fixed arguments
            [candidate, "-c", probe], capture_output=True, check=False
        )
        if works.returncode == 0:
            return candidate
    return None


def compile_tree(interpreter: str, tree: Path, runtime_path: str) -> None:
    """Precompile `tree` to `unchecked-hash` bytecode that records `runtime_path` as its location.

    `-d` makes co_filename `<runtime_path>/<relative path>` instead of this machine's build path,
    and a fixed PYTHONHASHSEED keeps set constants (`x in {"a", "b"}`) in one order; both would
    otherwise make each build's bytes, and so the asset hash, differ.
    """
    subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            "-d",
            runtime_path,
            "--invalidation-mode",
            "unchecked-hash",
            str(tree),
        ],
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def build_lambda_asset(python_version: str, *, source: Path = SOURCE, out: Path = BUILD_DIR) -> LambdaAsset:
    """Copy `functions/` (minus the local tooling) to `out/functions` and precompile it.

    The tree is built beside `out` and swapped in, so a concurrent synth (pytest-xdist) never
    packages a half-written directory.
    """
    staging = out.with_name(f"{out.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    shutil.copytree(source, staging / source.name, ignore=_ignore_for(source))
    interpreter = interpreter_for(python_version)
    if interpreter is not None:
        compile_tree(interpreter, staging, TASK_ROOT)
    shutil.rmtree(out, ignore_errors=True)
    try:
        staging.rename(out)
    except OSError:
        # Another process swapped in an identical tree first; use it.
        shutil.rmtree(staging, ignore_errors=True)
    return LambdaAsset(path=out, compiled=interpreter is not None)
