"""When the dbt asset continues the previous build (`loads_since`) and when it builds every row,
on small warehouses made by hand."""

from __future__ import annotations

import duckdb

from consortium_dw.incremental_builds import (
    LoadState,
    loads_since,
    read_load_state,
    record_complete_build,
    state_path,
    take_previous_state,
)

LINEAGE = "_source_file VARCHAR, _source_line INTEGER, _delivery_date DATE, " \
          "_loaded_at TIMESTAMP, _batch_id VARCHAR"


def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema audit; create schema raw")
    con.execute("create table audit.load_log (table_name VARCHAR, loaded_at TIMESTAMP)")
    con.execute("insert into audit.load_log values ('settlements', '2025-01-02 08:00:00'), "
                "('lab_results', '2025-01-03 09:30:00.25')")
    con.execute(f"create table raw.ref_institutions (inst_code VARCHAR, inst_type VARCHAR, "
                f"{LINEAGE})")
    con.execute("insert into raw.ref_institutions values ('H1', '三级医院', 'a', 1, null, "
                "'2025-01-01 00:00:00', 'b1'), ('P1', '乡镇卫生院', 'a', 2, null, "
                "'2025-01-01 00:00:00', 'b1')")
    con.execute(f"create table raw.ref_district (admdvs VARCHAR, {LINEAGE})")
    con.execute("insert into raw.ref_district values ('150105', 'a', 1, null, "
                "'2025-01-01 00:00:00', 'b1')")
    con.close()
    return path


def dbt_project(tmp_path):
    root = tmp_path / "dbt"
    (root / "models").mkdir(parents=True)
    (root / "models" / "fct_a.sql").write_text("select 1 as a\n", encoding="utf-8")
    (root / "dbt_project.yml").write_text("name: p\n", encoding="utf-8")
    return root


def change(path, sql):
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.close()


def test_the_state_names_the_newest_load_and_moves_only_with_the_references(tmp_path):
    path, project = warehouse(tmp_path), dbt_project(tmp_path)
    state = read_load_state(path, project)
    assert state.loads_through == "2025-01-03 09:30:00.25"

    # Reloaded unchanged (every load of ref/ replaces the tables with new lineage): the same.
    change(path, "update raw.ref_institutions set _loaded_at = '2025-02-01', _batch_id = 'b2'")
    assert read_load_state(path, project).references == state.references
    change(path, "update raw.ref_institutions set inst_type = '二级医院' where inst_code = 'H1'")
    assert read_load_state(path, project).references != state.references
    change(path, "update raw.ref_institutions set inst_type = '三级医院' where inst_code = 'H1'")
    change(path, "insert into raw.ref_district values ('150106', 'a', 2, null, null, null)")
    assert read_load_state(path, project).references != state.references


def test_only_a_recorded_complete_build_with_the_same_references_is_continued(tmp_path):
    path, project = warehouse(tmp_path), dbt_project(tmp_path)
    now = read_load_state(path, project)
    assert take_previous_state(path) is None  # never built
    assert loads_since(None, now) is None

    record_complete_build(path, now)
    previous = take_previous_state(path)
    assert previous == now
    assert loads_since(previous, now) == "2025-01-03 09:30:00.25"
    # Taken away: a build that fails after this point leaves none for the next one.
    assert not state_path(path).exists()
    assert take_previous_state(path) is None

    assert loads_since(LoadState(now.loads_through, "other", now.project), now) is None
    assert loads_since(LoadState(None, now.references, now.project), now) is None
    # A model changed since the build (a new column, a corrected rule): a whole build.
    (project / "models" / "fct_a.sql").write_text("select 2 as a\n", encoding="utf-8")
    changed = read_load_state(path, project)
    assert changed.project != now.project
    assert loads_since(now, changed) is None
    state_path(path).write_text("{not json", encoding="utf-8")
    assert take_previous_state(path) is None
