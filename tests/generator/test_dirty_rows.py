"""Dirty rows: the rows that break a rule are exactly the ones the generator recorded, each
breaks only its own rule, and every kind shows up, in the Parquet delivery too."""

from __future__ import annotations

import pandas as pd
from conftest import violations

from consortium_dw.contract import ROW_REASONS


def _all_violations(tiny_rows, tiny_institutions) -> pd.DataFrame:
    known = set(tiny_institutions["inst_code"])
    found = []
    for name, rows in tiny_rows.items():
        v = violations(name, rows, known)
        v = v.join(rows[["_system", "_day", "_file", "_line"]], on="row")
        v["table"] = name
        found.append(v)
    return pd.concat(found, ignore_index=True)


def test_rows_breaking_rules_are_exactly_the_recorded_ones(tiny_rows, tiny_dirtied,
                                                            tiny_institutions):
    found = _all_violations(tiny_rows, tiny_institutions)
    found_keys = found.groupby(["_system", "_day", "_file", "_line"])["reason"].agg(set)
    recorded = tiny_dirtied.assign(source_line=tiny_dirtied["source_line"].astype(int))
    recorded_keys = recorded.set_index(["system", "delivery_date", "file", "source_line"])[
        "reason"]
    assert not recorded_keys.index.duplicated().any()
    assert set(found_keys.index) == set(recorded_keys.index)
    for key, reason in recorded_keys.items():
        assert found_keys[key] == {reason}, (key, found_keys[key], reason)


def test_every_row_level_kind_is_produced_and_parquet_is_dirtied(tiny_dirtied):
    assert set(tiny_dirtied["reason"]) == {r.value for r in ROW_REASONS}
    assert (tiny_dirtied["file"].str.endswith(".parquet")).any()
    assert tiny_dirtied["system"].nunique() >= 4


def test_recorded_key_is_the_rows_key(tiny_rows, tiny_dirtied):
    from consortium_dw.contract import TABLES
    for rec in tiny_dirtied.itertuples():
        rows = tiny_rows[rec.table]
        row = rows[(rows["_system"] == rec.system) & (rows["_day"] == rec.delivery_date)
                   & (rows["_line"] == int(rec.source_line))].iloc[0]
        assert "|".join(row[k] for k in TABLES[rec.table].key) == rec.key


def test_dirty_rate_is_about_the_configured_one(tiny_summary):
    share = tiny_summary["dirtied_rows"] / tiny_summary["total_rows"]
    assert 0.0015 < share < 0.006


def test_no_dirty_rows_when_the_rate_is_zero(tmp_path):
    from consortium_dw.generator import generate
    landing = tmp_path / "landing"
    summary = generate("tiny", 3, landing, residents=300, start="2025-01-01", end="2025-01-10",
                       dirty_rate=0)
    assert summary["dirtied_rows"] == 0
    dirtied = pd.read_csv(tmp_path / "landing.dirtied.csv")
    assert len(dirtied) == 0
    assert list(dirtied.columns) == ["system", "delivery_date", "table", "file", "source_line",
                                     "key", "reason"]
