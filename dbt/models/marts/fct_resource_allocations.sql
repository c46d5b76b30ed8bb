select
    allocation_date,
    inst_code,
    dept_code,
    outpatient_slots_total,
    outpatient_slots_to_primary,
    beds_total,
    beds_reserved_for_primary
from {{ ref('stg_his__resource_allocations') }}
