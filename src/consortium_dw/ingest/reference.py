"""Reference data (`ref/*.csv`): replaced whole, in one transaction per file.

district, institutions and population are all-or-nothing: a value that does not fit its type
refuses the file. fund_budget (our addition, docs/budget.md) is checked row by row instead, so
one mistyped group does not hold back every group's budget: its failing rows go to
`quarantine.ref_fund_budget` with their reason, and the file may be absent (older landings).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from consortium_dw.contract import (
    DUCKDB_TYPES,
    OPTIONAL_REF_TABLES,
    REF_ENCODINGS_ACCEPTED,
    REF_TABLES,
    ColumnType,
    Reason,
)
from consortium_dw.ingest.clock import LoadClock
from consortium_dw.ingest.landing import REF_FOLDER
from consortium_dw.ingest.readers import (
    FileRefused,
    csv_bytes_for_arrow,
    csv_header,
    decode_strict,
)
from consortium_dw.ingest.rules import literal, quote
from consortium_dw.ingest.warehouse import ensure_schema

REF_SYSTEM = "ref"
LINEAGE_COLUMNS = "_source_file, _source_line, _delivery_date, _loaded_at, _batch_id"

# Row rules of the reference files checked row by row: (reason, failing condition on the
# delivered text, detail). The first failing rule names the row's reason.
_ROW_RULES = {
    "fund_budget": (
        (Reason.MISSING_REQUIRED,
         "nullif(year, '') IS NULL OR nullif(group_code, '') IS NULL "
         "OR nullif(annual_budget, '') IS NULL",
         "year, group_code and annual_budget are required"),
        (Reason.MALFORMED_NUMBER,
         "try_cast(year AS INTEGER) IS NULL "
         "OR try_cast(annual_budget AS DECIMAL(16,2)) IS NULL "
         "OR (nullif(monthly_prepayment, '') IS NOT NULL "
         "AND try_cast(monthly_prepayment AS DECIMAL(16,2)) IS NULL)",
         "year is not a whole number, or an amount is not a number in yuan"),
        (Reason.NEGATIVE_AMOUNT,
         "try_cast(annual_budget AS DECIMAL(16,2)) < 0 "
         "OR try_cast(monthly_prepayment AS DECIMAL(16,2)) < 0",
         "a budget or a prepayment is negative"),
        (Reason.DUPLICATE_ROW,
         "row_number() OVER (PARTITION BY year, group_code ORDER BY _source_line) > 1",
         "same key (year, group_code) earlier in the file"),
    ),
}


@dataclass
class ReferenceLoad:
    name: str
    file_name: str
    rows: int
    batch_id: str
    refused: FileRefused | None = None
    quarantined: int = 0
    absent: bool = False  # an optional file not delivered: the loaded version stays


def _read_reference(path: Path, name: str) -> pa.Table:
    columns = [col for col, _ in REF_TABLES[name]]
    if not path.is_file():
        raise FileRefused(Reason.MANIFEST_MISMATCH, f"{REF_FOLDER}/{path.name} missing")
    text = decode_strict(path.read_bytes(), REF_ENCODINGS_ACCEPTED)
    header = csv_header(text)
    if sorted(header) != sorted(columns):
        raise FileRefused(Reason.WRONG_HEADER,
                          f"expected columns {columns}, missing "
                          f"{[c for c in columns if c not in header]}")
    try:
        table = pacsv.read_csv(io.BytesIO(csv_bytes_for_arrow(text)),
                               parse_options=pacsv.ParseOptions(newlines_in_values=True),
                               convert_options=pacsv.ConvertOptions(
                                   column_types={c: pa.string() for c in columns},
                                   strings_can_be_null=False))
    except pa.ArrowInvalid as error:
        raise FileRefused(Reason.UNDECODABLE,
                          f"{REF_FOLDER}/{path.name} is not parseable as CSV "
                          f"({str(error).splitlines()[0][:120]})") from None
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
        path = Path(landing) / REF_FOLDER / file_name
        if name in OPTIONAL_REF_TABLES and not path.exists():
            results.append(ReferenceLoad(name, file_name, 0, batch_id, absent=True))
            continue
        try:
            text_table = _read_reference(path, name)
            typed, quarantined = _checked(text_table, name, source, batch_id, clock)
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
            if name in _ROW_RULES:
                con.execute(_quarantine_ddl(name))
                con.execute(f"DELETE FROM quarantine.{quote('ref_' + name)}")
                con.register("quarantined_reference", quarantined)
                con.execute(f"INSERT INTO quarantine.{quote('ref_' + name)} BY NAME "
                            f"SELECT * FROM quarantined_reference")
                con.unregister("quarantined_reference")
            con.execute("DELETE FROM quarantine.rejected_files WHERE system = ? AND file_name = ?",
                        [REF_SYSTEM, file_name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        results.append(ReferenceLoad(name, file_name, typed.num_rows, batch_id,
                                     quarantined=quarantined.num_rows if quarantined else 0))
    return results


def _checked(text_table: pa.Table, name: str, source: str, batch_id: str,
             clock: LoadClock) -> tuple[pa.Table, pa.Table | None]:
    """(typed rows that pass, quarantined rows as text with their reason). Files without row
    rules are refused whole when a value does not fit its type."""
    select_list, failure = _typed_sql(name)
    lineage = (f"{literal(source)} AS _source_file, "
               f"CAST(row_number() OVER () AS INTEGER) AS _source_line, "
               f"CAST(NULL AS DATE) AS _delivery_date, {clock.loaded_at_sql} AS _loaded_at, "
               f"{literal(batch_id)} AS _batch_id")
    scratch = duckdb.connect()
    try:
        scratch.register("delivered", text_table)
        scratch.execute(f"CREATE TABLE lined AS SELECT *, {lineage} FROM delivered")
        rules = _ROW_RULES.get(name)
        if not rules:
            bad = scratch.execute(f"SELECT count(*) FROM lined WHERE {failure}").fetchall()[0][0]
            if bad:
                raise FileRefused(Reason.MALFORMED_NUMBER,
                                  f"{bad} rows with a value that does not fit its type")
            return scratch.sql(f"SELECT {select_list}, {LINEAGE_COLUMNS} FROM lined "
                               f"ORDER BY _source_line").to_arrow_table(), None
        reason = " ".join(f"WHEN {condition} THEN {literal(r.value)}"
                          for r, condition, _ in rules)
        detail = " ".join(f"WHEN {condition} THEN {literal(text)}"
                          for _, condition, text in rules)
        scratch.execute(f"CREATE TABLE judged AS SELECT *, CASE {reason} END AS _reason, "
                        f"CASE {detail} END AS _reason_detail FROM lined")
        passed = scratch.sql(f"SELECT {select_list}, {LINEAGE_COLUMNS} FROM judged "
                             f"WHERE _reason IS NULL ORDER BY _source_line").to_arrow_table()
        text_columns = ", ".join(quote(col) for col, _ in REF_TABLES[name])
        quarantined = scratch.sql(
            f"SELECT {text_columns}, _reason, _reason_detail, {LINEAGE_COLUMNS} FROM judged "
            f"WHERE _reason IS NOT NULL ORDER BY _source_line").to_arrow_table()
        return passed, quarantined
    finally:
        scratch.close()


def _quarantine_ddl(name: str) -> str:
    columns = ", ".join(f"{quote(col)} VARCHAR" for col, _ in REF_TABLES[name])
    return (f"CREATE TABLE IF NOT EXISTS quarantine.{quote('ref_' + name)} ({columns}, "
            f"_reason VARCHAR, _reason_detail VARCHAR, _source_file VARCHAR, "
            f"_source_line INTEGER, _delivery_date DATE, _loaded_at TIMESTAMP, "
            f"_batch_id VARCHAR)")


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
