"""Every CLI command is documented in docs/cli.md, and the README shows the first commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.cli import app

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)  # type: ignore[union-attr]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_is_documented(command: str) -> None:
    assert f"`kommunprogram {command}" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def test_readme_first_screen_shows_demo_run_and_test() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:30])
    for command in ("make demo", "make run", "make test"):
        assert command in first_screen


def test_every_make_target_has_a_comment() -> None:
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        target = line.split(":", 1)[0]
        if line and not line.startswith(("\t", "#", ".", " ", "$")) and ":" in line and "=" not in line \
                and target.replace("-", "").isalnum():
            assert "## " in line, f"Makefile target without a one-line comment: {line}"
