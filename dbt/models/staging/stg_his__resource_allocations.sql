with latest as (
    {{ latest_versions(source('his', 'resource_allocations'), ['date', 'inst_code', 'dept_code']) }}
)

select
    date as allocation_date,
    inst_code,
    dept_code,
    outpatient_slots_total,
    outpatient_slots_to_primary,
    beds_total,
    beds_reserved_for_primary,
    _delivery_date,
    _loaded_at
from latest
