"""The batch judge's shortcuts give the per-row answers: the pseudonym cache, the duplicate
rule as a grouped join, the sign test before the negative-amount cast."""

from datetime import date, timedelta

import pyarrow as pa

from consortium_dw.contract import TABLES, Pii
from consortium_dw.ingest import load_table
from consortium_dw.ingest.pseudonym_cache import PseudonymCache
from consortium_dw.pseudonymise import pseudonym
from tests.conftest import TEST_KEY
from tests.ingest.conftest import DAY
from tests.ingest.handmade import id_card, valid_row, write_delivery
from tests.ingest.test_row_rules import quarantined


def _lookup(cache, key, kind, values):
    found = cache.lookup(key, kind, pa.array(values, pa.string())).to_pylist()
    return {row["v"]: row for row in found}


def test_cache_gives_the_reference_pseudonym_before_and_after_caching():
    cache = PseudonymCache()
    first = _lookup(cache, b"k1", Pii.NAME, ["张三", "李四"])
    again = _lookup(cache, b"k1", Pii.NAME, ["李四", "王五"])
    assert set(first) == {"张三", "李四"} and set(again) == {"李四", "王五"}
    for found in (first, again):
        for v, row in found.items():
            assert row["p"] == pseudonym(b"k1", Pii.NAME, v)


def test_cache_never_reuses_a_pseudonym_of_another_key_or_kind():
    cache = PseudonymCache()
    _lookup(cache, b"k1", Pii.NAME, ["张三"])
    assert _lookup(cache, b"k2", Pii.NAME, ["张三"])["张三"]["p"] == \
        pseudonym(b"k2", Pii.NAME, "张三")
    assert _lookup(cache, b"k2", Pii.PHONE, ["张三"])["张三"]["p"] == \
        pseudonym(b"k2", Pii.PHONE, "张三")


def test_cache_checks_identity_cards_and_upper_cases_them():
    cache = PseudonymCache()
    good, bad = id_card(7).lower(), id_card(8)[:-1] + "0"
    found = _lookup(cache, b"k", Pii.ID_CARD, [good, bad, "12345"])
    assert (found[good]["ok"], found[bad]["ok"], found["12345"]["ok"]) == (True, False, False)
    assert found[good]["p"] == pseudonym(b"k", Pii.ID_CARD, good.upper())


def test_cache_emptied_at_its_bound_still_answers_right():
    cache = PseudonymCache(max_values_per_kind=2)
    _lookup(cache, b"k", Pii.NAME, ["a", "b"])
    found = _lookup(cache, b"k", Pii.NAME, ["a", "c"])
    assert {v: r["p"] for v, r in found.items()} == \
        {v: pseudonym(b"k", Pii.NAME, v) for v in ("a", "c")}


def test_same_key_in_two_files_of_one_batch_is_no_duplicate(landing, warehouse):
    next_day = DAY + timedelta(days=1)
    first, second = valid_row("fd_services", 1, DAY), valid_row("fd_services", 1, next_day)
    second.update({k: v for k, v in first.items() if k in TABLES["fd_services"].key})
    write_delivery(landing, "phs", DAY, {"fd_services": [first, first]})
    write_delivery(landing, "phs", next_day, {"fd_services": [second]})
    result = load_table(warehouse, landing, TABLES["fd_services"])
    assert result.rows_loaded == 2
    assert warehouse.execute(
        "SELECT _delivery_date, _source_line, _reason FROM quarantine.fd_services"
    ).fetchall() == [(DAY, 2, "duplicate_row")]


def test_minus_zero_is_not_a_negative_amount(landing, warehouse):
    row = valid_row("outpatient_visits", 1, DAY)
    row["total_fee"] = "-0.00"
    write_delivery(landing, "his", DAY, {"outpatient_visits": [row]})
    load_table(warehouse, landing, TABLES["outpatient_visits"])
    assert quarantined(warehouse, "outpatient_visits") == {}
    name = warehouse.execute("SELECT patient_name FROM raw.outpatient_visits").fetchall()[0][0]
    assert name == pseudonym(TEST_KEY.encode(), Pii.NAME, row["patient_name"])


def test_day_column_is_the_delivery_day_for_every_file(landing, warehouse):
    days = [date(2025, 1, 2), date(2025, 1, 3)]
    for day in days:
        write_delivery(landing, "phs", day, {"fd_services": [valid_row("fd_services", 1, day)]})
    load_table(warehouse, landing, TABLES["fd_services"])
    assert warehouse.execute(
        "SELECT _source_file, _delivery_date FROM raw.fd_services ORDER BY 1").fetchall() == [
        (f"phs/{d.isoformat()}/fd_services.csv", d) for d in days]


def test_two_versions_of_a_key_in_one_file_both_load_and_only_a_repeat_is_a_duplicate(
        landing, warehouse, tmp_path):
    """A contract created and terminated on the same day arrives as two rows of one file
    (METRICS.md, Versions: a later `updated_at` replaces the earlier row, and the first 解约
    counts): both are history. The same version sent twice is a duplicate."""
    from expectations import validate_raw_table

    created = valid_row("fd_contracts", 1, DAY)
    created.update(status="有效", updated_at=f"{DAY} 09:00:00", township_code="110101001")
    terminated = dict(created, status="解约", updated_at=f"{DAY} 15:00:00")
    write_delivery(landing, "phs", DAY, {"fd_contracts": [terminated, created, terminated]})
    result = load_table(warehouse, landing, TABLES["fd_contracts"])
    assert result.rows_loaded == 2
    assert quarantined(warehouse, "fd_contracts") == {3: "duplicate_row"}
    assert warehouse.execute(
        "SELECT status, strftime(updated_at, '%H:%M') FROM raw.fd_contracts ORDER BY updated_at"
    ).fetchall() == [("有效", "09:00"), ("解约", "15:00")]
    gate = validate_raw_table(warehouse, "fd_contracts", tmp_path / "gx", build_docs=False)
    assert not gate.errors, [f.expectation for f in gate.errors]
