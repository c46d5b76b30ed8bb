-- 人次: one row per encounter (outpatient or inpatient class), dated by its latest valid
-- settlement's enddate.
select
    mdtrt_id,
    encounter_class,
    encounter_date,
    admission_date,
    person_key,
    insu_admdvs,
    is_district_resident,
    inst_code,
    is_in_district_inst,
    is_primary_inst,
    valid_settlements
from {{ ref('int_encounters') }}
where is_encounter
