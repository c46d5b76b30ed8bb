select
    inst_code,
    inst_name,
    inst_type,
    inst_level,
    level_rank,
    admdvs,
    township_code,
    group_code,
    is_in_district,
    is_primary,
    is_lead
from {{ ref('int_institutions') }}
