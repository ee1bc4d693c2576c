"""docs/local.md against the code it describes: every admin command and every setting, no more, no fewer."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "local.md").read_text(encoding="utf-8")
QUOLLO = Path(sys.executable).parent / "quollo"


def test_the_admin_table_documents_every_command_the_cli_has() -> None:
    shown = subprocess.run([QUOLLO, "admin", "--help"], capture_output=True, text=True, check=True).stdout
    listed = shown.split("COMMAND\n", 1)[1].split("\noptions:", 1)[0]
    commands = set(re.findall(r"^ {4}([a-z][a-z-]+)", listed, re.MULTILINE))
    documented = set(re.findall(r"^\| `quollo admin ([a-z-]+)", PAGE, re.MULTILINE))
    assert len(commands) >= 10
    assert documented == commands


def test_the_configuration_table_documents_every_setting_the_code_reads() -> None:
    read = set()
    for module in (ROOT / "functions").rglob("*.py"):
        read |= set(re.findall(r'"(QUOLLO_[A-Z_]+)"', module.read_text(encoding="utf-8")))
    documented = set(re.findall(r"^\| `(QUOLLO_[A-Z_]+)` \|", PAGE, re.MULTILINE))
    assert len(read) >= 10
    assert documented == read
