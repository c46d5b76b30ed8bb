select
    abstract_id,
    inst_code,
    admission_id,
    person_key,
    admit_date,
    discharge_date,
    los_days,
    main_dx_icd10,
    main_dx_name,
    other_dx_icd10,
    main_op_code,
    op_level,
    discharge_mode,
    drg_code,
    drg_weight,
    total_fee
from {{ ref('stg_emr__discharge_abstracts') }}
