"""Hand-made landing folders built from the contract: valid rows, plus helpers to break them.

Every value is chosen so that the right answer of each test can be worked out by hand.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from consortium_dw.contract import (
    REF_TABLES,
    SETTLEMENT_MONEY,
    SYSTEM_FORMATS,
    TABLES,
    TABLES_BY_SYSTEM,
    ColumnType,
    Pii,
    id_check_char,
)

INSTITUTIONS = ("H0001", "H0002")
SETTLEMENT_AMOUNTS = {"medfee_sumamt": "10.00", "fund_pay_sumamt": "6.00",
                      "psn_part_amt": "4.00", "acct_pay": "1.00", "psn_cash_pay": "3.00"}


def id_card(i: int) -> str:
    first17 = f"11010119800101{i % 1000:03d}"
    return first17 + id_check_char(first17)


def valid_row(table_name: str, i: int, day: date) -> dict[str, str]:
    table = TABLES[table_name]
    row = {}
    for c in table.columns:
        if c.pii == Pii.ID_CARD:
            row[c.name] = id_card(i)
        elif c.pii == Pii.NAME:
            row[c.name] = f"张{i}号"
        elif c.pii == Pii.PHONE:
            row[c.name] = f"1390000{i:04d}"
        elif c.pii:
            row[c.name] = f"P{c.pii.value[:3]}{i:06d}"
        elif c.institution:
            row[c.name] = INSTITUTIONS[i % 2]
        elif c.codes:
            row[c.name] = c.codes[0]
        elif c.type in (ColumnType.INT,):
            row[c.name] = str(i)
        elif c.type == ColumnType.FLAG:
            row[c.name] = "0"
        elif c.type == ColumnType.DECIMAL:
            row[c.name] = "1.5"
        elif c.type == ColumnType.MONEY:
            row[c.name] = SETTLEMENT_AMOUNTS.get(c.name, "0.00" if c.name in SETTLEMENT_MONEY
                                                 else "12.50")
        elif c.type == ColumnType.DATE:
            row[c.name] = day.isoformat()
        elif c.type == ColumnType.TIMESTAMP:
            row[c.name] = f"{day.isoformat()} 08:30:00"
        else:
            row[c.name] = f"{c.name}-{i}"
    return row


def valid_rows(table_name: str, n: int, day: date, start: int = 1) -> list[dict[str, str]]:
    return [valid_row(table_name, i, day) for i in range(start, start + n)]


def csv_bytes(columns: list[str], rows: list[dict[str, str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buffer.getvalue().encode(encoding)


def parquet_bytes(table_name: str, rows: list[dict[str, str]]) -> bytes:
    table = TABLES[table_name]
    arrays = {c.name: pa.array([r[c.name] or None for r in rows], pa.string())
              for c in table.columns}
    buffer = io.BytesIO()
    pq.write_table(pa.table(arrays), buffer)
    return buffer.getvalue()


def write_reference(landing: Path, institutions=INSTITUTIONS) -> None:
    ref = Path(landing) / "ref"
    ref.mkdir(parents=True, exist_ok=True)
    rows = {
        "district": [{"admdvs": "110101", "district_name": "示例区"}],
        "institutions": [{"inst_code": code, "inst_name": f"机构{code}", "inst_type": "综合医院",
                          "inst_level": "二级", "admdvs": "110101",
                          "township_code": "110101001", "group_code": "G1", "is_lead": "0"}
                         for code in institutions],
        "population": [{"year": "2025", "township_code": "110101001", "sex": "1", "age": "40",
                        "population": "1000"}],
    }
    for name, columns in REF_TABLES.items():
        if name not in rows:  # optional reference files (fund_budget) stay absent here
            continue
        (ref / f"{name}.csv").write_bytes(
            csv_bytes([col for col, _ in columns], rows[name], "utf-8"))


def write_delivery(landing: Path, system: str, day: date,
                   rows_by_table: dict[str, list[dict[str, str]]],
                   encoding: str | None = None) -> Path:
    """Write a day folder with a correct manifest; returns the folder."""
    folder = Path(landing) / system / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    fmt, default_encoding = SYSTEM_FORMATS[system]
    encoding = encoding or default_encoding
    files = []
    for table_name, rows in rows_by_table.items():
        table = TABLES[table_name]
        if fmt == "parquet":
            name, data, enc = f"{table_name}.parquet", parquet_bytes(table_name, rows), None
        else:
            name, data, enc = f"{table_name}.csv", csv_bytes(table.column_names, rows,
                                                             encoding), encoding
        (folder / name).write_bytes(data)
        files.append({"name": name, "rows": len(rows),
                      "sha256": hashlib.sha256(data).hexdigest(), "encoding": enc})
    write_manifest(folder, system, day, files)
    return folder


def write_manifest(folder: Path, system: str, day: date, files: list[dict]) -> None:
    manifest = {"system": system, "date": day.isoformat(), "files": files}
    (folder / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                           encoding="utf-8")


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))


def rewrite_file(folder: Path, name: str, data: bytes, update_manifest: bool = True,
                 rows: int | None = None) -> None:
    """Replace a delivered file; by default the manifest follows (hash and row count)."""
    (folder / name).write_bytes(data)
    if update_manifest:
        manifest = read_manifest(folder)
        for entry in manifest["files"]:
            if entry["name"] == name:
                entry["sha256"] = hashlib.sha256(data).hexdigest()
                if rows is not None:
                    entry["rows"] = rows
        write_manifest(folder, manifest["system"], date.fromisoformat(manifest["date"]),
                       manifest["files"])


def full_delivery(landing: Path, system: str, day: date, n: int = 3,
                  start: int = 1) -> Path:
    return write_delivery(landing, system, day,
                          {t.name: valid_rows(t.name, n, day, start)
                           for t in TABLES_BY_SYSTEM[system]})
