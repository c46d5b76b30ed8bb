-- Rebuilt whole on every build, like the other facts: it follows staging's latest versions
-- exactly, so a re-sent day that drops or corrects a row is reflected (an incremental
-- delete+insert by key kept the dropped rows; docs/performance.md).
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
