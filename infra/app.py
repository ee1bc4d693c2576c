"""CDK entry point (`cdk.json`: `python -m infra.app`): a stage's stacks (infra/stack.py), checked by cdk-nag."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import StageConfig
from infra.constructs.route_functions import RouteFunctions
from infra.layer import LAYER_CACHE, build_dependency_layer, layer_description
from infra.packaging import BUILD_DIR, build_lambda_asset
from infra.stack import QuolloStacks

# Feature flags this code relies on (set here, not only in cdk.json, so tests get them too).
FEATURE_FLAGS: dict[str, Any] = {
    # Server access logs are granted by bucket policy, not the legacy LogDeliveryWrite ACL
    # (ACLs stay disabled: BUCKET_OWNER_ENFORCED).
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    # A function's version hash includes its layers' content, so a release that changes only the
    # dependency layer publishes a new version of every function and moves the `live` aliases
    # (without it the aliases stay on versions that still hold the old layer). Also in cdk.json.
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    # References between the stacks are exports and imports (strong), not Fn::GetStackOutput (weak,
    # CDK's recommendation): CloudFormation then refuses to delete the data stack, or to change or
    # drop a table name, queue or ARN, while another stack still uses it; a weak reference would
    # leave that stack on the old value without a word (docs/decisions.md, 26). Also in cdk.json.
    "@aws-cdk/core:defaultCrossStackReferences": "strong",
}


def build_app(
    context: Mapping[str, Any] | None = None,
    *,
    outdir: str | None = None,
    build_dir: Path = BUILD_DIR,
    layer_cache: Path = LAYER_CACHE,
    prebuilt: tuple[Path, Path] | None = None,
) -> tuple[App, QuolloStacks]:
    """The app and its stage's stacks. `prebuilt` (code directory, layer directory) skips building both:
    for tests that synthesize with assets of their own, e.g. to see what a changed layer publishes."""
    app = App(context={**FEATURE_FLAGS, **(context or {})}, outdir=outdir)
    config = StageConfig.from_context(app.node)
    if prebuilt is None:
        asset = build_lambda_asset(RouteFunctions.PYTHON_VERSION, out=build_dir)
        # Downloads the locked wheels on the first synth only; later synths reuse the cached build.
        layer = build_dependency_layer(RouteFunctions.PYTHON_VERSION, cache=layer_cache)
        code_dir, layer_dir, description = asset.path, layer.path, layer_description(layer)
        compiled = asset.compiled and layer.compiled
    else:
        (code_dir, layer_dir), description, compiled = prebuilt, "Quollo dependencies (prebuilt)", True
    stacks = QuolloStacks(app, config=config, code_dir=code_dir, layer_dir=layer_dir, layer_description=description)
    if not compiled:
        stacks.api_stack.node.add_metadata(
            "quollo:bytecode",
            f"no python{RouteFunctions.PYTHON_VERSION} found: the code asset and layer ship .py only and "
            "Lambda compiles it at each cold start",
        )
    # cdk-nag 3 runs as a policy validation plugin: synth fails with a report on any finding
    # that is not acknowledged; acknowledgments (with their reasons) are written to the template.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))
    return app, stacks


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
