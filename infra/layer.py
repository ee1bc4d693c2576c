"""Build the functions' dependency layer from uv.lock: what the tests run is what Lambda loads.

The layer holds the `dependencies` of pyproject.toml (Powertools with the tracer extra, pydantic,
boto3 and what they need) at exactly the versions in uv.lock. boto3 and botocore are in it too:
the layer comes before the runtime on sys.path, so the functions run the SDK every test runs, not
whichever one the Lambda runtime ships that month (AWS recommends pinning it; the cold start did not
get slower, docs/decisions.md 5). `prune` can still leave them out, for the bench's comparison.

The layer's bytes do not depend on where it is built: the console scripts (whose shebangs hold the
building interpreter's path) are removed and so are their rows in each RECORD, and the bytecode is
compiled as if at /opt/python with a fixed hash seed (infra/packaging.py).

Wheels are installed for Lambda's interpreter and platform (CPython 3.12, manylinux2014 aarch64)
by uv, without Docker: every locked package has a binary wheel, so nothing is built. The first
build downloads the wheels (uv keeps them in its cache); the result is cached under
`.build/layers/<platform>-<key>`, where the key hashes the exported requirements, the platform,
the Python version and this module's source, so later synths reuse it offline.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import tomllib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.packaging import ROOT, compile_tree, interpreter_for

LAYER_CACHE = ROOT / ".build" / "layers"
# Lambda's arm64 functions run on Amazon Linux 2023 (glibc 2.34); manylinux2014 wheels load there.
LAMBDA_PLATFORM = "aarch64-manylinux2014"
# The SDK the Lambda runtime also provides. Shipped in the layer (the default prune is empty); the
# cold-start bench prunes it, with what only it needs, to compare with the runtime's copy.
RUNTIME_PROVIDED = ("boto3", "botocore")
# Where Lambda mounts a layer's `python/` directory; bytecode records paths under it.
LAYER_MOUNT = "/opt/python"
# Part of the cache key: a change to how the layer is built invalidates every cached layer.
_BUILDER_SOURCE = Path(__file__).read_bytes()


@dataclass(frozen=True)
class DependencyLayer:
    path: Path  # the layer root; the packages are in `path / "python"`
    key: str
    requirements: str  # the exported, pinned requirements the layer was built from
    built: bool  # False when the layer came from the cache
    compiled: bool  # False when no interpreter matching the runtime was found

    @property
    def site(self) -> Path:
        return self.path / "python"


def uv_executable(root: Path = ROOT) -> str:
    """The pinned uv that `make` installs into `.tools`, else one on PATH."""
    pinned = root / ".tools" / "bin" / "uv"
    if pinned.exists():
        return str(pinned)
    found = shutil.which("uv")
    if found is None:
        raise RuntimeError("uv not found: run `make dev` (it installs the pinned uv into .tools/bin)")
    return found


def host_platform() -> str:
    """uv's name for this machine's Linux platform, for a layer whose native code loads here."""
    return f"{platform.machine()}-manylinux2014"


def locked_requirements(root: Path = ROOT, prune: Sequence[str] = ()) -> str:
    """The project's runtime dependencies from uv.lock, pinned and hashed, minus `prune` and what only it needs."""
    prune_args = [arg for name in prune for arg in ("--prune", name)]
    result = subprocess.run(  # noqa: S603 - the pinned uv, fixed arguments
        [
            uv_executable(root),
            "export",
            "--frozen",
            "--no-dev",
            "--no-emit-project",
            "--no-header",
            "--no-annotate",
            "--format",
            "requirements.txt",
            *prune_args,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        # Make's UV_PROJECT_ENVIRONMENT and the like do not change what is exported; nothing here
        # may create or sync an environment.
        env={**os.environ, "UV_NO_SYNC": "1"},
    )
    return result.stdout


def layer_key(requirements: str, target_platform: str, python_version: str, compiled: bool) -> str:
    digest = hashlib.sha256()
    for part in (requirements.encode(), target_platform.encode(), python_version.encode(), bytes([compiled])):
        digest.update(len(part).to_bytes(8, "big") + part)
    digest.update(_BUILDER_SOURCE)
    return digest.hexdigest()[:20]


def build_dependency_layer(
    python_version: str,
    *,
    target_platform: str = LAMBDA_PLATFORM,
    cache: Path = LAYER_CACHE,
    root: Path = ROOT,
    prune: Sequence[str] = (),
) -> DependencyLayer:
    """Install the locked dependencies (less `prune`) into `<cache>/<platform>-<key>/python`, or reuse that build."""
    requirements = locked_requirements(root, prune)
    interpreter = interpreter_for(python_version)
    key = layer_key(requirements, target_platform, python_version, interpreter is not None)
    out = cache / f"{target_platform}-{key}"
    if (out / "python").is_dir():
        return DependencyLayer(out, key, requirements, built=False, compiled=interpreter is not None)

    cache.mkdir(parents=True, exist_ok=True)
    staging = cache / f".{out.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    site = staging / "python"
    site.mkdir(parents=True)
    requirements_file = staging.with_suffix(".txt")
    requirements_file.write_text(requirements)
    try:
        subprocess.run(  # noqa: S603 - the pinned uv, fixed arguments
            [
                uv_executable(root),
                "pip",
                "install",
                "--quiet",
                # The export is the whole closure (hash-checked); resolving again could only add
                # a pruned botocore back (aws-xray-sdk requires it) or drift from the lock.
                "--no-deps",
                "--require-hashes",
                "--only-binary",
                ":all:",
                "--python-version",
                python_version,
                "--python-platform",
                target_platform,
                # Copies, not hard links into uv's cache: the layer must not change if the cache does.
                "--link-mode",
                "copy",
                "--target",
                str(site),
                "--requirement",
                str(requirements_file),
            ],
            cwd=root,
            check=True,
            env={**os.environ, "UV_NO_PROGRESS": "1"},
        )
        # Console scripts carry this machine's interpreter path and are never run in Lambda.
        shutil.rmtree(site / "bin", ignore_errors=True)
        forget_removed_scripts(site)
        if interpreter is not None:
            compile_tree(interpreter, site, LAYER_MOUNT)
        try:
            staging.rename(out)
        except OSError:
            # A concurrent synth (pytest-xdist) finished the same build first; theirs is identical.
            pass
    finally:
        requirements_file.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    return DependencyLayer(out, key, requirements, built=True, compiled=interpreter is not None)


def forget_removed_scripts(site: Path) -> None:
    """Drop the rows of the removed `bin/` scripts from every `*.dist-info/RECORD`.

    Each row holds the script's hash, and the script's shebang the path of the interpreter uv
    installed with (the venv's, pyenv's, a CI runner's): kept, they would make the layer's bytes,
    and so its asset hash and every function version, depend on where it was built. Without them
    RECORD lists exactly the files the layer holds.
    """
    for record in sorted(site.glob("*.dist-info/RECORD")):
        rows = record.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [row for row in rows if not row.startswith(("bin/", "../"))]
        if kept != rows:
            record.write_text("".join(kept), encoding="utf-8")


def installed_versions(site: Path) -> dict[str, str]:
    """Normalized distribution name -> version, read from each `*.dist-info/METADATA` in `site`."""
    versions: dict[str, str] = {}
    for metadata in sorted(site.glob("*.dist-info/METADATA")):
        fields = dict(
            line.split(": ", 1) for line in metadata.read_text().split("\n\n", 1)[0].splitlines() if ": " in line
        )
        versions[normalize(fields["Name"])] = fields["Version"]
    return versions


def locked_versions(root: Path = ROOT) -> dict[str, str]:
    """Normalized name -> version of every package in uv.lock locked at a single version."""
    lock = tomllib.loads((root / "uv.lock").read_text())
    versions: dict[str, set[str]] = {}
    for package in lock["package"]:
        versions.setdefault(normalize(package["name"]), set()).add(package["version"])
    return {name: found.pop() for name, found in versions.items() if len(found) == 1}


def normalize(name: str) -> str:
    """PEP 503 name normalization, as in uv.lock and the exported requirements."""
    return "-".join(part for part in name.lower().replace("_", "-").replace(".", "-").split("-") if part)


def pinned_versions(requirements: str) -> dict[str, str]:
    """Normalized name -> version of each `name==version` line of an exported requirements file."""
    pins: dict[str, str] = {}
    for line in requirements.splitlines():
        spec = line.split(";", 1)[0].strip().rstrip("\\").strip()
        if "==" in spec and not spec.startswith(("#", "--")):
            name, version = spec.split("==", 1)
            pins[normalize(name.split("[", 1)[0])] = version.strip()
    return pins


def layer_description(layer: DependencyLayer, target_platform: str = LAMBDA_PLATFORM) -> str:
    """What the deployed layer holds, readable in the console (Lambda allows 256 characters)."""
    pins = pinned_versions(layer.requirements)
    shown = ", ".join(f"{name} {pins[name]}" for name in ("aws-lambda-powertools", "pydantic", "boto3") if name in pins)
    return f"Quollo dependencies from uv.lock ({target_platform}): {shown}; {len(pins)} packages"[:256]
