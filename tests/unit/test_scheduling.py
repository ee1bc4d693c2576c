"""testkit/scheduling.py under a real `pytest -n 2`: the infra suite and each e2e module run on one
worker (their servers and synthesized stacks are made once), the other tests anywhere, longest first."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from testkit.scheduling import LONGEST_FIRST, unit_of

ROOT = Path(__file__).resolve().parents[2]

RECORDING_TEST = """
import os

def _record(name):
    with open(os.environ["RECORD_TO"], "a") as out:
        out.write(f"{os.environ.get('PYTEST_XDIST_WORKER', '-')} {__name__}::{name}\\n")

"""


def _project(tmp_path: Path, modules: dict[str, int]) -> Path:
    """A project laid out as ours (tests/<suite>/test_*.py) whose every test records its worker."""
    (tmp_path / "tests").mkdir(parents=True)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "tests" / "conftest.py").write_text('pytest_plugins = ["testkit.scheduling"]\n')
    for module, count in modules.items():
        path = tmp_path / module
        path.parent.mkdir(parents=True, exist_ok=True)
        tests = "".join(f"def test_{i}():\n    _record('{i}')\n\n" for i in range(count))
        path.write_text(RECORDING_TEST + tests)
    return tmp_path


def test_each_unit_runs_on_one_worker_and_both_workers_take_part(tmp_path: Path) -> None:
    project = _project(
        tmp_path / "project",
        {
            "tests/infra/test_stacks.py": 6,
            "tests/infra/test_templates.py": 6,
            "tests/e2e/test_fuzz.py": 6,
            "tests/e2e/test_pages.py": 6,
            "tests/integration/test_rules.py": 12,
            "tests/unit/test_values.py": 12,
        },
    )
    record = tmp_path / "record.txt"
    completed = subprocess.run(
        # Only xdist is loaded: the project's other plugins (hypothesis, schemathesis...) cost each
        # of the three processes seconds of imports and play no part in how tests are shared.
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "xdist.plugin", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RECORD_TO": str(record), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    workers_of: dict[str, set[str]] = defaultdict(set)
    for line in record.read_text().splitlines():
        worker, test = line.split(" ", 1)
        workers_of[test.split("::", 1)[0]].add(worker)  # the module's name: test_stacks, test_fuzz...
    assert len(record.read_text().splitlines()) == 48
    infra = workers_of["test_stacks"] | workers_of["test_templates"]
    assert len(infra) == 1, f"the infra suite ran on {sorted(infra)}"
    for module in ("test_fuzz", "test_pages"):
        assert len(workers_of[module]) == 1, f"{module} ran on {sorted(workers_of[module])}"
    assert set().union(*workers_of.values()) == {"gw0", "gw1"}


def test_units_are_the_infra_suite_an_e2e_module_or_a_single_test() -> None:
    assert unit_of("tests/infra/test_infra_api.py::test_x[dev]") == "tests/infra"
    assert unit_of("tests/e2e/test_fuzz.py::test_every_operation[GET /v1/plans-positive]") == "tests/e2e/test_fuzz.py"
    assert unit_of("tests/integration/test_auth.py::test_y") == "tests/integration/test_auth.py::test_y"
    for unit in LONGEST_FIRST:
        assert (ROOT / unit).exists(), f"{unit} is named in LONGEST_FIRST but does not exist"
