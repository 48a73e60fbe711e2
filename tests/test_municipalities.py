from __future__ import annotations

from pathlib import Path

import pytest

from inventory.errors import UsageError
from inventory.municipalities import bundled_path, read_municipalities

HEADER = "code,name,county_code,county,website\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_list_has_all_290_municipalities() -> None:
    items = read_municipalities(bundled_path())
    assert len(items) == 290
    assert len({m.code for m in items}) == 290
    stockholm = next(m for m in items if m.code == "0180")
    assert stockholm.name == "Stockholm"
    assert "www.stockholm.se" in stockholm.alt_hosts


def test_reads_extra_columns_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(("\ufeff" + HEADER.strip() + ",note\n0114,Upplands Väsby,01,Stockholms län,"
                      "https://www.upplandsvasby.se/,x\n").encode())
    (m,) = read_municipalities(path)
    assert (m.code, m.name, m.host) == ("0114", "Upplands Väsby", "www.upplandsvasby.se")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name,county\n0114,A,B\n",
         "m.csv:1: missing column(s) county_code, website; required: code, name, county_code, county, website"),
        (HEADER + "0114,A,01,S,https://a.se/\n0114,B,01,S,https://b.se/\n",
         "m.csv:3: duplicate code 0114 (first on line 2)"),
        (HEADER + "0114,A,01,S,www.a.se\n", "m.csv:2: website 'www.a.se' must start with http:// or https://"),
        (HEADER + "0114,A,01,S,https://a.se:99999/\n", "m.csv:2: website 'https://a.se:99999/' has a malformed port"),
        (HEADER + "0114,,01,S,https://a.se/\n", "m.csv:2: empty name"),
        (HEADER + "0114,A,01,S,https://a.se/,extra\n", "m.csv:2: more fields than the header has columns"),
        (HEADER, "m.csv: no municipalities listed"),
    ],
)
def test_bad_files_name_file_line_and_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        read_municipalities(write(tmp_path, text))
    assert str(err.value).endswith(message)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="file not found"):
        read_municipalities(tmp_path / "nope.csv")
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "0114,Upplands Väsby,01,S,https://a.se/\n").encode("latin-1"))
    with pytest.raises(UsageError, match="not UTF-8"):
        read_municipalities(path)
