"""The marts live in their own DuckDB file, `marts_db.duckdb`, beside `warehouse.duckdb`.

dbt attaches it as the catalog `marts_db` (dbt/profiles.yml) and writes every model and seed of
the schema `marts` there (dbt/macros/generate_database_name.sql); raw, quarantine, audit,
staging, intermediate and explain stay in the warehouse file. The publish is then a copy of one
file instead of a re-encoding of every mart: on the city year 4 s instead of 64–76 s
(docs/performance.md). A build of every row starts from a new marts file
(dagster_project/assets/dbt.py), so the file holds no blocks of the tables it replaced; an
incremental build (docs/conventions.md) updates it in place.

Every reader of the warehouse attaches the marts file with `attach_marts`, which also puts
`marts_db.marts` on the search path, so `marts.metric_values` keeps resolving as it did when the
marts were a schema of the warehouse file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# The file is named like its catalog: opened on its own (DuckDB CLI), its catalog `marts_db`
# differs from its schema `marts`, so `marts.<table>` is not ambiguous there either.
MARTS_FILE = "marts_db.duckdb"
MARTS_CATALOG = "marts_db"
MARTS_SCHEMA = "marts"


def marts_path(warehouse: str | Path) -> Path:
    """The marts file that belongs to the warehouse file `warehouse`."""
    return Path(warehouse).resolve().with_name(MARTS_FILE)


def sql_literal(text: str | Path) -> str:
    """A path or text as a SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def attach_marts(con: duckdb.DuckDBPyConnection, warehouse: str | Path,
                 read_only: bool = False) -> bool:
    """Attach the marts file of `warehouse` to `con` as `marts_db` and resolve `marts.<table>`
    there. Read-only, a missing marts file (nothing built yet) is not attached: False."""
    path = marts_path(warehouse)
    if read_only and not path.exists():
        return False
    mode = " (READ_ONLY)" if read_only else ""
    con.execute(f"ATTACH IF NOT EXISTS {sql_literal(path)} AS {MARTS_CATALOG}{mode}")
    if not read_only:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {MARTS_CATALOG}.{MARTS_SCHEMA}")
    elif not con.execute("SELECT count(*) FROM information_schema.schemata WHERE catalog_name = ? "
                         "AND schema_name = ?", [MARTS_CATALOG, MARTS_SCHEMA]).fetchone()[0]:
        return True
    main = con.execute("SELECT current_database()").fetchone()[0]
    search_path = f"{main}.main,{MARTS_CATALOG}.{MARTS_SCHEMA}"
    con.execute(f"SET search_path = {sql_literal(search_path)}")
    return True


def connect_warehouse(warehouse: str | Path, read_only: bool = False,
                      config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to `warehouse` with its marts attached."""
    con = duckdb.connect(str(warehouse), read_only=read_only, config=config or {})
    try:
        attach_marts(con, warehouse, read_only=read_only)
    except BaseException:
        con.close()
        raise
    return con
