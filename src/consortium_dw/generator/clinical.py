"""Laboratory results and imaging studies that follow visits and admissions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from consortium_dw.generator import catalog
from consortium_dw.generator.context import Context, ids
from consortium_dw.generator.formatting import render_fixed
from consortium_dw.generator.timing import SECOND, day_of

PANELS = list(catalog.LAB_PANELS)
PANEL_WEIGHTS = np.array([0.5, 0.35, 0.15])
IMAGING_WEIGHTS = np.array([w for _, _, w in catalog.IMAGING], dtype=float)


def from_encounters(ctx: Context, rng: np.random.Generator, params: dict, writer, person, inst,
                    start_time, inpatient: bool) -> None:
    n = len(person)
    if n == 0:
        return
    primary = ctx.is_primary[inst]
    r = ctx.scn.rates
    lab_p = np.where(primary, r["labs_per_primary_visit"], r["labs_per_hospital_visit"])
    img_p = np.where(primary, r["imaging_per_primary_visit"], r["imaging_per_hospital_visit"])
    if inpatient:
        lab_p, img_p = np.full(n, 1.6), np.full(n, 0.6)
    n_labs = rng.poisson(lab_p) if inpatient else (rng.random(n) < lab_p).astype(int)
    _labs(ctx, rng, params, writer, np.repeat(np.arange(n), n_labs), person, inst, start_time,
          primary)
    has_img = rng.random(n) < img_p
    _imaging(ctx, rng, params, writer, np.flatnonzero(has_img), person, inst, start_time, primary)


def _labs(ctx, rng, params, writer, enc, person, inst, start_time, primary):
    n = len(enc)
    if n == 0:
        return
    panel = rng.choice(len(PANELS), n, p=PANEL_WEIGHTS / PANEL_WEIGHTS.sum())
    collected = start_time[enc] + rng.integers(600, 3600, n) * SECOND
    reported = collected + rng.integers(1800, 8 * 3600, n) * SECOND
    request = inst[enc]
    # 区域检验中心: a share of primary samples is performed at the group's lead hospital.
    lead = ctx.lead_of[np.minimum(person[enc], ctx.n_residents - 1)]
    perform = np.where(primary[enc] & (rng.random(n) < 0.4) & (person[enc] < ctx.n_residents),
                       lead, request)
    report_ids = ids("L", ctx.counters.take("lab", n), n, 12)
    recognised = (rng.random(n) < params["lab_recognition"]).astype(int)
    frames = []
    for k, name in enumerate(PANELS):
        rows = np.flatnonzero(panel == k)
        items = catalog.LAB_PANELS[name]
        m = len(items)
        rep = np.repeat(rows, m)
        item = np.tile(np.arange(m), len(rows))
        low = np.array([it[4] if it[4] is not None else np.nan for it in items])[item]
        high = np.array([it[5] if it[5] is not None else np.nan for it in items])[item]
        numeric = ~np.isnan(low)
        z = rng.normal(0, 1, len(rep))
        mid, half = (low + high) / 2, (high - low) / 2
        value = mid + z * half * 0.75
        value = np.where(numeric, np.maximum(value, 0.1), np.nan)
        flag = np.where(~numeric, np.where(z > 1.3, "H", "N"),
                        np.where(value > high, "H", np.where(value < low, "L", "N")))
        flag = np.where(numeric & (np.abs(z) > 3.2), "C", flag)
        text_value = np.where(numeric, render_fixed(value, 2),
                              np.where(z > 1.3, "+", "阴性")).astype(object)
        frames.append(pd.DataFrame({
            "report_id": report_ids[rep], "item_seq": item + 1,
            "request_inst_code": ctx.inst_code[request[rep]],
            "perform_inst_code": ctx.inst_code[perform[rep]],
            "id_card_no": ctx.id_card[person[enc[rep]]], "specimen": name,
            "collected_time": collected[rep], "reported_time": reported[rep],
            "item_code": np.array([it[0] for it in items], dtype=object)[item],
            "item_name": np.array([it[1] for it in items], dtype=object)[item],
            "result_value": text_value,
            "unit": np.array([it[2] for it in items], dtype=object)[item],
            "reference_range": np.array([it[3] for it in items], dtype=object)[item],
            "abnormal_flag": flag, "recognised": recognised[rep],
        }))
    frame = pd.concat(frames, ignore_index=True)
    writer.add("lab_results", frame, day_of(frame["reported_time"].to_numpy()))


def _imaging(ctx, rng, params, writer, enc, person, inst, start_time, primary):
    n = len(enc)
    if n == 0:
        return
    kind = rng.choice(len(catalog.IMAGING), n, p=IMAGING_WEIGHTS / IMAGING_WEIGHTS.sum())
    modality = np.array([m for m, _, _ in catalog.IMAGING], dtype=object)[kind]
    body = np.array([b for _, b, _ in catalog.IMAGING], dtype=object)[kind]
    exam = start_time[enc] + rng.integers(900, 2 * 3600, n) * SECOND
    report = exam + rng.integers(1200, 20 * 3600, n) * SECOND
    exam_inst = inst[enc]
    resident = person[enc] < ctx.n_residents
    lead = ctx.lead_of[np.minimum(person[enc], ctx.n_residents - 1)]
    remote = primary[enc] & resident & (rng.random(n) < params["remote_read_share"])
    frame = pd.DataFrame({
        "accession_no": ids("A", ctx.counters.take("imaging", n), n, 12),
        "exam_inst_code": ctx.inst_code[exam_inst],
        "report_inst_code": ctx.inst_code[np.where(remote, lead, exam_inst)],
        "id_card_no": ctx.id_card[person[enc]], "modality": modality, "body_part": body,
        "exam_time": exam, "report_time": report, "remote_read": remote.astype(int),
        "recognised": (rng.random(n) < params["imaging_recognition"]).astype(int),
        "critical_finding": (rng.random(n) < 0.006).astype(int),
    })
    writer.add("imaging_studies", frame, day_of(report))
