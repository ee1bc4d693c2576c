"""The README is a newcomer's first page: short, with every route in its table and every link alive."""

from __future__ import annotations

import re
from pathlib import Path

from functions.routes import ROUTES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| (GET|POST|PATCH|PUT|DELETE) \| (\S+) \| `(\w+)` \|", re.MULTILINE)


def test_the_route_table_lists_exactly_the_routes_the_stack_deploys() -> None:
    listed = sorted(ROW.findall(README))
    declared = sorted((route.method, route.path, route.name) for route in ROUTES)
    assert listed == declared


def test_the_readme_stays_a_first_page() -> None:
    assert len(README.splitlines()) < 200, "move reference material to a page under docs/ and link it"


def test_every_relative_link_in_the_readme_and_docs_points_at_a_file() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_the_diagram_counts_the_route_functions_there_are() -> None:
    assert re.findall(r"(\d+) route functions", README) == [str(len(ROUTES))]
