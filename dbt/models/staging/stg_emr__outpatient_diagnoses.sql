with source as (
    select * from {{ source('emr', 'outpatient_diagnoses') }}
),

latest as (
    select * from source
    {{ latest_version_filter(['visit_id', 'dx_seq']) }}
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
