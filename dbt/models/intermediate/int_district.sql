-- The district's division codes; the first by file order is the district's published code.
select
    admdvs,
    district_name,
    row_number() over (order by _source_line, admdvs) = 1 as is_district_code
from {{ ref('stg_ref__district') }}
