"""`make sql`: the console reads the served file and refuses writes and other files."""

from __future__ import annotations

import io

import pytest

from consortium_dw.sql_console import connect, run


@pytest.fixture()
def console(tiny_warehouse):
    connection = connect(tiny_warehouse / "serving.duckdb")
    yield connection
    connection.close()


def test_reads_the_marts_without_a_schema_prefix(console):
    out = io.StringIO()
    assert run(console, "select count(*) as n from metric_values", out)
    expected = console.execute("select count(*) from marts.metric_values").fetchone()[0]
    assert f"{expected}" in out.getvalue()


@pytest.mark.parametrize("sql", [
    "create table marts.scratch as select 1 as a",
    "delete from marts.metric_values",
    "attach '{warehouse}' as wh",
    "select * from read_csv('{warehouse}')",
    "copy (select 1) to '{copy_target}'",
    "set enable_external_access = true",
])
def test_refuses_writes_and_other_files(console, tiny_warehouse, tmp_path, sql):
    sql = sql.format(warehouse=tiny_warehouse / "warehouse.duckdb",
                     copy_target=tmp_path / "leak.csv")
    before = console.execute("select count(*) from marts.metric_values").fetchone()[0]
    out = io.StringIO()
    assert not run(console, sql, out)
    assert out.getvalue().startswith("Error:")
    assert console.execute("select count(*) from marts.metric_values").fetchone()[0] == before
    assert not (tmp_path / "leak.csv").exists()
