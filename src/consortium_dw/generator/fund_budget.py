"""ref/fund_budget.csv: each group's 医保总额预付 budget per year (docs/budget.md).

The bureau sets a group's annual budget from the fund spending it expects for the group's
residents, wherever they are treated. The generator knows that spending exactly, so the budget is
the year's simulated spending (annualised when the window covers part of the year) times a
negotiation factor drawn around 1: some groups end the year in surplus, some overrun.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from consortium_dw.generator.delivery import ORPHAN_PREFIX

BUDGET_FACTOR = (0.95, 1.05)
# Share of budget / 12 paid each month; the rest is held back until the year-end settlement
# (年终清算) as the quality deposit (质量保证金).
PREPAYMENT_SHARE = 0.90
BUDGET_ROUNDING_CENTS = 100_00  # budgets are set in whole hundreds of yuan


class FundLedger:
    """Fund money (cents) of the residents' settlements, by (year, group, month)."""

    def __init__(self, resident_group: np.ndarray, start, end):
        self.resident_group = resident_group  # group code by resident index
        self.start, self.end = np.datetime64(start, "D"), np.datetime64(end, "D")
        self.cents: dict[tuple[int, str], int] = defaultdict(int)
        self.months: dict[int, set[int]] = defaultdict(set)

    def record(self, settlements: pd.DataFrame) -> None:
        """Count what the warehouse will count: valid rows, reversals of known originals, inside
        the delivery window, of district residents."""
        person = settlements["_person"].to_numpy(np.int64)
        day = settlements["setl_time"].to_numpy().astype("datetime64[D]")
        init = settlements["init_setl_id"].to_numpy(object)
        # Only reversals carry an init_setl_id (a few percent of rows): test just those.
        with_init = np.flatnonzero(init != None)  # noqa: E711 (elementwise, not identity)
        orphan = np.zeros(len(init), dtype=bool)
        orphan[with_init] = [isinstance(v, str) and v.startswith(ORPHAN_PREFIX)
                             for v in init[with_init]]
        counted = ((settlements["vali_flag"].to_numpy() == 1)
                   & ~orphan
                   & (day >= self.start) & (day <= self.end)
                   & (person < len(self.resident_group)))
        if not counted.any():
            return
        frame = pd.DataFrame({
            "year": day[counted].astype("datetime64[Y]").astype(int) + 1970,
            "month": day[counted].astype("datetime64[M]").astype(int) % 12 + 1,
            "group": self.resident_group[person[counted]],
            "cents": settlements["fund_pay_sumamt"].to_numpy(np.int64)[counted]})
        for (year, group), cents in frame.groupby(["year", "group"])["cents"].sum().items():
            self.cents[(int(year), group)] += int(cents)
        for year, months in frame.groupby("year")["month"].unique().items():
            self.months[int(year)].update(int(m) for m in months)


def budget_table(ledger: FundLedger, groups: list[str], years: list[int],
                 rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for year in years:
        months_covered = len(ledger.months.get(year, ())) or 12
        for group in groups:
            expected = ledger.cents.get((year, group), 0) * 12 / months_covered
            factor = rng.uniform(*BUDGET_FACTOR)
            budget = int(round(expected * factor / BUDGET_ROUNDING_CENTS)) * BUDGET_ROUNDING_CENTS
            prepayment = int(round(budget / 12 * PREPAYMENT_SHARE))
            rows.append({"year": year, "group_code": group, "annual_budget": _yuan(budget),
                         "monthly_prepayment": _yuan(prepayment)})
    return pd.DataFrame(rows, columns=["year", "group_code", "annual_budget",
                                       "monthly_prepayment"])


def _yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
