"""Export the tables the dbt sources read (raw, quarantine, audit) from warehouse.duckdb to
Parquet, one folder per table, for the dbt `spark` target.

    python -m consortium_dw.spark_export --warehouse DATA_DIR/warehouse.duckdb --out DIR

Layout: `DIR/<schema>/<table>/data.parquet`, which is where the on-run-start macro
`register_raw_tables` (dbt/macros/spark/) points Spark's external tables. A table is written
whole to a temporary folder and renamed into place, so a crash never leaves Spark a half file.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import duckdb

# Every schema a dbt source lives in: the raw layer and the load accounting.
SOURCE_SCHEMAS = ("raw", "quarantine", "audit")
DATA_FILE = "data.parquet"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def source_tables(con: duckdb.DuckDBPyConnection,
                  schemas: tuple[str, ...] = SOURCE_SCHEMAS) -> list[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in schemas)
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({placeholders}) and table_type = 'BASE TABLE' "
        "order by table_schema, table_name", list(schemas)).fetchall()


def export_sources(warehouse: str | Path, out: str | Path,
                   schemas: tuple[str, ...] = SOURCE_SCHEMAS) -> dict[str, int]:
    """Write every table of `schemas` to `out`; returns {"schema.table": rows}."""
    out = Path(out).resolve()
    written: dict[str, int] = {}
    with duckdb.connect(str(Path(warehouse).resolve()), read_only=True) as con:
        tables = source_tables(con, schemas)
        if not tables:
            raise RuntimeError(f"{warehouse} has no tables in {schemas}: run the pipeline first")
        for schema, table in tables:
            folder = out / schema / table
            staging = folder.with_name(f".{table}.exporting")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            con.execute(f"COPY (SELECT * FROM {_quote(schema)}.{_quote(table)}) "
                        f"TO {_literal(staging / DATA_FILE)} (FORMAT parquet)")
            written[f"{schema}.{table}"] = con.execute(
                f"SELECT count(*) FROM {_quote(schema)}.{_quote(table)}").fetchone()[0]
            shutil.rmtree(folder, ignore_errors=True)
            staging.rename(folder)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export the dbt sources to Parquet for Spark.")
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    written = export_sources(args.warehouse, args.out)
    for name, rows in written.items():
        print(f"{name:<40} {rows:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
