-- Incremental by load: rows (re)loaded since the last build replace their key. A full
-- refresh gives the same table (tests/dbt checks it).
{{
    config(
        materialized='incremental',
        unique_key=['report_id', 'item_seq'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

select
    report_id,
    item_seq,
    request_inst_code,
    perform_inst_code,
    person_key,
    specimen,
    collected_time,
    reported_time,
    reported_date,
    item_code,
    item_name,
    abnormal_flag,
    recognised,
    _loaded_at
from {{ ref('stg_lis__lab_results') }}
{% if is_incremental() %}
where _loaded_at >= (select max(_loaded_at) from {{ this }})
{% endif %}
