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

{{ extract_fact_rows('services', source('phs', 'fd_services'), ['service_id']) }}
