"""simweb.cli: generate and serve from the command line; errors become one line and an exit code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from base.errors import UsageError
from simweb.cli import app, parse_latency

ROOT = Path(__file__).resolve().parent.parent


def test_generate_writes_a_web(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "--sites", "3", "--seed", "5", "--out", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "w" / "truth.json").is_file() and "generated 3 sites" in result.output


def test_bad_arguments_exit_2_with_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "--sites", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "sites=0" in result.output
    result = CliRunner().invoke(app, ["serve", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no manifest.json" in result.output


def test_generate_from_a_corpus(tmp_path: Path) -> None:
    line = ('{"id": "a", "municipality": "Ale", "text": "Näringslivsprogram\\n\\nText.", "is_program": true, '
            '"doc_kind": "program_page", "program_type": "naringsliv"}')
    (tmp_path / "c.jsonl").write_text(line + "\n", encoding="utf-8")
    args = ["generate", "--corpus", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "w")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "generated 1 sites" in result.output and (tmp_path / "w" / "truth.json").is_file()
    result = CliRunner().invoke(app, [*args, "--sites", "3"])
    assert result.exit_code == 2 and "--sites does not apply with --corpus" in result.output
    result = CliRunner().invoke(app, ["generate", "--corpus", str(tmp_path / "none.jsonl"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "cannot read the corpus" in result.output


def test_parse_latency() -> None:
    assert parse_latency("20,300") == (20.0, 300.0)
    assert parse_latency("5") == (5.0, 5.0)
    for bad in ("x", "5,1", "1,2,3", "-1,2"):
        with pytest.raises(UsageError):
            parse_latency(bad)


def test_serve_runs_until_sigterm_and_prints_the_csv(tmp_path: Path) -> None:
    CliRunner().invoke(app, ["generate", "--sites", "3", "--seed", "5", "--out", str(tmp_path)])
    proc = subprocess.Popen(
        [sys.executable, "-m", "simweb.cli", "serve", str(tmp_path), "--no-faults"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    timer = threading.Timer(60, proc.kill)  # never hang the suite
    timer.start()
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        csv_path = Path(lines[1].rsplit(": ", 1)[1].strip())
        website = csv_path.read_text(encoding="utf-8").splitlines()[1].split(",")[-1]
        with urllib.request.urlopen(website, timeout=5) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        timer.cancel()
    assert proc.returncode == 0, err
    assert "stopped after 1 requests" in out
    assert not csv_path.exists()  # the served CSV is cleaned up with the server


def test_every_setting_command_trap_and_decoy_class_is_documented() -> None:
    import dataclasses

    from simweb.config import TRAP_FAMILIES, SimConfig
    from simweb.wording import DECOY_CLASSES

    doc = (ROOT / "docs" / "simweb.md").read_text(encoding="utf-8")
    for f in dataclasses.fields(SimConfig):
        assert f"`{f.name}`" in doc, f.name
    for name in (*TRAP_FAMILIES, *DECOY_CLASSES):
        assert f"`{name}`" in doc, name
    for command in app.registered_commands:
        assert f"kommunprogram simweb {command.callback.__name__}" in doc  # type: ignore[union-attr]


# A Python without the simweb extra: reportlab cannot be imported (None in sys.modules makes the import fail).
WITHOUT_EXTRA = ("import sys; sys.modules['reportlab'] = None; "
                 "from inventory.cli import main; sys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize("args", [["simweb", "generate", "--sites", "3", "--out", "w"], ["simweb", "--help"],
                                  ["demo", "--out", "d"]])
def test_without_the_extra_simweb_and_demo_end_in_one_line_naming_it(tmp_path: Path, args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", WITHOUT_EXTRA, *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "kommunprogram[simweb]" in lines[0] and "reportlab" in lines[0], done.stderr
    assert not (tmp_path / "w").exists() and not (tmp_path / "d").exists()


def test_require_extra_names_the_missing_module(monkeypatch: pytest.MonkeyPatch) -> None:
    import simweb

    simweb.require_extra()  # installed here
    monkeypatch.setitem(sys.modules, "reportlab", None)
    with pytest.raises(UsageError, match=r"reportlab is not installed: pip install 'kommunprogram\[simweb\]'"):
        simweb.require_extra()


def test_without_the_extra_the_other_commands_still_run(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", WITHOUT_EXTRA, "--help"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and "simweb" in done.stdout and "demo" in done.stdout, done.stderr
