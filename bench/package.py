"""Package size: the Lambda code asset built the way infra does (infra/packaging.py), zipped."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any

from bench.coldstart import ROUTE_NAMES
from bench.common import progress

LAMBDA_PYTHON = "3.12"  # infra/constructs/route_functions.py: RouteFunctions.PYTHON_VERSION


def measure() -> dict[str, Any]:
    from infra.packaging import build_lambda_asset

    progress("package: building the Lambda code asset with infra.packaging.build_lambda_asset")
    with tempfile.TemporaryDirectory(prefix="quollo-bench-asset-") as tmp:
        asset = build_lambda_asset(LAMBDA_PYTHON, out=Path(tmp) / "lambda")
        files = [p for p in sorted(asset.path.rglob("*")) if p.is_file()]
        raw = sum(p.stat().st_size for p in files)
        pyc = sum(p.stat().st_size for p in files if p.suffix == ".pyc")
        archive = Path(tmp) / "asset.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            for path in files:
                info = zipfile.ZipInfo(str(path.relative_to(asset.path)), date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zipped.writestr(info, path.read_bytes())
        zipped_size = archive.stat().st_size
    kb = round(zipped_size / 1024, 1)
    return {
        "compiled_for_lambda_python": asset.compiled,
        "lambda_python": LAMBDA_PYTHON,
        "files": len(files),
        "unzipped_kb": round(raw / 1024, 1),
        "pyc_kb": round(pyc / 1024, 1),
        "zipped_kb": kb,
        "functions": len(ROUTE_NAMES),
        "per_function_kb": dict.fromkeys(ROUTE_NAMES, kb),
        "shared_asset": True,
        "total_deployed_kb": kb,
        "note": "one asset shared by every function: CDK uploads it once; each function's code size is the "
        "same zip. Powertools, pydantic and the X-Ray SDK come from the public Powertools layer and boto3 from "
        "the runtime, so they are not in the asset.",
    }
