with latest as (
    {{ latest_versions(source('lis', 'lab_results'), ['report_id', 'item_seq']) }}
)

select
    report_id,
    item_seq,
    request_inst_code,
    perform_inst_code,
    id_card_no as person_key,
    specimen,
    collected_time,
    reported_time,
    cast(reported_time as date) as reported_date,
    item_code,
    item_name,
    result_value,
    unit,
    reference_range,
    abnormal_flag,
    recognised,
    _delivery_date,
    _loaded_at
from latest
