select
    inst_code,
    inst_name,
    inst_type,
    inst_level,
    admdvs,
    nullif(township_code, '') as township_code,
    nullif(group_code, '') as group_code,
    cast(is_lead as integer) as is_lead
from {{ source('ref', 'ref_institutions') }}
