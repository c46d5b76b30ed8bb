"""Orchestrates one synthetic district: reference data, then month by month every system's
deliveries, then the side files beside the landing folder."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from consortium_dw.contract import REF_TABLES, SYSTEMS
from consortium_dw.generator import (
    clinical,
    family_doctors,
    inpatient,
    outpatient,
    public_health,
)
from consortium_dw.generator.context import Context
from consortium_dw.generator.delivery import DeliveryWriter, write_ref
from consortium_dw.generator.district import build_district, population_table
from consortium_dw.generator.fund_budget import FundLedger, budget_table
from consortium_dw.generator.scenario import load_scenario


def side_files(landing: Path) -> tuple[Path, Path]:
    landing = Path(landing)
    return (landing.with_name(landing.name + ".dirtied.csv"),
            landing.with_name(landing.name + ".generated.json"))


def _prepare_landing(landing: Path) -> None:
    if landing.exists() and any(landing.iterdir()):
        known = {"ref", *SYSTEMS}
        strangers = [p.name for p in landing.iterdir() if p.name not in known]
        if strangers:
            raise FileExistsError(f"{landing} holds files that are not a landing folder "
                                  f"({', '.join(sorted(strangers)[:5])}); refusing to replace it")
        shutil.rmtree(landing)
    landing.mkdir(parents=True, exist_ok=True)


def _month_bounds(month_start: dt.date, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    return max(month_start, start), min(next_month - dt.timedelta(days=1), end)


def generate(size: str, seed: int, landing, dirty_log=None, progress: bool | None = None,
             background_writer: bool = True, **overrides) -> dict:
    """Write a synthetic district's deliveries to `landing` (replacing a previous landing
    folder there) and its side files beside it; return what generated.json holds.
    `background_writer=False` encodes and writes the files in this process (same bytes)."""
    with object_strings():
        return _generate(size, seed, landing, dirty_log, progress, background_writer,
                         **overrides)


@contextlib.contextmanager
def object_strings():
    """Plain object strings inside the generator: pandas 3's Arrow-backed default costs a
    conversion on every frame built from numpy text, which dominates the run time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pd.option_context("future.infer_string", False):
            yield


def _generate(size: str, seed: int, landing, dirty_log, progress, background_writer,
              **overrides) -> dict:
    started = time.perf_counter()
    scn = load_scenario(size, seed, **overrides)
    landing = Path(landing)
    default_dirty, generated_path = side_files(landing)
    dirty_path = Path(dirty_log) if dirty_log else default_dirty
    _prepare_landing(landing)

    district = build_district(scn, np.random.default_rng([seed, 1]))
    institutions = district.institutions[[c for c, _ in REF_TABLES["institutions"]]]
    write_ref(landing, "district", pd.DataFrame({"admdvs": [district.admdvs],
                                                 "district_name": [district.name]}))
    write_ref(landing, "institutions", institutions)
    write_ref(landing, "population", population_table(district, scn.years))

    ctx = Context(scn, district)
    writer = DeliveryWriter(landing, scn.start, scn.end, seed, scn.dirty_rate, dirty_path,
                            district.admdvs, background=background_writer)
    resident_group = district.townships["group_code"].to_numpy(object)[ctx.township]
    writer.fund_ledger = FundLedger(resident_group, scn.start, scn.end)
    contracts = family_doctors.build_contracts(ctx, np.random.default_rng([seed, 2]))
    family_doctors.deliver_contracts(writer, contracts)

    # One warm-up month before the window: stays and corrections that began before it are
    # still discharged and delivered inside it (rows dated before the window are not).
    months = [(scn.start.replace(day=1) - dt.timedelta(days=1)).replace(day=1), *scn.months()]
    show = (size == "city" or sys.stderr.isatty()) if progress is None else progress
    for index, month_start in enumerate(tqdm(months, desc=f"generate {size}", unit="month",
                                             disable=not show)):
        warm_up = index == 0
        first, last = _month_bounds(month_start, month_start if warm_up else scn.start, scn.end)
        year = first.year
        params = scn.params(year)
        rng = np.random.default_rng([seed, 3, year, first.month])
        outpatient.simulate(ctx, rng, params, first, last, writer, clinical)
        inpatient.simulate(ctx, rng, params, first, last, writer, clinical)
        if warm_up:
            writer.flush_month(first.year, first.month)
            continue
        family_doctors.services(ctx, rng, params, contracts, first, last, writer)
        public_health.followups(ctx, rng, params, first, last, index, writer)
        public_health.allocations(ctx, rng, params, first, last, writer)
        if public_health.survey_month(year, scn.start, scn.end) == month_start:
            public_health.literacy(ctx, rng, params, year, first, last, writer)
        writer.flush_month(first.year, first.month)
    writer.close()
    # Written last: the budget follows the spending the months above simulated.
    write_ref(landing, "fund_budget", budget_table(writer.fund_ledger, ctx.groups, scn.years,
                                                   np.random.default_rng([seed, 5])))

    summary = {
        "size": size, "seed": seed, "start": scn.start.isoformat(), "end": scn.end.isoformat(),
        "residents": scn.residents, "district_admdvs": district.admdvs,
        "dirty_rate": scn.dirty_rate,
        "rows": dict(sorted(writer.rows.items())), "total_rows": int(sum(writer.rows.values())),
        "files": writer.files, "megabytes": round(writer.bytes / 1e6, 2),
        "dirtied": dict(sorted(writer.dirty_state.counts.items())),
        "dirtied_rows": int(sum(writer.dirty_state.counts.values())),
        "settlements": writer.stats,
        "dirty_log": str(dirty_path),
        "seconds": round(time.perf_counter() - started, 1),
    }
    generated_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
                              encoding="utf-8")
    return summary
