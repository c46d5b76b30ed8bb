-- Incremental by load: rows (re)loaded since the last build replace their key. A full
-- refresh gives the same table (tests/dbt checks it).
{{
    config(
        materialized='incremental',
        unique_key=['service_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

select
    service_id,
    contract_id,
    inst_code,
    doctor_id,
    service_date,
    service_type,
    _loaded_at
from {{ ref('stg_phs__fd_services') }}
{% if is_incremental() %}
where _loaded_at >= (select max(_loaded_at) from {{ this }})
{% endif %}
