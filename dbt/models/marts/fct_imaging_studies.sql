-- Incremental by load: rows (re)loaded since the last build replace their key. A full
-- refresh gives the same table (tests/dbt checks it).
{{
    config(
        materialized='incremental',
        unique_key=['accession_no'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

select
    accession_no,
    exam_inst_code,
    report_inst_code,
    person_key,
    modality,
    body_part,
    exam_time,
    exam_date,
    report_time,
    remote_read,
    recognised,
    critical_finding,
    _loaded_at
from {{ ref('stg_pacs__imaging_studies') }}
{% if is_incremental() %}
where _loaded_at >= (select max(_loaded_at) from {{ this }})
{% endif %}
