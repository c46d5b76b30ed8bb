"""fct_metric_drillthrough filters each source at its date (macros/explain/): it must still hold
exactly the month rows of explain.fct_metric_contributions for the latest N months."""

from __future__ import annotations

import dbt_harness
import pytest

# The harness's fixtures, made visible to pytest in this module.
dbt_manifest = dbt_harness.dbt_manifest
tiny_copy = dbt_harness.tiny_copy

# The view holds the window (`drillthrough_months` is read when it is built): built together.
DRILLTHROUGH = ("explain_drillthrough_rows", "fct_metric_drillthrough")


@pytest.fixture
def drillthrough_dbt(tiny_copy):
    """tiny_copy, with the drill-through's ephemeral lineage CTEs injected again on its next
    compile: the harness reuses one parsed manifest, and dbt marks a node's CTEs as injected
    there after its first compile, so a later run of it in the session would leave them out."""
    for model in DRILLTHROUGH:
        tiny_copy.manifest.nodes[f"model.consortium_dw.{model}"].extra_ctes_injected = False
    return tiny_copy


COLUMNS = ("metric_code, period_type, period_start, scope_type, scope_code, role, row_key, "
           "count_key, aggregation, person_key, contribution, source_system, source_table, "
           "source_file, source_line, delivery_date, note")


def _rows_only_on_one_side(dbt, months: int) -> tuple[int, int, int]:
    window = f"""
        select {COLUMNS} from explain.fct_metric_contributions
        where period_type = 'month'
            and period_start >= (select max(period_start) - interval ({months - 1}) month
                                 from marts.metric_values where period_type = 'month')"""
    served = f"select {COLUMNS} from marts.fct_metric_drillthrough"
    [(only_served,)] = dbt.sql(f"select count(*) from ({served} except all {window})")
    [(only_view,)] = dbt.sql(f"select count(*) from ({window} except all {served})")
    [(total,)] = dbt.sql("select count(*) from marts.fct_metric_drillthrough")
    return only_served, only_view, total


def test_drillthrough_is_the_month_rows_of_the_explain_view(drillthrough_dbt):
    # Three months: the window crosses month boundaries and every contribution family.
    drillthrough_dbt("run", "--select", *DRILLTHROUGH,
              "--vars", "{drillthrough_months: 3}")
    only_served, only_view, total = _rows_only_on_one_side(drillthrough_dbt, 3)
    assert (only_served, only_view) == (0, 0)
    months = {m for (m,) in drillthrough_dbt.sql(
        "select distinct period_start from marts.fct_metric_drillthrough")}
    assert len(months) == 3 and total > 0
    families = {s for (s,) in drillthrough_dbt.sql(
        "select distinct source_table from marts.fct_metric_drillthrough")}
    assert {"settlements", "fd_contracts", "outpatient_visits", "chronic_followups"} <= families


def test_zero_months_serves_no_rows(drillthrough_dbt):
    drillthrough_dbt("run", "--select", *DRILLTHROUGH,
                     "--vars", "{drillthrough_months: 0}")
    assert drillthrough_dbt.sql("select count(*) from marts.fct_metric_drillthrough") == [(0,)]


def test_a_visit_id_two_institutions_issued_keeps_each_its_own_line(drillthrough_dbt):
    # Two members' HIS number visits independently: give the second visit of the served month
    # the first one's id (at another institution). Each must still be one drill-through row
    # per metric × scope × role, carrying its own file and line, not both institutions' lines.
    dbt = drillthrough_dbt
    [(first_id, first_inst, other_id, other_inst)] = dbt.sql("""
        with served as (
            select visit_id, inst_code from marts.fct_outpatient_visits
            join marts.dim_institution using (inst_code)
            where is_in_district and status = '正常' and visit_date >= (
                select max(period_start) from marts.metric_values where period_type = 'month')
        )
        select a.visit_id, a.inst_code, b.visit_id, b.inst_code
        from served as a join served as b on a.inst_code < b.inst_code
        order by a.visit_id, b.visit_id limit 1""")
    for table in ("raw.outpatient_visits", "raw.outpatient_diagnoses"):
        dbt.sql(f"update {table} set visit_id = '{first_id}' "
                f"where visit_id = '{other_id}' and inst_code = '{other_inst}'")
    dbt("run", "--select", "fct_outpatient_visits", *DRILLTHROUGH)

    rows = dbt.sql(f"""
        select row_key, count(*) as copies, min(source_file || ':' || source_line),
               max(source_file || ':' || source_line)
        from marts.fct_metric_drillthrough
        where source_table = 'outpatient_visits' and row_key in (
            'visit_id:{first_id}@{first_inst}', 'visit_id:{first_id}@{other_inst}')
        group by metric_code, period_type, scope_type, scope_code, role, row_key""")
    lines = {inst: dbt.sql(f"""
        select _source_file || ':' || _source_line from raw.outpatient_visits
        where visit_id = '{first_id}' and inst_code = '{inst}'
        order by _delivery_date desc, _loaded_at desc, _source_line desc limit 1""")[0][0]
        for inst in (first_inst, other_inst)}
    assert {row_key for row_key, *_ in rows} == {
        f"visit_id:{first_id}@{first_inst}", f"visit_id:{first_id}@{other_inst}"}
    for row_key, copies, first_line, last_line in rows:
        inst = row_key.rsplit("@", 1)[1]
        assert (copies, first_line, last_line) == (1, lines[inst], lines[inst]), row_key


def test_over_a_served_table_only_the_changed_rows_are_rewritten(drillthrough_dbt):
    # The served table as a previous build of the same month could have left it: rows it no
    # longer produces (a moved line, a source row no longer delivered), and rows it lacks. The
    # incremental build compares fingerprints (macros/incremental/replace_changed_rows.sql): it
    # must delete the first, insert the second, and leave every other row where it is.
    dbt = drillthrough_dbt
    [(total,)] = dbt.sql("select count(*) from marts.fct_metric_drillthrough")
    dbt.sql("create table marts.previously_served as "
            "select rowid as served_at, * from marts.fct_metric_drillthrough")
    dbt.sql("delete from marts.fct_metric_drillthrough where hash(row_key) % 7 = 0")
    dbt.sql("update marts.fct_metric_drillthrough set source_line = source_line + 1 "
            "where hash(row_key) % 7 = 1")
    dbt.sql("insert into marts.fct_metric_drillthrough select * replace ("
            "'gone:' || row_key as row_key) "
            "from marts.fct_metric_drillthrough where hash(row_key) % 7 = 2")
    [(kept,)] = dbt.sql("select count(*) from marts.fct_metric_drillthrough "
                        "where hash(row_key) % 7 > 1")
    assert 0 < kept < total

    dbt("run", "--select", *DRILLTHROUGH)
    only_served, only_view, after = _rows_only_on_one_side(dbt, 1)
    assert (only_served, only_view, after) == (0, 0, total)
    # The untouched rows were not written again: each is where the previous build put it.
    [(moved,)] = dbt.sql(f"""
        select count(*) from marts.fct_metric_drillthrough as now
        join marts.previously_served as before using ({COLUMNS})
        where hash(now.row_key) % 7 > 2 and now.rowid <> before.served_at""")
    assert moved == 0


def test_a_new_month_replaces_every_served_row(drillthrough_dbt):
    # The served rows are of the month before: every row changes, and the pre-hook writes the
    # table whole from the view instead of comparing twenty million city rows one by one.
    dbt = drillthrough_dbt
    dbt.sql("update marts.fct_metric_drillthrough set period_start = period_start - "
            "interval 1 month")
    dbt("run", "--select", *DRILLTHROUGH)
    only_served, only_view, total = _rows_only_on_one_side(dbt, 1)
    assert (only_served, only_view) == (0, 0) and total > 0


def _deleted_share(dbt) -> float:
    [(share,)] = dbt.sql("""
        select 1 - (select count(*) from marts.fct_metric_drillthrough) / sum(count)
        from pragma_storage_info('marts_db.marts.fct_metric_drillthrough')
        where column_id = 0 and column_path = '[0]'""")
    return share


def test_a_table_mostly_of_deleted_rows_is_written_again_whole(drillthrough_dbt):
    # Builds by difference leave the rows they delete in their row groups. Past a quarter of
    # the stored rows the table is written whole, which leaves none.
    dbt = drillthrough_dbt
    dbt.sql("insert into marts.fct_metric_drillthrough select * replace ("
            "'gone:' || row_key as row_key) from marts.fct_metric_drillthrough")
    dbt.sql("delete from marts.fct_metric_drillthrough where row_key like 'gone:%'")
    assert _deleted_share(dbt) > 0.25
    dbt("run", "--select", *DRILLTHROUGH)
    only_served, only_view, total = _rows_only_on_one_side(dbt, 1)
    assert (only_served, only_view) == (0, 0) and total > 0
    assert _deleted_share(dbt) < 0.05
