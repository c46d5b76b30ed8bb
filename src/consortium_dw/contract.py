"""The extract contract of ../shared/EXTRACTS.md, as data.

One definition serves the generator (what it writes), ingestion (what it validates and how it
types the raw layer) and the dbt sources (what staging reads). Change the contract here and in
EXTRACTS.md together.

Conventions decided where EXTRACTS.md is silent (documented in docs/decisions.md):
- `_source_line` is the 1-based ordinal of the data row in its file (header excluded), for CSV
  and Parquet alike; for CSV it is the physical line number minus one.
- Parquet (the insurance bureau's delivery) stores every column as a string in the contract's
  text format except money, which is DECIMAL(16,2). Ingestion casts everything to text first and
  validates both formats with the same rules.
- Flags (`0`/`1`) are typed INTEGER in the raw layer; codes stay VARCHAR (leading zeros matter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

SYSTEMS = ("his", "lis", "pacs", "emr", "insurance", "phs")

# The encoding each system delivers in the demo district (EXTRACTS.md allows any per manifest).
SYSTEM_FORMATS = {
    "his": ("csv", "gb18030"),
    "lis": ("csv", "utf-8-sig"),
    "pacs": ("csv", "utf-8"),
    "emr": ("csv", "gb18030"),
    "insurance": ("parquet", None),
    "phs": ("csv", "utf-8-sig"),
}
CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk")

LINEAGE_COLUMNS = ("_source_file", "_source_line", "_delivery_date", "_loaded_at", "_batch_id")


class ColumnType(str, Enum):  # noqa: UP042 (values compare as plain str)
    TEXT = "text"  # free text or identifier, VARCHAR
    CODE = "code"  # value from a code set, VARCHAR
    INT = "int"  # INTEGER
    FLAG = "flag"  # `0` / `1`, INTEGER
    DECIMAL = "decimal"  # DOUBLE (measurements, weights)
    MONEY = "money"  # yuan, two decimals, DECIMAL(16,2)
    DATE = "date"  # YYYY-MM-DD
    TIMESTAMP = "timestamp"  # YYYY-MM-DD HH:MM:SS, local time (Asia/Shanghai)


DUCKDB_TYPES = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.CODE: "VARCHAR",
    ColumnType.INT: "INTEGER",
    ColumnType.FLAG: "INTEGER",
    ColumnType.DECIMAL: "DOUBLE",
    ColumnType.MONEY: "DECIMAL(16,2)",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP",
}


class Pii(str, Enum):  # noqa: UP042 (values compare as plain str)
    """What a PII column holds. Columns of the same kind hash in the same namespace, so
    `id_card_no` in HIS and `certno` in the insurance extract give the same person key."""

    ID_CARD = "id_card"
    INSURANCE_PERSON_NO = "insurance_person_no"
    HIS_PATIENT_ID = "his_patient_id"
    NAME = "name"
    PHONE = "phone"


class Reason(str, Enum):  # noqa: UP042 (values compare as plain str)
    """Why a row or a file is refused. The generator records dirtied rows with these codes and
    ingestion writes the same codes to quarantine, so tests can match one against the other."""

    # row-level (quarantine.<table>)
    MISSING_REQUIRED = "missing_required"
    MALFORMED_DATE = "malformed_date"  # a date or time that does not parse
    MALFORMED_NUMBER = "malformed_number"
    INVALID_CODE = "invalid_code"  # value outside its code set
    BAD_ID_CHECKSUM = "bad_id_checksum"  # GB 11643 check digit or format wrong
    UNKNOWN_INSTITUTION = "unknown_institution"  # inst code not in ref/institutions.csv
    NEGATIVE_AMOUNT = "negative_amount"  # negative money on a non-reversal row
    AMOUNT_INVARIANT = "amount_invariant"  # settlement sums do not add up
    FUTURE_TIME = "future_time"  # a date or time after the load (or after the delivery day)
    DUPLICATE_ROW = "duplicate_row"  # the same key (and version) twice in one file
    # file-level (quarantine.rejected_files)
    MANIFEST_MISMATCH = "manifest_mismatch"  # row count or sha256 differs, or file missing
    UNDECODABLE = "undecodable"  # bytes do not decode in the declared encoding
    WRONG_HEADER = "wrong_header"  # columns differ from the contract


ROW_REASONS = tuple(r for r in Reason if r not in
                    (Reason.MANIFEST_MISMATCH, Reason.UNDECODABLE, Reason.WRONG_HEADER))


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True
    pii: Pii | None = None
    codes: tuple[str, ...] | None = None
    # An institution code that must exist in ref/institutions.csv.
    institution: bool = False
    description: str = ""
    # For a code set that EXTRACTS.md leaves open ("…"): `codes` are the known codes, and any
    # value matching this pattern is a valid code too (METRICS.md counts unknown med_types in
    # the money metrics that do not restrict med_type, so they must reach the warehouse).
    code_pattern: str | None = None
    # What an empty value means, where EXTRACTS.md defines only the set value (`1` if …) or the
    # column is an amount a bureau leaves empty when its fund does not apply (setl_d holds NULL
    # there): ingestion reads the empty value as this one instead of quarantining the row.
    empty_means: str | None = None

    def accepts_code(self, text: str) -> bool:
        """Whether `text` is a valid value of this coded column: the rule ingestion and the GX
        suite apply (the pattern of an open set, else membership)."""
        if self.code_pattern is not None:
            return re.fullmatch(self.code_pattern, text) is not None
        return self.codes is None or text in self.codes


@dataclass(frozen=True)
class Table:
    system: str
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Column giving a row's version when the same key is sent again (besides delivery date).
    version_column: str | None = None
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def version_key(self) -> tuple[str, ...]:
        """What makes a row unique within one delivery: the key, and for a versioned table its
        version too (two versions of a contract in one day's file are both history; the
        latest wins downstream, and the first 解约 among them still counts)."""
        return self.key + ((self.version_column,) if self.version_column else ())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def pii_columns(self) -> list[Column]:
        return [c for c in self.columns if c.pii]


def _c(name, type_, required=True, pii=None, codes=None, institution=False, description="",
       code_pattern=None, empty_means=None):
    return Column(name, ColumnType(type_), required, pii, tuple(codes) if codes else None,
                  institution, description, code_pattern, empty_means)


# GB/T 2261.1, as HIS, the insurance platform (gend) and PHS store it: 1 男, 2 女, and also
# 0 未知的性别 and 9 未说明的性别 (a newborn, an unidentified emergency patient). EXTRACTS.md
# names 1 / 2 for population.csv only; a visit or a settlement coded 0 or 9 is still a visit or
# a settlement, so it loads. No metric reads sex but the literacy weights, where a respondent
# coded 0 or 9 sits in a cell no population row matches and weighs nothing (the unweighted
# share counts them).
SEX = ("1", "2", "0", "9")
LEVELS = ("三级", "二级", "一级", "未定级")
INST_TYPES = ("综合医院", "中医医院", "专科医院", "妇幼保健院", "社区卫生服务中心",
              "社区卫生服务站", "乡镇卫生院", "村卫生室", "门诊部/诊所", "专业公共卫生机构")
PRIMARY_INST_TYPES = ("社区卫生服务中心", "社区卫生服务站", "乡镇卫生院", "村卫生室",
                      "门诊部/诊所")
MED_TYPES_INPATIENT = ("21", "22", "23", "24", "25", "52")
MED_TYPES_OUTPATIENT = ("11", "12", "13", "14", "15", "16", "19", "51")
MED_TYPES_OTHER = ("41", "99")
MED_TYPES = MED_TYPES_OUTPATIENT + MED_TYPES_INPATIENT + MED_TYPES_OTHER
# The national platform has more med_type codes than EXTRACTS.md lists (its list ends in "…"),
# e.g. 9901 or 990101 for local schemes: digits, two to eight of them.
MED_TYPE_PATTERN = r"[0-9]{2,8}"
# Ingestion and GX check only the pattern of an open set: every listed code must match it.
assert all(re.fullmatch(MED_TYPE_PATTERN, code) for code in MED_TYPES)
KEY_POPULATIONS = ("65岁以上老年人", "高血压", "2型糖尿病", "孕产妇", "0-6岁儿童", "残疾人",
                   "脱贫人口", "严重精神障碍", "肺结核")

REF_TABLES = {
    "district": (("admdvs", "text"), ("district_name", "text")),
    "institutions": (("inst_code", "text"), ("inst_name", "text"), ("inst_type", "code"),
                     ("inst_level", "code"), ("admdvs", "text"), ("township_code", "text"),
                     ("group_code", "text"), ("is_lead", "flag")),
    "population": (("year", "int"), ("township_code", "text"), ("sex", "code"), ("age", "int"),
                   ("population", "int")),
    # Our addition to EXTRACTS.md (docs/budget.md): 医保总额预付, one row per group and year.
    # Optional: older landings have no such file, and its absence is not an error.
    "fund_budget": (("year", "int"), ("group_code", "text"), ("annual_budget", "money"),
                    ("monthly_prepayment", "money")),
}
OPTIONAL_REF_TABLES = ("fund_budget",)
REF_ENCODING = "utf-8"
# ref/ has no manifest to declare an encoding: UTF-8 (with or without a BOM) is what we write
# and read first; a file that is not valid UTF-8 is read as GB18030 (which covers GBK), the
# other encoding EXTRACTS.md allows a hospital's export.
REF_ENCODINGS_ACCEPTED = ("utf-8-sig", "gb18030")

_HIS_PERSON = (
    _c("patient_id", "text", pii=Pii.HIS_PATIENT_ID),
    _c("id_card_no", "text", pii=Pii.ID_CARD),
    _c("patient_name", "text", pii=Pii.NAME),
    _c("sex", "code", codes=SEX),
    _c("birth_date", "date"),
)

SETTLEMENT_MONEY = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
                    "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay", "cvlserv_pay",
                    "maf_pay", "oth_pay", "fund_pay_sumamt", "acct_pay", "psn_cash_pay",
                    "psn_part_amt")
# The three totals every metric and invariant rests on must be delivered; a part (a fund that
# does not apply to the insured, no account spending) may come empty, meaning 0.00.
SETTLEMENT_TOTALS = ("medfee_sumamt", "fund_pay_sumamt", "psn_part_amt")

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("his", "outpatient_visits", (
        _c("visit_id", "text"),
        _c("inst_code", "text", institution=True),
        *_HIS_PERSON,
        _c("phone", "text", required=False, pii=Pii.PHONE),
        _c("visit_time", "timestamp"),
        _c("dept_code", "text"),
        _c("dept_name", "text"),
        _c("visit_type", "code", codes=("门诊", "急诊")),
        _c("doctor_id", "text"),
        _c("booking_channel", "code", codes=("自行挂号", "基层预约转诊", "家庭医生预约", "线上")),
        _c("mdtrt_id", "text", required=False),
        _c("total_fee", "money"),
        _c("status", "code", codes=("正常", "退号")),
    ), key=("visit_id", "inst_code")),
    Table("his", "inpatient_admissions", (
        _c("admission_id", "text"),
        _c("inst_code", "text", institution=True),
        *_HIS_PERSON,
        _c("admit_time", "timestamp"),
        _c("discharge_time", "timestamp", required=False),
        _c("dept_code", "text"),
        _c("dept_name", "text"),
        _c("admit_source", "code", codes=("门诊", "急诊", "转入")),
        _c("referred_from_inst_code", "text", required=False, institution=True),
        _c("mdtrt_id", "text", required=False),
        _c("total_fee", "money"),
        _c("updated_at", "timestamp"),
    ), key=("admission_id", "inst_code"), version_column="updated_at"),
    Table("his", "referrals", (
        _c("referral_id", "text"),
        _c("from_inst_code", "text", institution=True),
        # May name an institution outside the reference list, or be empty for one (then
        # to_inst_name is filled): either way the referral is 外转.
        _c("to_inst_code", "text", required=False),
        _c("to_inst_name", "text", required=False),
        _c("id_card_no", "text", pii=Pii.ID_CARD),
        _c("patient_name", "text", pii=Pii.NAME),
        _c("referral_time", "timestamp"),
        _c("referral_kind", "code", codes=("门诊", "住院", "检查")),
        _c("reason_icd10", "text", required=False),
        _c("status", "code", codes=("申请", "已接收", "已拒绝", "已撤销")),
        _c("accepted_time", "timestamp", required=False),
        _c("updated_at", "timestamp"),
    ), key=("referral_id",), version_column="updated_at"),
    Table("his", "resource_allocations", (
        _c("date", "date"),
        _c("inst_code", "text", institution=True),
        _c("dept_code", "text"),
        _c("outpatient_slots_total", "int"),
        _c("outpatient_slots_to_primary", "int"),
        _c("beds_total", "int"),
        _c("beds_reserved_for_primary", "int"),
    ), key=("date", "inst_code", "dept_code")),
    Table("lis", "lab_results", (
        _c("report_id", "text"),
        _c("item_seq", "int"),
        _c("request_inst_code", "text", institution=True),
        _c("perform_inst_code", "text", institution=True),
        _c("id_card_no", "text", pii=Pii.ID_CARD),
        _c("specimen", "text"),
        _c("collected_time", "timestamp"),
        _c("reported_time", "timestamp"),
        _c("item_code", "text"),
        _c("item_name", "text"),
        _c("result_value", "text", required=False),
        _c("unit", "text", required=False),
        _c("reference_range", "text", required=False),
        _c("abnormal_flag", "code", required=False, codes=("N", "H", "L", "C")),
        _c("recognised", "flag", empty_means="0"),
    ), key=("report_id", "item_seq")),
    Table("pacs", "imaging_studies", (
        _c("accession_no", "text"),
        _c("exam_inst_code", "text", institution=True),
        _c("report_inst_code", "text", institution=True),
        _c("id_card_no", "text", pii=Pii.ID_CARD),
        _c("modality", "code", codes=("DR", "CT", "MR", "US", "MG", "ECG")),
        _c("body_part", "text", required=False),  # an ECG has none
        _c("exam_time", "timestamp"),
        _c("report_time", "timestamp", required=False),
        _c("remote_read", "flag", empty_means="0"),
        _c("recognised", "flag", empty_means="0"),
        _c("critical_finding", "flag"),
    ), key=("accession_no",)),
    Table("emr", "discharge_abstracts", (
        _c("abstract_id", "text"),
        _c("inst_code", "text", institution=True),
        _c("admission_id", "text"),
        _c("id_card_no", "text", pii=Pii.ID_CARD),
        _c("admit_date", "date"),
        _c("discharge_date", "date"),
        _c("los_days", "int"),
        _c("main_dx_icd10", "text"),
        _c("main_dx_name", "text"),
        _c("other_dx_icd10", "text", required=False),
        _c("main_op_code", "text", required=False),
        _c("op_level", "code", required=False, codes=("1", "2", "3", "4")),
        _c("discharge_mode", "code", codes=("1", "2", "3", "4", "5", "9")),
        _c("receiving_inst_name", "text", required=False),
        _c("drg_code", "text", required=False),
        _c("drg_weight", "decimal", required=False),
        _c("total_fee", "money"),
    ), key=("abstract_id", "inst_code")),
    Table("emr", "outpatient_diagnoses", (
        _c("visit_id", "text"),
        _c("inst_code", "text", institution=True),
        _c("dx_seq", "int"),
        _c("icd10", "text"),
        _c("dx_name", "text"),
    ), key=("visit_id", "inst_code", "dx_seq")),
    Table("insurance", "settlements", (
        _c("setl_id", "text"),
        _c("mdtrt_id", "text"),
        _c("psn_no", "text", pii=Pii.INSURANCE_PERSON_NO),
        _c("certno", "text", pii=Pii.ID_CARD),
        _c("psn_name", "text", pii=Pii.NAME),
        _c("gend", "code", codes=SEX),
        _c("brdy", "date"),
        _c("insutype", "code", codes=("310", "390")),
        _c("insu_admdvs", "text"),
        # Out-of-district institutions are in ref/institutions.csv too (EXTRACTS.md).
        _c("fixmedins_code", "text", institution=True),
        _c("fixmedins_name", "text"),
        _c("fix_blng_admdvs", "text", required=False),
        _c("med_type", "code", codes=MED_TYPES, code_pattern=MED_TYPE_PATTERN),
        _c("begndate", "date"),
        _c("enddate", "date"),
        _c("setl_time", "timestamp"),
        *(_c(m, "money", empty_means=None if m in SETTLEMENT_TOTALS else "0.00")
          for m in SETTLEMENT_MONEY),
        _c("refd_setl_flag", "flag"),
        _c("init_setl_id", "text", required=False),
        _c("dise_no", "text", required=False),
        _c("dise_name", "text", required=False),
        _c("vali_flag", "flag"),
    ), key=("setl_id",)),
    Table("phs", "fd_contracts", (
        _c("contract_id", "text"),
        _c("team_id", "text"),
        _c("inst_code", "text", institution=True),
        _c("id_card_no", "text", pii=Pii.ID_CARD),
        _c("resident_name", "text", pii=Pii.NAME),
        _c("sex", "code", codes=SEX),
        _c("birth_date", "date"),
        _c("township_code", "text"),
        _c("key_populations", "text", required=False),
        _c("package", "code", codes=("基础包", "个性化包")),
        _c("sign_date", "date"),
        _c("start_date", "date"),
        _c("end_date", "date"),
        _c("status", "code", codes=("有效", "解约", "到期")),
        _c("is_renewal", "flag", empty_means="0"),
        _c("updated_at", "timestamp"),
    ), key=("contract_id",), version_column="updated_at"),
    Table("phs", "fd_services", (
        _c("service_id", "text"),
        _c("contract_id", "text"),
        _c("inst_code", "text", institution=True),
        _c("doctor_id", "text"),
        _c("service_date", "date"),
        _c("service_type", "code",
           codes=("随访", "体检", "健康教育", "预约转诊", "上门服务", "用药指导")),
    ), key=("service_id",)),
    Table("phs", "chronic_followups", (
        _c("followup_id", "text"),
        _c("id_card_no", "text", pii=Pii.ID_CARD),
        _c("disease", "code", codes=("高血压", "2型糖尿病")),
        _c("inst_code", "text", institution=True),
        _c("followup_date", "date"),
        _c("sbp", "int", required=False),
        _c("dbp", "int", required=False),
        _c("fasting_glucose", "decimal", required=False),
        _c("controlled", "flag"),
        _c("standard", "flag"),
    ), key=("followup_id",)),
    Table("phs", "literacy_survey", (
        _c("response_id", "text"),
        _c("survey_year", "int"),
        _c("township_code", "text"),
        _c("sex", "code", codes=SEX),
        _c("age", "int"),
        _c("score", "int"),
        _c("knowledge_score", "int"),
        _c("behaviour_score", "int"),
        _c("skill_score", "int"),
        _c("survey_date", "date"),
    ), key=("response_id",)),
)}

TABLES_BY_SYSTEM: dict[str, list[Table]] = {
    s: [t for t in TABLES.values() if t.system == s] for s in SYSTEMS
}


def file_name(table: Table) -> str:
    fmt, _ = SYSTEM_FORMATS[table.system]
    return f"{table.name}.{fmt}"


# GB 11643-1999: weights and check characters of the 18-character citizen identity number.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def is_valid_id(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return number[17].upper() == id_check_char(number[:17])
