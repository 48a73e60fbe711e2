from __future__ import annotations

from pathlib import Path

import pytest

from base.errors import UsageError
from base.municipalities import bundled_path, read_municipalities

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


def test_missing_files_and_text_in_neither_encoding(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="file not found"):
        read_municipalities(tmp_path / "nope.csv")
    with pytest.raises(UsageError, match="is a folder"):
        read_municipalities(tmp_path)
    path = tmp_path / "binary.csv"
    path.write_bytes(HEADER.encode() + b"0114,A\x81\xff,01,S,https://a.se/\n")  # 0x81 is unassigned in cp1252
    with pytest.raises(UsageError) as err:
        read_municipalities(path)
    assert str(err.value) == (f"{path}:2: neither UTF-8 nor Windows-1252 text (byte 0x81); "
                              "in Excel, save as 'CSV UTF-8'")


SWEDISH_EXCEL = ("code;name;county_code;county;website;skr_host\r\n"
                 "582;Söderköping;5;Östergötlands län;https://www.soderkoping.se/;soderkoping.se;www.soderkoping.se\r\n"
                 "1277;Åstorp;12;Skåne län;https://www.astorp.se/;\r\n")


@pytest.mark.parametrize(("encoding", "bom"), [("cp1252", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-8", b"")])
def test_a_list_saved_from_swedish_excel(tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = tmp_path / "excel.csv"
    text = SWEDISH_EXCEL.replace(";soderkoping.se;www.soderkoping.se", ';"soderkoping.se;www.soderkoping.se"')
    path.write_bytes(bom + text.encode(encoding))
    first, second = read_municipalities(path)
    assert (first.code, first.name, first.county_code, first.county) == ("0582", "Söderköping", "05",
                                                                         "Östergötlands län")
    assert first.alt_hosts == ("soderkoping.se", "www.soderkoping.se")
    assert (second.code, second.name, second.county_code) == ("1277", "Åstorp", "12")


def test_comma_separated_with_shortened_codes_and_header_in_capitals(tmp_path: Path) -> None:
    path = write(tmp_path, "Code,Name,County_Code,County,Website\n114,Upplands Väsby,1,Stockholms län,"
                           "https://www.upplandsvasby.se/\n")
    (m,) = read_municipalities(path)
    assert (m.code, m.county_code) == ("0114", "01")


@pytest.mark.parametrize(("code", "county_code", "problem"), [
    ("14", "01", "code '14' is not a 4-digit code (a 3-digit one gets its leading zero back)"),
    ("01140", "01", "code '01140' is not a 4-digit code"),
    ("11a4", "01", "code '11a4' is not a 4-digit code"),
    ("０１１４", "01", "code '０１１４' is not a 4-digit code"),
    ("0114", "001", "county_code '001' is not a 2-digit code (a 1-digit one gets its leading zero back)"),
])
def test_ambiguous_codes_are_errors_naming_the_line(tmp_path: Path, code: str, county_code: str,
                                                    problem: str) -> None:
    path = write(tmp_path, f"{HEADER}0115,Vallentuna,01,S,https://v.se/\n{code},A,{county_code},S,https://a.se/\n")
    with pytest.raises(UsageError) as err:
        read_municipalities(path)
    assert str(err.value).startswith(f"{path}:3: {problem}")
    assert "\n" not in str(err.value)


def test_a_stray_quote_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + '0114,"A,01,S,https://a.se/\n')
    with pytest.raises(UsageError, match=r"m\.csv:\d+: "):
        read_municipalities(path)
