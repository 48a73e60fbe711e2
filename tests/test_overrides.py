from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from base.errors import UsageError
from publish import overrides, stats

HEADER = "code,field,value,comment,reviewer\n"


def machine_inventory() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "code": ["0114", "0115", "0117"],
            "name": ["Upplands Väsby", "Vallentuna", "Österåker"],
            "status": ["program_found", "program_found", "no_program_found"],
            "program_type": ["annat", "naringsliv", None],
            "valid_from": [2016, 2021, None],
            "valid_to": [2020, None, None],
            "extended": [False, None, None],
            "rus_link": [False, False, None],
            "intermunicipal_link": [False, False, None],
            "regional_category": ["none", "none", None],
            "action_plan": [None, True, None],
            "year": [2025, 2025, 2025],
        }
    ).astype(
        {"valid_from": "Int64", "valid_to": "Int64", "year": "Int64", "extended": "boolean", "rus_link": "boolean",
         "intermunicipal_link": "boolean", "action_plan": "boolean"}
    )  # fmt: skip
    return stats.apply_year(frame, 2025)


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "overrides.csv"
    path.write_text(text, encoding=encoding)
    return path


def test_overrides_are_applied_and_traced(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "0114,extended,ja,KS beslutade 2020 att programmet gäller tills vidare,Anna Berg\n"
        "0114,program_type,naringsliv,titeln säger näringslivsprogram,Anna Berg\n"
        "0115,rus_link,true,,Bo Ek\n"
        "0117,status,program_found,hittat för hand,Bo Ek\n"
        "0117,program_url,https://osteraker.example/np.pdf,,Bo Ek\n",
    )
    machine = machine_inventory()
    before = machine.copy()
    assert machine["in_force"].tolist() == [False, True, False]
    result = overrides.apply_overrides(machine, overrides.read_overrides(path))
    pd.testing.assert_frame_equal(machine, before)
    assert result["program_type"].tolist()[:2] == ["naringsliv", "naringsliv"]
    assert result["extended"].tolist()[0] is True
    assert result["in_force"].tolist() == [True, True, True]  # recomputed: extended, and found by hand
    assert result["regional_category"].tolist()[:2] == ["none", "rus"]  # recomputed from the RUS link
    assert result["overridden_fields"].tolist() == ["extended,program_type", "rus_link", "program_url,status"]
    notes = result["override_notes"].tolist()
    assert notes[0] == (
        "extended=ja (Anna Berg: KS beslutade 2020 att programmet gäller tills vidare); "
        "program_type=naringsliv (Anna Berg: titeln säger näringslivsprogram)"
    )
    assert notes[1] == "rus_link=true (Bo Ek)"
    assert result["extended"].dtype == "boolean" and result["valid_to"].dtype == "Int64"


def test_reviewed_in_force_wins_over_recomputation(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "0114,in_force,false,,A\n0114,valid_to,2030,,A\n0115,valid_to,2022,,A\n")
    result = overrides.apply_overrides(machine_inventory(), overrides.read_overrides(path))
    assert result["in_force"].tolist()[:2] == [False, False]
    # ... and a later apply_year keeps it too.
    assert stats.apply_year(result, 2026)["in_force"].tolist()[:2] == [False, False]


def test_empty_value_means_unknown_and_no_overrides_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "0115,action_plan,,inte säkert,A\n")
    result = overrides.apply_overrides(machine_inventory(), overrides.read_overrides(path))
    assert result["action_plan"].isna().all()
    untouched = overrides.apply_overrides(machine_inventory(), overrides.read_overrides(write(tmp_path, HEADER)))
    assert untouched["overridden_fields"].isna().all()
    pd.testing.assert_frame_equal(untouched.drop(columns=list(overrides.PROVENANCE_COLUMNS)), machine_inventory())


def test_excel_saved_file_with_semicolons_bom_and_dropped_zeros(tmp_path: Path) -> None:
    path = write(tmp_path, "Code;Field;Value;Comment;Reviewer;Datum;;\n114;valid_to;2030;;Åsa Öberg;2025-03-01;;\n",
                 encoding="utf-8-sig")  # fmt: skip
    table = overrides.read_overrides(path, known_codes=["0114", "0115"])
    assert table[["code", "field", "value", "reviewer", "datum"]].iloc[0].tolist() == [
        "0114", "valid_to", "2030", "Åsa Öberg", "2025-03-01"
    ]  # fmt: skip
    assert (table["source"].iloc[0], table["line"].iloc[0]) == (str(path), 2)
    assert list(table.columns) == ["code", "field", "value", "comment", "reviewer", "datum", "source", "line"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", ":1: empty file"),
        ("code,field,value,reviewer\n", ":1: missing column(s) comment"),
        ("code,field,value,comment,reviewer,code\n", ":1: duplicate column(s) code"),
        (HEADER + "0114,colour,red,,A\n", ":2: unknown field 'colour'"),
        (HEADER + "\n0114,valid_to,20x,,A\n", ":3: '20x' is not a year"),
        (HEADER + "0114,extended,kanske,,A\n", ":2: 'kanske' is not a boolean"),
        (HEADER + "0114,status,found,,A\n", ":2: 'found' is not one of program_found"),
        (HEADER + "0114,status,,,A\n", ":2: status cannot be empty"),
        (HEADER + "0114,program_url,javascript:alert(1),,A\n", ":2: 'javascript:alert(1)' is not an http(s) URL"),
        (HEADER + "0114,valid_to,2020,,\n", ":2: reviewer is empty"),
        (HEADER + ",valid_to,2020,,A\n", ":2: empty code"),
        (HEADER + "0114,valid_to,2020,,A,extra\n", ":2: expected 5 fields, got 6"),
        (HEADER + '0114,valid_to,2020,"unclosed,A\n', ": malformed CSV"),
        (
            HEADER + "0114,valid_to,2020,,A\n0114,valid_to,2021,,B\n",
            ":3: second override of valid_to for 0114 (first on line 2)",
        ),  # fmt: skip
        (HEADER + "9999,valid_to,2020,,A\n", ":2: unknown municipality code '9999'"),
    ],
)
def test_malformed_override_files_name_file_line_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as caught:
        overrides.read_overrides(path, known_codes=["0114", "0115", "0117"])
    message = str(caught.value)
    assert message.startswith(str(path)) and problem in message


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read overrides file"):
        overrides.read_overrides(tmp_path / "missing.csv")
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "0114,adopted_by,kommunfullmäktige,,A\n").encode("latin-1"))
    with pytest.raises(UsageError, match=r"latin1.csv:2: not UTF-8"):
        overrides.read_overrides(path)


def test_unknown_code_when_applying_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "0114,valid_to,2030,,A\n2584,valid_to,2030,,A\n")
    with pytest.raises(UsageError, match=r"overrides.csv:3: unknown municipality code '2584'"):
        overrides.apply_overrides(machine_inventory(), overrides.read_overrides(path))


def test_docs_describe_every_overridable_field() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "outputs.md").read_text(encoding="utf-8")
    assert [f for f in overrides.FIELDS if f"`{f}`" not in docs] == []
