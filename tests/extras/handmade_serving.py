"""A hand-made served file: the marts the committee pack reads, with values chosen by hand.

Columns are exactly those of METRICS.md's `marts.metric_values`, of `marts.dim_metric` and of
`marts.fct_load_quality` (docs/report.md), so the pack can be tested without the pipeline.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

DISTRICT = "150602"

# metric_code, name_zh, theme, is_headline, unit, better, target, target_op
METRICS = [
    ("in_district_rate", "区内就诊率", "就诊格局", True, "rate", "up", None, None),
    ("health_literacy_level", "居民健康素养水平", "健康素养", True, "rate", "up", 0.25, ">="),
    ("fd_signing_rate", "家庭医生签约率", "家庭医生", True, "rate", "up", None, None),
    ("oop_ratio", "个人自付比例", "费用负担", True, "rate", "down", 0.30, "<"),
    ("outflow_rate", "患者外转率(人数)", "就诊格局", True, "rate", "down", None, None),
    ("primary_visit_share", "基层就诊率", "就诊格局", False, "rate", "up", 0.70, ">="),
    ("alos", "平均住院日", "资源下沉与协同", False, "days", "down", None, None),
]

# (metric, period_type, period_start, scope_type, scope_code, numerator, denominator, value,
#  meets_target, yoy)
VALUES = [
    ("in_district_rate", "month", "2025-01-01", "district", DISTRICT, 700, 1000, 0.70, None, None),
    ("in_district_rate", "month", "2025-02-01", "district", DISTRICT, 710, 1000, 0.71, None, None),
    ("in_district_rate", "month", "2025-03-01", "district", DISTRICT, 7243, 10000, 0.7243, None,
     None),
    ("in_district_rate", "quarter", "2025-01-01", "district", DISTRICT, 8653, 12000, 8653 / 12000,
     None, None),
    # Survey metrics are yearly only: the pack must fall back to the year's value.
    ("health_literacy_level", "year", "2025-01-01", "district", DISTRICT, None, None, 0.2316,
     False, None),
    ("fd_signing_rate", "month", "2025-02-01", "district", DISTRICT, 300, 1500, 0.20, None, None),
    ("fd_signing_rate", "month", "2025-03-01", "district", DISTRICT, 466, 1500, 466 / 1500, None,
     None),
    ("oop_ratio", "month", "2025-03-01", "district", DISTRICT, 2813.7, 10000, 0.28137, True,
     None),
    ("outflow_rate", "month", "2025-03-01", "district", DISTRICT, 9, 73, 9 / 73, None, None),
    ("primary_visit_share", "month", "2025-03-01", "district", DISTRICT, 620, 1000, 0.62, False,
     None),
    ("primary_visit_share", "month", "2025-03-01", "institution", "H001", 10, 40, 0.25, False,
     None),
    ("primary_visit_share", "month", "2025-03-01", "institution", "H002", 33, 50, 0.66, False,
     None),
    ("primary_visit_share", "month", "2025-03-01", "institution", "H003", 40, 50, 0.80, True,
     None),
    ("primary_visit_share", "month", "2025-03-01", "township", "150602001", 55, 100, 0.55, False,
     None),
    ("alos", "month", "2025-03-01", "district", DISTRICT, None, None, 8.27, None, None),
]

INSTITUTIONS = [("H001", "示例市人民医院"), ("H002", "城关镇卫生院"),
                ("H003", "东街社区卫生服务中心")]
TOWNSHIPS = [("150602001", "城关镇", "G1")]

# system, delivery_date, table_name, files_loaded, files_refused, rows_read, rows_loaded,
# rows_quarantined
LOAD_QUALITY = [
    ("his", "2025-03-01", "outpatient_visits", 1, 0, 120, 118, 2),
    ("his", "2025-03-02", "outpatient_visits", 0, 1, 0, 0, 0),
    ("insurance", "2025-03-05", "settlements", 1, 0, 80, 77, 3),
    ("phs", "2025-03-31", "fd_services", 1, 0, 40, 40, 0),
    # Another month: must not be counted in March.
    ("lis", "2025-02-28", "lab_results", 1, 1, 500, 400, 100),
]

HEADLINE_TEXT_MARCH = {"in_district_rate": "72.4%", "health_literacy_level": "23.2%",
                       "fd_signing_rate": "31.1%", "oop_ratio": "28.1%", "outflow_rate": "12.3%"}


def write_handmade_serving(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("""create table marts.dim_metric (metric_code varchar, metric_name_zh varchar,
        metric_name_en varchar, definition_zh varchar, definition_en varchar, theme_zh varchar,
        is_headline boolean, unit varchar, better_direction varchar, target double,
        target_op varchar)""")
    con.executemany("insert into marts.dim_metric values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(code, zh, code, f"{zh}的口径", f"definition of {code}", theme, headline,
                      unit, better, target, op)
                     for code, zh, theme, headline, unit, better, target, op in METRICS])
    con.execute("""create table marts.metric_values (metric_code varchar, metric_name_zh varchar,
        period_type varchar, period_start date, scope_type varchar, scope_code varchar,
        numerator double, denominator double, value double, target double, target_op varchar,
        meets_target boolean, yoy_change double)""")
    targets = {m[0]: (m[1], m[6], m[7]) for m in METRICS}
    con.executemany(f"insert into marts.metric_values values ({', '.join(['?'] * 13)})",
                    [(code, targets[code][0], ptype, start, stype, scode, num, den, value,
                      targets[code][1], targets[code][2], meets, yoy)
                     for code, ptype, start, stype, scode, num, den, value, meets, yoy in VALUES])
    con.execute("create table marts.dim_institution (inst_code varchar, inst_name varchar)")
    con.executemany("insert into marts.dim_institution values (?, ?)", INSTITUTIONS)
    con.execute("create table marts.dim_township (township_code varchar, township_name varchar, "
                "group_code varchar)")
    con.executemany("insert into marts.dim_township values (?, ?, ?)", TOWNSHIPS)
    con.execute("""create table marts.fct_load_quality (system varchar, delivery_date date,
        table_name varchar, files_loaded bigint, files_refused bigint, rows_read bigint,
        rows_loaded bigint, rows_quarantined bigint)""")
    con.executemany("insert into marts.fct_load_quality values (?, ?, ?, ?, ?, ?, ?, ?)",
                    LOAD_QUALITY)
    con.close()
    return path
