with latest as (
    {{ latest_versions(source('his', 'inpatient_admissions'), ['admission_id', 'inst_code'], 'updated_at') }}
)

select
    admission_id,
    inst_code,
    id_card_no as person_key,
    patient_id as his_patient_key,
    sex,
    birth_date,
    admit_time,
    discharge_time,
    dept_code,
    dept_name,
    admit_source,
    nullif(referred_from_inst_code, '') as referred_from_inst_code,
    nullif(mdtrt_id, '') as mdtrt_id,
    cast(total_fee as decimal(16, 2)) as total_fee,
    updated_at,
    _delivery_date,
    _loaded_at
from latest
