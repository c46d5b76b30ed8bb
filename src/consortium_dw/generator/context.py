"""Shared state of one generation run: the district as arrays, id counters, lookups."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from consortium_dw.generator.district import District
from consortium_dw.generator.formatting import padded
from consortium_dw.generator.scenario import Scenario


def ids(prefix: str, start: int, n: int, width: int = 10) -> np.ndarray:
    return padded(np.arange(start, start + n), width, prefix)


@dataclass
class Counters:
    values: dict = field(default_factory=dict)

    def take(self, name: str, n: int) -> int:
        start = self.values.get(name, 1)
        self.values[name] = start + n
        return start


class Context:
    def __init__(self, scn: Scenario, district: District):
        self.scn, self.district = scn, district
        self.counters = Counters()
        self.stats: dict[str, int] = {}
        inst = district.institutions.reset_index(drop=True)
        self.inst = inst
        self.inst_code = inst["inst_code"].to_numpy(object)
        self.inst_name = inst["inst_name"].to_numpy(object)
        self.inst_admdvs = inst["admdvs"].to_numpy(object)
        role = inst["role"].to_numpy(object)
        self.role = role
        level = inst["inst_level"].to_numpy(object)
        outside = np.isin(role, ["outside_city", "outside_province"])
        primary = np.isin(role, ["centre", "outpost", "clinic", "pharmacy"])
        # Money level class: 0 primary, 1 二级, 2 三级 in district, 3 out of district.
        self.level_class = np.where(outside, 3, np.where(primary, 0,
                                                         np.where(level == "三级", 2, 1)))
        self.is_outside = outside
        self.is_primary = primary
        self.leads = np.flatnonzero(role == "lead")
        self.mch = int(np.flatnonzero(role == "mch")[0])
        self.clinics = np.flatnonzero(role == "clinic")
        self.pharmacies = np.flatnonzero(role == "pharmacy")
        self.outside = np.flatnonzero(outside)
        w = inst["outflow_weight"].to_numpy(float)[self.outside]
        self.outside_weights = w / w.sum()
        townships = district.townships.reset_index(drop=True)
        code_to_t = {c: i for i, c in enumerate(townships["township_code"])}
        self.township_codes = townships["township_code"].to_numpy(object)
        groups = sorted(townships["group_code"].unique())
        lead_by_group = {inst.at[i, "group_code"]: i for i in self.leads}
        self.township_lead = np.array([lead_by_group[g] for g in townships["group_code"]])
        inst_t = inst["township_code"].map(code_to_t)
        self.township_centre = np.array([
            int(np.flatnonzero((inst_t == t).to_numpy() & (role == "centre"))[0])
            for t in range(len(townships))])
        outposts = [np.flatnonzero((inst_t == t).to_numpy() & (role == "outpost"))
                    for t in range(len(townships))]
        width = max(len(o) for o in outposts)
        self.township_outposts = np.array([np.resize(o, width) for o in outposts])
        self.groups = groups
        # Everyone who can appear: residents first, then people insured elsewhere.
        people = pd.concat([district.residents, district.non_residents], ignore_index=True)
        self.n_residents = len(district.residents)
        self.people = people
        self.sex = people["sex"].to_numpy(object)
        self.birth = people["birth_date"].to_numpy().astype("datetime64[D]")
        self.id_card = people["id_card_no"].to_numpy(object)
        self.name = people["name"].to_numpy(object)
        self.phone = people["phone"].to_numpy(object)
        self.insu_admdvs = people["insu_admdvs"].to_numpy(object)
        self.insutype = people["insutype"].to_numpy(object)
        self.psn_no = people["psn_no"].to_numpy(object)
        self.poverty = people["poverty"].fillna(False).to_numpy(bool)
        self.propensity = people["propensity"].to_numpy(float)
        res = district.residents
        self.township = res["township"].to_numpy(int)
        self.lead_of = self.township_lead[self.township]
        self.centre_of = self.township_centre[self.township]
        self.outpost_of = self.township_outposts[self.township,
                                                 res["outpost_slot"].to_numpy() % width]
        self.htn = res["htn"].to_numpy(bool)
        self.dm = res["dm"].to_numpy(bool)
        self.chronic = self.htn | self.dm

    def ages_on(self, people: np.ndarray, day: np.datetime64) -> np.ndarray:
        days = (np.datetime64(day, "D") - self.birth[people]).astype(np.int64)
        return (days / 365.2425).astype(np.int64)
