-- PACS and LIS metrics counted at the performing institution (scopes: district, group,
-- institution).
with district as (
    select admdvs as district_code from {{ ref('int_district') }} where is_district_code
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

population as (
    select population_year, sum(population) as population
    from {{ ref('stg_ref__population') }}
    group by population_year
),

studies as (
    select
        studies.exam_date,
        studies.exam_inst_code as inst_code,
        institutions.group_code,
        district.district_code,
        coalesce(institutions.is_primary, false) as is_primary,
        studies.remote_read,
        studies.recognised
    from {{ ref('fct_imaging_studies') }} as studies
    left join institutions
        on studies.exam_inst_code = institutions.inst_code
    cross join district
),

studies_dated as ({{ dated_in_periods('studies', 'exam_date') }}),
studies_scoped as ({{ fan_out_scopes('studies_dated', ['district', 'group', 'institution']) }}),

primary_studies_scoped as (
    select
        studies_scoped.*,
        case when remote_read = 1 then 1 else 0 end as num,
        1 as den
    from studies_scoped
    where is_primary
),

-- Remote reads per 10,000 people of the district (the population of the period's year),
-- where the period has remote reads: a scope that reads none gets no row, not a 0.
remote_reads as (
    select
        period_type, period_start, scope_type, scope_code,
        sum(case when remote_read = 1 then 1 else 0 end) as remote_reads
    from studies_scoped
    group by period_type, period_start, scope_type, scope_code
    having sum(case when remote_read = 1 then 1 else 0 end) > 0
),

lab_items as (
    select
        items.reported_date,
        items.perform_inst_code as inst_code,
        institutions.group_code,
        district.district_code,
        case when items.recognised = 1 then 1 else 0 end as num,
        1 as den
    from {{ ref('fct_lab_results') }} as items
    left join institutions
        on items.perform_inst_code = institutions.inst_code
    cross join district
),

lab_items_dated as ({{ dated_in_periods('lab_items', 'reported_date') }}),
lab_items_scoped as (
    {{ fan_out_scopes('lab_items_dated', ['district', 'group', 'institution']) }}
)

{{ aggregate_metric('remote_read_share', 'primary_studies_scoped') }}
union all
select
    'remote_reads_per_10k' as metric_code,
    remote_reads.period_type,
    remote_reads.period_start,
    remote_reads.scope_type,
    remote_reads.scope_code,
    cast(remote_reads.remote_reads as double) as numerator,
    cast(population.population as double) as denominator,
    {{ safe_ratio('remote_reads.remote_reads', 'population.population', 10000) }} as value
from remote_reads
left join population
    on population.population_year = extract(year from remote_reads.period_start)
union all
{{ aggregate_metric('imaging_recognition_rate', 'studies_scoped', 'ratio',
    'case when recognised = 1 then 1 else 0 end', '1') }}
union all
{{ aggregate_metric('lab_recognition_rate', 'lab_items_scoped') }}
