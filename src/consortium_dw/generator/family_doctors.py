"""Family-doctor contracts over the whole window, and each month's services (履约).

A resident signs for year y when a persistent propensity is under that year's signing
probability, so most signers renew (is_renewal = 1) and the signing rate rises with the reform.
Contracts in force when the window opens are delivered on its first day (the initial load).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from consortium_dw.generator.context import Context, ids
from consortium_dw.generator.formatting import padded
from consortium_dw.generator.timing import DAY, at_time

SERVICE_TYPES = np.array(["随访", "体检", "健康教育", "预约转诊", "上门服务", "用药指导"],
                         dtype=object)
SERVICE_WEIGHTS = np.array([35, 10, 20, 5, 5, 25], dtype=float)
SERVICES_PER_MONTH = 0.85
TERMINATION_SHARE = 0.025


def _signing_probability(ctx: Context, params: dict, ages: np.ndarray) -> np.ndarray:
    res = ctx.district.residents
    elderly = ages >= 65
    weight = (1 + 0.9 * ctx.chronic + 0.5 * (ages <= 6) + 0.6 * res["disabled"].to_numpy()
              + 0.6 * res["poverty"].to_numpy())
    target_others = (params["signing_rate"] - params["elderly_signing_rate"] * elderly.mean())
    target_others = max(target_others / max((~elderly).mean(), 1e-9), 0.01)
    p = weight * target_others / weight[~elderly].mean()
    return np.clip(np.where(elderly, params["elderly_signing_rate"], p), 0, 0.97)


def build_contracts(ctx: Context, rng: np.random.Generator) -> pd.DataFrame:
    """Every version of every contract that touches the window (status changes included)."""
    scn = ctx.scn
    n = ctx.n_residents
    res = ctx.district.residents
    propensity = rng.random(n)
    # Signing campaigns: most anniversaries fall in the first quarter.
    early = rng.random(n) < 0.6
    anniversary = np.where(early, rng.integers(0, 90, n), rng.integers(0, 365, n))
    team = rng.integers(1, 4, n)
    with_outpost = rng.random(n) < 0.3
    inst = np.where(with_outpost, ctx.outpost_of, ctx.centre_of)
    frames = []
    signed_before = np.zeros(n, bool)
    for year in range(scn.start.year - 1, scn.end.year + 1):
        params = scn.params(year)
        ages = ctx.ages_on(np.arange(n), np.datetime64(dt.date(year, 12, 31)))
        p = _signing_probability(ctx, params, ages)
        jitter = rng.normal(0, 0.03, n)
        signed = propensity + jitter < p
        start = np.datetime64(dt.date(year, 1, 1)) + anniversary * DAY
        end = (start.astype("datetime64[D]").astype("datetime64[Y]") + 1).astype(
            "datetime64[D]") + (start - start.astype("datetime64[Y]").astype("datetime64[D]")) - DAY
        who = np.flatnonzero(signed)
        m = len(who)
        s, e = start[who], end[who]
        sign = s - rng.integers(0, 12, m) * DAY
        key = _key_populations(ctx, res, who, ages[who])
        package = np.where((key != "") & (rng.random(m) < 0.35), "个性化包", "基础包")
        base = pd.DataFrame({
            "contract_id": ids(f"QY{year}", ctx.counters.take(f"contract{year}", m), m, 8),
            "team_id": ctx.inst_code[inst[who]] + "T" + pd.Series(team[who]).astype(str)
            .to_numpy(object),
            "inst_code": ctx.inst_code[inst[who]], "id_card_no": ctx.id_card[who],
            "resident_name": ctx.name[who], "sex": ctx.sex[who], "birth_date": ctx.birth[who],
            "township_code": ctx.township_codes[ctx.township[who]],
            "key_populations": np.where(key == "", None, key), "package": package,
            "sign_date": sign, "start_date": s, "end_date": e,
            "is_renewal": signed_before[who].astype(int),
        })
        base["_person"] = who
        terminated = rng.random(m) < TERMINATION_SHARE
        term_day = s + (rng.random(m) * ((e - s).astype(int))).astype(int) * DAY
        signed_at = at_time(sign, rng.integers(8 * 3600, 17 * 3600, m))
        versions = [base.assign(status="有效", updated_at=signed_at, _day=sign)]
        t = np.flatnonzero(terminated)
        versions.append(base.iloc[t].assign(
            status="解约", updated_at=at_time(term_day[t], rng.integers(8 * 3600, 17 * 3600,
                                                                       len(t))),
            _day=term_day[t]))
        natural = np.flatnonzero(~terminated)
        versions.append(base.iloc[natural].assign(
            status="到期", updated_at=at_time(e[natural] + DAY, np.full(len(natural), 1800)),
            _day=e[natural] + DAY))
        frame = pd.concat(versions, ignore_index=True)
        frames.append(frame)
        signed_before = signed
    contracts = pd.concat(frames, ignore_index=True)
    # The initial load: contracts in force on the first day, delivered that day.
    first = np.datetime64(scn.start)
    initial = ((contracts["status"] == "有效") & (contracts["_day"] < first)
               & (contracts["end_date"] >= first))
    term = contracts[contracts["status"] == "解约"].set_index("contract_id")["_day"]
    still = ~contracts["contract_id"].map(term).lt(first).fillna(False).astype(bool)
    load = contracts[initial & still].copy()
    load["_day"] = first
    load["updated_at"] = at_time(np.full(len(load), first), np.full(len(load), 7 * 3600))
    contracts = pd.concat([contracts[contracts["_day"] >= first], load], ignore_index=True)
    contracts["_term_day"] = contracts["contract_id"].map(term).to_numpy()
    return contracts


def _key_populations(ctx, res, who, ages) -> np.ndarray:
    labels = [("65岁以上老年人", ages >= 65), ("高血压", ctx.htn[who]), ("2型糖尿病", ctx.dm[who]),
              ("0-6岁儿童", ages <= 6), ("残疾人", res["disabled"].to_numpy()[who]),
              ("脱贫人口", res["poverty"].to_numpy()[who]),
              ("严重精神障碍", res["mental"].to_numpy()[who])]
    out = pd.Series([""] * len(who), dtype=object)
    for label, mask in labels:
        add = pd.Series(np.where(mask, label, ""), dtype=object)
        out = np.where((out != "") & (add != ""), out + ";" + add, out + add)
        out = pd.Series(out, dtype=object)
    return out.to_numpy(object)


def deliver_contracts(writer, contracts: pd.DataFrame) -> None:
    # Within a day the latest version wins (the writer keeps the last row of a key).
    ordered = contracts.sort_values(["_day", "updated_at"], kind="stable")
    writer.add("fd_contracts", ordered, ordered["_day"].to_numpy())


def services(ctx: Context, rng: np.random.Generator, params: dict, contracts: pd.DataFrame,
             first, last, writer) -> None:
    """Services of contracts in force during the month; a share of contracts is never served."""
    current = contracts[contracts["status"] == "有效"].drop_duplicates("contract_id")
    lo, hi = np.datetime64(first), np.datetime64(last)
    start = current["start_date"].to_numpy().astype("datetime64[D]")
    end = current["end_date"].to_numpy().astype("datetime64[D]")
    term = current["_term_day"].to_numpy().astype("datetime64[D]")
    end = np.where(~np.isnat(term) & (term - DAY < end), term - DAY, end)
    active = (start <= hi) & (end >= lo)
    c = current[active]
    if len(c) == 0:
        return
    a = np.maximum(start[active], lo)
    b = np.minimum(end[active], hi)
    span = (b - a).astype(int) + 1
    # Whether a contract is served depends on the contract, not on the month.
    served_u = (pd.util.hash_array(c["contract_id"].to_numpy(object)) % 10_000) / 10_000
    served = served_u < params["served_contract_share"]
    lam = np.where(served, SERVICES_PER_MONTH * span / 30.0, 0.0)
    counts = rng.poisson(lam)
    rows = np.repeat(np.arange(len(c)), counts)
    n = len(rows)
    if n == 0:
        return
    day = a[rows] + (rng.random(n) * span[rows]).astype(int) * DAY
    inst = c["inst_code"].to_numpy(object)[rows]
    frame = pd.DataFrame({
        "service_id": ids("FW", ctx.counters.take("service", n), n, 12),
        "contract_id": c["contract_id"].to_numpy(object)[rows], "inst_code": inst,
        "doctor_id": pd.Series(inst).str.slice(-5).to_numpy(object) + "D"
        + padded(rng.integers(1, 31, n), 3),
        "service_date": day,
        "service_type": SERVICE_TYPES[rng.choice(len(SERVICE_TYPES), n,
                                                 p=SERVICE_WEIGHTS / SERVICE_WEIGHTS.sum())],
    })
    writer.add("fd_services", frame, day)

