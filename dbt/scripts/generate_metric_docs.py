"""Write models/marts/metrics/_metrics.yml: each metric family model, with the Chinese and
English definition of every metric it builds, from seeds/metric_definitions.csv.

Run from the repository root: `.venv/bin/python dbt/scripts/generate_metric_docs.py`.
The output is committed; re-run it when the seed changes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

DBT_DIR = Path(__file__).resolve().parents[1]
SEED = DBT_DIR / "seeds" / "metric_definitions.csv"
OUT = DBT_DIR / "models" / "marts" / "metrics" / "_metrics.yml"

FAMILIES = {
    "metric_settlements": (
        "Insurance-based metrics, scope district. Settlements netted (reversals applied, "
        "orphans out), dated by their encounter; persons by distinct certno per period.",
        ["in_district_rate_inpatient", "in_district_rate_outpatient", "in_district_rate",
         "oop_ratio", "oop_ratio_inpatient", "oop_per_inpatient_encounter",
         "oop_per_outpatient_encounter", "ownpay_ratio", "outflow_rate", "outflow_persons",
         "outflow_encounters", "outflow_referred_share", "in_district_fund_share",
         "primary_fund_share", "reimbursement_ratio", "medical_cost_growth"]),
    "metric_family_doctor": (
        "Family-doctor metrics, scopes district and township (of the contract); contracts as "
        "of the period's last day.",
        ["fd_signing_rate", "fd_elderly_signing_rate", "fd_fulfilment_rate",
         "fd_contracted_primary_visit_share"]),
    "metric_literacy": (
        "Health literacy, scopes district and township, year periods (the survey dates by "
        "survey_year).",
        ["health_literacy_level", "health_literacy_level_unweighted"]),
    "metric_his": (
        "HIS metrics counted at an institution, scopes district, group and institution.",
        ["primary_visit_share", "downward_referrals", "downward_referral_growth",
         "upward_referrals", "outward_referrals", "slot_sinking_share", "bed_sinking_share"]),
    "metric_diagnostics": (
        "PACS and LIS metrics counted at the performing institution, scopes district, group "
        "and institution.",
        ["remote_read_share", "remote_reads_per_10k", "lab_recognition_rate",
         "imaging_recognition_rate"]),
    "metric_discharges": (
        "EMR metrics, scopes district, group and institution.",
        ["alos", "op_level34_share", "low_weight_case_share"]),
    "metric_chronic": (
        "Chronic-disease management, scope district.",
        ["htn_standard_mgmt_rate", "dm_standard_mgmt_rate", "htn_control_rate",
         "dm_control_rate"]),
}

COLUMNS = [
    ("metric_code", "A code of METRICS.md."),
    ("period_type", "month, quarter or year."),
    ("period_start", "First day of the period."),
    ("scope_type", "district, group, institution or township."),
    ("scope_code", "The district's first admdvs, a group_code, an inst_code or a township_code."),
    ("numerator", "Null for metrics that are not ratios."),
    ("denominator", "Null for metrics that are not ratios; for growth, the year-earlier value."),
    ("value", "The metric; null when the denominator is zero."),
]


def metric_lines(rows: dict[str, dict], codes: list[str]) -> str:
    lines = []
    for code in codes:
        row = rows[code]
        lines.append(f"- **`{code}`** {row['metric_name_zh']} / {row['metric_name_en']}\n"
                     f"  中文: {row['definition_zh']}\n  English: {row['definition_en']}")
    return "\n".join(lines)


def _literal_blocks(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def main() -> None:
    yaml.SafeDumper.add_representer(str, _literal_blocks)
    with SEED.open(encoding="utf-8") as handle:
        rows = {row["metric_code"]: row for row in csv.DictReader(handle)}
    covered = [code for _, codes in FAMILIES.values() for code in codes]
    missing = sorted(set(rows) - set(covered))
    if missing or len(covered) != len(set(covered)):
        raise SystemExit(f"metric families and the seed disagree: missing {missing}")
    models = []
    for name, (summary, codes) in FAMILIES.items():
        models.append({
            "name": name,
            "description": f"{summary}\n\n{metric_lines(rows, codes)}\n",
            "columns": [{"name": c, "description": d} for c, d in COLUMNS],
        })
    header = ("# Generated from seeds/metric_definitions.csv by "
              "dbt/scripts/generate_metric_docs.py.\n")
    body = yaml.safe_dump({"version": 2, "models": models}, allow_unicode=True,
                          sort_keys=False, width=1000)
    OUT.write_text(header + body, encoding="utf-8")


if __name__ == "__main__":
    main()
