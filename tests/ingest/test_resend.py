"""A resent day replaces its partition; loading the same folder twice changes nothing."""

from datetime import date

from consortium_dw.contract import TABLES
from consortium_dw.ingest import load_table
from tests.ingest.conftest import DAY
from tests.ingest.handmade import full_delivery, rewrite_file, valid_row, write_delivery

TABLE_STATE = ("raw.fd_services", "quarantine.fd_services", "quarantine.rejected_files",
               "raw.settlements")


def snapshot(con):
    """Row count and an order-independent checksum of every column of each table."""
    state = {}
    for name in TABLE_STATE:
        state[name] = con.execute(
            f"SELECT count(*), sum(hash(t)) FROM (SELECT * FROM {name}) t").fetchall()[0]
    return state


def test_double_load_is_a_no_op(landing, warehouse):
    full_delivery(landing, "phs", DAY, n=3)
    full_delivery(landing, "insurance", DAY, n=3)
    services = TABLES["fd_services"]
    first = load_table(warehouse, landing, services)
    load_table(warehouse, landing, TABLES["settlements"])
    before = snapshot(warehouse)
    again = load_table(warehouse, landing, services)
    load_table(warehouse, landing, TABLES["settlements"])
    assert snapshot(warehouse) == before
    assert [o.status for o in first.outcomes] == ["loaded"]
    assert [o.status for o in again.outcomes] == ["unchanged"]
    forced = load_table(warehouse, landing, services, force=True)
    assert [o.status for o in forced.outcomes] == ["loaded"]
    assert snapshot(warehouse)["raw.fd_services"][0] == before["raw.fd_services"][0]


def test_resend_replaces_the_day_and_leaves_other_days(landing, warehouse):
    other_day = date(2025, 1, 3)
    write_delivery(landing, "phs", DAY, {"fd_services": [valid_row("fd_services", i, DAY)
                                                         for i in (1, 2, 3)]})
    write_delivery(landing, "phs", other_day, {"fd_services": [
        valid_row("fd_services", i, other_day) for i in (4, 5)]})
    load_table(warehouse, landing, TABLES["fd_services"])
    resent = [valid_row("fd_services", i, DAY) for i in (1, 9)]
    resent[0]["service_type"] = "体检"
    resent.append(dict(resent[1], service_type="坏代码", service_id="bad"))
    write_delivery(landing, "phs", DAY, {"fd_services": resent})
    load_table(warehouse, landing, TABLES["fd_services"])
    rows = warehouse.execute("SELECT _delivery_date, service_id, service_type FROM "
                             "raw.fd_services ORDER BY 1, 2").fetchall()
    assert rows == [(DAY, "service_id-1", "体检"), (DAY, "service_id-9", "随访"),
                    (other_day, "service_id-4", "随访"), (other_day, "service_id-5", "随访")]
    assert warehouse.execute("SELECT service_id, _reason FROM quarantine.fd_services"
                             ).fetchall() == [("bad", "invalid_code")]
    logged = warehouse.execute("SELECT delivery_date, rows_read, rows_loaded, "
                               "rows_quarantined FROM audit.load_log ORDER BY loaded_at, "
                               "delivery_date").fetchall()
    assert logged[-1] == (DAY, 3, 2, 1)


def test_a_refused_resend_keeps_the_previous_version(landing, warehouse):
    folder = write_delivery(landing, "phs", DAY, {"fd_services": [
        valid_row("fd_services", i, DAY) for i in (1, 2)]})
    load_table(warehouse, landing, TABLES["fd_services"])
    rewrite_file(folder, "fd_services.csv", b"garbage", update_manifest=False)
    result = load_table(warehouse, landing, TABLES["fd_services"])
    assert [o.reason for o in result.outcomes] == ["manifest_mismatch"]
    assert warehouse.execute("SELECT count(*) FROM raw.fd_services").fetchall()[0][0] == 2


def test_a_resend_without_the_table_empties_its_day(landing, warehouse):
    write_delivery(landing, "phs", DAY, {"fd_services": [valid_row("fd_services", 1, DAY)],
                                         "fd_contracts": [valid_row("fd_contracts", 1, DAY)]})
    load_table(warehouse, landing, TABLES["fd_services"])
    (landing / "phs" / DAY.isoformat() / "fd_services.csv").unlink()
    write_delivery(landing, "phs", DAY, {"fd_contracts": [valid_row("fd_contracts", 1, DAY)]})
    result = load_table(warehouse, landing, TABLES["fd_services"])
    assert [o.status for o in result.outcomes] == ["emptied"]
    assert warehouse.execute("SELECT count(*) FROM raw.fd_services").fetchall()[0][0] == 0


def test_batches_split_across_many_days_give_the_same_rows(landing, warehouse):
    for day in range(1, 8):
        d = date(2025, 1, day)
        write_delivery(landing, "phs", d, {"fd_services": [valid_row("fd_services", day * 10 + i,
                                                                     d) for i in range(3)]})
    result = load_table(warehouse, landing, TABLES["fd_services"], batch_bytes=1)
    assert (result.rows_read, result.rows_loaded) == (21, 21)
    assert warehouse.execute("SELECT count(DISTINCT _batch_id) FROM raw.fd_services"
                             ).fetchall()[0][0] == 7


def test_a_reload_reports_unchanged_days_on_both_sides_of_a_changed_one(landing, warehouse):
    days = [date(2025, 1, day) for day in range(1, 5)]
    for d in days:
        write_delivery(landing, "phs", d, {"fd_services": [valid_row("fd_services", i, d)
                                                           for i in (d.day * 10, d.day * 10 + 1)]})
    load_table(warehouse, landing, TABLES["fd_services"], batch_bytes=1)
    write_delivery(landing, "phs", days[1], {"fd_services": [valid_row("fd_services", 99,
                                                                       days[1])]})
    # One-byte batches: the changed day closes a batch, and the two unchanged days after it
    # make a batch with nothing to write, which must still be reported.
    again = load_table(warehouse, landing, TABLES["fd_services"], batch_bytes=1)
    assert [(o.day, o.status) for o in again.outcomes] == [
        (days[0], "unchanged"), (days[1], "loaded"), (days[2], "unchanged"),
        (days[3], "unchanged")]
    assert warehouse.execute("SELECT _delivery_date, count(*) FROM raw.fd_services GROUP BY 1 "
                             "ORDER BY 1").fetchall() == [
        (days[0], 2), (days[1], 1), (days[2], 2), (days[3], 2)]
    assert warehouse.execute("SELECT count(*) FROM audit.load_log").fetchall()[0][0] == 5
