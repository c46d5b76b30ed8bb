-- Rebuilt whole on every build, like the other facts: it follows staging's latest versions
-- exactly, so a re-sent day that drops or corrects a row is reflected (an incremental
-- delete+insert by key kept the dropped rows; docs/performance.md).
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
