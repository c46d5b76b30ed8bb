with latest as (
    {{ latest_versions(source('phs', 'fd_services'), ['service_id']) }}
)

select
    service_id,
    contract_id,
    inst_code,
    doctor_id,
    service_date,
    service_type,
    _delivery_date,
    _loaded_at
from latest
