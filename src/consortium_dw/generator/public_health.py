"""Chronic-disease follow-ups, the yearly literacy survey and the lead hospitals' daily
resource allocations (号源/床位下沉)."""

from __future__ import annotations

import datetime as dt
from statistics import NormalDist

import numpy as np
import pandas as pd

from consortium_dw.generator import catalog
from consortium_dw.generator.context import Context, ids
from consortium_dw.generator.timing import random_days

SCORE_SD = 13.0


def followups(ctx: Context, rng: np.random.Generator, params: dict, first, last, month_index,
              writer) -> None:
    """Managed hypertension and diabetes patients are followed up about once a quarter."""
    managed = ctx.district.residents["chronic_managed"].to_numpy(bool)
    phase = np.arange(ctx.n_residents) % 3
    due = managed & (phase == month_index % 3) & (rng.random(ctx.n_residents) < 0.93)
    frames = []
    days = np.arange(np.datetime64(first), np.datetime64(last) + 1, dtype="datetime64[D]")
    for disease, has in (("高血压", ctx.htn), ("2型糖尿病", ctx.dm)):
        who = np.flatnonzero(due & has)
        n = len(who)
        if n == 0:
            continue
        controlled = rng.random(n) < params["controlled_share"]
        standard = rng.random(n) < params["standard_share"]
        if disease == "高血压":
            sbp = np.where(controlled, rng.integers(112, 140, n), rng.integers(140, 178, n))
            dbp = np.where(controlled, rng.integers(66, 90, n), rng.integers(84, 108, n))
            glucose = np.full(n, np.nan)
        else:
            sbp = pd.array(np.full(n, None), dtype="Int64")
            dbp = pd.array(np.full(n, None), dtype="Int64")
            glucose = np.where(controlled, rng.uniform(4.8, 6.99, n), rng.uniform(7.0, 12.5, n))
        inst = np.where(rng.random(n) < 0.6, ctx.centre_of[who], ctx.outpost_of[who])
        frames.append(pd.DataFrame({
            "id_card_no": ctx.id_card[who], "disease": disease,
            "inst_code": ctx.inst_code[inst], "followup_date": random_days(rng, days, n, 0.3),
            "sbp": sbp, "dbp": dbp, "fasting_glucose": np.round(glucose, 1),
            "controlled": controlled.astype(int), "standard": standard.astype(int)}))
    if not frames:
        return
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, "followup_id", ids("SF", ctx.counters.take("followup", len(frame)),
                                       len(frame), 12))
    writer.add("chronic_followups", frame, frame["followup_date"].to_numpy())


def survey_month(year: int, start: dt.date, end: dt.date) -> dt.date | None:
    """The survey runs in October (Q4); a window without that year's Q4 surveys in its last
    month instead, so a short window still has a survey."""
    window_last = min(end, dt.date(year, 12, 31))
    if window_last < max(start, dt.date(year, 1, 1)):
        return None
    if window_last >= dt.date(year, 10, 31) and start <= dt.date(year, 10, 1):
        return dt.date(year, 10, 1)
    return window_last.replace(day=1)


def literacy(ctx: Context, rng: np.random.Generator, params: dict, year: int, first, last,
             writer) -> None:
    r = ctx.scn.rates
    counts = np.bincount(ctx.township, minlength=len(ctx.township_codes))
    per_township = np.clip(np.round(counts * r["literacy_respondent_share"]),
                           r["literacy_respondents_min"], r["literacy_respondents_max"]).astype(int)
    township = np.repeat(np.arange(len(per_township)), per_township)
    n = len(township)
    inside = rng.random(n) < 0.96
    age = np.where(inside, rng.integers(15, 70, n), rng.choice([12, 13, 14, 70, 72, 75], n))
    sex = np.where(rng.random(n) < 0.49, "1", "2")
    z = NormalDist().inv_cdf(1 - params["literacy_share"])
    mean = 80 - SCORE_SD * z
    # Older respondents score a little lower (as in the national monitoring).
    score = np.clip(np.round(rng.normal(mean + 0.08 * (42 - age), SCORE_SD)), 0, 100).astype(int)
    knowledge = np.clip(np.round(score * 0.5 + rng.normal(0, 2, n)), 0, score).astype(int)
    behaviour = np.clip(np.round(score * 0.3 + rng.normal(0, 2, n)), 0, score - knowledge)
    behaviour = behaviour.astype(int)
    skill = score - knowledge - behaviour
    days = np.arange(np.datetime64(first), np.datetime64(last) + 1, dtype="datetime64[D]")
    frame = pd.DataFrame({
        "response_id": ids(f"HL{year}", ctx.counters.take(f"survey{year}", n), n, 7),
        "survey_year": year, "township_code": ctx.township_codes[township], "sex": sex,
        "age": age, "score": score, "knowledge_score": knowledge,
        "behaviour_score": behaviour, "skill_score": skill,
        "survey_date": random_days(rng, days, n, 0.2),
    })
    writer.add("literacy_survey", frame, frame["survey_date"].to_numpy())


def allocations(ctx: Context, rng: np.random.Generator, params: dict, first, last, writer) -> None:
    days = np.arange(np.datetime64(first), np.datetime64(last) + 1, dtype="datetime64[D]")
    depts = [c for c, _ in catalog.LEAD_DEPARTMENTS]
    scale = max(ctx.n_residents / 100_000, 0.05)
    grid_day = np.repeat(days, len(ctx.leads) * len(depts))
    grid_inst = np.tile(np.repeat(ctx.leads, len(depts)), len(days))
    grid_dept = np.tile(np.array(depts, dtype=object), len(days) * len(ctx.leads))
    n = len(grid_day)
    weekday = (grid_day.view("int64") - 4) % 7
    base = np.where(weekday >= 5, 40, 110) * scale * rng.uniform(0.7, 1.3, n)
    slots = np.maximum(rng.poisson(base), 1)
    beds = np.maximum(np.round(45 * scale * rng.uniform(0.8, 1.2, n)), 1).astype(int)
    frame = pd.DataFrame({
        "date": grid_day, "inst_code": ctx.inst_code[grid_inst], "dept_code": grid_dept,
        "outpatient_slots_total": slots,
        "outpatient_slots_to_primary": rng.binomial(slots, params["slots_to_primary"]),
        "beds_total": beds,
        "beds_reserved_for_primary": rng.binomial(beds, params["beds_to_primary"]),
    })
    writer.add("resource_allocations", frame, grid_day)
