-- Family-doctor services (履约服务), the base of fd_fulfilment_rate.
-- Incremental (macros/incremental/replace_keys.sql): after a complete build, only the services
-- that later loads touched, a re-sent day's dropped ones included.
{{ config(materialized=incremental_materialization(), incremental_strategy='replace_keys',
          unique_key='service_id') }}
with services as (
    select
        service_id,
        contract_id,
        inst_code,
        doctor_id,
        service_date,
        service_type,
        _delivery_date,
        _loaded_at
    from {{ ref('stg_phs__fd_services') }}
)
{%- if builds_touched_keys_only() %}

-- A service no longer delivered comes out as a row of nulls: deleted, not inserted.
{{ rows_for_keys(touched_keys(source('phs', 'fd_services'), 'fd_services', ['service_id']),
                 'services', ['service_id']) }}
{%- else %}

select * from services
{%- endif %}
