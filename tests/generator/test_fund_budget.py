"""ref/fund_budget.csv: one row per group and year, sized on the residents' fund spending."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from consortium_dw.generator.fund_budget import PREPAYMENT_SHARE, FundLedger, budget_table


def _settlements(rows):
    return pd.DataFrame(rows, columns=["_person", "setl_time", "init_setl_id", "vali_flag",
                                       "fund_pay_sumamt"]).astype({"setl_time": "datetime64[s]"})


def test_the_ledger_counts_residents_valid_money_inside_the_window():
    ledger = FundLedger(np.array(["G1", "G2"], dtype=object), "2025-01-01", "2025-03-31")
    ledger.record(_settlements([
        (0, "2025-01-05 10:00:00", None, 1, 100_00),
        (0, "2025-01-06 10:00:00", "S000000000001", 1, -40_00),  # reversal: nets
        (1, "2025-02-01 09:00:00", None, 1, 30_00),
        (1, "2025-02-02 09:00:00", None, 0, 999_00),               # invalid: not counted
        (1, "2025-02-03 09:00:00", "S900000000001", 1, -7_00),     # orphan reversal: not counted
        (2, "2025-02-03 09:00:00", None, 1, 500_00),               # not a resident
        (0, "2024-12-31 23:00:00", None, 1, 800_00),               # before the window
    ]))
    assert dict(ledger.cents) == {(2025, "G1"): 60_00, (2025, "G2"): 30_00}
    assert ledger.months[2025] == {1, 2}


def test_budget_is_annualised_spending_times_a_factor_near_one():
    ledger = FundLedger(np.array(["G1"], dtype=object), "2025-01-01", "2025-03-31")
    ledger.cents[(2025, "G1")] = 300_000_00
    ledger.months[2025] = {1, 2, 3}
    table = budget_table(ledger, ["G1", "G2"], [2025], np.random.default_rng(0))
    g1 = table.set_index("group_code").loc["G1"]
    annual = Decimal(g1["annual_budget"])
    assert Decimal("1140000") <= annual <= Decimal("1260000")  # 1,200,000 x 0.95..1.05
    assert annual % 100 == 0
    assert Decimal(g1["monthly_prepayment"]) == (annual / 12 * Decimal(str(PREPAYMENT_SHARE))
                                                 ).quantize(Decimal("0.01"))
    assert table.set_index("group_code").loc["G2", "annual_budget"] == "0.00"


def test_the_tiny_district_budgets_every_group_and_year(tiny_landing):
    budget = pd.read_csv(tiny_landing / "ref" / "fund_budget.csv", dtype=str)
    institutions = pd.read_csv(tiny_landing / "ref" / "institutions.csv", dtype=str,
                               keep_default_na=False)
    groups = sorted(g for g in institutions["group_code"].unique() if g)
    assert sorted(budget["group_code"]) == groups
    assert set(budget["year"]) == {"2025"}
    assert budget["annual_budget"].str.fullmatch(r"\d+\.\d{2}").all()
    assert (budget["annual_budget"].astype(float) > 0).all()
