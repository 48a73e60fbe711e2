"""The CLI turns every error into one line and an exit code; every subcommand has --help."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.cli import app, main

COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)  # type: ignore[union-attr]


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The one error line; a start-of-run note (no operator contact set) is not an error."""
    lines = [ln for ln in capsys.readouterr().err.strip().splitlines() if not ln.startswith("kommunprogram: note:")]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("command", [*COMMANDS, "simweb"])
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert "Usage:" in capsys.readouterr().out


def test_missing_municipality_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--municipalities", str(tmp_path / "none.csv"), "--db", str(tmp_path / "db.sqlite")])
    assert code == 2
    assert one_line_error(capsys) == f"kommunprogram: error: {tmp_path / 'none.csv'}: file not found"


def test_malformed_municipality_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.csv"
    path.write_text("code,name,county_code,county,website\n0114,A,01,S,ftp://a.se/\n", encoding="utf-8")
    assert main(["crawl", "--municipalities", str(path), "--db", str(tmp_path / "db.sqlite")]) == 2
    assert one_line_error(capsys).endswith("m.csv:2: website 'ftp://a.se/' must start with http:// or https://")


def test_year_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--year", "1850", "--db", str(tmp_path / "db.sqlite")]) == 2
    assert "--year 1850 is out of range" in one_line_error(capsys)


def test_bad_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[crawl\nbudget = 3\n", encoding="utf-8")
    assert main(["run", "--config", str(config), "--db", str(tmp_path / "db.sqlite")]) == 2
    assert "not valid TOML" in one_line_error(capsys)
    config.write_text("[surprise]\n", encoding="utf-8")
    assert main(["run", "--config", str(config), "--db", str(tmp_path / "db.sqlite")]) == 2
    assert "unknown table(s) surprise" in one_line_error(capsys)


def test_stage_without_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "db.sqlite")
    assert main(["extract", "--db", db, "--year", "2025"]) == 2
    assert "no run for 2025" in one_line_error(capsys)
    assert main(["stats", "--db", db, "--year", "2025", "--out", str(tmp_path / "o")]) == 2
    assert "holds no classified run" in one_line_error(capsys)


def test_unusable_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "f").write_text("x")
    assert main(["extract", "--db", str(tmp_path / "f" / "db.sqlite")]) == 4
    assert one_line_error(capsys).startswith("kommunprogram: error: cannot open database")


def test_predict_with_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["predict", "--input", str(tmp_path / "in.jsonl"), "--output", str(tmp_path / "out.jsonl")])
    assert code == 2
    assert "in.jsonl" in one_line_error(capsys)


def test_extract_file_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract-file", str(tmp_path / "nope.pdf")]) == 2
    assert "nope.pdf" in one_line_error(capsys)


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--no-such-option"]) == 2
    assert "No such option" in capsys.readouterr().err


# -- the store's errors: one line, exit 4, no password (issue 14 "Errors", issue 16 item 6) -------------------
@pytest.mark.parametrize("command", ["crawl", "run", "extract", "classify", "stats"])
def test_an_unknown_database_driver_is_exit_4_in_one_line(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--db", "mysql://kp:hunter22@127.0.0.1/k"]) == 4
    err = one_line_error(capsys)
    assert "driver" in err and "hunter22" not in err and "kp:***@" in err


@pytest.mark.parametrize("command", ["crawl", "stats"])
def test_a_database_that_refuses_is_exit_4_never_7(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.servers import free_port

    url = f"postgresql+psycopg://kp:hunter22@127.0.0.1:{free_port()}/k?connect_timeout=2"
    assert main([command, "--db", url]) == 4
    err = one_line_error(capsys)
    assert "cannot open database" in err and "hunter22" not in err


@pytest.mark.parametrize("command", ["queue-status", "enqueue"])
def test_an_unreachable_redis_is_one_line_without_the_password(command: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16 item 6: enqueue and queue-status against a Redis that refuses."""
    pytest.importorskip("redis")
    from tests.servers import free_port

    url = f"redis://:hunter22@127.0.0.1:{free_port()}/0"
    args = ["--run", "1"] if command == "queue-status" else ["--db", str(tmp_path / "k.sqlite")]
    assert main([command, "--redis", url, *args]) == 6
    err = one_line_error(capsys)
    assert "cannot use Redis at redis://:***@127.0.0.1" in err and "hunter22" not in err


@pytest.mark.parametrize("args", [["run", "--year", "abc"], ["stats", "--year"], ["run", "--no-such-option"],
                                  ["no-such-command"]])
def test_usage_errors_are_one_line_with_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    line = one_line_error(capsys)
    assert line.startswith("kommunprogram: error: ") and "--help" in line


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"kommunprogram {version('kommunprogram')}"


def test_unwritable_output_folder_is_refused_before_the_crawl(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    db = tmp_path / "db.sqlite"
    assert main(["run", "--out", str(blocker / "out"), "--db", str(db)]) == 2
    assert one_line_error(capsys).startswith(f"kommunprogram: error: --out {blocker / 'out'}: cannot write there")
    assert not db.exists()  # nothing was started
    assert main(["demo", "--out", str(blocker)]) == 2
    assert "exists and is not a folder" in one_line_error(capsys)


def test_a_real_web_run_without_contact_says_so_at_its_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import inventory.runner
    from base.errors import UsageError

    seen: list[str] = []

    def fake_run(settings: object, **_kwargs: object) -> None:
        seen.append(capsys.readouterr().err)  # what was said before the run began
        raise UsageError("stopped by the test")

    monkeypatch.setattr(inventory.runner, "run_inventory", fake_run)
    args = ["run", "--db", str(tmp_path / "db.sqlite"), "--out", str(tmp_path / "o")]
    assert main(args) == 2
    assert "no operator contact set" in seen[-1]
    assert main([*args, "--contact", "anna.analys@example.se"]) == 2
    assert "contact" not in seen[-1]
    assert main([*args, "--allow-private-addresses"]) == 2  # the demo and tests crawl loopback only
    assert "contact" not in seen[-1]
    capsys.readouterr()
    assert main([*args, "--contact", "Anna"]) == 2
    assert "names no e-mail address or http(s) URL" in one_line_error(capsys)


def test_a_bad_line_in_an_excel_list_is_one_line_with_exit_2(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kommuner.csv"
    path.write_bytes("code;name;county_code;county;website\r\n58;Söderköping;05;Östergötlands län;"
                     "https://www.soderkoping.se/\r\n".encode("cp1252"))
    assert main(["crawl", "--municipalities", str(path), "--db", str(tmp_path / "db.sqlite")]) == 2
    assert one_line_error(capsys) == (f"kommunprogram: error: {path}:2: code '58' is not a 4-digit code "
                                      "(a 3-digit one gets its leading zero back)")
