"""docs/deploy.md keeps up with the stack: every output is documented, every name `quollo admin` needs is exported."""

from __future__ import annotations

import re

import pytest

from functions.data import schema
from testkit.synth import ROOT, Synth

pytestmark = pytest.mark.infra

DEPLOY_MD = ROOT / "docs" / "deploy.md"


def test_every_stack_output_is_documented(dev: Synth) -> None:
    text = DEPLOY_MD.read_text(encoding="utf-8")
    # Ours, in every stack; not the exports CDK adds for the references between the stacks.
    outputs = sorted(
        name for t in dev.templates for name, output in t.json.get("Outputs", {}).items() if "Export" not in output
    )
    assert outputs, "the dev templates have no outputs"
    missing = [name for name in outputs if not re.search(rf"`{re.escape(name)}`", text)]
    assert not missing, f"stack outputs not documented in docs/deploy.md: {missing}"


def test_admin_snippet_exports_every_name() -> None:
    # quollo admin falls back to the local names for a variable that is not set, so the snippet
    # that points it at a deployed stack must export each one.
    text = DEPLOY_MD.read_text(encoding="utf-8")
    variables = [spec.env_var for spec in schema.TABLES] + [
        schema.RECORDS_BUCKET_ENV,
        schema.CURSOR_SECRET_ENV,
        schema.EVENT_BUS_ENV,
        schema.PROCESSING_DLQ_ENV,
    ]
    missing = [name for name in variables if not re.search(rf"^export {name}=\$\(out \w+\)$", text, re.MULTILINE)]
    assert not missing, f"not exported from the stack outputs in docs/deploy.md: {missing}"
