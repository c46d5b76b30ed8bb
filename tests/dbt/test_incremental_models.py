"""The incremental models rebuilt after a complete build (`loads_since`) equal the same models
rebuilt whole, on hand-made loads: the settlement chain on loads that move rows between netting
groups and encounters, and the incremental facts (visits, lab results, imaging studies,
chronic follow-ups, family-doctor services) on new versions and re-sent days.

The tiny warehouse after its full pipeline is the previous build. Then, as ingestion would
write them (raw rows with a new `_loaded_at`, and an `audit.load_log` row per delivery day):
- a new day with
  - a reversal of a valid settlement that was its encounter's only one (the encounter goes),
  - a newer version of a valid settlement moved to another encounter, a day later,
  - a new settlement in an existing encounter, three days after it (every settlement of that
    encounter is re-dated);
- the day of a delivered reversal re-sent without it (its original counts again), and the
  day of a cancelled original re-sent without it (its reversal becomes an orphan).
"""

from __future__ import annotations

import json

import dbt_harness

dbt_manifest = dbt_harness.dbt_manifest
tiny_copy = dbt_harness.tiny_copy

CHAIN = ("int_settlements_affected", "int_settlements_netted", "int_encounters",
         "fct_settlements", "fct_encounters")
COMPARED = {"int_settlements_netted": "intermediate", "int_encounters": "intermediate",
            "fct_settlements": "marts", "fct_encounters": "marts"}
SINCE = "2098-12-31 00:00:00"
LOADED = "timestamp '2099-01-01 08:00:00'"
NEW_DAY = "date '2099-01-01'"


def one(dbt, query):
    rows = dbt.sql(query)
    assert rows, query
    return rows[0]


def load_log(dbt, day_sql: str, table: str = "settlements") -> None:
    dbt.sql(f"insert into audit.load_log (batch_id, system, delivery_date, table_name, "
            f"file_name, loaded_at) values ('test', 'test', {day_sql}, '{table}', "
            f"'{table}.csv', {LOADED})")


def copy_settlement(dbt, original: str, **replace: str) -> None:
    """A new raw version of `original` on the new day, with `replace` (column: SQL)."""
    columns = ", ".join(f"{value} as {column}" for column, value in replace.items())
    dbt.sql(f"insert into raw.settlements select * replace ({columns}, {NEW_DAY} as "
            f"_delivery_date, {LOADED} as _loaded_at) from raw.settlements "
            f"where setl_id = '{original}' qualify row_number() over (order by _delivery_date "
            f"desc, _loaded_at desc, _source_line desc) = 1")


def resend_without(dbt, setl_id: str) -> None:
    (day,) = one(dbt, f"select _delivery_date from raw.settlements where setl_id = '{setl_id}'")
    dbt.sql(f"delete from raw.settlements where setl_id = '{setl_id}'")
    dbt.sql(f"update raw.settlements set _loaded_at = {LOADED} "
            f"where _delivery_date = date '{day}'")
    load_log(dbt, f"date '{day}'")


def lone_valid_settlements(dbt, count: int) -> list[tuple[str, str]]:
    """(setl_id, mdtrt_id) of valid originals delivered once that are their encounter's only
    valid settlement and have no reversal."""
    return dbt.sql(f"""
        select n.setl_id, n.mdtrt_id from intermediate.int_settlements_netted as n
        inner join intermediate.int_encounters as e on n.mdtrt_id = e.mdtrt_id
        where n.settlement_status = 'valid' and e.valid_settlements = 1 and e.is_encounter
            and n.setl_id not in (select init_setl_id from raw.settlements
                                  where init_setl_id is not null)
            and n.setl_id in (select setl_id from raw.settlements group by setl_id
                              having count(*) = 1)
        order by n.setl_id limit {count}""")


def test_the_incremental_chain_equals_a_whole_rebuild(tiny_copy):
    (cancelled_alone, _), (moved, _), (joined, joined_encounter), (_, other_encounter) = \
        lone_valid_settlements(tiny_copy, 4)
    revived, reversal_of_revived = one(tiny_copy, """
        select o.setl_id, min(r.setl_id)
        from intermediate.int_settlements_netted as o
        inner join raw.settlements as r on r.init_setl_id = o.setl_id
        where o.settlement_status = 'cancelled'
        group by o.setl_id
        having count(*) = 1 and min(r._delivery_date) not in (
            select _delivery_date from raw.settlements where setl_id = o.setl_id)
        order by o.setl_id limit 1""")
    orphaned, = one(tiny_copy, f"""
        select setl_id from intermediate.int_settlements_netted as n
        where settlement_status = 'cancelled' and setl_id <> '{revived}'
            and (select count(distinct _delivery_date) from raw.settlements as r
                 where r.setl_id = n.setl_id or r.init_setl_id = n.setl_id) = 2
        order by setl_id limit 1""")

    copy_settlement(tiny_copy, cancelled_alone, setl_id=f"'R-{cancelled_alone}'",
                    refd_setl_flag="1", init_setl_id=f"'{cancelled_alone}'",
                    setl_time="setl_time + interval 2 day")
    copy_settlement(tiny_copy, moved, mdtrt_id=f"'{other_encounter}'",
                    enddate="enddate + interval 1 day")
    copy_settlement(tiny_copy, joined, setl_id=f"'N-{joined}'",
                    enddate="enddate + interval 3 day", setl_time="setl_time + interval 3 day")
    load_log(tiny_copy, NEW_DAY)
    resend_without(tiny_copy, reversal_of_revived)
    resend_without(tiny_copy, orphaned)

    tiny_copy("run", "--select", *CHAIN, "--vars", json.dumps({"loads_since": SINCE}))
    affected = {s for (s,) in tiny_copy.sql(
        "select distinct setl_id from intermediate.int_settlements_affected")}
    assert {cancelled_alone, f"R-{cancelled_alone}", moved, f"N-{joined}", revived,
            reversal_of_revived, orphaned} <= affected
    # Only what the loads touched was rebuilt: a small share of the year.
    (total,) = one(tiny_copy, "select count(*) from intermediate.int_settlements_netted")
    assert len(affected) < total / 10

    orphans = {s for (s,) in tiny_copy.sql(
        f"select setl_id from raw.settlements where init_setl_id = '{orphaned}'")}
    expected = {cancelled_alone: "cancelled", f"R-{cancelled_alone}": "reversal",
                revived: "valid"} | dict.fromkeys(orphans, "orphan_reversal")
    listed = ", ".join(f"'{s}'" for s in [*expected, reversal_of_revived, orphaned])
    assert dict(tiny_copy.sql(
        f"select setl_id, settlement_status from intermediate.int_settlements_netted "
        f"where setl_id in ({listed})")) == expected
    assert one(tiny_copy, f"select count(*) from marts.fct_encounters "
                          f"where mdtrt_id = '{joined_encounter}' and valid_settlements = 2") \
        == (1,)

    assert_equal_to_a_whole_rebuild(tiny_copy, COMPARED)


def assert_equal_to_a_whole_rebuild(dbt, models: dict[str, str]) -> None:
    dbt.sql("create schema if not exists incremental")
    for model, schema in models.items():
        dbt.sql(f"create table incremental.{model} as select * from {schema}.{model}")
    dbt("run", "--full-refresh", "--select", *models)
    for model, schema in models.items():
        differences = dbt.sql(f"""
            select count(*) from (
                (select * from incremental.{model} except all select * from {schema}.{model})
                union all
                (select * from {schema}.{model} except all select * from incremental.{model}))""")
        assert differences == [(0,)], model


FACTS = {"fct_outpatient_visits": ("outpatient_visits", ("visit_id", "inst_code"), "total_fee"),
         "fct_lab_results": ("lab_results", ("report_id", "item_seq"), "recognised"),
         "fct_imaging_studies": ("imaging_studies", ("accession_no",), "body_part"),
         "fct_chronic_followups": ("chronic_followups", ("followup_id",), "sbp"),
         "fct_fd_services": ("fd_services", ("service_id",), "service_type")}


def matching(keys: tuple[str, ...], values) -> str:
    return " and ".join(f"{key} = {value!r}" for key, value in zip(keys, values, strict=False))


def bumped(column: str, value) -> tuple[str, object]:
    """A changed value of `column` (now `value`): its SQL, and the value expected back."""
    if isinstance(value, str):
        return f"{column} || '*'", value + "*"
    return f"{column} + 1", value + 1


def test_the_incremental_facts_equal_a_whole_rebuild(tiny_copy):
    """Per fact: a key's newer version on a new day (the fact takes it); a key delivered once,
    on a day re-sent without it (the fact drops it); a key whose newest version came on a day
    re-sent without that version (the fact falls back to the earlier one)."""
    picked = {}
    for fact, (table, keys, column) in FACTS.items():
        listed = ", ".join(keys)
        (last_day,) = one(tiny_copy, f"select max(_delivery_date) from raw.{table}")
        newer, once, fallback = tiny_copy.sql(f"""
            select {listed}, {column} from raw.{table}
            where _delivery_date < date '{last_day}' and {column} is not null
            qualify count(*) over (partition by {listed}) = 1
            order by {listed} limit 3""")
        # The fallback key's newer version, on the last day: in the previous build.
        tiny_copy.sql(f"""
            insert into raw.{table} select * replace ({bumped(column, fallback[-1])[0]} as
                {column}, date '{last_day}' as _delivery_date)
            from raw.{table} where {matching(keys, fallback)}""")
        picked[fact] = (newer, once, fallback, last_day)
    tiny_copy("run", "--select", *FACTS)

    for fact, (table, keys, column) in FACTS.items():
        newer, once, fallback, last_day = picked[fact]
        tiny_copy.sql(f"""
            insert into raw.{table} select * replace ({bumped(column, newer[-1])[0]} as
                {column}, {NEW_DAY} as _delivery_date, {LOADED} as _loaded_at)
            from raw.{table} where {matching(keys, newer)}""")
        (once_day,) = one(tiny_copy, f"select _delivery_date from raw.{table} "
                                     f"where {matching(keys, once)}")
        tiny_copy.sql(f"delete from raw.{table} where {matching(keys, once)}")
        tiny_copy.sql(f"delete from raw.{table} where {matching(keys, fallback)} "
                      f"and _delivery_date = date '{last_day}'")
        for day in (NEW_DAY, f"date '{once_day}'", f"date '{last_day}'"):
            tiny_copy.sql(f"update raw.{table} set _loaded_at = {LOADED} "
                          f"where _delivery_date = {day}")
            load_log(tiny_copy, day, table)

    tiny_copy("run", "--select", *FACTS, "--vars", json.dumps({"loads_since": SINCE}))
    for fact, (_, keys, column) in FACTS.items():
        newer, once, fallback, _ = picked[fact]

        def value(key, fact=fact, keys=keys, column=column):
            return tiny_copy.sql(f"select {column} from marts.{fact} "
                                 f"where {matching(keys, key)}")

        assert value(newer) == [(bumped(column, newer[-1])[1],)], fact
        assert value(once) == [], fact
        assert value(fallback) == [(fallback[-1],)], fact
    assert_equal_to_a_whole_rebuild(tiny_copy, dict.fromkeys(FACTS, "marts"))


def test_without_loads_since_every_row_is_rebuilt(tiny_copy):
    """A build after an incomplete one (no `loads_since`): a stale row left in the chain by a
    half-written build is replaced, and a settlement no longer delivered leaves."""
    (gone, gone_encounter), = lone_valid_settlements(tiny_copy, 1)
    tiny_copy.sql("update marts.fct_settlements set medfee_sumamt = -1 where setl_id = "
                  f"(select min(setl_id) from marts.fct_settlements where setl_id <> '{gone}')")
    tiny_copy.sql(f"delete from raw.settlements where setl_id = '{gone}'")
    tiny_copy("run", "--select", *CHAIN)
    assert tiny_copy.sql("select count(*) from marts.fct_settlements "
                         "where medfee_sumamt = -1") == [(0,)]
    for model, schema in COMPARED.items():
        key, value = ("mdtrt_id", gone_encounter) if "encounters" in model else ("setl_id", gone)
        assert tiny_copy.sql(f"select count(*) from {schema}.{model} where {key} = '{value}'"
                             ) == [(0,)], model
