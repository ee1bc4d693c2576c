"""The code asset: our source minus local tooling, precompiled so Lambda's 1980-dated zip stays fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.constructs.route_functions import RouteFunctions
from infra.packaging import build_lambda_asset

pytestmark = pytest.mark.infra


def _make_source(root: Path) -> Path:
    source = root / "functions"
    for rel in ("__init__.py", "routes.py", "entries/__init__.py", "local/cli.py", "data/local/x.py"):
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text("VALUE = 1\n")
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"stale")
    return source


def test_asset_copies_functions_without_local_tooling_or_stale_bytecode(tmp_path: Path) -> None:
    asset = build_lambda_asset("0.0", source=_make_source(tmp_path), out=tmp_path / "out")
    files = {p.relative_to(asset.path).as_posix() for p in asset.path.rglob("*") if p.is_file()}
    assert files == {
        "functions/__init__.py",
        "functions/routes.py",
        "functions/entries/__init__.py",
        # Only the top-level functions/local is the CLI; a nested `local` package is code.
        "functions/data/local/x.py",
    }
    assert asset.compiled is False  # no Python 0.0 anywhere


def test_rebuild_replaces_the_previous_tree(tmp_path: Path) -> None:
    source = _make_source(tmp_path)
    out = tmp_path / "out"
    build_lambda_asset("0.0", source=source, out=out)
    (source / "routes.py").unlink()
    build_lambda_asset("0.0", source=source, out=out)
    assert not (out / "functions" / "routes.py").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out.")] == []


def test_bytecode_is_unchecked_hash_for_the_runtime_version(tmp_path: Path) -> None:
    """When a matching interpreter exists, every module ships a `.pyc` that Lambda uses as is."""
    version = RouteFunctions.PYTHON_VERSION
    asset = build_lambda_asset(version, source=_make_source(tmp_path), out=tmp_path / "out")
    if not asset.compiled:
        pytest.skip(f"no python{version} on this machine: the asset ships .py only")
    tag = f"cpython-{version.replace('.', '')}"
    modules = list(asset.path.rglob("*.py"))
    assert modules
    for module in modules:
        pyc = module.parent / "__pycache__" / f"{module.stem}.{tag}.pyc"
        # PEP 552 flags word: 0b01 = hash-based with check_source off ("unchecked-hash").
        assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01, pyc
