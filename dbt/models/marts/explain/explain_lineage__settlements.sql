{{ config(materialized='ephemeral') }}
-- The raw row staging kept for each settlement (same version rule, same macro), with the file
-- and line it came from. Staging drops _source_file/_source_line; explain needs them back.
select
    setl_id,
    _source_file as source_file,
    _source_line as source_line,
    _delivery_date as delivery_date
from {{ source('insurance', 'settlements') }}
{{ latest_version_filter(['setl_id']) }}
