-- HIS registrations (门急诊), the base of primary_visit_share.
-- Incremental (macros/incremental/replace_keys.sql): after a complete build, only the visits
-- that later loads touched.
{{ config(materialized=incremental_materialization(), incremental_strategy='replace_keys',
          unique_key=['visit_id', 'inst_code']) }}
with visits as (
    select
        visit_id,
        inst_code,
        person_key,
        visit_time,
        visit_date,
        visit_type,
        booking_channel,
        mdtrt_id,
        total_fee,
        status,
        _delivery_date,
        _loaded_at
    from {{ ref('stg_his__outpatient_visits') }}
)

{{ extract_fact_rows('visits', source('his', 'outpatient_visits'), ['visit_id', 'inst_code']) }}
