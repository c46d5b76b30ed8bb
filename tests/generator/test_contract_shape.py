"""The landing folder has the shape of ../shared/EXTRACTS.md."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq

from consortium_dw.contract import (
    REF_TABLES,
    SYSTEM_FORMATS,
    TABLES,
    TABLES_BY_SYSTEM,
    ColumnType,
    file_name,
)


def test_every_table_is_delivered_with_exactly_its_columns(tiny_landing, tiny_rows):
    assert set(tiny_rows) == set(TABLES)
    for name, table in TABLES.items():
        rows = tiny_rows[name]
        assert len(rows) > 0, name
        delivered = [c for c in rows.columns if not c.startswith("_")]
        assert delivered == table.column_names, name


def test_reference_files_have_their_columns(tiny_landing):
    for name, columns in REF_TABLES.items():
        header = (tiny_landing / "ref" / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == [c for c, _ in columns]


def test_manifests_agree_with_their_files(tiny_landing):
    manifests = sorted(tiny_landing.glob("*/*/_manifest.json"))
    assert manifests
    for path in manifests:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        system, day = path.parent.parent.name, path.parent.name
        assert manifest["system"] == system and manifest["date"] == day
        listed = {e["name"] for e in manifest["files"]}
        on_disk = {p.name for p in path.parent.iterdir() if p.name != "_manifest.json"}
        assert listed == on_disk, path
        allowed = {file_name(t) for t in TABLES_BY_SYSTEM[system]}
        assert listed <= allowed
        for entry in manifest["files"]:
            raw = (path.parent / entry["name"]).read_bytes()
            assert hashlib.sha256(raw).hexdigest() == entry["sha256"]
            fmt, encoding = SYSTEM_FORMATS[system]
            if fmt == "parquet":
                assert entry["encoding"] == "binary"
                assert pq.read_metadata(path.parent / entry["name"]).num_rows == entry["rows"]
            else:
                assert entry["encoding"] == encoding
                text = raw.decode(encoding)
                assert "\r" not in text
                assert text.count("\n") == entry["rows"] + 1  # header + rows, no embedded newlines


def test_encodings_are_the_declared_ones(tiny_landing):
    visits = next(tiny_landing.glob("his/*/outpatient_visits.csv")).read_bytes()
    assert not visits.startswith(b"\xef\xbb\xbf")
    try:
        visits.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    assert not utf8, "HIS delivers GB18030: its Chinese text is not valid UTF-8"
    assert next(tiny_landing.glob("lis/*/lab_results.csv")).read_bytes().startswith(
        b"\xef\xbb\xbf")
    pacs = next(tiny_landing.glob("pacs/*/imaging_studies.csv")).read_bytes()
    assert not pacs.startswith(b"\xef\xbb\xbf")
    pacs.decode("utf-8")


def test_parquet_types_are_text_except_money(tiny_landing):
    table = TABLES["settlements"]
    schema = pq.read_schema(next(tiny_landing.glob("insurance/*/settlements.parquet")))
    for column in table.columns:
        expected = (pa.decimal128(16, 2) if column.type is ColumnType.MONEY else pa.string())
        assert schema.field(column.name).type == expected, column.name


def test_rows_sit_in_the_folder_of_their_business_day(clean_rows):
    business = {"outpatient_visits": "visit_time", "lab_results": "reported_time",
                "settlements": "setl_time", "resource_allocations": "date",
                "fd_services": "service_date", "chronic_followups": "followup_date",
                "literacy_survey": "survey_date", "discharge_abstracts": "discharge_date",
                "inpatient_admissions": "updated_at", "referrals": "updated_at",
                "fd_contracts": "updated_at", "imaging_studies": "report_time"}
    for name, column in business.items():
        rows = clean_rows[name]
        assert (rows[column].str.slice(0, 10) == rows["_day"]).all(), name
