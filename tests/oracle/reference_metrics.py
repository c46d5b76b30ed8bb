"""An independent reference implementation of every metric in METRICS.md, from the raw layer.

Written from `../shared/METRICS.md` and the "Decisions where METRICS.md leaves a choice" section
of `docs/metrics.md` only — never from the dbt models — so that a disagreement with
`marts.metric_values` points at a misreading on one side or the other.

Everything starts from `raw.*` (the pseudonymised extract tables and the reference data). The
only SQL is the latest-version filter; the metrics themselves are pandas, one function per
metric family. Money is summed in integer cents (exact, like the warehouse's DECIMAL sums) and
turned into yuan once per metric.

Entry point: `reference_metric_values(con)` -> DataFrame with the columns of `KEY_COLUMNS` +
`VALUE_COLUMNS` + `TABLE_COLUMNS`, one row per metric x period x scope. The names, targets and
units of `TABLE_COLUMNS` are transcribed here from METRICS.md's tables, not read from the
project's seed, so a wrong seed row shows too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

KEY_COLUMNS = ["metric_code", "period_type", "period_start", "scope_type", "scope_code"]
VALUE_COLUMNS = ["numerator", "denominator", "value"]
# The published table's other columns (METRICS.md "The published table").
TABLE_COLUMNS = ["metric_name_zh", "target", "target_op", "meets_target", "yoy_change"]
PERIOD_TYPES = ("month", "quarter", "year")

# METRICS.md, Common rules.
PRIMARY_TYPES = {"社区卫生服务中心", "社区卫生服务站", "乡镇卫生院", "村卫生室", "门诊部/诊所"}
INPATIENT_MED_TYPES = {"21", "22", "23", "24", "25", "52"}
OUTPATIENT_MED_TYPES = {"11", "12", "13", "14", "15", "16", "19", "51"}
ACCEPTED = "已接收"
TERMINATED = "解约"

# dbt/seeds/metric_thresholds.csv (the configurable thresholds; defaults of METRICS.md).
LOW_WEIGHT_DRG_CUTOFF = 0.5
REFERRAL_WINDOW_DAYS = 30
FULFILMENT_WINDOW_DAYS = 90
FULFILMENT_MIN_CONTRACT_DAYS = 90
LITERACY_SCORE_CUTOFF = 80
LITERACY_MIN_AGE, LITERACY_MAX_AGE = 15, 69
ELDERLY_AGE = 65
# METRICS.md health_literacy_level: age groups of a cell.
LITERACY_AGE_GROUPS = [(15, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 69)]

# The key and version column of each extract table (the brief's "versions rule"). HIS and EMR
# ids are their institution's own: each member runs its own systems.
TABLE_KEYS: dict[str, tuple[list[str], str | None]] = {
    "settlements": (["setl_id"], None),
    "outpatient_visits": (["visit_id", "inst_code"], None),
    "inpatient_admissions": (["admission_id", "inst_code"], "updated_at"),
    "referrals": (["referral_id"], "updated_at"),
    "lab_results": (["report_id", "item_seq"], None),
    "imaging_studies": (["accession_no"], None),
    "discharge_abstracts": (["abstract_id", "inst_code"], None),
    "fd_contracts": (["contract_id"], "updated_at"),
    "fd_services": (["service_id"], None),
    "chronic_followups": (["followup_id"], None),
    "literacy_survey": (["response_id"], None),
    "resource_allocations": (["date", "inst_code", "dept_code"], None),
}


# METRICS.md's tables: code -> (名称, unit, target). yoy_change is value − the year-earlier
# value: for "rate" (growth rates included) as it is, for counts and money (yuan, per 10k) as
# the relative change; "days" (alos) is neither, so the difference. A target is (operator,
# number, what it judges); "rises"/"falls" are no target (docs/metrics.md "Targets").
ON_VALUE, ON_YOY, ON_VALUE_AND_RISE = "value", "yoy_change", "value_and_rise"
CONTRACT: dict[str, tuple[str, str, tuple[str, float, str] | None]] = {
    "in_district_rate_inpatient": ("区内住院就诊率", "rate", (">=", 0.90, ON_VALUE)),
    "in_district_rate_outpatient": ("区内门急诊就诊率", "rate", None),
    "in_district_rate": ("区内就诊率", "rate", None),
    "health_literacy_level": ("居民健康素养水平", "rate", (">=", 0.25, ON_VALUE_AND_RISE)),
    "health_literacy_level_unweighted": ("健康素养水平(未加权)", "rate", None),
    "fd_signing_rate": ("家庭医生签约率", "rate", (">=", 0.01, ON_YOY)),
    "fd_elderly_signing_rate": ("65岁以上老年人签约率", "rate", (">=", 0.75, ON_VALUE)),
    "fd_fulfilment_rate": ("家庭医生履约率", "rate", (">=", 0.90, ON_VALUE)),
    "fd_contracted_primary_visit_share": ("签约居民基层就诊率", "rate", (">=", 0.70, ON_VALUE)),
    "oop_ratio": ("个人自付比例", "rate", ("<", 0.30, ON_VALUE)),
    "oop_ratio_inpatient": ("住院个人自付比例", "rate", ("<", 0.30, ON_VALUE)),
    "oop_per_inpatient_encounter": ("次均住院自付费用", "yuan", None),
    "oop_per_outpatient_encounter": ("次均门急诊自付费用", "yuan", None),
    "ownpay_ratio": ("自费比例", "rate", None),
    "outflow_rate": ("患者外转率(人数)", "rate", None),
    "outflow_persons": ("外转人数", "count", None),
    "outflow_encounters": ("外转人次", "count", None),
    "outflow_referred_share": ("外转中规范转诊占比", "rate", None),
    "primary_visit_share": ("基层就诊率", "rate", (">=", 0.70, ON_VALUE)),
    "downward_referrals": ("下转人次", "count", None),
    "downward_referral_growth": ("下转人次年增长率", "rate", (">=", 0.10, ON_VALUE)),
    "upward_referrals": ("上转人次", "count", None),
    "outward_referrals": ("外转转诊人次", "count", None),
    "slot_sinking_share": ("号源下沉比例", "rate", (">=", 1 / 3, ON_VALUE)),
    "bed_sinking_share": ("床位下沉比例", "rate", (">=", 1 / 4, ON_VALUE)),
    "remote_read_share": ("基层检查上级诊断率", "rate", None),
    "remote_reads_per_10k": ("每万人远程诊断量", "per_10k", None),
    "lab_recognition_rate": ("检验结果互认率", "rate", None),
    "imaging_recognition_rate": ("影像结果互认率", "rate", None),
    "alos": ("平均住院日", "days", None),
    "op_level34_share": ("三四级手术占比", "rate", None),
    "low_weight_case_share": ("低权重病例占比", "rate", None),
    "in_district_fund_share": ("区内基金支出比例", "rate", None),
    "primary_fund_share": ("基层医保基金占比", "rate", None),
    "reimbursement_ratio": ("实际报销比例", "rate", None),
    "medical_cost_growth": ("医疗费用增长率", "rate", ("<=", 0.10, ON_VALUE)),
    "htn_standard_mgmt_rate": ("高血压规范管理率", "rate", (">=", 0.70, ON_VALUE)),
    "dm_standard_mgmt_rate": ("糖尿病规范管理率", "rate", (">=", 0.70, ON_VALUE)),
    "htn_control_rate": ("血压控制率", "rate", None),
    "dm_control_rate": ("血糖控制率", "rate", None),
}
# A difference of doubles misses an exact boundary by ~1e-17 (0.35 - 0.34 < 0.01): targets are
# judged on the value and the target rounded to 12 decimals (docs/metrics.md "Targets"), so
# 30 / 90 meets "≥ 1/3".
JUDGED_DECIMALS = 12


# --------------------------------------------------------------------------------------------
# Reading the raw layer
# --------------------------------------------------------------------------------------------


def _version_order(version_column: str | None) -> str:
    """Latest version first: later delivery, then the version column, then load, then line."""
    parts = ["_delivery_date desc nulls last"]
    if version_column:
        parts.append(f"{version_column} desc nulls last")
    parts += ["_loaded_at desc nulls last", "_source_line desc nulls last"]
    return ", ".join(parts)


def latest_versions(con, table: str) -> pd.DataFrame:
    """The table's rows, one per key: the latest version (METRICS.md "Versions")."""
    keys, version_column = TABLE_KEYS[table]
    return con.execute(
        f"""
        select * from raw.{table}
        qualify row_number() over (
            partition by {", ".join(keys)} order by {_version_order(version_column)}) = 1
        """
    ).df()


def _cents(series: pd.Series) -> pd.Series:
    """Money in integer cents, so sums are exact and independent of row order."""
    return (series.astype(float) * 100).round().fillna(0).astype("int64")


def _to_date(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.normalize()


class Reference:
    """Reference data: the district's division codes, institutions and population."""

    def __init__(self, con):
        district = con.execute("select admdvs from raw.ref_district order by _source_line").df()
        self.district_codes = set(district["admdvs"].dropna())
        # METRICS.md "The published table": scope_code of the district = first admdvs.
        self.district_code = district["admdvs"].iloc[0]
        inst = con.execute(
            "select inst_code, inst_type, inst_level, admdvs, township_code, group_code, is_lead"
            " from raw.ref_institutions"
        ).df()
        inst = inst.drop_duplicates("inst_code", keep="last").set_index("inst_code")
        inst["group_code"] = inst["group_code"].replace("", np.nan)
        inst["in_district"] = inst["admdvs"].isin(self.district_codes)
        inst["is_primary"] = inst["inst_type"].isin(PRIMARY_TYPES)
        inst["is_lead"] = inst["is_lead"].fillna(0).astype(int) == 1
        # Referral direction: primary counts as lowest whatever its inst_level.
        rank = inst["inst_level"].map({"三级": 3, "二级": 2, "一级": 1, "未定级": 1}).fillna(1)
        inst["rank"] = np.where(inst["is_primary"], 1, rank)
        self.inst = inst
        self.population = con.execute(
            "select year, township_code, sex, age, population from raw.ref_population"
        ).df()

    # Institution attributes for a column of inst codes (unknown codes: out of district, no
    # group, not primary, not lead).
    def attr(self, codes: pd.Series, column: str, default=None) -> pd.Series:
        out = codes.map(self.inst[column])
        return out if default is None else out.fillna(default).astype(type(default))

    def population_of(self, year: int, township: str | None = None, min_age: int = 0) -> float:
        pop = self.population
        rows = pop[pop["year"] == year]
        if township is not None:
            rows = rows[rows["township_code"] == township]
        # A year (or township) without population rows has no denominator; one with rows but
        # nobody of the age has a denominator of 0 (and so a null rate).
        if not len(rows):
            return np.nan
        return float(rows.loc[rows["age"] >= min_age, "population"].sum())


# --------------------------------------------------------------------------------------------
# Periods, scopes and rows
# --------------------------------------------------------------------------------------------


def period_start(dates: pd.Series, period_type: str) -> pd.Series:
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[period_type]
    return pd.to_datetime(dates).dt.to_period(freq).dt.start_time


def period_end(start: pd.Timestamp, period_type: str) -> pd.Timestamp:
    months = {"month": 1, "quarter": 3, "year": 12}[period_type]
    return start + pd.DateOffset(months=months) - pd.Timedelta(days=1)


def ratio(numerator, denominator) -> float:
    """A rate with a zero (or missing) denominator is null, never 0."""
    if denominator is None or pd.isna(denominator) or denominator == 0:
        return np.nan
    return float(numerator) / float(denominator)


def ratio_row(numerator, denominator, scale: float = 1.0) -> tuple[float, float, float]:
    return float(numerator), float(denominator), ratio(numerator, denominator) * scale


def count_row(count) -> tuple[float, float, float]:
    """Counts publish no numerator or denominator."""
    return np.nan, np.nan, float(count)


Computer = Callable[[pd.DataFrame], dict[str, tuple[float, float, float]]]


def rollup(
    ref: Reference,
    facts: pd.DataFrame,
    date_column: str,
    scopes: dict[str, str | None],
    compute: Computer,
    period_types: Iterable[str] = PERIOD_TYPES,
) -> list[dict]:
    """Apply `compute` to the facts of every period x scope that has facts.

    `facts` are the rows the metrics are over (METRICS.md: "Rows exist only where the period has
    source rows"; a ratio's denominator rows, a count's counted rows); `scopes` maps a scope
    type to the facts' column holding its code (None = district).
    `compute(group)` returns {metric_code: (numerator, denominator, value)}.
    """
    rows: list[dict] = []
    if facts.empty:
        return rows
    for period_type in period_types:
        framed = facts.assign(_period=period_start(facts[date_column], period_type))
        for scope_type, column in scopes.items():
            if column is None:
                framed = framed.assign(_scope=ref.district_code)
                key = "_scope"
            else:
                key = column
            for (start, scope_code), group in framed[framed[key].notna()].groupby(
                ["_period", key], sort=True
            ):
                rows += metric_rows(compute(group), period_type, start, scope_type, scope_code)
    return rows


def metric_rows(values: dict, period_type, start, scope_type, scope_code) -> list[dict]:
    """{metric_code: (numerator, denominator, value)} of one period x scope, as table rows."""
    return [
        dict(
            metric_code=code,
            period_type=period_type,
            period_start=start,
            scope_type=scope_type,
            scope_code=scope_code,
            numerator=num,
            denominator=den,
            value=val,
        )
        for code, (num, den, val) in values.items()
    ]


def year_earlier_growth(rows: pd.DataFrame, base_code: str, growth_code: str) -> pd.DataFrame:
    """Growth = this period's base value ÷ the same period a year earlier − 1.

    Numerator = the current value, denominator = the year-earlier value (docs/metrics.md
    "Growth and year-over-year"); null when the earlier period has no row or a zero.
    """
    base = rows[rows["metric_code"] == base_code]
    earlier = base.assign(period_start=base["period_start"] + pd.DateOffset(years=1))
    merged = base.merge(
        earlier[["period_type", "period_start", "scope_type", "scope_code", "value"]],
        on=["period_type", "period_start", "scope_type", "scope_code"],
        how="left",
        suffixes=("", "_earlier"),
    )
    return pd.DataFrame(
        dict(
            metric_code=growth_code,
            period_type=merged["period_type"],
            period_start=merged["period_start"],
            scope_type=merged["scope_type"],
            scope_code=merged["scope_code"],
            numerator=merged["value"],
            denominator=merged["value_earlier"],
            value=[
                ratio(n, d) - 1
                for n, d in zip(merged["value"], merged["value_earlier"], strict=True)
            ],
        )
    )


INSTITUTION_SCOPES = {"district": None, "group": "group_code", "institution": "inst_code"}


def share_by_institution(ref: Reference, code: str, facts: pd.DataFrame, date_column: str,
                         flag: str) -> list[dict]:
    """`code` = the share of `facts` (the rows it is over) whose `flag` is set, per period
    at the district, group and institution scopes."""
    return rollup(ref, facts, date_column, INSTITUTION_SCOPES,
                  lambda g: {code: ratio_row(g[flag].sum(), len(g))})


def _with_institution(ref: Reference, facts: pd.DataFrame, inst_column: str) -> pd.DataFrame:
    """Attach the institution attributes the scopes and the filters need."""
    codes = facts[inst_column]
    return facts.assign(
        inst_code=codes,
        group_code=ref.attr(codes, "group_code"),
        in_district=ref.attr(codes, "in_district", False),
        is_primary=ref.attr(codes, "is_primary", False),
        is_lead=ref.attr(codes, "is_lead", False),
    )


# --------------------------------------------------------------------------------------------
# Settlements: netting, encounters, dating
# --------------------------------------------------------------------------------------------


def netted_settlements(con, ref: Reference) -> pd.DataFrame:
    """Latest settlements with a netting role (docs/metrics.md "Netting").

    role: valid | cancelled | reversal (these three count in money; only `valid` makes
    encounters) and invalid | extra_reversal | orphan_reversal (counted nowhere).
    """
    s = latest_versions(con, "settlements")
    s["enddate"] = _to_date(s["enddate"])
    s["begndate"] = _to_date(s["begndate"])
    s["is_reversal"] = s["refd_setl_flag"].fillna(0).astype(int) == 1
    s["is_valid_flag"] = s["vali_flag"].fillna(0).astype(int) == 1
    role = pd.Series("valid", index=s.index)
    role[~s["is_valid_flag"]] = "invalid"

    by_id = s.set_index("setl_id")
    reversals = s[s["is_reversal"] & s["is_valid_flag"]].copy()
    # Only an original (not another reversal) can be cancelled: a reversal naming a reversal
    # has no original and is an orphan.
    originals = s.loc[~s["is_reversal"], "setl_id"]
    known = reversals["init_setl_id"].isin(originals)
    role[reversals.index[~known]] = "orphan_reversal"
    reversals = reversals[known]
    original_valid = reversals["init_setl_id"].map(by_id["is_valid_flag"])
    role[reversals.index[~original_valid]] = "invalid"  # would subtract money never added
    reversals = reversals[original_valid].sort_values(["setl_time", "setl_id"])
    first = ~reversals.duplicated("init_setl_id", keep="first")
    role[reversals.index[first]] = "reversal"
    role[reversals.index[~first]] = "extra_reversal"
    cancelled_ids = set(reversals.loc[first, "init_setl_id"])
    role[s["setl_id"].isin(cancelled_ids) & ~s["is_reversal"]] = "cancelled"
    s["role"] = role

    # A reversal belongs to its original's mdtrt_id (it is dated with that encounter).
    s["encounter_mdtrt_id"] = np.where(
        s["role"] == "reversal", s["init_setl_id"].map(by_id["mdtrt_id"]), s["mdtrt_id"]
    )
    s["in_money"] = s["role"].isin(["valid", "cancelled", "reversal"])
    s["district_resident"] = s["insu_admdvs"].isin(ref.district_codes)
    s["in_district"] = settlement_in_district(ref, s)
    s["is_primary"] = ref.attr(s["fixmedins_code"], "is_primary", False)
    for column in [
        "medfee_sumamt",
        "psn_part_amt",
        "fund_pay_sumamt",
        "fulamt_ownpay_amt",
        "overlmt_selfpay",
    ]:
        s[column + "_c"] = _cents(s[column])
    s["med_class"] = np.select(
        [s["med_type"].isin(INPATIENT_MED_TYPES), s["med_type"].isin(OUTPATIENT_MED_TYPES)],
        ["inpatient", "outpatient"],
        default="other",
    )
    return s


def settlement_in_district(ref: Reference, s: pd.DataFrame) -> pd.Series:
    """fix_blng_admdvs when filled, else the institution's reference row (unknown: out)."""
    filled = s["fix_blng_admdvs"].notna() & (s["fix_blng_admdvs"] != "")
    return pd.Series(
        np.where(
            filled,
            s["fix_blng_admdvs"].isin(ref.district_codes),
            ref.attr(s["fixmedins_code"], "in_district", False),
        ),
        index=s.index,
    )


def encounters(s: pd.DataFrame) -> pd.DataFrame:
    """One row per mdtrt_id with a valid settlement and an encounter class.

    Class inpatient if any valid settlement is inpatient, else outpatient if any is outpatient;
    date = latest enddate, admission = earliest begndate; person and flags from the latest valid
    settlement (latest enddate, then setl_time, then setl_id).
    """
    valid = s[(s["role"] == "valid") & s["mdtrt_id"].notna()]
    grouped = valid.groupby("mdtrt_id")
    classes = grouped["med_class"].agg(set)
    enc = pd.DataFrame(
        {
            "encounter_class": classes.map(
                lambda c: (
                    "inpatient"
                    if "inpatient" in c
                    else ("outpatient" if "outpatient" in c else None)
                )
            ),
            "encounter_date": grouped["enddate"].max(),
            "admission_date": grouped["begndate"].min(),
        }
    )
    latest = (
        valid.sort_values(["enddate", "setl_time", "setl_id"])
        .groupby("mdtrt_id")
        .tail(1)
        .set_index("mdtrt_id")
    )
    enc = enc.join(
        latest[
            [
                "certno",
                "insu_admdvs",
                "fixmedins_code",
                "district_resident",
                "in_district",
                "is_primary",
            ]
        ]
    )
    return enc[enc["encounter_class"].notna()].reset_index()


def dated_money(s: pd.DataFrame, enc: pd.DataFrame) -> pd.DataFrame:
    """Settlements that count in money, each dated by its encounter (else its own enddate)."""
    money = s[s["in_money"]].copy()
    enc_date = money["encounter_mdtrt_id"].map(enc.set_index("mdtrt_id")["encounter_date"])
    money["money_date"] = enc_date.fillna(money["enddate"])
    return money


# --------------------------------------------------------------------------------------------
# Family: settlements (district scope only)
# --------------------------------------------------------------------------------------------


def yuan(cents: pd.Series) -> float:
    """Exact sum of cents, turned into yuan once per metric."""
    return int(cents.sum()) / 100


def settlement_metrics(con, ref: Reference) -> list[dict]:
    s = netted_settlements(con, ref)
    enc = encounters(s)
    money = dated_money(s, enc)
    # Universe: district residents' settlements that count in money; the encounters and the
    # referrals are joined to its periods.
    universe = money[money["district_resident"]].assign(kind="money")
    resident_enc = enc[enc["district_resident"]].copy()
    resident_enc["referred"] = referred_outflow(con, ref, resident_enc)

    facts = pd.concat(
        [
            universe.rename(columns={"money_date": "date"}),
            resident_enc.rename(columns={"encounter_date": "date"}).assign(kind="encounter"),
        ],
        ignore_index=True,
    )
    money_periods = {p: set(period_start(universe["money_date"], p)) for p in PERIOD_TYPES}

    def compute(g: pd.DataFrame) -> dict:
        m = g[g["kind"] == "money"]
        e = g[g["kind"] == "encounter"]
        op_ip = m[m["med_class"].isin(["inpatient", "outpatient"])]
        ip_money = m[m["med_class"] == "inpatient"]
        op_money = m[m["med_class"] == "outpatient"]
        ip = e[e["encounter_class"] == "inpatient"]
        op = e[e["encounter_class"] == "outpatient"]
        outflow = ip[~ip["in_district"].astype(bool)]
        in_district_money = m[m["in_district"].astype(bool)]
        # The rows each metric is over (a ratio's denominator rows, a count's counted rows):
        # a metric whose rows are absent from the period has no row there.
        over = {
            "in_district_rate_inpatient": ip, "in_district_rate_outpatient": op,
            "in_district_rate": e, "oop_ratio": op_ip, "oop_ratio_inpatient": ip_money,
            "oop_per_inpatient_encounter": ip, "oop_per_outpatient_encounter": op,
            "ownpay_ratio": op_ip, "outflow_rate": ip, "outflow_persons": outflow,
            "outflow_encounters": outflow, "outflow_referred_share": outflow,
            "in_district_fund_share": m, "primary_fund_share": in_district_money,
            "reimbursement_ratio": op_ip, "_medical_cost": m,
        }
        values = {
            "in_district_rate_inpatient": ratio_row(ip["in_district"].sum(), len(ip)),
            "in_district_rate_outpatient": ratio_row(op["in_district"].sum(), len(op)),
            "in_district_rate": ratio_row(e["in_district"].sum(), len(e)),
            "oop_ratio": ratio_row(yuan(op_ip["psn_part_amt_c"]), yuan(op_ip["medfee_sumamt_c"])),
            "oop_ratio_inpatient": ratio_row(
                yuan(ip_money["psn_part_amt_c"]), yuan(ip_money["medfee_sumamt_c"])
            ),
            "oop_per_inpatient_encounter": ratio_row(yuan(ip_money["psn_part_amt_c"]), len(ip)),
            "oop_per_outpatient_encounter": ratio_row(yuan(op_money["psn_part_amt_c"]), len(op)),
            "ownpay_ratio": ratio_row(
                yuan(op_ip["fulamt_ownpay_amt_c"] + op_ip["overlmt_selfpay_c"]),
                yuan(op_ip["medfee_sumamt_c"]),
            ),
            "outflow_rate": ratio_row(outflow["certno"].nunique(), ip["certno"].nunique()),
            "outflow_persons": count_row(outflow["certno"].nunique()),
            "outflow_encounters": count_row(len(outflow)),
            "outflow_referred_share": ratio_row(outflow["referred"].sum(), len(outflow)),
            "in_district_fund_share": ratio_row(
                yuan(in_district_money["fund_pay_sumamt_c"]), yuan(m["fund_pay_sumamt_c"])
            ),
            "primary_fund_share": ratio_row(
                yuan(in_district_money.loc[in_district_money["is_primary"], "fund_pay_sumamt_c"]),
                yuan(in_district_money["fund_pay_sumamt_c"]),
            ),
            "reimbursement_ratio": ratio_row(
                yuan(op_ip["fund_pay_sumamt_c"]), yuan(op_ip["medfee_sumamt_c"])
            ),
            "_medical_cost": count_row(yuan(m["medfee_sumamt_c"])),
        }
        return {code: value for code, value in values.items() if len(over[code])}

    rows = pd.DataFrame(rollup(ref, facts, "date", {"district": None}, compute))
    # Only the money universe's periods have rows (an encounter is always in one anyway).
    rows = rows[
        [
            ps in money_periods[pt]
            for pt, ps in zip(rows["period_type"], rows["period_start"], strict=True)
        ]
    ]
    growth = year_earlier_growth(rows, "_medical_cost", "medical_cost_growth")
    rows = rows[rows["metric_code"] != "_medical_cost"]
    return rows.to_dict("records") + growth.to_dict("records")


def referred_outflow(con, ref: Reference, enc: pd.DataFrame) -> pd.Series:
    """Is an encounter preceded by an accepted out-of-district referral of the same person?

    Referral date (referral_time's date) in [admission − 30 days, admission], inclusive.
    """
    r = latest_versions(con, "referrals")
    r = r[(r["status"] == ACCEPTED) & ~ref.attr(r["to_inst_code"], "in_district", False)]
    r = r.assign(referral_date=_to_date(r["referral_time"]))
    dates_by_person = r.groupby("id_card_no")["referral_date"].agg(list).to_dict()
    window = pd.Timedelta(days=REFERRAL_WINDOW_DAYS)

    def referred(person, admission) -> bool:
        return any(admission - window <= d <= admission for d in dates_by_person.get(person, []))

    return pd.Series(
        [referred(p, a) for p, a in zip(enc["certno"], enc["admission_date"], strict=True)],
        index=enc.index,
    )


# --------------------------------------------------------------------------------------------
# Family: family doctors (district and township)
# --------------------------------------------------------------------------------------------


def contracts_with_termination(con) -> pd.DataFrame:
    """Latest contract versions, with the first 解约 version's updated_at and delivery dates."""
    all_versions = con.execute(
        "select contract_id, status, updated_at, _delivery_date from raw.fd_contracts"
    ).df()
    # The earliest updated_at among the 解约 versions, whatever order they were delivered in.
    terminated = (
        all_versions[all_versions["status"] == TERMINATED]
        .groupby("contract_id")["updated_at"]
        .min()
    )
    c = latest_versions(con, "fd_contracts")
    c["start_date"] = _to_date(c["start_date"])
    c["end_date"] = _to_date(c["end_date"])
    c["birth_date"] = _to_date(c["birth_date"])
    # Held up to the day before the first 解约 version's updated_at; a later 有效 never revives.
    c["held_before"] = _to_date(c["contract_id"].map(terminated))
    c["first_delivery"] = c["contract_id"].map(
        all_versions.groupby("contract_id")["_delivery_date"].min()
    )
    c["latest_delivery"] = c["_delivery_date"]
    return c


def held_on(c: pd.DataFrame, d: pd.Timestamp) -> pd.Series:
    return (
        (c["start_date"] <= d)
        & (d <= c["end_date"])
        & (c["held_before"].isna() | (d < c["held_before"]))
    )


def age_on(birth: pd.Series, d: pd.Timestamp) -> pd.Series:
    """Completed years (the birthday counts)."""
    before_birthday = (birth.dt.month > d.month) | (
        (birth.dt.month == d.month) & (birth.dt.day > d.day)
    )
    return d.year - birth.dt.year - before_birthday.astype(int)


def family_doctor_metrics(con, ref: Reference) -> list[dict]:
    c = contracts_with_termination(con)
    services = latest_versions(con, "fd_services")
    services["service_date"] = _to_date(services["service_date"])
    rows: list[dict] = []

    # Snapshot metrics: the periods of every month from the first contract delivery (a
    # contract's first version) to the last (its latest version); each is evaluated on the
    # period's last day d.
    delivered = pd.to_datetime(pd.concat([c["first_delivery"], c["latest_delivery"]]).dropna())
    if not delivered.empty:
        delivered = pd.Series(pd.date_range(delivered.min().to_period("M").to_timestamp(),
                                            delivered.max(), freq="MS"))
    for period_type in PERIOD_TYPES:
        for start in sorted(set(period_start(delivered, period_type))):
            d = period_end(start, period_type)
            rows += _fd_snapshot(ref, c, services, period_type, start, d)

    rows += _fd_contracted_primary_visit_share(con, ref, c)
    return rows


def _fd_snapshot(ref, c, services, period_type, start, d) -> list[dict]:
    held = c[held_on(c, d)].copy()
    held["age"] = age_on(held["birth_date"], d)
    window_start = d - pd.Timedelta(days=FULFILMENT_WINDOW_DAYS - 1)
    served = set(
        services.loc[
            (services["service_date"] >= window_start) & (services["service_date"] <= d),
            "contract_id",
        ]
    )
    mature = held[held["start_date"] <= d - pd.Timedelta(days=FULFILMENT_MIN_CONTRACT_DAYS)]

    def one_scope(h, m, township):
        elderly = h[h["age"] >= ELDERLY_AGE]
        return {
            "fd_signing_rate": ratio_row(
                h["id_card_no"].nunique(), ref.population_of(d.year, township)
            ),
            "fd_elderly_signing_rate": ratio_row(
                elderly["id_card_no"].nunique(), ref.population_of(d.year, township, ELDERLY_AGE)
            ),
            "fd_fulfilment_rate": ratio_row(m["contract_id"].isin(served).sum(), len(m)),
        }

    scopes = [("district", ref.district_code, held, mature, None)]
    # A township has a row when it holds a contract on d.
    for township in sorted(held["township_code"].dropna().unique()):
        scopes.append(
            (
                "township",
                township,
                held[held["township_code"] == township],
                mature[mature["township_code"] == township],
                township,
            )
        )
    rows = []
    for scope_type, scope_code, h, m, township in scopes:
        rows += metric_rows(one_scope(h, m, township), period_type, start, scope_type, scope_code)
    return rows


def _fd_contracted_primary_visit_share(con, ref: Reference, c: pd.DataFrame) -> list[dict]:
    """Outpatient encounters of anyone holding a contract on the encounter date.

    Primary = the encounter institution's type, wherever it is; an encounter counts in every
    township of a contract held on its date, and once in the district.
    """
    enc = encounters(netted_settlements(con, ref))
    op = enc[enc["encounter_class"] == "outpatient"]
    pairs = op.merge(c, left_on="certno", right_on="id_card_no", how="inner")
    held = (
        (pairs["start_date"] <= pairs["encounter_date"])
        & (pairs["encounter_date"] <= pairs["end_date"])
        & (pairs["held_before"].isna() | (pairs["encounter_date"] < pairs["held_before"]))
    )
    facts = pairs[held].drop_duplicates(["mdtrt_id", "township_code"])
    facts = facts.assign(primary=ref.attr(facts["fixmedins_code"], "is_primary", False))

    def compute(g):
        visits = g.drop_duplicates("mdtrt_id")
        return {
            "fd_contracted_primary_visit_share": ratio_row(visits["primary"].sum(), len(visits)),
        }

    return rollup(
        ref, facts, "encounter_date", {"district": None, "township": "township_code"}, compute
    )


# --------------------------------------------------------------------------------------------
# Family: literacy (district and township, year only)
# --------------------------------------------------------------------------------------------


def age_group(age: pd.Series) -> pd.Series:
    out = pd.Series(np.nan, index=age.index, dtype=object)
    for low, high in LITERACY_AGE_GROUPS:
        out[(age >= low) & (age <= high)] = f"{low}-{high}"
    return out


def literacy_metrics(con, ref: Reference) -> list[dict]:
    survey = latest_versions(con, "literacy_survey")
    survey["literate"] = survey["score"] >= LITERACY_SCORE_CUTOFF
    survey["in_age"] = survey["age"].between(LITERACY_MIN_AGE, LITERACY_MAX_AGE)
    survey["age_group"] = age_group(survey["age"])
    survey["date"] = pd.to_datetime(survey["survey_year"].astype(int).astype(str) + "-01-01")

    pop = ref.population.assign(age_group=age_group(ref.population["age"]))
    cell_population = (
        pop.dropna(subset=["age_group"])
        .groupby(["year", "township_code", "sex", "age_group"])["population"]
        .sum()
    )

    def compute(g):
        respondents = g
        cells = respondents.groupby(["survey_year", "township_code", "sex", "age_group"]).agg(
            n=("literate", "size"), literate=("literate", "sum")
        )
        # A cell whose township x sex x age group has no population row gets weight 0.
        cells["population"] = [float(cell_population.get(key, 0)) for key in cells.index]
        numerator = float((cells["population"] * cells["literate"] / cells["n"]).sum())
        denominator = float(cells["population"].sum())
        return {
            "health_literacy_level": ratio_row(numerator, denominator),
            "health_literacy_level_unweighted": ratio_row(
                respondents["literate"].sum(), len(respondents)
            ),
        }

    # A township has a row when it has respondents aged 15–69 (the metrics' respondents).
    return rollup(
        ref,
        survey[survey["in_age"]],
        "date",
        {"district": None, "township": "township_code"},
        compute,
        period_types=["year"],
    )


# --------------------------------------------------------------------------------------------
# Family: HIS (visits, referrals, resources) — district, group, institution
# --------------------------------------------------------------------------------------------


def his_metrics(con, ref: Reference) -> list[dict]:
    rows: list[dict] = []

    # primary_visit_share: HIS visits (正常) at in-district institutions.
    visits = _with_institution(ref, latest_versions(con, "outpatient_visits"), "inst_code")
    visits = visits[visits["in_district"] & (visits["status"] == "正常")]

    def visit_share(g):
        return {"primary_visit_share": ratio_row(g["is_primary"].sum(), len(g))}

    rows += rollup(ref, visits, "visit_time", INSTITUTION_SCOPES, visit_share)

    # Referrals, by the referring institution, dated by referral_time. Each count is over its
    # own referrals (accepted, that direction): no row, not 0, where there are none.
    r = latest_versions(con, "referrals")
    r = _with_institution(ref, r, "from_inst_code")
    to_in_district = ref.attr(r["to_inst_code"], "in_district", False)
    from_rank = ref.attr(r["from_inst_code"], "rank")
    to_rank = ref.attr(r["to_inst_code"], "rank")
    accepted = r["status"] == ACCEPTED
    both_in = r["in_district"] & to_in_district
    r["down"] = accepted & both_in & (from_rank > to_rank)
    r["up"] = accepted & both_in & (from_rank < to_rank)
    r["out"] = accepted & ~to_in_district

    referral_rows = pd.DataFrame(
        [
            row
            for code, counted in (
                ("downward_referrals", "down"),
                ("upward_referrals", "up"),
                ("outward_referrals", "out"),
            )
            for row in rollup(
                ref, r[r[counted]], "referral_time", INSTITUTION_SCOPES,
                lambda g, code=code: {code: count_row(len(g))},
            )
        ]
    )
    rows += referral_rows.to_dict("records")
    # Growth: each lead hospital and the district.
    if not referral_rows.empty:
        lead = set(ref.inst.index[ref.inst["is_lead"]])
        growth_base = referral_rows[
            (referral_rows["scope_type"] == "district")
            | ((referral_rows["scope_type"] == "institution")
               & referral_rows["scope_code"].isin(lead))
        ]
        rows += year_earlier_growth(
            growth_base, "downward_referrals", "downward_referral_growth"
        ).to_dict("records")

    # Slots and beds: lead hospitals only.
    alloc = _with_institution(ref, latest_versions(con, "resource_allocations"), "inst_code")
    alloc = alloc[alloc["is_lead"]]

    def sinking(g):
        return {
            "slot_sinking_share": ratio_row(
                g["outpatient_slots_to_primary"].sum(), g["outpatient_slots_total"].sum()
            ),
            "bed_sinking_share": ratio_row(
                g["beds_reserved_for_primary"].sum(), g["beds_total"].sum()
            ),
        }

    rows += rollup(ref, alloc, "date", INSTITUTION_SCOPES, sinking)
    return rows


# --------------------------------------------------------------------------------------------
# Family: diagnostics (PACS and LIS, at the performing institution)
# --------------------------------------------------------------------------------------------


def diagnostics_metrics(con, ref: Reference) -> list[dict]:
    rows: list[dict] = []
    studies = _with_institution(ref, latest_versions(con, "imaging_studies"), "exam_inst_code")
    studies["remote"] = studies["remote_read"].fillna(0).astype(int) == 1
    studies["recog"] = studies["recognised"].fillna(0).astype(int) == 1

    rows += share_by_institution(ref, "imaging_recognition_rate", studies, "exam_time", "recog")

    # remote_reads_per_10k is over the remote-read studies (at the performing institution),
    # per the district's population of the year at every scope (no institution population).
    def remote_reads(g):
        year = int(g["exam_time"].iloc[0].year)
        return {
            "remote_reads_per_10k": ratio_row(len(g), ref.population_of(year), scale=10000)
        }

    rows += rollup(ref, studies[studies["remote"]], "exam_time", INSTITUTION_SCOPES,
                   remote_reads)

    rows += share_by_institution(ref, "remote_read_share", studies[studies["is_primary"]],
                                 "exam_time", "remote")

    labs = _with_institution(ref, latest_versions(con, "lab_results"), "perform_inst_code")
    labs["recog"] = labs["recognised"].fillna(0).astype(int) == 1
    rows += share_by_institution(ref, "lab_recognition_rate", labs, "reported_time", "recog")
    return rows


# --------------------------------------------------------------------------------------------
# Family: discharges (EMR)
# --------------------------------------------------------------------------------------------


def discharge_metrics(con, ref: Reference) -> list[dict]:
    rows: list[dict] = []
    abstracts = _with_institution(ref, latest_versions(con, "discharge_abstracts"), "inst_code")
    rows += rollup(
        ref,
        abstracts,
        "discharge_date",
        INSTITUTION_SCOPES,
        lambda g: {"alos": ratio_row(g["los_days"].sum(), len(g))},
    )

    lead = abstracts[abstracts["is_lead"]].copy()
    op_level = lead["op_level"].replace("", np.nan)
    lead["has_op_level"] = op_level.notna()
    lead["op34"] = op_level.isin(["3", "4"])
    lead["has_weight"] = lead["drg_weight"].notna()
    lead["low_weight"] = lead["drg_weight"] < LOW_WEIGHT_DRG_CUTOFF

    # Each share is over the lead discharges that carry its field.
    rows += share_by_institution(ref, "op_level34_share", lead[lead["has_op_level"]],
                                 "discharge_date", "op34")
    rows += share_by_institution(ref, "low_weight_case_share", lead[lead["has_weight"]],
                                 "discharge_date", "low_weight")
    return rows


# --------------------------------------------------------------------------------------------
# Family: chronic disease management (district)
# --------------------------------------------------------------------------------------------


def chronic_metrics(con, ref: Reference) -> list[dict]:
    f = latest_versions(con, "chronic_followups")
    f["followup_date"] = _to_date(f["followup_date"])
    rows: list[dict] = []
    for disease, standard_code, control_code in [
        ("高血压", "htn_standard_mgmt_rate", "htn_control_rate"),
        ("2型糖尿病", "dm_standard_mgmt_rate", "dm_control_rate"),
    ]:
        facts = f[f["disease"] == disease]

        def compute(g, standard_code=standard_code, control_code=control_code):
            # Latest follow-up in the period per patient: latest date, then highest id.
            latest = g.sort_values(["followup_date", "followup_id"]).groupby("id_card_no").tail(1)
            return {
                standard_code: ratio_row((latest["standard"] == 1).sum(), len(latest)),
                control_code: ratio_row((latest["controlled"] == 1).sum(), len(latest)),
            }

        rows += rollup(ref, facts, "followup_date", {"district": None}, compute)
    return rows


# --------------------------------------------------------------------------------------------


FAMILIES = [
    settlement_metrics,
    family_doctor_metrics,
    literacy_metrics,
    his_metrics,
    diagnostics_metrics,
    discharge_metrics,
    chronic_metrics,
]


def reference_metric_values(con) -> pd.DataFrame:
    """Every metric of METRICS.md, every period type and scope, from raw.* only."""
    ref = Reference(con)
    rows: list[dict] = []
    for family in FAMILIES:
        rows += family(con, ref)
    out = pd.DataFrame(rows, columns=KEY_COLUMNS + VALUE_COLUMNS)
    out["period_start"] = pd.to_datetime(out["period_start"]).dt.normalize()
    for column in VALUE_COLUMNS:
        out[column] = out[column].astype(float)
    out = with_table_columns(out)
    return out.sort_values(KEY_COLUMNS).reset_index(drop=True)


def with_table_columns(out: pd.DataFrame) -> pd.DataFrame:
    """Name, target and operator from METRICS.md; yoy_change against the same period type and
    scope one year earlier (null where that has no value; for a relative change also where it
    is 0); meets_target null where there is no target or nothing to judge."""
    earlier = out[KEY_COLUMNS + ["value"]].copy()
    earlier["period_start"] = earlier["period_start"] + pd.DateOffset(years=1)
    out = out.merge(earlier.rename(columns={"value": "_earlier"}), on=KEY_COLUMNS, how="left")
    unit = out["metric_code"].map(lambda code: CONTRACT[code][1])
    difference = out["value"] - out["_earlier"]
    relative = out["value"] / out["_earlier"].where(out["_earlier"] != 0) - 1
    out["yoy_change"] = difference.where(unit.isin(["rate", "days"]), relative).astype(float)
    target = out["metric_code"].map(lambda code: CONTRACT[code][2])
    out["metric_name_zh"] = out["metric_code"].map(lambda code: CONTRACT[code][0])
    out["target_op"] = target.map(lambda t: None if t is None else t[0])
    out["target"] = target.map(lambda t: np.nan if t is None else t[1]).astype(float)

    def judged(row) -> object:
        rule = CONTRACT[row["metric_code"]][2]
        if rule is None:
            return None
        op, number, basis = rule
        value = row["yoy_change"] if basis == ON_YOY else row["value"]
        if pd.isna(value):
            return None
        value = round(float(value), JUDGED_DECIMALS)
        number = round(number, JUDGED_DECIMALS)
        level = {">=": value >= number, "<=": value <= number, ">": value > number,
                 "<": value < number}[op]
        if basis != ON_VALUE_AND_RISE or not level:
            return level
        # "≥ 0.25 and rises": unknown (None) without a year before to rise from.
        if pd.isna(row["yoy_change"]):
            return None
        return round(float(row["yoy_change"]), JUDGED_DECIMALS) > 0

    out["meets_target"] = out.apply(judged, axis=1).astype(object)
    return out.drop(columns="_earlier")


# --------------------------------------------------------------------------------------------
# Comparison with the published table (used by the test and by a direct run)
# --------------------------------------------------------------------------------------------


def published_metric_values(con) -> pd.DataFrame:
    out = con.execute(
        f"select {', '.join(KEY_COLUMNS + VALUE_COLUMNS + TABLE_COLUMNS)} "
        "from marts.metric_values"
    ).df()
    out["period_start"] = pd.to_datetime(out["period_start"]).dt.normalize()
    out["meets_target"] = out["meets_target"].astype(object).where(
        out["meets_target"].notna(), None)
    return out


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    """Equal, or both null (for text and booleans)."""
    both_null = a.isna() & b.isna()
    return both_null | (a.astype(object) == b.astype(object))


def _close(a: pd.Series, b: pd.Series, rel: float = 1e-9) -> pd.Series:
    both_null = a.isna() & b.isna()
    diff = (a - b).abs()
    tol = rel * np.maximum(a.abs(), b.abs())
    return both_null | (diff <= np.maximum(tol, 1e-12))


def compare(reference: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Full outer join on the key; a row per key that is missing on a side or differs.

    `side` is both / reference_only / published_only; `bad_value`, `bad_numerator` and
    `bad_denominator` flag which column differs.
    """
    merged = reference.merge(
        published, on=KEY_COLUMNS, how="outer", suffixes=("_ref", "_pub"), indicator=True
    )
    merged["side"] = merged["_merge"].map(
        {"both": "both", "left_only": "reference_only", "right_only": "published_only"}
    )
    for column in VALUE_COLUMNS + ["target", "yoy_change"]:
        merged["bad_" + column] = ~_close(merged[column + "_ref"], merged[column + "_pub"])
    for column in ["metric_name_zh", "target_op", "meets_target"]:
        merged["bad_" + column] = ~_same(merged[column + "_ref"], merged[column + "_pub"])
    bad = (merged["side"] != "both") | merged["bad_value"]
    # Every other published column is checked too.
    for column in VALUE_COLUMNS[:-1] + TABLE_COLUMNS:
        bad |= merged["bad_" + column]
    return merged[bad].drop(columns="_merge").sort_values(KEY_COLUMNS).reset_index(drop=True)


def summarise(diff: pd.DataFrame, reference: pd.DataFrame, published: pd.DataFrame) -> str:
    codes = sorted(set(reference["metric_code"]) | set(published["metric_code"]))
    lines = []
    for code in codes:
        d = diff[diff["metric_code"] == code]
        n_ref = (reference["metric_code"] == code).sum()
        n_pub = (published["metric_code"] == code).sum()
        if d.empty:
            lines.append(f"{code:36s} match     ({n_ref} rows)")
            continue
        lines.append(
            f"{code:36s} MISMATCH  ref={n_ref} pub={n_pub} "
            f"value={int((d['side'].eq('both') & d['bad_value']).sum())} "
            f"other-columns-only={int((d['side'].eq('both') & ~d['bad_value']).sum())} "
            f"ref_only={int(d['side'].eq('reference_only').sum())} "
            f"pub_only={int(d['side'].eq('published_only').sum())}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from consortium_dw.marts_file import connect_warehouse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", help="path to warehouse.duckdb (opened read-only)")
    parser.add_argument("--show", type=int, default=8, help="mismatching rows shown per metric")
    args = parser.parse_args(argv)
    con = connect_warehouse(args.warehouse, read_only=True)
    reference = reference_metric_values(con)
    published = published_metric_values(con)
    diff = compare(reference, published)
    print(summarise(diff, reference, published))
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        for code, d in diff.groupby("metric_code"):
            print(f"\n== {code}")
            print(
                d.drop(columns=[c for c in d.columns if c.startswith("bad_")])
                .head(args.show)
                .to_string(index=False)
            )
    return 0 if diff.empty else 1


if __name__ == "__main__":
    raise SystemExit(main())
