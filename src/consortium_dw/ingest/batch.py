"""Judge and pseudonymise one batch of delivered rows in a private in-memory DuckDB.

The batch is an Arrow table of text columns (see `rules` for its lineage columns). The work is
done in three set-based passes, each over the smallest thing that gives the answer:

1. PII: the distinct non-empty values of each PII kind are looked up in the process'
   `PSEUDONYMS` cache, which hashes each value it has not seen (`hmac_sql`) and checks each new
   identity card's GB 11643 digit once; the results are mapped back onto the rows with Arrow's
   hash lookup (`index_in` + `take`). People recur across days and tables (a city year: ~1 M
   persons behind 37 M rows), so a load hashes each person's values about once.
2. The verdict: one narrow query returns each row's first failing rule (`rules.verdict_query`).
3. The outputs: passing rows cast to the raw layer's types, failing rows as text with their
   reason, both pseudonymised and in delivery order (a scan and a filter keep DuckDB's
   insertion order, so no sort of the wide rows is needed).

Clear-text values only exist in this process' memory; what leaves is pseudonymised.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from consortium_dw.contract import Pii, Table
from consortium_dw.ingest.pseudonym_cache import PSEUDONYMS
from consortium_dw.ingest.rules import (
    id_ok_column,
    literal,
    quote,
    rule_conditions,
    typed_select,
    value,
    verdict_query,
)


@dataclass(frozen=True)
class FileLineage:
    """What the batch's `_file` index stands for."""

    source_file: str
    batch_id: str


@dataclass
class JudgedBatch:
    passed: pa.Table
    quarantined: pa.Table
    # (file index, reason or None for passed rows, row count)
    counts: list[tuple[int, str | None, int]]


def _pseudonymise(delivered: pa.Table, table: Table, key: bytes
                  ) -> tuple[dict[str, pa.ChunkedArray], dict[str, pa.ChunkedArray]]:
    """({PII column: its pseudonyms}, {identity-card column: its check-digit verdict})."""
    columns_by_kind: dict[Pii, list[str]] = defaultdict(list)
    for c in table.columns:
        if c.pii:
            columns_by_kind[Pii(c.pii)].append(c.name)
    pseudonyms, id_ok = {}, {}
    for kind, names in columns_by_kind.items():
        chunks = [chunk for name in names for chunk in delivered.column(name).chunks]
        distinct = pc.unique(pa.chunked_array(chunks, pa.string()))
        # Empty means absent (rules.value): it stays NULL, like a missing value.
        distinct = distinct.filter(pc.fill_null(pc.not_equal(distinct, ""), False))
        hashed = PSEUDONYMS.lookup(key, kind, distinct)
        values = hashed.column("v").combine_chunks()
        for name in names:
            positions = pc.index_in(delivered.column(name), value_set=values)
            pseudonyms[name] = pc.take(hashed.column("p"), positions)
            if kind == Pii.ID_CARD:
                id_ok[name] = pc.take(hashed.column("ok"), positions)
    return pseudonyms, id_ok


def judge(delivered: pa.Table, files: list[FileLineage], table: Table, key: bytes,
          ref_codes: pa.Table, load_time_sql: str) -> JudgedBatch:
    rules = rule_conditions(table, load_time_sql)
    with tempfile.TemporaryDirectory(prefix="ingest-scratch-") as scratch_dir:
        scratch = duckdb.connect(config={"temp_directory": scratch_dir})
        try:
            scratch.execute("SET enable_progress_bar = false")
            pseudonyms, id_ok = _pseudonymise(delivered, table, key)
            for name, verdicts in id_ok.items():
                delivered = delivered.append_column(id_ok_column(name), verdicts)
            scratch.register("delivered", delivered)
            scratch.register("ref_institution_codes", ref_codes)
            rule_index = scratch.sql(verdict_query(table, load_time_sql)).to_arrow_table()
            scratch.unregister("delivered")

            checked = delivered.drop_columns([id_ok_column(n) for n in id_ok])
            for name, hashed in pseudonyms.items():
                checked = checked.set_column(checked.schema.get_field_index(name), name,
                                             hashed)
            checked = checked.append_column("_rule", rule_index.column("_rule"))
            scratch.register("checked", checked)

            def lookup(items: list[str]) -> str:
                return "[" + ", ".join(literal(i) for i in items) + "]"

            reasons = lookup([reason.value for reason, _, _ in rules])
            details = lookup([detail for _, _, detail in rules])
            lineage = (f"{lookup([f.source_file for f in files])}[_file + 1] AS _source_file, "
                       f"_source_line, _delivery_date, {load_time_sql} AS _loaded_at, "
                       f"{lookup([f.batch_id for f in files])}[_file + 1] AS _batch_id")
            text = ", ".join(f"{value(c.name)} AS {quote(c.name)}" for c in table.columns)
            passed = scratch.sql(
                f"SELECT {typed_select(table)}, {lineage} FROM (SELECT {text}, _file, "
                f"_source_line, _delivery_date FROM checked WHERE _rule IS NULL)"
            ).to_arrow_table()
            quarantined = scratch.sql(
                f"SELECT {text}, {reasons}[_rule + 1] AS _reason, "
                f"{details}[_rule + 1] AS _reason_detail, {lineage} FROM checked "
                f"WHERE _rule IS NOT NULL").to_arrow_table()
            counts = scratch.execute(
                f"SELECT _file, {reasons}[_rule + 1], count(*) FROM checked "
                f"GROUP BY ALL").fetchall()
        finally:
            scratch.close()
    return JudgedBatch(passed, quarantined, counts)
