-- Rebuilt whole on every build, like the other facts: it follows staging's latest versions
-- exactly, so a re-sent day that drops or corrects a row is reflected (an incremental
-- delete+insert by key kept the dropped rows; docs/performance.md).
select
    service_id,
    contract_id,
    inst_code,
    doctor_id,
    service_date,
    service_type,
    _loaded_at
from {{ ref('stg_phs__fd_services') }}
