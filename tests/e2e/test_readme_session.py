"""The README's session, run as printed against `quollo serve` with curl: every answer it shows is the answer
a newcomer gets (its fields, where it shows them all, exactly; the shape of each value)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from e2e_support import Server

ROOT = Path(__file__).resolve().parents[2]
ELIDED = "\u2026"  # stands for the fields the README leaves out with "..."


def _session() -> list[tuple[str, str]]:
    """(command, answer shown) for each curl of the README's session block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("A session:\n\n```sh\n", 1)[1].split("```", 1)[0]
    steps: list[tuple[str, str]] = []
    command: list[str] = []
    for line in block.splitlines():
        if line.startswith("curl") or (command and not line.startswith("#")):
            command.append(line.removesuffix("\\"))
        elif line.startswith("# → "):
            steps.append((" ".join(command), line.removeprefix("# → ")))
            command = []
        elif line.startswith("#     ") and steps:
            steps[-1] = (steps[-1][0], steps[-1][1] + line.removeprefix("#").strip())
    return [step for step in steps if step[0]]


def _as_json(shown: str) -> Any:
    """The shown answer as JSON: an elided run of fields becomes the key ELIDED, of items the item ELIDED."""
    out: list[str] = []
    stack: list[str] = []
    in_string, i = False, 0
    while i < len(shown):
        char = shown[i]
        if in_string:
            out.append(char)
            if char == "\\":
                out.append(shown[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif shown.startswith("...", i):
            out.append(f'"{ELIDED}":0' if stack and stack[-1] == "{" else f'"{ELIDED}"')
            i += 2
        else:
            if char == '"':
                in_string = True
            elif char in "{[":
                stack.append(char)
            elif char in "}]":
                stack.pop()
            out.append(char)
        i += 1
    return json.loads("".join(out))


def _matches(shown: Any, actual: Any, where: str) -> list[str]:
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{where}: an object in the README, {actual!r} in the answer"]
        fields = set(shown) - {ELIDED}
        problems = [f"{where}: {sorted(fields - set(actual))} shown but not answered"] if fields - set(actual) else []
        if ELIDED not in shown and set(actual) - fields:
            problems.append(f"{where}: {sorted(set(actual) - fields)} answered but not shown (and not elided)")
        for name in fields & set(actual):
            problems += _matches(shown[name], actual[name], f"{where}.{name}")
        return problems
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return [f"{where}: a list in the README, {actual!r} in the answer"]
        pairs = zip([item for item in shown if item != ELIDED], actual, strict=False)
        return [problem for n, (a, b) in enumerate(pairs) for problem in _matches(a, b, f"{where}[{n}]")]
    if shown is None or actual is None:
        return [] if shown is actual else [f"{where}: {shown!r} in the README, {actual!r} in the answer"]
    if type(shown) is not type(actual):
        return [f"{where}: {shown!r} in the README, {actual!r} in the answer"]
    return []


def test_the_readme_session_answers_as_printed(server: Server) -> None:
    # The demo user `make serve` prints: 10 credits and a senior backend plan.
    user = server.admin_ok("create-user", "--name", "README reader", "--credits", "10")
    token = server.admin_ok("create-token", user["userId"])["token"]
    tags = ["--tag", "backend", "--tag", "python", "--tag", "aws"]
    plan = server.admin_ok(
        "create-plan", user["userId"], "--name", "Backend engineer — interview", *tags, "--seniority", "SENIOR"
    )
    placeholders = {"plan_4eeb...": plan["id"]}
    problems: list[str] = []
    steps = _session()
    assert len(steps) >= 8
    for command, shown in steps:
        for placeholder, value in placeholders.items():
            command = command.replace(placeholder, value)
        env = {"BASE": server.base_url, "QUOLLO_TOKEN": token, "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            ["bash", "-c", command + ' -w "\\n%{http_code}"'], env=env, capture_output=True, text=True, timeout=30
        )
        body, _, status = done.stdout.rpartition("\n")
        expected_status = re.match(r"(\d{3}) ", shown)
        assert status == (expected_status.group(1) if expected_status else "200"), f"{command}\n{done.stdout}"
        actual = json.loads(body)
        problems += _matches(_as_json(shown[4:] if expected_status else shown), actual, command.split(" -H")[0])
        # The ids the session goes on to use are the ones this answer gave.
        for placeholder, field in (("e1b165ac-...", "id"), ("c2a4d8e1-...", "candidateId")):
            if f'"{field}":"{placeholder}"' in shown and placeholder not in placeholders:
                placeholders[placeholder] = actual[field]
    assert problems == [], "\n".join(problems)
