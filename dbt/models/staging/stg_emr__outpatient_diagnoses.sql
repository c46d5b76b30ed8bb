with latest as (
    {{ latest_versions(source('emr', 'outpatient_diagnoses'), ['visit_id', 'inst_code', 'dx_seq']) }}
)

select
    visit_id,
    inst_code,
    dx_seq,
    icd10,
    dx_name,
    _delivery_date,
    _loaded_at
from latest
