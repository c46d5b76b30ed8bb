"""医保 settlement splits in integer cents, so the invariants hold to the cent:
medfee_sumamt = fund_pay_sumamt + psn_part_amt and psn_part_amt = acct_pay + psn_cash_pay.

Ratios follow the shape of the national 2023 statistics (see docs/generator.md): the fund pays a
larger share at lower levels and in the district than outside it, employees (310) more than
residents (390); the reform raises the fund's share and lowers 全自费.
"""

from __future__ import annotations

import numpy as np

# Level classes used for money: 0 primary, 1 二级, 2 三级 in district, 3 out of district.
INPATIENT_RATIO = {"310": (0.95, 0.92, 0.89, 0.75), "390": (0.92, 0.86, 0.80, 0.65)}
OUTPATIENT_RATIO = {"310": (0.90, 0.82, 0.76, 0.55), "390": (0.85, 0.76, 0.68, 0.50)}
DEDUCTIBLE_YUAN = (200, 500, 800, 1500)     # 起付线 per admission
FULL_OWNPAY = {True: (0.04, 0.08, 0.10, 0.13), False: (0.05, 0.08, 0.09, 0.12)}
SETTLEMENT_MONEY_KEYS = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay",
                         "preselfpay_amt", "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay",
                         "cvlserv_pay", "maf_pay", "oth_pay", "fund_pay_sumamt", "acct_pay",
                         "psn_cash_pay", "psn_part_amt")


def split(rng: np.random.Generator, total_cents: np.ndarray, level_class: np.ndarray,
          inpatient: np.ndarray, insutype: np.ndarray, poverty: np.ndarray, pharmacy: np.ndarray,
          reimbursement_factor: np.ndarray, ownpay_factor: np.ndarray) -> dict[str, np.ndarray]:
    n = len(total_cents)
    total = total_cents.astype(np.int64)
    employee = insutype == "310"
    lc = level_class.astype(int)
    full_share = np.where(inpatient, np.take(FULL_OWNPAY[True], lc),
                          np.take(FULL_OWNPAY[False], lc))
    full_share = full_share * ownpay_factor * rng.uniform(0.4, 1.6, n)
    fulamt = np.floor(total * np.clip(full_share, 0, 0.6)).astype(np.int64)
    overlmt = np.floor(total * 0.012 * ownpay_factor * rng.uniform(0, 2, n)).astype(np.int64)
    preself = np.floor(total * rng.uniform(0.02, 0.05, n)).astype(np.int64)
    inscp = total - fulamt - overlmt - preself

    ratio = np.where(inpatient,
                     np.where(employee, np.take(INPATIENT_RATIO["310"], lc),
                              np.take(INPATIENT_RATIO["390"], lc)),
                     np.where(employee, np.take(OUTPATIENT_RATIO["310"], lc),
                              np.take(OUTPATIENT_RATIO["390"], lc)))
    ratio = np.clip(ratio * reimbursement_factor, 0, 0.95)
    deductible = np.where(inpatient, np.take(DEDUCTIBLE_YUAN, lc) * 100, 0)
    hifp = np.floor(np.maximum(inscp - deductible, 0) * ratio).astype(np.int64)
    hifp = np.where(pharmacy, 0, hifp)
    remaining = inscp - hifp
    # 大病保险 for residents' large bills; 职工大额 for employees' very large ones.
    big = np.maximum(remaining - 1_500_000, 0)
    hifmi = np.where(~employee & inpatient, np.floor(big * 0.6), 0).astype(np.int64)
    hifob = np.where(employee & inpatient, np.floor(big * 0.7), 0).astype(np.int64)
    remaining = remaining - hifmi - hifob
    cvlserv = np.where(employee & (rng.random(n) < 0.06) & ~pharmacy,
                       np.floor(remaining * 0.3), 0).astype(np.int64)
    remaining = remaining - cvlserv
    maf = np.where(poverty & inpatient, np.floor(remaining * 0.5), 0).astype(np.int64)
    oth = np.zeros(n, dtype=np.int64)
    fund = hifp + hifmi + hifob + cvlserv + maf + oth
    psn_part = total - fund
    acct_share = np.where(pharmacy, 1.0, np.where(inpatient, 0.15, 0.55))
    acct = np.where(employee, np.floor(psn_part * acct_share * rng.uniform(0.6, 1.0, n)), 0)
    acct = acct.astype(np.int64)
    cash = psn_part - acct
    return {"medfee_sumamt": total, "fulamt_ownpay_amt": fulamt, "overlmt_selfpay": overlmt,
            "preselfpay_amt": preself, "inscp_scp_amt": inscp, "hifp_pay": hifp,
            "hifmi_pay": hifmi, "hifob_pay": hifob, "cvlserv_pay": cvlserv, "maf_pay": maf,
            "oth_pay": oth, "fund_pay_sumamt": fund, "acct_pay": acct, "psn_cash_pay": cash,
            "psn_part_amt": psn_part}
