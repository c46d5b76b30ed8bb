"""双向转诊 rows: an application (申请) on the referral day, then the decision (已接收 / 已拒绝 /
已撤销) sent again when it is taken, with a later updated_at."""

from __future__ import annotations

import numpy as np
import pandas as pd

from consortium_dw.generator.context import Context, ids
from consortium_dw.generator.timing import SECOND, day_of


def deliver_referrals(ctx: Context, rng: np.random.Generator, writer, *, from_inst, to_inst,
                      person, referral_time, kind, reason, accepted_share: float,
                      to_code=None, to_name=None, decision_delay=None) -> None:
    n = len(person)
    if n == 0:
        return
    referral_time = np.asarray(referral_time).astype("datetime64[s]")
    u = rng.random(n)
    rest = (1 - accepted_share) / 2
    status = np.where(u < accepted_share, "已接收",
                      np.where(u < accepted_share + rest, "已拒绝", "已撤销")).astype(object)
    if decision_delay is None:
        decision_delay = rng.integers(1800, 3 * 86400, n)
    decided = referral_time + np.asarray(decision_delay, dtype=np.int64) * SECOND
    to_code = ctx.inst_code[to_inst] if to_code is None else to_code
    base = pd.DataFrame({
        "referral_id": ids("R", ctx.counters.take("referral", n), n, 10),
        "from_inst_code": ctx.inst_code[from_inst], "to_inst_code": to_code,
        "to_inst_name": to_name, "id_card_no": ctx.id_card[person],
        "patient_name": ctx.name[person], "referral_time": referral_time,
        "referral_kind": kind, "reason_icd10": reason,
    })
    applied = base.assign(status="申请", accepted_time=np.datetime64("NaT", "s"),
                          updated_at=referral_time)
    final = base.assign(status=status,
                        accepted_time=np.where(status == "已接收", decided,
                                               np.datetime64("NaT", "s")),
                        updated_at=decided)
    both = pd.concat([applied, final], ignore_index=True)
    writer.add("referrals", both, day_of(both["updated_at"].to_numpy()))
