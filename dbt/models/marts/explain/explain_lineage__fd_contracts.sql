{{ config(materialized='ephemeral') }}
-- The raw row staging kept for each contract (latest version), with its file and line.
select
    contract_id,
    _source_file as source_file,
    _source_line as source_line,
    _delivery_date as delivery_date
from {{ source('phs', 'fd_contracts') }}
{{ latest_version_filter(['contract_id'], 'updated_at') }}
