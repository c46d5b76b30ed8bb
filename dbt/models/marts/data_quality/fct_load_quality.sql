{#- Load accounting per system × delivery day × table, for the committee pack's data-quality
    summary. Each file counts once, by its latest outcome: a resent file that was refused and then
    loaded counts as loaded (and the reverse), and a file loaded twice is not counted twice. -#}
with loads as (
    select
        system,
        delivery_date,
        file_name,
        table_name,
        rows_read,
        rows_loaded,
        rows_quarantined,
        loaded_at as event_at,
        1 as is_loaded
    from {{ source('load_accounting', 'load_log') }}
),

refusals as (
    select
        system,
        delivery_date,
        file_name,
        {{ dbt.split_part('file_name', "'.'", 1) }} as table_name,
        0 as rows_read,
        0 as rows_loaded,
        0 as rows_quarantined,
        rejected_at as event_at,
        0 as is_loaded
    from {{ source('load_refusals', 'rejected_files') }}
),

file_events as (
    select * from loads
    union all
    select * from refusals
),

latest_outcome_per_file as (
    select * from file_events
    qualify row_number() over (
        partition by system, delivery_date, file_name
        order by event_at desc, is_loaded desc
    ) = 1
)

select
    system,
    delivery_date,
    table_name,
    cast(sum(is_loaded) as bigint) as files_loaded,
    cast(sum(1 - is_loaded) as bigint) as files_refused,
    cast(sum(rows_read) as bigint) as rows_read,
    cast(sum(rows_loaded) as bigint) as rows_loaded,
    cast(sum(rows_quarantined) as bigint) as rows_quarantined
from latest_outcome_per_file
group by system, delivery_date, table_name
