"""Insurance settlements of encounters, with reversals, corrections, orphans and invalid rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from consortium_dw.generator import money
from consortium_dw.generator.context import Context, ids
from consortium_dw.generator.timing import SECOND, day_of


def settle(ctx: Context, rng: np.random.Generator, params: dict, *, person, inst, mdtrt_id,
           med_type, begndate, enddate, setl_time, total_cents, inpatient, dise_no, dise_name,
           pharmacy=None) -> pd.DataFrame:
    n = len(person)
    if n == 0:
        return pd.DataFrame()
    pharmacy = np.zeros(n, bool) if pharmacy is None else pharmacy
    amounts = money.split(rng, np.asarray(total_cents), ctx.level_class[inst],
                          np.asarray(inpatient, bool), ctx.insutype[person], ctx.poverty[person],
                          pharmacy, np.full(n, params["reimbursement_factor"]),
                          np.full(n, params["ownpay_factor"]))
    frame = pd.DataFrame({
        "setl_id": ids("S", ctx.counters.take("setl", n), n, 12),
        "mdtrt_id": mdtrt_id, "psn_no": ctx.psn_no[person], "certno": ctx.id_card[person],
        "psn_name": ctx.name[person], "gend": ctx.sex[person], "brdy": ctx.birth[person],
        "insutype": ctx.insutype[person], "insu_admdvs": ctx.insu_admdvs[person],
        "fixmedins_code": ctx.inst_code[inst], "fixmedins_name": ctx.inst_name[inst],
        "fix_blng_admdvs": ctx.inst_admdvs[inst], "med_type": med_type,
        "begndate": np.asarray(begndate).astype("datetime64[D]"),
        "enddate": np.asarray(enddate).astype("datetime64[D]"),
        "setl_time": np.asarray(setl_time).astype("datetime64[s]"),
        **amounts,
        "refd_setl_flag": 0, "init_setl_id": None, "dise_no": dise_no, "dise_name": dise_name,
        "vali_flag": 1,
    })
    frame["_person"] = person
    frame["_inst"] = inst
    frame["_inpatient"] = np.asarray(inpatient, bool)
    frame["_pharmacy"] = pharmacy
    return frame


def reversals_of(ctx: Context, rng: np.random.Generator, originals: pd.DataFrame,
                 delay_seconds: np.ndarray) -> pd.DataFrame:
    """Reversals: the negated amounts of the settlements they cancel, settled later."""
    rev = originals.copy()
    n = len(rev)
    rev["setl_id"] = ids("S", ctx.counters.take("setl", n), n, 12)
    for m in money.SETTLEMENT_MONEY_KEYS:
        rev[m] = -rev[m].to_numpy(np.int64)
    rev["refd_setl_flag"] = 1
    rev["init_setl_id"] = originals["setl_id"].to_numpy(object)
    rev["setl_time"] = originals["setl_time"].to_numpy() + delay_seconds.astype(np.int64) * SECOND
    return rev


def with_corrections(ctx: Context, rng: np.random.Generator, params: dict,
                     settlements: pd.DataFrame, cancelled: np.ndarray) -> pd.DataFrame:
    """Adds reversals of cancelled settlements (退号), corrections (reversal, then a new
    settlement of the same mdtrt_id), orphan reversals and a few invalid (vali_flag 0) rows."""
    if len(settlements) == 0:
        return settlements
    r = ctx.scn.rates
    n = len(settlements)
    cancelled = np.asarray(cancelled, bool)
    parts = [settlements]
    if cancelled.any():
        original = settlements[cancelled]
        parts.append(reversals_of(ctx, rng, original,
                                  rng.integers(600, 4 * 3600, int(cancelled.sum()))))
    corrected = (~cancelled) & (rng.random(n) < r["correction_share"])
    if corrected.any():
        original = settlements[corrected]
        delay = rng.integers(3600, 3 * 86400, len(original))
        rev = reversals_of(ctx, rng, original, delay)
        again = settle(ctx, rng, params, person=original["_person"].to_numpy(),
                       inst=original["_inst"].to_numpy(),
                       mdtrt_id=original["mdtrt_id"].to_numpy(object),
                       med_type=original["med_type"].to_numpy(object),
                       begndate=original["begndate"].to_numpy(),
                       enddate=original["enddate"].to_numpy(),
                       setl_time=rev["setl_time"].to_numpy() + 600 * SECOND,
                       total_cents=(original["medfee_sumamt"].to_numpy()
                                    * rng.uniform(0.85, 1.02, len(original))).astype(np.int64),
                       inpatient=original["_inpatient"].to_numpy(),
                       dise_no=original["dise_no"].to_numpy(object),
                       dise_name=original["dise_name"].to_numpy(object),
                       pharmacy=original["_pharmacy"].to_numpy())
        parts += [rev, again]
    orphan = (~cancelled) & (~corrected) & (rng.random(n) < r["orphan_reversal_share"])
    if orphan.any():
        # The bureau cancelled a settlement made before the extract began: unknown original.
        rev = reversals_of(ctx, rng, settlements[orphan],
                           rng.integers(3600, 86400, int(orphan.sum())))
        rev["init_setl_id"] = ids("S9", ctx.counters.take("orphan", len(rev)), len(rev), 11)
        parts.append(rev)
        ctx.stats["orphan_reversals"] = ctx.stats.get("orphan_reversals", 0) + len(rev)
    out = pd.concat(parts, ignore_index=True)
    invalid = (out["refd_setl_flag"].to_numpy() == 0) & (rng.random(len(out))
                                                         < r["invalid_settlement_share"])
    invalid &= ~out["mdtrt_id"].isin(out.loc[out["refd_setl_flag"] == 1, "mdtrt_id"]).to_numpy()
    out.loc[invalid, "vali_flag"] = 0
    ctx.stats["invalid_settlements"] = ctx.stats.get("invalid_settlements", 0) + int(invalid.sum())
    return out


def deliver(writer, frame: pd.DataFrame) -> None:
    if len(frame):
        writer.add("settlements", frame, day_of(frame["setl_time"].to_numpy()))
        if writer.fund_ledger is not None:
            writer.fund_ledger.record(frame)
