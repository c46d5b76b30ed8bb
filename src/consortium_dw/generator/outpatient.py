"""One month of outpatient and emergency care: HIS visits, EMR diagnoses, settlements, upward
referrals, pharmacy purchases (med_type 41)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from consortium_dw.generator import catalog
from consortium_dw.generator.context import Context, ids
from consortium_dw.generator.formatting import padded
from consortium_dw.generator.timing import (
    SECOND,
    any_seconds,
    at_time,
    day_of,
    office_seconds,
    random_days,
)

# Mean cost per visit (yuan) by money level class: primary, 二级, 三级, out of district.
OUTPATIENT_MEAN_FEE = (75.0, 265.0, 430.0, 520.0)
VILLAGE_FEE_FACTOR = 0.45
AGE_VISIT_FACTOR = ((5, 1.7), (15, 0.85), (45, 0.65), (65, 1.05), (200, 1.9))


def age_factor(ages: np.ndarray, table) -> np.ndarray:
    bounds = np.array([b for b, _ in table])
    factors = np.array([f for _, f in table])
    return factors[np.searchsorted(bounds, ages, side="right")]


def lognormal_cents(rng, mean_yuan: np.ndarray, sigma: float) -> np.ndarray:
    mu = np.log(mean_yuan) - sigma**2 / 2
    return np.maximum(np.round(rng.lognormal(mu, sigma) * 100), 500).astype(np.int64)


def _choose_dx(rng, n: int, month: int, chronic: np.ndarray, scale: float) -> np.ndarray:
    dx = catalog.OUTPATIENT_DX
    season = scale
    w = dx["weight"].to_numpy(float) * np.where(dx["respiratory"] == 1, season, 1.0)
    pick = rng.choice(len(dx), n, p=w / w.sum())
    chronic_idx = np.flatnonzero(dx["chronic"].to_numpy() == 1)
    chronic_pick = rng.choice(chronic_idx, n)
    return np.where(chronic & (rng.random(n) < 0.45), chronic_pick, pick)


def simulate(ctx: Context, rng: np.random.Generator, params: dict, first, last, writer,
             clinical) -> None:
    scn, r = ctx.scn, ctx.scn.rates
    days = np.arange(np.datetime64(first), np.datetime64(last) + 1, dtype="datetime64[D]")
    month = first.month
    season = scn.config["seasonality"]["outpatient"][month - 1]
    n_res = ctx.n_residents
    ages = ctx.ages_on(np.arange(n_res), np.datetime64(first))
    af = age_factor(ages, AGE_VISIT_FACTOR)
    af = af / af.mean()
    lam = (r["outpatient_visits_per_year"] * af * ctx.propensity[:n_res] * season
           * len(days) / 365.0)
    counts = rng.poisson(lam)
    person = np.repeat(np.arange(n_res), counts)
    n = len(person)
    out = rng.random(n) < params["outpatient_out_of_district"]
    primary = (~out) & (rng.random(n) < params["primary_visit_share"])
    u = rng.random(n)
    primary_inst = np.where(u < 0.55, ctx.centre_of[person],
                            np.where(u < 0.95, ctx.outpost_of[person],
                                     rng.choice(ctx.clinics, n)))
    v = rng.random(n)
    women_children = (ctx.sex[person] == "2") & (ages[person] < 45) | (ages[person] < 14)
    hospital_inst = np.where(v < 0.80, ctx.lead_of[person],
                             np.where((v < 0.92) & women_children, ctx.mch,
                                      rng.choice(ctx.leads, n)))
    outside_inst = rng.choice(ctx.outside, n, p=ctx.outside_weights)
    inst = np.where(out, outside_inst, np.where(primary, primary_inst, hospital_inst))
    # Visits by people insured elsewhere, at district hospitals and centres.
    share = scn.district["non_resident_visit_share"]
    n_non = rng.binomial(int((~out).sum()), share / (1 - share))
    non_person = rng.integers(n_res, len(ctx.people), n_non)
    non_inst = np.where(rng.random(n_non) < 0.7, rng.choice(ctx.leads, n_non),
                        rng.choice(ctx.township_centre, n_non))
    person = np.concatenate([person, non_person])
    inst = np.concatenate([inst, non_inst])
    out = np.concatenate([out, np.zeros(n_non, bool)])
    n = len(person)
    hospital = ~ctx.is_primary[inst] & ~out
    emergency = (hospital | out) & (rng.random(n) < r["emergency_share"])
    day = random_days(rng, days, n, weekend_weight=0.65)
    seconds = np.where(emergency, any_seconds(rng, n), office_seconds(rng, n))
    visit_time = at_time(day, seconds)
    chronic = np.concatenate([ctx.chronic[person[:n - n_non]], np.zeros(n_non, bool)])
    resp_scale = 1.0 + 2.2 * (season - 0.9)
    dx = _choose_dx(rng, n, month, chronic, resp_scale)
    dx_table = catalog.OUTPATIENT_DX
    mean_fee = np.take(OUTPATIENT_MEAN_FEE, ctx.level_class[inst])
    mean_fee = np.where(ctx.role[inst] == "outpost", mean_fee * VILLAGE_FEE_FACTOR, mean_fee)
    fee = lognormal_cents(rng, mean_fee, 0.75)
    self_pay = (~out) & (rng.random(n) < scn.district["self_pay_visit_share"])
    cancelled = (~out) & (rng.random(n) < r["cancelled_registration_share"])
    insured = ~self_pay
    chronic_dx = dx_table["chronic"].to_numpy()[dx] == 1
    med_type = np.where(emergency, "13",
                        np.where(chronic_dx & chronic & (rng.random(n) < 0.5), "14",
                                 np.where(rng.random(n) < 0.03, "12", "11"))).astype(object)
    mdtrt = np.full(n, None, dtype=object)
    mdtrt[insured] = ids("MD", ctx.counters.take("mdtrt", int(insured.sum())),
                         int(insured.sum()), 12)

    in_district = ~out
    his = np.flatnonzero(in_district)
    _deliver_visits(ctx, rng, params, writer, his, person, inst, visit_time, emergency, dx,
                    fee, mdtrt, cancelled, ages, n_res)
    from consortium_dw.generator import settlements as st
    settled = np.flatnonzero(insured)
    frame = st.settle(ctx, rng, params, person=person[settled], inst=inst[settled],
                      mdtrt_id=mdtrt[settled], med_type=med_type[settled],
                      begndate=day[settled], enddate=day[settled],
                      setl_time=visit_time[settled] + rng.integers(60, 1800, len(settled)) * SECOND,
                      total_cents=fee[settled], inpatient=np.zeros(len(settled), bool),
                      dise_no=dx_table["icd10"].to_numpy(object)[dx[settled]],
                      dise_name=dx_table["name"].to_numpy(object)[dx[settled]])
    frame = st.with_corrections(ctx, rng, params, frame, cancelled[settled])
    st.deliver(writer, frame)
    _upward_referrals(ctx, rng, params, writer, person, inst, visit_time, dx, n_res, cancelled)
    clinical.from_encounters(ctx, rng, params, writer, person[his], inst[his], visit_time[his],
                             inpatient=False)
    _pharmacy(ctx, rng, params, writer, days)


def _deliver_visits(ctx, rng, params, writer, his, person, inst, visit_time, emergency, dx, fee,
                    mdtrt, cancelled, ages, n_res):
    n = len(his)
    p, i = person[his], inst[his]
    dx_table = catalog.OUTPATIENT_DX
    primary = ctx.is_primary[i]
    lead_depts = catalog.LEAD_DEPARTMENTS
    respiratory = dx_table["respiratory"].to_numpy()[dx[his]] == 1
    child = np.zeros(n, bool)
    res_mask = p < n_res
    child[res_mask] = ages[p[res_mask]] < 14
    lead_choice = rng.integers(0, len(lead_depts), n)
    lead_choice = np.where(respiratory, 1, lead_choice)
    lead_choice = np.where(child, 6, lead_choice)
    dept_codes = np.array([c for c, _ in lead_depts], dtype=object)
    dept_names = np.array([nm for _, nm in lead_depts], dtype=object)
    prim_codes = np.array([c for c, _ in catalog.PRIMARY_DEPARTMENTS], dtype=object)
    prim_names = np.array([nm for _, nm in catalog.PRIMARY_DEPARTMENTS], dtype=object)
    prim_choice = rng.choice(3, n, p=[0.8, 0.15, 0.05])
    em = emergency[his]
    dept_code = np.where(primary, prim_codes[prim_choice], dept_codes[lead_choice])
    dept_name = np.where(primary, prim_names[prim_choice], dept_names[lead_choice])
    dept_code = np.where(em, catalog.EMERGENCY_DEPARTMENT[0], dept_code)
    dept_name = np.where(em, catalog.EMERGENCY_DEPARTMENT[1], dept_name)
    channel_u = rng.random(n)
    referred_booking = 0.04 + params["up_referral_per_primary_visit"] * 3
    channel = np.where(primary,
                       np.where(channel_u < 0.12, "家庭医生预约", "自行挂号"),
                       np.where(channel_u < referred_booking, "基层预约转诊",
                                np.where(channel_u < 0.40, "线上", "自行挂号")))
    visit_ids = ids("V", ctx.counters.take("visit", n), n, 12)
    code_tail = pd.Series(ctx.inst_code[i]).str.slice(-5).to_numpy(object)
    frame = pd.DataFrame({
        "visit_id": visit_ids, "inst_code": ctx.inst_code[i],
        "patient_id": code_tail + padded(p, 9),
        "id_card_no": ctx.id_card[p], "patient_name": ctx.name[p], "sex": ctx.sex[p],
        "birth_date": ctx.birth[p],
        "phone": np.where(rng.random(n) < 0.9, ctx.phone[p], None),
        "visit_time": visit_time[his], "dept_code": dept_code, "dept_name": dept_name,
        "visit_type": np.where(em, "急诊", "门诊"),
        "doctor_id": code_tail + "D" + padded(rng.integers(1, 31, n), 3),
        "booking_channel": channel, "mdtrt_id": mdtrt[his], "total_fee": fee[his],
        "status": np.where(cancelled[his], "退号", "正常"),
    })
    day = day_of(visit_time[his])
    writer.add("outpatient_visits", frame, day)
    # Diagnoses: the main one, sometimes one or two more.
    n_dx = 1 + (rng.random(n) < 0.35) + (rng.random(n) < 0.10)
    rows = np.repeat(np.arange(n), n_dx)
    seq = np.arange(len(rows)) - np.repeat(np.cumsum(n_dx) - n_dx, n_dx) + 1
    extra = rng.choice(len(dx_table), len(rows))
    code = np.where(seq == 1, dx[his][rows], extra)
    diagnoses = pd.DataFrame({
        "visit_id": visit_ids[rows], "inst_code": ctx.inst_code[i][rows], "dx_seq": seq,
        "icd10": dx_table["icd10"].to_numpy(object)[code],
        "dx_name": dx_table["name"].to_numpy(object)[code],
    })
    writer.add("outpatient_diagnoses", diagnoses, day[rows])


def _upward_referrals(ctx, rng, params, writer, person, inst, visit_time, dx, n_res, cancelled):
    from consortium_dw.generator.referrals import deliver_referrals
    candidates = np.flatnonzero(ctx.is_primary[inst] & (person < n_res) & ~cancelled
                                & (ctx.role[inst] != "pharmacy"))
    chosen = candidates[rng.random(len(candidates)) < params["up_referral_per_primary_visit"]]
    if len(chosen) == 0:
        return
    p = person[chosen]
    kind = rng.choice(np.array(["门诊", "检查", "住院"], dtype=object), len(chosen),
                      p=[0.7, 0.2, 0.1])
    deliver_referrals(ctx, rng, writer, from_inst=inst[chosen], to_inst=ctx.lead_of[p],
                      person=p, referral_time=visit_time[chosen] + 900 * SECOND, kind=kind,
                      reason=catalog.OUTPATIENT_DX["icd10"].to_numpy(object)[dx[chosen]],
                      accepted_share=0.88)


def _pharmacy(ctx, rng, params, writer, days):
    from consortium_dw.generator import settlements as st
    n_res = ctx.n_residents
    lam = ctx.scn.rates["pharmacy_settlements_per_year"] * len(days) / 365.0
    counts = rng.poisson(np.full(n_res, lam))
    person = np.repeat(np.arange(n_res), counts)
    n = len(person)
    if n == 0:
        return
    inst = rng.choice(ctx.pharmacies, n)
    day = random_days(rng, days, n)
    t = at_time(day, rng.integers(8 * 3600, 21 * 3600, n))
    mdtrt = ids("MD", ctx.counters.take("mdtrt", n), n, 12)
    frame = st.settle(ctx, rng, params, person=person, inst=inst, mdtrt_id=mdtrt,
                      med_type=np.full(n, "41", dtype=object), begndate=day, enddate=day,
                      setl_time=t, total_cents=lognormal_cents(rng, np.full(n, 85.0), 0.7),
                      inpatient=np.zeros(n, bool), dise_no=None, dise_name=None,
                      pharmacy=np.ones(n, bool))
    st.deliver(writer, st.with_corrections(ctx, rng, params, frame, np.zeros(n, bool)))
