select
    admdvs,
    district_name,
    _source_line
from {{ source('ref', 'ref_district') }}
