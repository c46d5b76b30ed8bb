"""Reference data (`ref/*.csv`): replaced whole, in one transaction per file."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from consortium_dw.contract import DUCKDB_TYPES, REF_ENCODING, REF_TABLES, ColumnType, Reason
from consortium_dw.ingest.clock import LoadClock
from consortium_dw.ingest.landing import REF_FOLDER
from consortium_dw.ingest.readers import FileRefused
from consortium_dw.ingest.rules import literal, quote
from consortium_dw.ingest.warehouse import ensure_schema

REF_SYSTEM = "ref"


@dataclass
class ReferenceLoad:
    name: str
    file_name: str
    rows: int
    batch_id: str
    refused: FileRefused | None = None


def _read_reference(path: Path, name: str) -> pa.Table:
    columns = [col for col, _ in REF_TABLES[name]]
    if not path.is_file():
        raise FileRefused(Reason.MANIFEST_MISMATCH, f"{REF_FOLDER}/{path.name} missing")
    try:
        text = path.read_bytes().decode("utf-8-sig" if REF_ENCODING == "utf-8" else REF_ENCODING)
    except UnicodeDecodeError as error:
        raise FileRefused(Reason.UNDECODABLE, f"not valid {REF_ENCODING} at byte "
                                              f"{error.start}") from None
    header = next(csv.reader(io.StringIO(text)), [])
    if sorted(header) != sorted(columns):
        raise FileRefused(Reason.WRONG_HEADER,
                          f"expected columns {columns}, missing "
                          f"{[c for c in columns if c not in header]}")
    table = pacsv.read_csv(io.BytesIO(text.encode("utf-8")),
                           parse_options=pacsv.ParseOptions(newlines_in_values=True),
                           convert_options=pacsv.ConvertOptions(
                               column_types={c: pa.string() for c in columns},
                               strings_can_be_null=False))
    return table.select(columns)


def _typed_sql(name: str) -> tuple[str, str]:
    """(typed select list, condition that some non-empty value fails its type)."""
    selects, failures = [], []
    for col, type_ in REF_TABLES[name]:
        target = DUCKDB_TYPES[ColumnType(type_)]
        v = f"nullif({quote(col)}, '')"
        if target == "VARCHAR":
            selects.append(f"{v} AS {quote(col)}")
        else:
            selects.append(f"try_cast({v} AS {target}) AS {quote(col)}")
            failures.append(f"({v} IS NOT NULL AND try_cast({v} AS {target}) IS NULL)")
    return ", ".join(selects), " OR ".join(failures) or "false"


def load_reference(con: duckdb.DuckDBPyConnection, landing: Path,
                   names: tuple[str, ...] = tuple(REF_TABLES),
                   clock: LoadClock | None = None) -> list[ReferenceLoad]:
    """Replace `raw.ref_<name>` from `ref/<name>.csv`. A refused file keeps the previous
    version and gets a `quarantine.rejected_files` row."""
    ensure_schema(con)
    clock = clock or LoadClock.now()
    results = []
    for name in names:
        file_name = f"{name}.csv"
        source = f"{REF_FOLDER}/{file_name}"
        batch_id = str(uuid.uuid4())
        try:
            text_table = _read_reference(Path(landing) / REF_FOLDER / file_name, name)
            select_list, failure = _typed_sql(name)
            scratch = duckdb.connect()
            scratch.register("delivered", text_table)
            bad = scratch.execute(
                f"SELECT count(*) FROM delivered WHERE {failure}").fetchall()[0][0]
            if bad:
                raise FileRefused(Reason.MALFORMED_NUMBER,
                                  f"{bad} rows with a value that does not fit its type")
            typed = scratch.sql(
                f"SELECT {select_list}, {literal(source)} AS _source_file, "
                f"CAST(row_number() OVER () AS INTEGER) AS _source_line, "
                f"CAST(NULL AS DATE) AS _delivery_date, {clock.loaded_at_sql} AS _loaded_at, "
                f"{literal(batch_id)} AS _batch_id FROM delivered").to_arrow_table()
            scratch.close()
        except FileRefused as refused:
            _record_refusal(con, file_name, refused, batch_id, clock)
            results.append(ReferenceLoad(name, file_name, 0, batch_id, refused))
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"DELETE FROM raw.{quote('ref_' + name)}")
            con.register("typed_reference", typed)
            con.execute(f"INSERT INTO raw.{quote('ref_' + name)} BY NAME "
                        f"SELECT * FROM typed_reference")
            con.unregister("typed_reference")
            con.execute("DELETE FROM quarantine.rejected_files WHERE system = ? AND file_name = ?",
                        [REF_SYSTEM, file_name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        results.append(ReferenceLoad(name, file_name, typed.num_rows, batch_id))
    return results


def _record_refusal(con, file_name: str, refused: FileRefused, batch_id: str,
                    clock: LoadClock) -> None:
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM quarantine.rejected_files WHERE system = ? AND file_name = ?",
                [REF_SYSTEM, file_name])
    con.execute("INSERT INTO quarantine.rejected_files VALUES (?, NULL, ?, ?, ?, ?, ?)",
                [REF_SYSTEM, file_name, refused.reason.value, refused.detail, batch_id,
                 clock.loaded_at])
    con.execute("COMMIT")


def reference_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    ensure_schema(con)
    return con.execute("SELECT count(*) FROM raw.ref_institutions").fetchall()[0][0] > 0
