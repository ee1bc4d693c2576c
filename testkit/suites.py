"""A pytest plugin: the session's last lines say how each suite (tests/<suite>/) did.

`make test` runs every suite in one pytest session, so a failure in one never stops the others;
this table makes it visible which suite failed, and that each suite ran at all (a suite that was
asked for but reported nothing, say because its conftest failed to import, shows as "nothing ran").
How the tests are shared between xdist workers is testkit/scheduling.py's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Generator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
ORDER = ("passed", "failed", "error", "skipped", "xfailed", "xpassed", "deselected")


def _suite_of(path: Path | str) -> str | None:
    try:
        relative = Path(path).resolve().relative_to(TESTS)
    except ValueError:
        return None
    return relative.parts[0] if len(relative.parts) > 1 else None


def _known_suites() -> list[str]:
    return sorted(child.name for child in TESTS.iterdir() if child.is_dir() and any(child.glob("test_*.py")))


class SuiteSummary:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.controller = not hasattr(config, "workerinput")

    def asked_for(self) -> list[str]:
        """The suites the command line names: all of them for `tests` (or the root), one for `tests/e2e`."""
        asked: set[str] = set()
        if self.config.option.keyword or self.config.option.markexpr:
            return []  # a selection: only the suites that ran something are shown
        for arg in self.config.args or [str(TESTS)]:
            path = (Path(self.config.invocation_params.dir) / arg.split("::", 1)[0]).resolve()
            if path in (TESTS, ROOT):
                asked.update(_known_suites())
            elif (suite := _suite_of(path)) is not None:
                asked.add(suite)
        return sorted(asked)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            if (suite := _suite_of(item.path)) is not None:
                self.counts[suite]["deselected"] += 1

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and (suite := _suite_of(ROOT / report.nodeid.split("::", 1)[0])) is not None:
            self.counts[suite]["error"] += 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        suite = _suite_of(ROOT / report.nodeid.split("::", 1)[0])
        if suite is None:
            return
        if hasattr(report, "wasxfail"):
            if report.when == "call" or report.skipped:
                self.counts[suite]["xfailed" if report.skipped else "xpassed"] += 1
        elif report.when == "call":
            self.counts[suite][report.outcome] += 1
        elif report.failed:
            self.counts[suite]["error"] += 1
        elif report.skipped:
            self.counts[suite]["skipped"] += 1

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: printed after pytest's short summary
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> Generator[None]:
        result = yield
        if self.config.option.collectonly:
            return result
        suites = sorted(set(self.asked_for()) | set(self.counts))
        if len(suites) > 1 or any(not self.counts[suite] for suite in suites):
            terminalreporter.write_sep("=", "suites")
            for suite in suites:
                counts = self.counts[suite]
                text = ", ".join(f"{counts[kind]} {kind}" for kind in ORDER if counts[kind]) or "nothing ran"
                bad = counts["failed"] or counts["error"] or not counts
                terminalreporter.write_line(f"{suite:<12} {'FAILED' if bad else 'ok':<7} {text}", red=bool(bad))
        return result

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # A suite that was asked for and reported nothing is a failure too, not a silence.
        if not self.controller or self.config.option.collectonly or session.exitstatus != pytest.ExitCode.OK:
            return
        if any(not self.counts[suite] for suite in self.asked_for()):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    # On an xdist worker the controller reports; the workers only count.
    config.pluginmanager.register(SuiteSummary(config), "quollo-suite-summary")
