"""`latest_versions` (dbt/macros/latest_version.sql): which row each key keeps, and the DuckDB
form (the window over the keys with more than one row only) keeping the same rows as the plain
window over every row, which Spark runs."""

from __future__ import annotations

import dbt_harness
from dbt_harness import DBT_DIR

dbt_manifest = dbt_harness.dbt_manifest
tiny_copy = dbt_harness.tiny_copy

HANDMADE = "raw.versions_handmade"
# (k1, k2, updated_at, _delivery_date, _loaded_at, _source_line, payload)
ROWS = [
    ("A", 1, None, "2025-01-01", "2025-01-01 08:00", 1, "A1 first delivery"),
    ("A", 1, None, "2025-01-02", "2025-01-02 08:00", 1, "A1 later delivery"),
    ("A", 2, None, "2025-01-01", "2025-01-01 08:00", 2, "A2 once"),
    ("B", 1, None, "2025-01-01", "2025-01-01 08:00", 5, "B1 earlier line"),
    ("B", 1, None, "2025-01-01", "2025-01-01 08:00", 9, "B1 later line"),
    # The version column decides before the line: the later update wins from an earlier line.
    ("C", 1, "2025-01-01 10:00", "2025-01-01", "2025-01-01 08:00", 3, "C1 later update"),
    ("C", 1, "2025-01-01 09:00", "2025-01-01", "2025-01-01 08:00", 4, "C1 earlier update"),
    # Null keys are one key, as in the window (is not distinct from).
    (None, 1, None, "2025-01-01", "2025-01-01 08:00", 6, "null-1 first delivery"),
    (None, 1, None, "2025-01-03", "2025-01-03 08:00", 6, "null-1 later delivery"),
    (None, None, None, "2025-01-01", "2025-01-01 08:00", 7, "null-null once"),
]
KEPT = {"A1 later delivery", "A2 once", "B1 later line", "C1 later update",
        "null-1 later delivery", "null-null once"}


def _compiled(dbt, jinja: str) -> str:
    result = dbt("compile", "--inline", jinja)
    return result.result.results[0].node.compiled_code


def _write_handmade(dbt) -> None:
    dbt.sql(f"create table {HANDMADE} (k1 varchar, k2 integer, updated_at timestamp, "
            "_delivery_date date, _loaded_at timestamp, _source_line integer, payload varchar)")
    for row in ROWS:
        values = ", ".join("null" if v is None else (str(v) if isinstance(v, int) else f"'{v}'")
                           for v in row)
        dbt.sql(f"insert into {HANDMADE} values ({values})")


def test_each_key_keeps_its_latest_row(tiny_copy):
    _write_handmade(tiny_copy)
    sql = _compiled(tiny_copy, "{{ latest_versions('" + HANDMADE + "', ['k1', 'k2'], "
                               "'updated_at') }}")
    assert "anti join repeated" in sql  # the DuckDB form, not the plain window
    kept = [payload for (payload,) in tiny_copy.sql(f"select payload from ({sql})")]
    assert sorted(kept) == sorted(KEPT)


def test_the_duckdb_form_equals_the_window_on_every_staged_source(tiny_copy):
    """Every source a staging model reads through latest_versions, on the tiny district: the
    same rows as the window over every row (the form Spark runs)."""
    calls = []
    for model in sorted((DBT_DIR / "models" / "staging").glob("stg_*.sql")):
        text = model.read_text(encoding="utf-8")
        start = text.find("latest_versions(")
        if start < 0:
            continue
        calls.append(text[start + len("latest_versions("):text.index(") }}", start)])
    assert len(calls) >= 10
    superseded = 0
    for arguments in calls:
        fast = _compiled(tiny_copy, "{{ duckdb__latest_versions(" + arguments + ") }}")
        plain = _compiled(tiny_copy, "{{ default__latest_versions(" + arguments + ") }}")
        rows = tiny_copy.sql(f"select count(*) from ({plain})")[0][0]
        differences = tiny_copy.sql(f"""
            select count(*) from (
                (select * from ({fast}) except all select * from ({plain}))
                union all
                (select * from ({plain}) except all select * from ({fast})))""")
        assert rows > 0 and differences == [(0,)], arguments
        source = _compiled(tiny_copy, "{{ " + arguments.split("), ")[0] + ") }}")
        superseded += tiny_copy.sql(f"select count(*) from {source}")[0][0] - rows
    assert superseded > 0  # the tiny district delivers versions, so both forms were exercised
