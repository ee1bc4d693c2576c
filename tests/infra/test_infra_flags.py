"""Every CDK feature flag is decided: the CLI finds none unconfigured in what the tests synthesize.

A flag left unset keeps CDK's old behaviour silently (a changed layer that published no version
went unnoticed that way), and an aws-cdk-lib upgrade brings new ones: this fails until cdk.json
takes a position on each (docs/decisions.md, 9).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from testkit.synth import Synth

ROOT = Path(__file__).resolve().parents[2]
CDK = ROOT / "node_modules" / ".bin" / "cdk"


def test_no_feature_flag_is_left_unconfigured(prod: Synth) -> None:
    assert CDK.exists(), "run `make dev` (npm ci installs the CDK CLI into node_modules)"
    env = os.environ | {"PATH": f"{CDK.parent}{os.pathsep}{os.environ['PATH']}", "CDK_DISABLE_VERSION_CHECK": "1"}
    shown = subprocess.run(
        [CDK, "flags", "--unstable=flags", "--app", str(prod.outdir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    said = shown.stdout + shown.stderr  # the CLI prints its table on stderr
    assert "All feature flags are already set to their recommended values" in said, said
