with latest as (
    {{ latest_versions(source('pacs', 'imaging_studies'), ['accession_no']) }}
)

select
    accession_no,
    exam_inst_code,
    report_inst_code,
    id_card_no as person_key,
    modality,
    body_part,
    exam_time,
    cast(exam_time as date) as exam_date,
    report_time,
    remote_read,
    recognised,
    critical_finding,
    _delivery_date,
    _loaded_at
from latest
