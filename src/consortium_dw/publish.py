"""Atomic publish: copy the marts file (`marts_db.duckdb`, consortium_dw/marts_file.py) to
`serving.duckdb`.

The marts file is copied to a temporary file in the serving file's folder (same filesystem, so
the rename is atomic); the copy gets its manifest, is checked, fsynced and renamed over the
served file. Readers that hold the old file open keep reading it; new readers see the new file;
a crash at any moment leaves either the old or the new file, never a half-written one. A stale
temporary file from a killed publish is removed by the next one.

Only the marts are served (never raw, quarantine or audit, which stay in the warehouse file).
Views of the marts are materialised as tables in the copy, so the served file stands alone.
Copying the file instead of re-encoding every table into a new one: 4 s instead of 64–76 s on
the city year (docs/performance.md).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from consortium_dw.marts_file import MARTS_CATALOG, MARTS_SCHEMA, marts_path, sql_literal

MANIFEST_SCHEMA = "publication"


@dataclass
class PublishResult:
    serving: Path
    published_at: str
    tables: dict[str, int] = field(default_factory=dict)
    sha256: str = ""


def temporary_path(serving: Path) -> Path:
    return serving.with_name(f".{serving.name}.publishing")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove_stale(tmp: Path) -> None:
    for stale in (tmp, _wal(tmp)):
        stale.unlink(missing_ok=True)


def _relations(con: duckdb.DuckDBPyConnection, table_type: str | None = None) -> list[str]:
    kind = "" if table_type is None else f" and table_type = '{table_type}'"
    return [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_catalog = ? "
        f"and table_schema = ?{kind} order by table_name",
        [MARTS_CATALOG, MARTS_SCHEMA]).fetchall()]


def _checkpointed(warehouse: str | Path | duckdb.DuckDBPyConnection) -> Path:
    """The marts file of `warehouse` with everything committed written into it: through the
    caller's connection when one is given (it may hold the marts attached), else by opening the
    file once if an unclean stop left a write-ahead log beside it."""
    if isinstance(warehouse, duckdb.DuckDBPyConnection):
        path = warehouse.execute("select path from duckdb_databases() where database_name = "
                                 "current_database()").fetchone()[0]
        source = marts_path(path)
        attached = warehouse.execute("select count(*) from duckdb_databases() where "
                                     "database_name = ?", [MARTS_CATALOG]).fetchone()[0]
        if attached:
            warehouse.execute(f"CHECKPOINT {MARTS_CATALOG}")
            return source
    else:
        source = marts_path(warehouse)
    if source.exists() and _wal(source).exists():
        duckdb.connect(str(source)).close()  # replays and checkpoints the log
    return source


def publish(warehouse: str | Path | duckdb.DuckDBPyConnection,
            serving: str | Path) -> PublishResult:
    """Copy the marts of `warehouse` (the warehouse file's path, or an open connection to it)
    to `serving`, atomically."""
    serving = Path(serving).resolve()
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(serving)
    _remove_stale(tmp)
    source = _checkpointed(warehouse)
    if not source.exists():
        raise RuntimeError(f"nothing to publish: {source} does not exist (no dbt build yet)")
    result = PublishResult(serving=serving,
                           published_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    try:
        shutil.copyfile(source, tmp)
        # Attached under the alias dbt wrote it with, so views naming marts_db resolve.
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH {sql_literal(tmp)} AS {MARTS_CATALOG}")
            if not _relations(con):
                raise RuntimeError(f"nothing to publish: schema {MARTS_SCHEMA} of {source} is "
                                   "empty or absent")
            for view in _relations(con, "VIEW"):
                _materialise(con, view)
            for name in _relations(con):
                result.tables[f"{MARTS_SCHEMA}.{name}"] = con.execute(
                    f"SELECT count(*) FROM {_qualified(name)}").fetchone()[0]
            _write_manifest(con, result)
            con.execute(f"CHECKPOINT {MARTS_CATALOG}")
            con.execute(f"DETACH {MARTS_CATALOG}")
        finally:
            con.close()
    except BaseException:
        _remove_stale(tmp)
        raise
    _verify(tmp, result.tables)
    _fsync(tmp)
    os.replace(tmp, serving)
    _fsync(serving.parent)
    result.sha256 = file_sha256(serving)
    return result


def _qualified(name: str) -> str:
    return f"{MARTS_CATALOG}.{_quote(MARTS_SCHEMA)}.{_quote(name)}"


def _materialise(con: duckdb.DuckDBPyConnection, view: str) -> None:
    """A view of the marts becomes a table of the same name: the served file stands alone."""
    staged = _qualified(view + "__published")
    con.execute(f"CREATE TABLE {staged} AS SELECT * FROM {_qualified(view)}")
    con.execute(f"DROP VIEW {_qualified(view)}")
    con.execute(f"ALTER TABLE {staged} RENAME TO {_quote(view)}")


def _write_manifest(con, result: PublishResult) -> None:
    """`publication.tables`: when each table was published and with how many rows, so a
    reader can tell which build it is looking at."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {MARTS_CATALOG}.{MANIFEST_SCHEMA}")
    con.execute(f"CREATE OR REPLACE TABLE {MARTS_CATALOG}.{MANIFEST_SCHEMA}.tables "
                "(table_name VARCHAR, row_count BIGINT, published_at TIMESTAMP)")
    for name, rows in result.tables.items():
        con.execute(f"INSERT INTO {MARTS_CATALOG}.{MANIFEST_SCHEMA}.tables VALUES (?, ?, "
                    "CAST(? AS TIMESTAMP))", [name, rows, result.published_at[:-1]])


def _verify(tmp: Path, tables: dict[str, int]) -> None:
    """The file about to be served opens on its own and holds what was copied."""
    check = duckdb.connect(str(tmp), read_only=True)
    try:
        for name, rows in tables.items():
            schema, table = name.split(".", 1)
            held = check.execute(
                f"SELECT count(*) FROM {_quote(schema)}.{_quote(table)}").fetchone()[0]
            if held != rows:
                raise RuntimeError(f"publish copy of {name} holds {held} rows, not {rows}")
    finally:
        check.close()
    if _wal(tmp).exists():
        raise RuntimeError(f"{tmp} still has a write-ahead log after DETACH")
