"""Every SQL block in docs/analysts.md runs on the tiny district's served file, read-only."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.DOTALL)


def sql_blocks() -> list[str]:
    return SQL_BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_doc_answers_ten_questions():
    assert len(sql_blocks()) == 10


@pytest.mark.parametrize("number", range(1, 11))
def test_each_query_runs_on_the_served_file(tiny_warehouse, number):
    sql = sql_blocks()[number - 1]
    with duckdb.connect(str(tiny_warehouse / "serving.duckdb"), read_only=True,
                        config={"enable_external_access": False}) as con:
        relation = con.sql(sql)
        columns, rows = relation.columns, relation.fetchall()
    assert columns, f"question {number} returns no columns"
    assert isinstance(rows, list)
