"""CDK entry point (`cdk.json`: `python -m infra.app`): one stack per stage, checked by cdk-nag."""

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
from infra.stack import QuolloStack

# Feature flags this code relies on (set here, not only in cdk.json, so tests get them too).
FEATURE_FLAGS: dict[str, Any] = {
    # Server access logs are granted by bucket policy, not the legacy LogDeliveryWrite ACL
    # (ACLs stay disabled: BUCKET_OWNER_ENFORCED).
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}


def build_app(
    context: Mapping[str, Any] | None = None,
    *,
    outdir: str | None = None,
    build_dir: Path = BUILD_DIR,
    layer_cache: Path = LAYER_CACHE,
) -> tuple[App, QuolloStack]:
    app = App(context={**FEATURE_FLAGS, **(context or {})}, outdir=outdir)
    config = StageConfig.from_context(app.node)
    asset = build_lambda_asset(RouteFunctions.PYTHON_VERSION, out=build_dir)
    # Downloads the locked wheels on the first synth only; later synths reuse the cached build.
    layer = build_dependency_layer(RouteFunctions.PYTHON_VERSION, cache=layer_cache)
    stack = QuolloStack(
        app,
        f"Quollo-{config.stage}",
        config=config,
        code_dir=asset.path,
        layer_dir=layer.path,
        layer_description=layer_description(layer),
        description=f"Quollo interviews API ({config.stage})",
    )
    if not (asset.compiled and layer.compiled):
        stack.node.add_metadata(
            "quollo:bytecode",
            f"no python{RouteFunctions.PYTHON_VERSION} found: the code asset and layer ship .py only and "
            "Lambda compiles it at each cold start",
        )
    # cdk-nag 3 runs as a policy validation plugin: synth fails with a report on any finding
    # that is not acknowledged; acknowledgments (with their reasons) are written to the template.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
