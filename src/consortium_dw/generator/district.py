"""The district: townships, institutions (in and out of the district), residents and the
population table that matches them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from consortium_dw.generator import catalog, identity
from consortium_dw.generator.formatting import padded
from consortium_dw.generator.scenario import Scenario

URBAN_NAMES = ("城东街道", "城西街道", "城南街道", "城北街道", "新区街道", "滨河街道", "园区街道",
               "站前街道")
RURAL_NAMES = ("柳林镇", "石门镇", "黄河镇", "青山镇", "白塔镇", "红泉镇", "北湖镇", "杨家镇",
               "高台镇",
               "马场镇", "东湾镇", "西沟镇", "平安镇", "双井镇", "长胜镇", "新民镇")
LEADS = (("人民医院", "综合医院", "三级"), ("中医医院", "中医医院", "二级"),
         ("第二人民医院", "综合医院", "二级"))
OUT_OF_DISTRICT = (  # name, type, admdvs key, weight for inpatient outflow
    ("市第一人民医院", "综合医院", "city_admdvs", 5), ("市中医医院", "中医医院", "city_admdvs", 1),
    ("市中心医院", "综合医院", "city_admdvs", 3), ("省人民医院", "综合医院", "province_admdvs", 3),
    ("省肿瘤医院", "专科医院", "province_admdvs", 2), ("医科大学附属医院", "综合医院",
                                                   "province_admdvs", 2),
)
UNLISTED_REFERRAL_TARGETS = (("H11010500421", "京华大学第一医院"),
                             ("H61010300118", "西岭医学院附属医院"))


@dataclass
class District:
    admdvs: str
    name: str
    townships: pd.DataFrame      # township_code, name, urban, group_code, pop_weight
    institutions: pd.DataFrame   # ref columns + role, township index helpers
    residents: pd.DataFrame      # one row per resident
    non_residents: pd.DataFrame  # people insured elsewhere who use district institutions


def _inst(code, name, type_, level, admdvs, township, group, lead, role):
    return dict(inst_code=code, inst_name=name, inst_type=type_, inst_level=level, admdvs=admdvs,
                township_code=township, group_code=group, is_lead="1" if lead else "0", role=role)


def build_institutions(scn: Scenario, townships: pd.DataFrame) -> pd.DataFrame:
    d = scn.district
    adm, short = d["admdvs"], d["district_name"]
    rows, seq = [], iter(range(1, 100000))

    def code(prefix="H", admdvs=adm):
        return f"{prefix}{admdvs}{next(seq):05d}"

    groups = sorted(townships["group_code"].unique())
    first_township = townships.groupby("group_code")["township_code"].first()
    for i, group in enumerate(groups):
        suffix, type_, level = LEADS[i % len(LEADS)]
        rows.append(_inst(code(), short + suffix, type_, level, adm, first_township[group], group,
                          True, "lead"))
    rows.append(_inst(code(), short + "妇幼保健院", "妇幼保健院", "二级", adm,
                      townships["township_code"].iloc[0], groups[0], False, "mch"))
    rows.append(_inst(code(), short + "疾病预防控制中心", "专业公共卫生机构", "未定级", adm,
                      townships["township_code"].iloc[0], "", False, "cdc"))
    for t in townships.itertuples():
        if t.urban:
            rows.append(_inst(code(), t.name + "社区卫生服务中心", "社区卫生服务中心", "一级", adm,
                              t.township_code, t.group_code, False, "centre"))
            for k in range(2):
                rows.append(_inst(code(), f"{t.name}第{k + 1}社区卫生服务站", "社区卫生服务站",
                                  "未定级", adm, t.township_code, t.group_code, False, "outpost"))
        else:
            rows.append(_inst(code(), t.name + "卫生院", "乡镇卫生院", "一级", adm, t.township_code,
                              t.group_code, False, "centre"))
            for k in range(4):
                rows.append(_inst(code(), f"{t.name}{'东西南北'[k]}村卫生室", "村卫生室", "未定级",
                                  adm, t.township_code, t.group_code, False, "outpost"))
    for k, t in enumerate(townships.itertuples()):
        if k < 2:
            rows.append(_inst(code(), f"{t.name}康宁门诊部", "门诊部/诊所", "未定级", adm,
                              t.township_code, "", False, "clinic"))
    for k, t in enumerate(townships.itertuples()):
        if k < 2:  # 定点零售药店: 医保 codes start with P (med_type 41 settles here)
            rows.append(_inst(code("P"), f"{t.name}惠民大药房", "门诊部/诊所", "未定级", adm,
                              t.township_code, "", False, "pharmacy"))
    for name, type_, key, _ in OUT_OF_DISTRICT:
        other = d[key]
        prefix = "市" if key == "city_admdvs" else "省"
        rows.append(_inst(code(admdvs=other), name, type_, "三级", other, "", "", False,
                          "outside_city" if prefix == "市" else "outside_province"))
    frame = pd.DataFrame(rows)
    weights = {name: w for name, _, _, w in OUT_OF_DISTRICT}
    frame["outflow_weight"] = frame["inst_name"].map(weights).fillna(0.0)
    return frame


def build_townships(scn: Scenario, rng: np.random.Generator) -> pd.DataFrame:
    d = scn.district
    n, n_urban, n_groups = int(d["townships"]), int(d["urban_townships"]), int(d["groups"])
    if not 1 <= n_groups <= 3:
        raise ValueError("a district has 1 to 3 groups")
    urban = np.arange(n) < n_urban
    codes = [f"{d['admdvs']}{(i + 1 if u else 100 + i - n_urban + 1):03d}"
             for i, u in enumerate(urban)]
    names = [URBAN_NAMES[i % len(URBAN_NAMES)] if u
             else RURAL_NAMES[(i - n_urban) % len(RURAL_NAMES)] for i, u in enumerate(urban)]
    group_of = np.arange(n) % n_groups
    weight = np.where(urban, 1.8, 1.0) * rng.uniform(0.7, 1.3, n)
    return pd.DataFrame({"township_code": codes, "name": names, "urban": urban,
                         "group_code": [f"YGT{d['admdvs']}{g + 1:02d}" for g in group_of],
                         "pop_weight": weight / weight.sum()})


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    shares = np.array(catalog.AGE_GROUP_SHARES)
    group = rng.choice(len(shares), n, p=shares / shares.sum())
    age = group * 5 + rng.integers(0, 5, n)
    return np.minimum(age, 100)


def _birth_dates(rng, ages: np.ndarray, reference: dt.date) -> np.ndarray:
    ref = np.datetime64(reference, "D")
    offset = ages * 365.25 + rng.uniform(0, 365, len(ages))
    return (ref - offset.astype("int64").astype("timedelta64[D]")).astype("datetime64[D]")


def build_people(scn: Scenario, rng: np.random.Generator, n: int, townships: pd.DataFrame | None,
                 home_admdvs: np.ndarray, insu_admdvs: np.ndarray, first_id: int) -> pd.DataFrame:
    ages = _ages(rng, n)
    birth = _birth_dates(rng, ages, scn.start)
    sex = np.where(rng.random(n) < catalog.MALE_SHARE, "1", "2")
    people = pd.DataFrame({
        "person": np.arange(first_id, first_id + n),
        "sex": sex, "birth_date": birth, "age0": ages,
        "id_card_no": identity.identity_numbers(rng, home_admdvs, birth, sex),
        "name": identity.names(rng, n), "phone": identity.phones(rng, n),
        "insu_admdvs": insu_admdvs,
    })
    employee = (ages >= 18) & (rng.random(n) < scn.district["employee_insured_share"] / 0.8)
    people["insutype"] = np.where(employee, "310", "390")
    people["psn_no"] = (pd.Series(insu_admdvs, dtype=object).to_numpy(object) + "00"
                        + padded(people["person"].to_numpy(), 12))
    # Heterogeneous use of care: a gamma frailty with mean 1.
    people["propensity"] = rng.gamma(0.9, 1 / 0.9, n)
    if townships is not None:
        people["township"] = rng.choice(len(townships), n, p=townships["pop_weight"].to_numpy())
    return people


def _chronic(rng, ages: np.ndarray, scn: Scenario) -> tuple[np.ndarray, np.ndarray]:
    r = scn.rates
    # Age gradients shaped on the 2020 chronic-disease report, scaled to the adult prevalence.
    htn_by_age = np.select([ages < 18, ages < 45, ages < 60, ages < 70], [0.0, 0.10, 0.30, 0.48],
                           0.58)
    dm_by_age = np.select([ages < 18, ages < 45, ages < 60, ages < 70], [0.0, 0.05, 0.14, 0.20],
                          0.22)
    adults = ages >= 18
    htn_by_age *= r["hypertension_prevalence_18plus"] / htn_by_age[adults].mean()
    dm_by_age *= r["diabetes_prevalence_18plus"] / dm_by_age[adults].mean()
    return rng.random(len(ages)) < htn_by_age, rng.random(len(ages)) < dm_by_age


def build_district(scn: Scenario, rng: np.random.Generator) -> District:
    d = scn.district
    townships = build_townships(scn, rng)
    institutions = build_institutions(scn, townships)
    n = scn.residents
    home = np.where(rng.random(n) < d["born_elsewhere_share"],
                    np.array(catalog.OTHER_ADMDVS, dtype=object)[
                        rng.integers(0, len(catalog.OTHER_ADMDVS), n)], d["admdvs"]).astype(object)
    residents = build_people(scn, rng, n, townships, home, np.full(n, d["admdvs"], dtype=object), 0)
    htn, dm = _chronic(rng, residents["age0"].to_numpy(), scn)
    residents["htn"], residents["dm"] = htn, dm
    residents["chronic_managed"] = (htn | dm) & (rng.random(n) < scn.rates["chronic_managed_share"])
    residents["disabled"] = rng.random(n) < 0.02
    residents["poverty"] = rng.random(n) < 0.03
    residents["mental"] = rng.random(n) < 0.003
    # Each resident's usual village clinic or community station.
    residents["outpost_slot"] = rng.integers(0, 1_000_000, n)
    m = max(200, n // 20)
    other = np.array(catalog.OTHER_ADMDVS, dtype=object)[rng.integers(0, len(catalog.OTHER_ADMDVS),
                                                                       m)]
    non_residents = build_people(scn, rng, m, None, other, other, n)
    return District(d["admdvs"], d["district_name"], townships, institutions, residents,
                    non_residents)


def population_table(district: District, years: list[int]) -> pd.DataFrame:
    r = district.residents
    township_codes = district.townships["township_code"].to_numpy()
    frames = []
    for year in years:
        year_end = np.datetime64(dt.date(year, 12, 31), "D")
        birth = r["birth_date"].to_numpy().astype("datetime64[D]")
        age = completed_years(birth, year_end)
        frame = pd.DataFrame({"year": year, "township_code": township_codes[r["township"]],
                              "sex": r["sex"], "age": np.clip(age, 0, 100)})
        frames.append(frame.groupby(["year", "township_code", "sex", "age"]).size()
                      .rename("population").reset_index())
    return pd.concat(frames, ignore_index=True)


def completed_years(birth: np.ndarray, on) -> np.ndarray:
    """Completed years of age on a date (or an array of dates), vectorised."""
    b = pd.DatetimeIndex(np.asarray(birth).astype("datetime64[D]"))
    o = pd.DatetimeIndex(np.broadcast_to(np.asarray(on, dtype="datetime64[D]"), b.shape))
    years = o.year - b.year
    before_birthday = (o.month < b.month) | ((o.month == b.month) & (o.day < b.day))
    return np.asarray(years - before_birthday.astype(int))
