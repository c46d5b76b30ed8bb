with latest as (
    {{ latest_versions(source('his', 'outpatient_visits'), ['visit_id', 'inst_code']) }}
)

select
    visit_id,
    inst_code,
    id_card_no as person_key,
    patient_id as his_patient_key,
    sex,
    birth_date,
    visit_time,
    cast(visit_time as date) as visit_date,
    dept_code,
    dept_name,
    visit_type,
    doctor_id,
    booking_channel,
    nullif(mdtrt_id, '') as mdtrt_id,
    cast(total_fee as decimal(16, 2)) as total_fee,
    status,
    _delivery_date,
    _loaded_at
from latest
