"""Identity numbers, settlement invariants, reversals and cross-system consistency."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from consortium_dw.contract import id_check_char, is_valid_id
from consortium_dw.generator.identity import check_chars, wrong_check_char


def test_check_character_matches_the_standard_example():
    # The worked example of GB 11643-1999.
    assert id_check_char("11010519491231002") == "X"
    assert list(check_chars(np.array(["11010519491231002", "44052418800101001"], dtype=object))) \
        == ["X", "4"]
    assert not is_valid_id(wrong_check_char("11010519491231002X"))


def test_identity_numbers_are_valid_except_dirtied_rows(clean_rows, tiny_dirtied):
    for name, column in (("outpatient_visits", "id_card_no"), ("settlements", "certno"),
                         ("lab_results", "id_card_no"), ("fd_contracts", "id_card_no")):
        values = clean_rows[name][column]
        assert values.map(is_valid_id).all(), name
    assert (tiny_dirtied["reason"] == "bad_id_checksum").any()


def test_most_residents_carry_the_district_prefix(clean_rows, tiny_landing):
    district = pd.read_csv(tiny_landing / "ref" / "district.csv", dtype=str)["admdvs"].iloc[0]
    contracts = clean_rows["fd_contracts"]
    share = contracts["id_card_no"].str.startswith(district).mean()
    assert 0.85 < share < 0.98


def _cents(series: pd.Series) -> pd.Series:
    return series.map(lambda v: int(Decimal(v) * 100))


def test_settlement_invariants_hold_to_the_cent(clean_rows):
    s = clean_rows["settlements"]
    total, fund, part = (_cents(s[c]) for c in ("medfee_sumamt", "fund_pay_sumamt",
                                                "psn_part_amt"))
    acct, cash = _cents(s["acct_pay"]), _cents(s["psn_cash_pay"])
    assert (total == fund + part).all()
    assert (part == acct + cash).all()
    funds = sum(_cents(s[c]) for c in ("hifp_pay", "hifmi_pay", "hifob_pay", "cvlserv_pay",
                                       "maf_pay", "oth_pay"))
    assert (funds == fund).all()


def test_reversals_cancel_real_settlements_except_recorded_orphans(tiny_rows, tiny_summary):
    s = tiny_rows["settlements"]
    reversals = s[s["refd_setl_flag"] == "1"]
    originals = s[s["refd_setl_flag"] == "0"].drop_duplicates("setl_id").set_index("setl_id")
    known = reversals["init_setl_id"].isin(originals.index)
    orphans = reversals[~known]
    assert len(orphans) == tiny_summary["settlements"]["orphan_reversals"]
    share = len(reversals) / (s["refd_setl_flag"] == "0").sum()
    assert 0.008 < share < 0.03
    matched = reversals[known]
    for column in ("medfee_sumamt", "psn_part_amt", "fund_pay_sumamt"):
        assert (_cents(matched[column]).to_numpy()
                == -_cents(originals.loc[matched["init_setl_id"], column]).to_numpy()).all()
    later = pd.to_datetime(matched["setl_time"]).to_numpy() > pd.to_datetime(
        originals.loc[matched["init_setl_id"], "setl_time"]).to_numpy()
    assert later.all()
    assert tiny_summary["settlements"]["invalid_settlements"] == (s["vali_flag"] == "0").sum()


def test_his_and_emr_agree_with_insurance(clean_rows, tiny_institutions):
    visits, s = clean_rows["outpatient_visits"], clean_rows["settlements"]
    insured = visits[visits["mdtrt_id"] != ""]
    assert 0.85 < len(insured) / len(visits) < 0.97
    assert insured["mdtrt_id"].isin(s["mdtrt_id"]).mean() > 0.98
    diagnoses = clean_rows["outpatient_diagnoses"]
    assert diagnoses["visit_id"].isin(visits["visit_id"]).mean() > 0.98
    admissions = clean_rows["inpatient_admissions"]
    discharged = admissions[admissions["discharge_time"] != ""].set_index("admission_id")
    abstracts = clean_rows["discharge_abstracts"]
    both = abstracts[abstracts["admission_id"].isin(discharged.index)]
    assert len(both) / len(abstracts) > 0.97
    admit = pd.to_datetime(discharged.loc[both["admission_id"], "admit_time"]).dt.normalize()
    out = pd.to_datetime(discharged.loc[both["admission_id"], "discharge_time"]).dt.normalize()
    assert ((out - admit).dt.days.to_numpy() == both["los_days"].astype(int).to_numpy()).all()
    outside = set(tiny_institutions.loc[tiny_institutions["township_code"] == "", "inst_code"])
    assert not visits["inst_code"].isin(outside).any()
    assert not admissions["inst_code"].isin(outside).any()
    away = s[s["fixmedins_code"].isin(outside)]
    assert len(away) > 0
    ref = tiny_institutions.set_index("inst_code")["admdvs"]
    assert (away["fix_blng_admdvs"] == ref.loc[away["fixmedins_code"]].to_numpy()).all()
