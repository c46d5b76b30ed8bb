with latest as (
    {{ latest_versions(source('emr', 'discharge_abstracts'), ['abstract_id', 'inst_code']) }}
)

select
    abstract_id,
    inst_code,
    admission_id,
    id_card_no as person_key,
    admit_date,
    discharge_date,
    los_days,
    main_dx_icd10,
    main_dx_name,
    nullif(other_dx_icd10, '') as other_dx_icd10,
    nullif(main_op_code, '') as main_op_code,
    nullif(op_level, '') as op_level,
    discharge_mode,
    nullif(receiving_inst_name, '') as receiving_inst_name,
    nullif(drg_code, '') as drg_code,
    drg_weight,
    cast(total_fee as decimal(16, 2)) as total_fee,
    _delivery_date,
    _loaded_at
from latest
