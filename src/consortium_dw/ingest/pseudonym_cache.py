"""Each distinct PII value is hashed once per process, not once per cell.

A city year holds ~1 M persons behind 37 M rows, and the same identity card appears in visits,
settlements, lab results, family-doctor services...: hashing per cell would repeat the same
HMAC tens of times (the HMAC is the most expensive step of ingestion). The cache is an
in-memory DuckDB database, private to this process and never written to disk (it holds clear
text next to its pseudonym, which must never reach the warehouse). It is keyed by the
pseudonymisation key, so a different key can never reuse a pseudonym, and it is emptied for a
kind once it holds `MAX_VALUES_PER_KIND` values, which bounds its memory (~100 MB per million
values: DuckDB counts 95 MB for a million identity cards). Spilling to a temporary directory is
switched off for the same reason it is never written to disk.
"""

from __future__ import annotations

import hashlib
import threading

import duckdb
import pyarrow as pa

from consortium_dw.contract import Pii
from consortium_dw.ingest.rules import valid_id_sql
from consortium_dw.pseudonymise import hmac_sql

MAX_VALUES_PER_KIND = 4_000_000


class PseudonymCache:
    def __init__(self, max_values_per_kind: int = MAX_VALUES_PER_KIND):
        self._max = max_values_per_kind
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._key_digest: bytes | None = None
        self._sizes: dict[Pii, int] = {}

    def _table(self, key: bytes, kind: Pii) -> str:
        key_digest = hashlib.sha256(key).digest()
        if self._con is None or key_digest != self._key_digest:
            self.clear()
            self._con = duckdb.connect(config={"temp_directory": ""})
            self._con.execute("SET enable_progress_bar = false")
            self._key_digest = key_digest
        name = f"pseudonyms_{kind.value}"
        if kind not in self._sizes or self._sizes[kind] >= self._max:
            check = ", ok BOOLEAN" if kind == Pii.ID_CARD else ""
            self._con.execute(f"CREATE OR REPLACE TABLE {name} (v VARCHAR, p VARCHAR{check})")
            self._sizes[kind] = 0
        return name

    def lookup(self, key: bytes, kind: Pii, values: pa.Array) -> pa.Table:
        """(v, p[, ok]) for every value of `values` (distinct, none empty or NULL), any order:
        p = `pseudonym(key, kind, v)`; for identity cards ok = `valid_id_sql(v)`."""
        kind = Pii(kind)
        with self._lock:
            name = self._table(key, kind)
            con = self._con
            con.register("wanted", pa.table({"v": values}))
            try:
                check = f", {valid_id_sql('v')}" if kind == Pii.ID_CARD else ""
                added = con.execute(
                    f"INSERT INTO {name} SELECT v, {hmac_sql(key, kind, 'v')}{check} "
                    f"FROM wanted ANTI JOIN {name} USING (v)").fetchall()[0][0]
                self._sizes[kind] += added
                columns = "v, p, ok" if kind == Pii.ID_CARD else "v, p"
                return con.sql(f"SELECT {columns} FROM {name} SEMI JOIN wanted USING (v)"
                               ).to_arrow_table()
            finally:
                con.unregister("wanted")

    def clear(self) -> None:
        if self._con is not None:
            self._con.close()
        self._con, self._key_digest, self._sizes = None, None, {}


PSEUDONYMS = PseudonymCache()
