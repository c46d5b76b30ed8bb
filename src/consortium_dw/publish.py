"""Atomic publish: copy the marts of the warehouse into `serving.duckdb`.

The copy is written to a temporary file in the serving file's folder (same filesystem, so the
rename is atomic), fsynced, checked, and renamed over the served file. Readers that hold the
old file open keep reading it; new readers see the new file; a crash at any moment leaves
either the old or the new file, never a half-written one. A stale temporary file from a killed
publish is removed by the next one.

Only the published schemas are copied (the marts; never raw, quarantine or audit); views are
materialised as tables, because their definitions point into the warehouse.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts",)
# The configuration of the connection that copies: a memory cap, and no row order kept
# (nothing reads the served tables' physical order). On the city year the copy peaked at
# 6.6 GB with DuckDB's defaults and at 3.1 GB with these, in the same time (80 s, four runs
# alternated; docs/performance.md).
COPY_CONFIG = {"preserve_insertion_order": False,
               "memory_limit": os.environ.get("CONSORTIUM_PUBLISH_MEMORY_LIMIT", "3GB")}
SNAPSHOT_ALIAS = "publish_snapshot"
SOURCE_ALIAS = "publish_source"
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


def _remove_stale(tmp: Path) -> None:
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)


def _relations(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_catalog = ? "
        "and table_schema = ? order by table_name", [catalog, schema]).fetchall()]


def publish(warehouse: str | Path | duckdb.DuckDBPyConnection, serving: str | Path,
            schemas: tuple[str, ...] = PUBLISHED_SCHEMAS) -> PublishResult:
    """Copy `schemas` of `warehouse` (a path or an open connection, e.g. the pipeline's
    writer, best opened with COPY_CONFIG) to `serving`, atomically."""
    serving = Path(serving).resolve()
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(serving)
    _remove_stale(tmp)
    own = not isinstance(warehouse, duckdb.DuckDBPyConnection)
    if own:
        # A read-only source attached to an in-memory session, so the snapshot is writable.
        con = duckdb.connect(config=COPY_CONFIG)
        con.execute(f"ATTACH {_literal(Path(warehouse).resolve())} AS {SOURCE_ALIAS} "
                    "(READ_ONLY)")
        source = SOURCE_ALIAS
    else:
        con = warehouse
        source = con.execute("select current_database()").fetchone()[0]
    result = PublishResult(serving=serving,
                           published_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    try:
        missing = [s for s in schemas if not _relations(con, source, s)]
        if missing:
            raise RuntimeError(f"nothing to publish: schema(s) {missing} empty or absent")
        con.execute(f"ATTACH {_literal(tmp)} AS {SNAPSHOT_ALIAS}")
        try:
            for schema in schemas:
                con.execute(f"CREATE SCHEMA {SNAPSHOT_ALIAS}.{_quote(schema)}")
                for name in _relations(con, source, schema):
                    target = f"{SNAPSHOT_ALIAS}.{_quote(schema)}.{_quote(name)}"
                    con.execute(f"CREATE TABLE {target} AS "
                                f"SELECT * FROM {_quote(source)}.{_quote(schema)}.{_quote(name)}")
                    result.tables[f"{schema}.{name}"] = con.execute(
                        f"SELECT count(*) FROM {target}").fetchone()[0]
            _write_manifest(con, result)
            con.execute(f"CHECKPOINT {SNAPSHOT_ALIAS}")
        finally:
            con.execute(f"DETACH {SNAPSHOT_ALIAS}")
    except BaseException:
        _remove_stale(tmp)
        raise
    finally:
        if own:
            con.close()
    _verify(tmp, result.tables)
    _fsync(tmp)
    os.replace(tmp, serving)
    _fsync(serving.parent)
    result.sha256 = file_sha256(serving)
    return result


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _write_manifest(con, result: PublishResult) -> None:
    """`publication.tables`: when each table was published and with how many rows, so a
    reader can tell which build it is looking at."""
    con.execute(f"CREATE SCHEMA {SNAPSHOT_ALIAS}.{MANIFEST_SCHEMA}")
    con.execute(f"CREATE TABLE {SNAPSHOT_ALIAS}.{MANIFEST_SCHEMA}.tables "
                "(table_name VARCHAR, row_count BIGINT, published_at TIMESTAMP)")
    for name, rows in result.tables.items():
        con.execute(f"INSERT INTO {SNAPSHOT_ALIAS}.{MANIFEST_SCHEMA}.tables VALUES (?, ?, "
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
    if tmp.with_name(tmp.name + ".wal").exists():
        raise RuntimeError(f"{tmp} still has a write-ahead log after DETACH")
