-- HIS registrations (门急诊), the base of primary_visit_share.
select
    visit_id,
    inst_code,
    person_key,
    visit_time,
    visit_date,
    visit_type,
    booking_channel,
    mdtrt_id,
    total_fee,
    status
from {{ ref('stg_his__outpatient_visits') }}
