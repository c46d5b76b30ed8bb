"""One month of admissions: HIS admissions (sent on admission, again on discharge), EMR
discharge abstracts, settlements (split per month for long stays), downward referrals at
discharge and outward referrals before out-of-district admissions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from consortium_dw.generator import catalog
from consortium_dw.generator import settlements as st
from consortium_dw.generator.context import Context, ids
from consortium_dw.generator.district import UNLISTED_REFERRAL_TARGETS
from consortium_dw.generator.formatting import padded
from consortium_dw.generator.outpatient import age_factor, lognormal_cents
from consortium_dw.generator.referrals import deliver_referrals
from consortium_dw.generator.timing import DAY, SECOND, any_seconds, at_time, day_of, random_days

# Mean cost per admission (yuan) by money level class: primary, 二级, 三级, out of district.
INPATIENT_MEAN_FEE = (3200.0, 6500.0, 13800.0, 19500.0)
LOS_LEVEL_FACTOR = (0.9, 1.05, 1.1, 1.2)
AGE_ADMISSION_FACTOR = ((5, 0.9), (15, 0.25), (45, 0.45), (65, 1.0), (75, 2.2), (200, 3.4))
SERIOUS_OUTFLOW_FACTOR, OTHER_OUTFLOW_FACTOR = 2.6, 0.55


def simulate(ctx: Context, rng: np.random.Generator, params: dict, first, last, writer,
             clinical) -> None:
    scn, r = ctx.scn, ctx.scn.rates
    days = np.arange(np.datetime64(first), np.datetime64(last) + 1, dtype="datetime64[D]")
    season = scn.config["seasonality"]["admissions"][first.month - 1]
    n_res = ctx.n_residents
    ages = ctx.ages_on(np.arange(n_res), np.datetime64(first))
    af = age_factor(ages, AGE_ADMISSION_FACTOR)
    af = af / af.mean()
    general_rate = r["admissions_per_year"] * (1 - r["maternity_share_of_admissions"])
    lam = general_rate * af * np.sqrt(ctx.propensity[:n_res]) * season * len(days) / 365.0
    person = np.repeat(np.arange(n_res), rng.poisson(lam))
    dx_table = catalog.INPATIENT_DX
    w = dx_table["weight"].to_numpy(float)
    dx = rng.choice(len(dx_table), len(person), p=w / w.sum())
    # Births: women 20-40, at the MCH hospital or the leads.
    mothers = np.flatnonzero((ctx.sex[:n_res] == "2") & (ages >= 20) & (ages <= 40))
    n_birth = rng.poisson(r["admissions_per_year"] * r["maternity_share_of_admissions"] * n_res
                          * len(days) / 365.0)
    birth_person = rng.choice(mothers, n_birth) if len(mothers) else np.zeros(0, int)
    mat_w = catalog.MATERNITY_DX["weight"].to_numpy(float)
    all_dx = pd.concat([dx_table, catalog.MATERNITY_DX], ignore_index=True)
    birth_dx = len(dx_table) + rng.choice(len(mat_w), n_birth, p=mat_w / mat_w.sum())
    person = np.concatenate([person, birth_person])
    dx = np.concatenate([dx, birth_dx])
    maternity = np.concatenate([np.zeros(len(person) - n_birth, bool), np.ones(n_birth, bool)])
    n = len(person)
    serious = all_dx["serious"].to_numpy()[dx] == 1
    s_share = (w * dx_table["serious"]).sum() / w.sum()
    k = params["inpatient_out_of_district"] / (SERIOUS_OUTFLOW_FACTOR * s_share
                                               + OTHER_OUTFLOW_FACTOR * (1 - s_share))
    p_out = np.minimum(np.where(serious, SERIOUS_OUTFLOW_FACTOR, OTHER_OUTFLOW_FACTOR) * k, 0.9)
    out = rng.random(n) < p_out
    primary_ok = all_dx["primary_ok"].to_numpy()[dx] == 1
    ok_share = (w * dx_table["primary_ok"]).sum() / w.sum()
    primary = (~out) & primary_ok & (rng.random(n) < min(params["primary_admission_share"]
                                                         / ok_share, 0.85))
    hosp = np.where(maternity & (rng.random(n) < 0.5), ctx.mch,
                    np.where(rng.random(n) < 0.85, ctx.lead_of[person], rng.choice(ctx.leads, n)))
    inst = np.where(out, rng.choice(ctx.outside, n, p=ctx.outside_weights),
                    np.where(primary, ctx.centre_of[person], hosp))
    lc = ctx.level_class[inst]
    los_mean = all_dx["los_mean"].to_numpy()[dx] * np.take(LOS_LEVEL_FACTOR, lc) \
        * params["alos_factor"]
    los = np.maximum(np.round(rng.lognormal(np.log(los_mean) - 0.1, 0.45)), 1).astype(np.int64)
    admit_day = random_days(rng, days, n)
    emergency = rng.random(n) < 0.25
    admit_time = at_time(admit_day, np.where(emergency, any_seconds(rng, n),
                                             rng.integers(8 * 3600, 17 * 3600, n)))
    discharge_day = admit_day + los * DAY
    discharge_time = at_time(discharge_day, rng.integers(9 * 3600, 16 * 3600, n))
    fee = lognormal_cents(rng, np.take(INPATIENT_MEAN_FEE, lc)
                          * all_dx["cost_factor"].to_numpy()[dx], 0.5)
    insured = out | (rng.random(n) < 0.97)
    mdtrt = np.full(n, None, dtype=object)
    mdtrt[insured] = ids("MD", ctx.counters.take("mdtrt", int(insured.sum())),
                         int(insured.sum()), 12)
    transferred_in = (~out) & ~primary & (rng.random(n) < 0.10)
    source = np.where(emergency, "急诊", np.where(transferred_in, "转入", "门诊")).astype(object)
    admission_id = ids("ZY", ctx.counters.take("admission", n), n, 10)

    his = np.flatnonzero(~out)
    _deliver_admissions(ctx, rng, writer, his, person, inst, admit_time, discharge_time, source,
                        mdtrt, fee, admission_id, maternity, dx, all_dx)
    modes = _deliver_abstracts(ctx, rng, params, writer, his, person, inst, admit_day,
                               discharge_day, los, dx, all_dx, fee, admission_id, serious)
    _settle(ctx, rng, params, writer, np.flatnonzero(insured), person, inst, mdtrt, admit_day,
            discharge_day, discharge_time, fee, maternity, dx, all_dx, los)
    _referrals(ctx, rng, params, writer, his, person, inst, admit_time, discharge_time,
               transferred_in, modes, dx, all_dx, np.flatnonzero(out), first)
    clinical.from_encounters(ctx, rng, params, writer, person[his], inst[his], admit_time[his],
                             inpatient=True)


def _deliver_admissions(ctx, rng, writer, his, person, inst, admit_time, discharge_time, source,
                        mdtrt, fee, admission_id, maternity, dx, all_dx):
    p, i = person[his], inst[his]
    n = len(his)
    code_tail = pd.Series(ctx.inst_code[i]).str.slice(-5).to_numpy(object)
    dept = np.where(maternity[his], 5, rng.choice([0, 1, 2, 3, 4, 9], n))
    primary = ctx.is_primary[i]
    dept_code = np.where(primary, "02",
                         np.array([c for c, _ in catalog.LEAD_DEPARTMENTS], dtype=object)[dept])
    dept_name = np.where(primary, "全科医疗科",
                         np.array([m for _, m in catalog.LEAD_DEPARTMENTS], dtype=object)[dept])
    referred_from = np.where(source[his] == "转入", ctx.inst_code[ctx.centre_of[p]], None)
    base = pd.DataFrame({
        "admission_id": admission_id[his], "inst_code": ctx.inst_code[i],
        "patient_id": code_tail + padded(p, 9),
        "id_card_no": ctx.id_card[p], "patient_name": ctx.name[p], "sex": ctx.sex[p],
        "birth_date": ctx.birth[p], "admit_time": admit_time[his],
        "dept_code": dept_code, "dept_name": dept_name, "admit_source": source[his],
        "referred_from_inst_code": referred_from, "mdtrt_id": mdtrt[his],
    })
    admitted = base.assign(discharge_time=np.datetime64("NaT", "s"),
                           total_fee=np.zeros(n, np.int64), updated_at=admit_time[his])
    discharged = base.assign(discharge_time=discharge_time[his], total_fee=fee[his],
                             updated_at=discharge_time[his] + 300 * SECOND)
    both = pd.concat([admitted, discharged], ignore_index=True)
    writer.add("inpatient_admissions", both, day_of(both["updated_at"].to_numpy()))


def _deliver_abstracts(ctx, rng, params, writer, his, person, inst, admit_day, discharge_day, los,
                       dx, all_dx, fee, admission_id, serious):
    p, i, d = person[his], inst[his], dx[his]
    n = len(his)
    lead = ctx.role[i] == "lead"
    u = rng.random(n)
    death = np.where(serious[his], 0.02, 0.004)
    down = np.where(lead, params["down_referral_per_lead_discharge"], 0.0)
    edges = np.cumsum(np.stack([death, np.full(n, 0.015), down, np.full(n, 0.01),
                                np.full(n, 0.004)]), axis=0)
    mode = np.select([u < edges[0], u < edges[1], u < edges[2], u < edges[3], u < edges[4]],
                     ["5", "2", "3", "4", "9"], "1").astype(object)
    outside_name = ctx.inst_name[rng.choice(ctx.outside, n, p=ctx.outside_weights)]
    receiving = np.where(mode == "2", outside_name,
                         np.where(mode == "3", ctx.inst_name[ctx.centre_of[p]], None))
    op_level = all_dx["op_level"].to_numpy(object)[d]
    promote = lead & (op_level == "2") & (rng.random(n) < params["op_level34_boost"] * 3)
    op_level = np.where(promote, "3", op_level)
    other = np.where(ctx.chronic[p] & (rng.random(n) < 0.6),
                     np.where(ctx.htn[p] & ctx.dm[p], "I10.x00;E11.900",
                              np.where(ctx.htn[p], "I10.x00", "E11.900")), None)
    weight = all_dx["drg_weight"].to_numpy(float)[d] * rng.uniform(0.92, 1.08, n)
    frame = pd.DataFrame({
        "abstract_id": ids("BA", ctx.counters.take("abstract", n), n, 10),
        "inst_code": ctx.inst_code[i], "admission_id": admission_id[his],
        "id_card_no": ctx.id_card[p], "admit_date": admit_day[his],
        "discharge_date": discharge_day[his], "los_days": los[his],
        "main_dx_icd10": all_dx["icd10"].to_numpy(object)[d],
        "main_dx_name": all_dx["name"].to_numpy(object)[d], "other_dx_icd10": other,
        "main_op_code": all_dx["op_code"].to_numpy(object)[d], "op_level": op_level,
        "discharge_mode": mode, "receiving_inst_name": receiving,
        "drg_code": all_dx["drg_code"].to_numpy(object)[d], "drg_weight": np.round(weight, 2),
        "total_fee": fee[his],
    })
    writer.add("discharge_abstracts", frame, discharge_day[his])
    return mode


def _settle(ctx, rng, params, writer, idx, person, inst, mdtrt, admit_day, discharge_day,
            discharge_time, fee, maternity, dx, all_dx, los):
    """One settlement at discharge, or one per calendar month for long stays."""
    a_month = admit_day[idx].astype("datetime64[M]")
    d_month = discharge_day[idx].astype("datetime64[M]")
    split = (los[idx] >= ctx.scn.rates["split_settlement_min_los"]) & (d_month > a_month)
    pieces = np.where(split, (d_month - a_month).astype(int) + 1, 1)
    rows = np.repeat(np.arange(len(idx)), pieces)
    k = np.arange(len(rows)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    last = k == pieces[rows] - 1
    month_k = a_month[rows] + k.astype("timedelta64[M]")
    begin = np.where(k == 0, admit_day[idx][rows], month_k.astype("datetime64[D]"))
    end = np.where(last, discharge_day[idx][rows],
                   (month_k + np.timedelta64(1, "M")).astype("datetime64[D]") - DAY)
    span = np.maximum((discharge_day[idx] - admit_day[idx]).astype(int), 1)[rows]
    piece_days = np.maximum((end - begin).astype(int) + np.where(last, 0, 1), 0)
    share = np.where(pieces[rows] == 1, 1.0, piece_days / span)
    total = fee[idx][rows]
    cents = np.floor(total * share).astype(np.int64)
    # The last piece takes the rounding remainder so the parts add up to the stay's cost.
    paid_before = pd.Series(cents).groupby(rows).cumsum().to_numpy() - cents
    cents = np.where(last, total - paid_before, cents)
    setl_time = np.where(last, discharge_time[idx][rows] + 1800 * SECOND,
                         at_time(end, np.full(len(end), 16 * 3600)))
    p = person[idx][rows]
    d = dx[idx][rows]
    frame = st.settle(ctx, rng, params, person=p, inst=inst[idx][rows], mdtrt_id=mdtrt[idx][rows],
                      med_type=np.where(maternity[idx][rows], "52", "21").astype(object),
                      begndate=begin, enddate=end, setl_time=setl_time, total_cents=cents,
                      inpatient=np.ones(len(rows), bool),
                      dise_no=all_dx["icd10"].to_numpy(object)[d],
                      dise_name=all_dx["name"].to_numpy(object)[d])
    st.deliver(writer, st.with_corrections(ctx, rng, params, frame, np.zeros(len(frame), bool)))


def _referrals(ctx, rng, params, writer, his, person, inst, admit_time, discharge_time,
               transferred_in, modes, dx, all_dx, out_idx, first):
    codes = all_dx["icd10"].to_numpy(object)
    month_start = np.datetime64(first).astype("datetime64[s]")
    # 下转 at discharge from a lead hospital to the resident's own centre.
    down = his[(modes == "3")]
    deliver_referrals(ctx, rng, writer, from_inst=inst[down], to_inst=ctx.centre_of[person[down]],
                      person=person[down], referral_time=discharge_time[down] - 7200 * SECOND,
                      kind=np.full(len(down), "住院", dtype=object), reason=codes[dx[down]],
                      accepted_share=0.95)
    # 上转 behind admissions transferred in from the resident's centre.
    up = his[transferred_in[his]]
    up_time = np.maximum(admit_time[up] - rng.integers(3600, 2 * 86400, len(up)) * SECOND,
                         month_start)
    deliver_referrals(ctx, rng, writer, from_inst=ctx.centre_of[person[up]], to_inst=inst[up],
                      person=person[up], referral_time=up_time,
                      kind=np.full(len(up), "住院", dtype=object), reason=codes[dx[up]],
                      accepted_share=1.0,
                      decision_delay=np.maximum((admit_time[up] - up_time).astype(np.int64)
                                                - 600, 60))
    # 外转 before out-of-district admissions (within 30 days before admission).
    chosen = out_idx[rng.random(len(out_idx)) < params["referred_outflow_share"]]
    ref_time = np.maximum(admit_time[chosen] - rng.integers(86400, 30 * 86400, len(chosen))
                          * SECOND, month_start)
    deliver_referrals(ctx, rng, writer, from_inst=ctx.lead_of[person[chosen]],
                      to_inst=inst[chosen], person=person[chosen], referral_time=ref_time,
                      kind=np.full(len(chosen), "住院", dtype=object), reason=codes[dx[chosen]],
                      accepted_share=1.0,
                      decision_delay=np.maximum((admit_time[chosen] - ref_time).astype(np.int64)
                                                // 2, 60))
    # Some 外转 go to hospitals outside the reference list (to_inst_name filled).
    extra = rng.choice(out_idx, int(len(chosen) * 0.15)) if len(out_idx) else out_idx
    target = rng.integers(0, len(UNLISTED_REFERRAL_TARGETS), len(extra))
    codes_unlisted = np.array([c for c, _ in UNLISTED_REFERRAL_TARGETS], dtype=object)
    names_unlisted = np.array([nm for _, nm in UNLISTED_REFERRAL_TARGETS], dtype=object)
    deliver_referrals(ctx, rng, writer, from_inst=ctx.lead_of[person[extra]],
                      to_inst=inst[extra], person=person[extra],
                      referral_time=at_time(random_days(
                          rng, np.arange(np.datetime64(first), np.datetime64(first) + 28,
                                         dtype="datetime64[D]"), len(extra)),
                          rng.integers(8 * 3600, 17 * 3600, len(extra))),
                      kind=np.full(len(extra), "门诊", dtype=object), reason=codes[dx[extra]],
                      accepted_share=0.85, to_code=codes_unlisted[target],
                      to_name=names_unlisted[target])
