"""The reform story over a small three-year district: baseline 2023, reform 2024-2025.

Rates are computed straight from the deliveries (a simplified METRICS.md), so this checks the
behaviour the dashboard will show, not the generator's internals."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import read_landing

from consortium_dw.contract import MED_TYPES_INPATIENT, MED_TYPES_OUTPATIENT

RESIDENTS = 3000


def yearly_story(landing) -> pd.DataFrame:
    rows = read_landing(landing)
    ref = pd.read_csv(landing / "ref" / "institutions.csv", dtype=str, keep_default_na=False)
    district = pd.read_csv(landing / "ref" / "district.csv", dtype=str)["admdvs"].iloc[0]
    pop = pd.read_csv(landing / "ref" / "population.csv")
    outside = set(ref.loc[ref["admdvs"] != district, "inst_code"])
    primary = set(ref.loc[ref["inst_type"].isin(["社区卫生服务中心", "社区卫生服务站", "乡镇卫生院",
                                                 "村卫生室", "门诊部/诊所"]), "inst_code"])
    s = rows["settlements"]
    money = ["medfee_sumamt", "psn_part_amt"]
    s[money] = s[money].astype(float)
    cancelled = set(s.loc[s["refd_setl_flag"] == "1", "init_setl_id"])
    valid = s[(s["refd_setl_flag"] == "0") & (s["vali_flag"] == "1")
              & ~s["setl_id"].isin(cancelled) & (s["insu_admdvs"] == district)]
    valid = valid.assign(year=valid["enddate"].str.slice(0, 4).astype(int),
                         away=valid["fixmedins_code"].isin(outside))
    inpatient = valid[valid["med_type"].isin(MED_TYPES_INPATIENT)]
    outpatient = valid[valid["med_type"].isin(MED_TYPES_OUTPATIENT)]
    care = valid[valid["med_type"].isin(MED_TYPES_INPATIENT + MED_TYPES_OUTPATIENT)]
    visits = rows["outpatient_visits"].assign(
        year=lambda f: f["visit_time"].str.slice(0, 4).astype(int))
    abstracts = rows["discharge_abstracts"].assign(
        year=lambda f: f["discharge_date"].str.slice(0, 4).astype(int))
    referrals = rows["referrals"].sort_values("updated_at").drop_duplicates("referral_id",
                                                                             keep="last")
    level = ref.set_index("inst_code")["inst_level"]
    down = referrals[(referrals["status"] == "已接收")
                     & referrals["from_inst_code"].map(level).eq("三级").fillna(False)
                     & referrals["to_inst_code"].isin(primary)]
    contracts = rows["fd_contracts"].sort_values("updated_at").drop_duplicates("contract_id",
                                                                              keep="last")
    survey = rows["literacy_survey"].astype({"score": int, "age": int,
                                             "survey_year": int})
    out = []
    for year in sorted(pop["year"].unique()):
        y_in = inpatient[inpatient["year"] == year].drop_duplicates("mdtrt_id")
        y_out = outpatient[outpatient["year"] == year].drop_duplicates("mdtrt_id")
        y_care = care[care["year"] == year]
        y_visits = visits[visits["year"] == year]
        y_abs = abstracts[abstracts["year"] == year]
        day = f"{year}-12-31"
        held = contracts[(contracts["start_date"] <= day) & (contracts["end_date"] >= day)
                         & (contracts["status"] != "解约")]
        y_survey = survey[(survey["survey_year"] == year) & survey["age"].between(15, 69)]
        population = pop.loc[pop["year"] == year, "population"].sum()
        out.append({
            "year": year,
            "outpatient_per_resident": (len(y_out) + (y_visits["mdtrt_id"] == "").sum())
            / population,
            "admissions_per_resident": len(y_in) / population,
            "alos": y_abs["los_days"].astype(int).mean(),
            "in_district_inpatient": 1 - y_in["away"].mean(),
            "oop_ratio": y_care["psn_part_amt"].sum() / y_care["medfee_sumamt"].sum(),
            "primary_visit_share": y_visits["inst_code"].isin(primary).mean(),
            "signing_rate": held["id_card_no"].nunique() / population,
            "literacy": (y_survey["score"] >= 80).mean(),
            "downward_per_lead_discharge": (down["referral_time"].str.slice(0, 4)
                                            == str(year)).sum()
            / y_abs["inst_code"].map(level).eq("三级").sum(),
            "serious_share_away": y_in.loc[y_in["away"], "dise_no"].str.match(
                r"^(C|I2|I63|S72)").mean(),
            "serious_share_home": y_in.loc[~y_in["away"], "dise_no"].str.match(
                r"^(C|I2|I63|S72)").mean(),
        })
    return pd.DataFrame(out).set_index("year")


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> pd.DataFrame:
    from consortium_dw.generator import generate
    landing = tmp_path_factory.mktemp("story") / "landing"
    generate("demo", 11, landing, residents=RESIDENTS, dirty_rate=0)
    return yearly_story(landing)


@pytest.mark.slow
def test_volumes_are_realistic(story):
    assert story["outpatient_per_resident"].between(5.8, 7.6).all(), story
    assert story["admissions_per_resident"].between(0.15, 0.24).all(), story
    assert story["alos"].between(7.5, 9.8).all(), story


@pytest.mark.slow
def test_reform_years_improve_on_the_baseline(story):
    base, last = story.loc[2023], story.loc[2025]
    assert 0.30 <= base["oop_ratio"] <= 0.37
    assert last["oop_ratio"] < 0.30
    assert last["in_district_inpatient"] > base["in_district_inpatient"] + 0.03
    assert last["primary_visit_share"] > base["primary_visit_share"] + 0.05
    assert last["signing_rate"] > base["signing_rate"] + 0.05
    assert last["literacy"] > base["literacy"]
    assert (story["downward_per_lead_discharge"].loc[2025]
            > story["downward_per_lead_discharge"].loc[2023] * 1.2)


@pytest.mark.slow
def test_outflow_is_concentrated_in_serious_diagnoses(story):
    assert (story["serious_share_away"] > story["serious_share_home"] + 0.15).all(), story
