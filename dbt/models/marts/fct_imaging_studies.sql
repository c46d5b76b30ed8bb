-- PACS studies, the base of the imaging metrics.
-- Incremental (macros/incremental/replace_keys.sql): after a complete build, only the studies
-- that later loads touched, a re-sent day's dropped ones included.
{{ config(materialized=incremental_materialization(), incremental_strategy='replace_keys',
          unique_key='accession_no') }}
with studies as (
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
        _delivery_date,
        _loaded_at
    from {{ ref('stg_pacs__imaging_studies') }}
)

{{ extract_fact_rows('studies', source('pacs', 'imaging_studies'), ['accession_no']) }}
