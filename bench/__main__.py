"""`python -m bench` (`make bench`): every measurement, then bench/report.md, results.json and a chart."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import calls, coldstart, memory, overhead, package, report, scale, storm, throughput, world
from bench.common import moto_process, progress, use_aws_env

HERE = Path(__file__).resolve().parent


def _machine() -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    uname = platform.uname()
    return {
        "uname": f"{uname.system} {uname.node} {uname.release} {uname.version} {uname.machine}",
        "nproc": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "python": sys.version.split()[0],
        "versions": {
            name: version(name)
            for name in ("boto3", "botocore", "moto", "aws-lambda-powertools", "pydantic", "aws-xray-sdk")
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="cold starts per route, shipped bytecode (>= 15)")
    parser.add_argument(
        "--variant-runs", type=int, default=5, help="cold starts per route, other .pyc variants (0: none)"
    )
    parser.add_argument("--scale-requests", type=int, default=15, help="list requests per data size")
    parser.add_argument("--overhead-requests", type=int, default=300, help="warm requests per route, handler overhead")
    parser.add_argument("--load-requests", type=int, default=400, help="requests per operation on quollo serve")
    parser.add_argument("--memory-creates", type=int, default=10_000, help="creates on quollo serve, RSS sampled")
    parser.add_argument(
        "--memory-unpatched-creates",
        type=int,
        default=1_000,
        help="the same on moto without functions/local/moto_patches.py, for reference (0: skip)",
    )
    parser.add_argument(
        "--only",
        choices=["memory", "calls", "coldstart", "overhead"],
        help="run this measurement alone; the other figures are kept from OUT/results.json",
    )
    parser.add_argument(
        "--routes",
        type=lambda text: tuple(name.strip() for name in text.split(",") if name.strip()),
        default=coldstart.ROUTE_NAMES,
        help="with --only coldstart: these routes alone, comma-separated (a quick look; default: every route)",
    )
    parser.add_argument("--storm-seconds", type=float, default=300, help="the model-based storm's length (0: skip)")
    parser.add_argument("--out", type=Path, default=HERE, help="where report.md, results.json and the chart go")
    args = parser.parse_args(argv)
    if unknown := sorted(set(args.routes) - set(coldstart.ROUTE_NAMES)):
        parser.error(f"--routes: not in the route table: {', '.join(unknown)}")
    if args.only:
        return _only(args)

    began = time.monotonic()
    results: dict[str, Any] = {"machine": _machine(), "parameters": {k: str(v) for k, v in vars(args).items()}}
    progress(f"machine: {results['machine']}")
    results["package"] = package.measure()
    with moto_process() as port:
        use_aws_env(port)
        world.provision()
        results["calls"] = calls.measure(port)
        use_aws_env(port)
        results["overhead"] = overhead.measure(args.overhead_requests)
        use_aws_env(port)
        results["cold_start"] = coldstart.measure(port, args.runs, args.variant_runs)
    with moto_process() as port:
        use_aws_env(port)
        world.provision()
        results["scale"] = scale.measure(args.scale_requests)
    results["throughput"] = throughput.measure(args.load_requests)
    results["memory"] = memory.measure(args.memory_creates, args.memory_unpatched_creates)
    if args.storm_seconds:
        results["storm"] = storm.measure(args.storm_seconds)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["runtime_seconds"] = round(time.monotonic() - began, 1)

    args.out.mkdir(parents=True, exist_ok=True)
    results["chart"] = report.chart(results, args.out / "list_latency.png")
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "report.md").write_text(report.render(results))
    progress(f"done in {results['runtime_seconds']}s: {args.out / 'report.md'}")
    return 0


def _only(args: argparse.Namespace) -> int:
    """One measurement, merged into the figures of the last full run (OUT/results.json)."""
    path = args.out / "results.json"
    if not path.exists():
        progress(f"--only needs the results of a full run in {path}; run python -m bench first")
        return 2
    results = json.loads(path.read_text())
    began, machine = time.monotonic(), _machine()
    if args.only in ("calls", "overhead"):
        with moto_process() as port:
            use_aws_env(port)
            world.provision()
            if args.only == "calls":
                results["calls"] = calls.measure(port)
            else:
                results["overhead"] = overhead.measure(args.overhead_requests)
                results["overhead"]["machine"] = machine
    elif args.only == "coldstart":
        with moto_process() as port:
            use_aws_env(port)
            world.provision()
            results["cold_start"] = coldstart.measure(port, args.runs, args.variant_runs, args.routes)
        # The report's machine line is the full run's; this section says where and when it ran.
        results["cold_start"]["machine"] = machine | {"load_average_at_end": os.getloadavg()}
        results["cold_start"]["runtime_seconds"] = round(time.monotonic() - began, 1)
        results["cold_start"]["run_alone"] = True
    else:
        results["memory"] = memory.measure(args.memory_creates, args.memory_unpatched_creates)
        results["memory"]["machine"] = machine
        results["memory"]["runtime_seconds"] = round(time.monotonic() - began, 1)
        results["memory"]["run_alone"] = True
    path.write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "report.md").write_text(report.render(results))
    progress(f"{args.only} done in {round(time.monotonic() - began, 1)}s: {args.out / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
