"""Cold start with boto3/botocore in our layer (uv.lock's, what ships) vs the runtime's (what shipped before).

`python -m bench.sdk_layer --routes list_plans,create_interview,get_interview --runs 5`: an A/B in the
same interleaved rounds, with coldstart.py's children and layout (a fresh `python3.12 -I -S -B` per
cold start, the shipped code asset at var/task, the layer at opt/python, the runtime's SDK at
var/runtime) and its boto3 GetItem floor. The two layouts differ only in where boto3 comes from:

- `sdk-in-layer`: the layer built from uv.lock *with* boto3/botocore (and urllib3, s3transfer, ...),
  precompiled like the rest of the layer (unchecked-hash); it comes before var/runtime on sys.path,
  so the runtime's copy is never imported;
- `runtime-sdk`: the layer without them, boto3 from var/runtime (timestamp .pyc, as pip installs it
  in the runtime image): the layout before.

Each child checks where boto3 came from. Prints, per route and layout, the median cold start with
its min–max, its ratio to the floor's median, and the paired difference (sdk-in-layer minus
runtime-sdk within each round: median and min–max).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import coldstart, world
from bench.common import median, moto_process, ms, progress, use_aws_env
from infra.layer import RUNTIME_PROVIDED, build_dependency_layer, host_platform

IN_LAYER = "sdk-in-layer"
RUNTIME = "runtime-sdk"


def _layer(base: Path, name: str, prune: Sequence[str]) -> Path:
    """A host-platform build of uv.lock less `prune`, mounted as opt/python (files dated 1980, as in a zip)."""
    layer = build_dependency_layer(coldstart.PYTHON_VERSION, target_platform=host_platform(), prune=prune)
    if not layer.compiled:
        raise RuntimeError(f"no python{coldstart.PYTHON_VERSION} here: the layer would carry no bytecode")
    mounted = base / name / "opt" / "python"
    shutil.copytree(layer.site, mounted)
    coldstart._date_1980(mounted)
    return mounted


def measure(port: int, routes: Sequence[str], runs: int) -> dict[str, Any]:
    from functions.data.settings import settings

    setup = coldstart.Setup(runs, 2)
    env = coldstart._child_env(port)
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    paired: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="quollo-sdk-layer-") as tmp:
        base = Path(tmp)
        lam = coldstart.build_lambda(base)  # the interpreter, and uv.lock's boto3 at var/runtime
        task = coldstart.build_variant(base, coldstart.SHIPPED)
        layers = {IN_LAYER: _layer(base, IN_LAYER, ()), RUNTIME: _layer(base, RUNTIME, RUNTIME_PROVIDED)}
        if not (layers[IN_LAYER] / "boto3").is_dir() or (layers[RUNTIME] / "boto3").exists():
            raise RuntimeError("the two layers do not differ by boto3")
        for round_no in range(runs):
            jobs = [(layout, route) for layout in layers for route in routes] + [("floor", coldstart.FLOOR)]
            random.shuffle(jobs)
            totals: dict[tuple[str, str], float] = {}
            for layout, target in jobs:
                child_env = dict(env)
                child_env["BENCH_EVENT"] = json.dumps(setup.event(target))
                if target == coldstart.FLOOR:
                    child_env.update({"BENCH_TABLE": settings().tokens_table, "BENCH_KEY": setup.token_hash})
                    child_env["BENCH_SYS_PATH"] = json.dumps(lam.floor_path(task))
                    code, boto3_from = coldstart._FLOOR_CHILD, lam.runtime
                else:
                    child_env["BENCH_MODULE"] = f"functions.entries.{target}"
                    child_env["BENCH_SYS_PATH"] = json.dumps([str(task), str(layers[layout]), str(lam.runtime)])
                    code = coldstart._ROUTE_CHILD
                    boto3_from = layers[layout] if layout == IN_LAYER else lam.runtime
                started, arrived, child = coldstart._run_child(lam.interpreter, code, task, child_env)
                if not 200 <= child["status"] < 300:
                    raise RuntimeError(f"{target} ({layout}) answered {child['status']}, not a success")
                if child["foreign"] or not str(child["origins"]["boto3"]).startswith(f"{boto3_from}/"):
                    raise RuntimeError(f"{target} ({layout}) imported boto3 from {child['origins']['boto3']}")
                totals[(layout, target)] = arrived - started
                samples[(layout, target)].append(arrived - started)
            for route in routes:
                paired[route].append(totals[(IN_LAYER, route)] - totals[(RUNTIME, route)])
            progress(f"sdk in layer: round {round_no + 1}/{runs} done ({len(jobs)} interpreters)")
    floor = median(samples[("floor", coldstart.FLOOR)])
    result: dict[str, Any] = {"runs": runs, "floor_ms": ms(floor), "routes": {}}
    for route in routes:
        row: dict[str, Any] = {}
        for layout in layers:
            values = samples[(layout, route)]
            row[layout] = {
                "median_ms": ms(median(values)),
                "min_ms": ms(min(values)),
                "max_ms": ms(max(values)),
                "ratio_to_floor": round(median(values) / floor, 3),
            }
        diffs = paired[route]
        row["paired_difference_ms"] = {"median": ms(median(diffs)), "min": ms(min(diffs)), "max": ms(max(diffs))}
        result["routes"][route] = row
    return result


def render(result: dict[str, Any]) -> str:
    lines = [
        f"floor (boto3 GetItem, runtime SDK): {result['floor_ms']} ms median, {result['runs']} runs per cell",
        f"| route | {IN_LAYER}: median (min–max), ratio | {RUNTIME}: median (min–max), ratio "
        "| paired difference: median (min–max) |",
        "| --- | --- | --- | --- |",
    ]
    for route, row in result["routes"].items():
        cells = [
            f"{row[k]['median_ms']} ms ({row[k]['min_ms']}–{row[k]['max_ms']}), {row[k]['ratio_to_floor']}"
            for k in (IN_LAYER, RUNTIME)
        ]
        diff = row["paired_difference_ms"]
        lines.append(f"| {route} | {cells[0]} | {cells[1]} | {diff['median']} ms ({diff['min']}–{diff['max']}) |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sdk_layer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--routes", default="list_plans,create_interview,get_interview", help="comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="cold starts per route and layout")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    routes = [name.strip() for name in args.routes.split(",") if name.strip()]
    unknown = sorted(set(routes) - set(coldstart.ROUTE_NAMES))
    if unknown:
        parser.error(f"unknown routes: {', '.join(unknown)}")
    with moto_process() as port:
        use_aws_env(port)
        world.provision()
        result = measure(port, routes, args.runs)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(render(result), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
