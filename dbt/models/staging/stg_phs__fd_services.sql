with source as (
    select * from {{ source('phs', 'fd_services') }}
),

latest as (
    select * from source
    {{ latest_version_filter(['service_id']) }}
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
