{# The HIS, PACS, LIS and EMR rows behind the metrics counted at an institution
   (metric_his.sql, metric_diagnostics.sql, metric_discharges.sql; scopes: district, group,
   institution): the same facts, the same institution flags, the same dating. Each row adds its
   numerator or denominator term (1, a flag, days, slots or beds); the metric is their sum. For
   the plain counts (referrals by direction) the rows are the `numerator` of the count.
   window_start: see explain_period_types (period_window.sql). #}
{% macro explain_contributions__institutions(window_start=none) -%}
{#- (name, system, table, key columns, version column, fact, its date, the key as the fact's
    columns under the raw names) -#}
{%- set lineage_sources = [
    ('visits', 'his', 'outpatient_visits', ['visit_id', 'inst_code'], none,
        'fct_outpatient_visits', 'visit_date', 'visit_id, inst_code'),
    ('allocations', 'his', 'resource_allocations', ['date', 'inst_code', 'dept_code'], none,
        'fct_resource_allocations', 'allocation_date',
        'allocation_date as date, inst_code, dept_code'),
    ('studies', 'pacs', 'imaging_studies', ['accession_no'], none,
        'fct_imaging_studies', 'exam_date', 'accession_no'),
    ('lab_items', 'lis', 'lab_results', ['report_id', 'item_seq'], none,
        'fct_lab_results', 'reported_date', 'report_id, item_seq'),
    ('discharges', 'emr', 'discharge_abstracts', ['abstract_id', 'inst_code'], none,
        'fct_discharges', 'discharge_date', 'abstract_id, inst_code'),
    ('referrals', 'his', 'referrals', ['referral_id'], 'updated_at',
        'fct_referrals', 'referral_date', 'referral_id'),
] %}
with district as (
    select admdvs as district_code from {{ ref('int_district') }} where is_district_code
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

{% for name, system, table, keys, version, fact, fact_date, fact_keys in lineage_sources -%}
{#- the raw row staging kept (same version rule), with its file and line -#}
{%- set wanted_keys = none %}
{%- if window_start is not none %}
{%- set wanted_keys = 'select ' ~ fact_keys ~ ' from ' ~ ref(fact) ~ ' where ' ~ fact_date
    ~ ' >= ' ~ window_start %}
{%- endif %}
lineage_{{ name }} as (
    {{ explain_lineage_rows(source(system, table), keys, version, wanted_keys) }}
),

{% endfor -%}

visits as (
    select
        visits.visit_date,
        visits.inst_code,
        institutions.group_code,
        district.district_code,
        -- An id is its institution's own (each member runs its own HIS and EMR).
        'visit_id:' || visits.visit_id || '@' || visits.inst_code as row_key,
        visits.person_key,
        'his' as source_system,
        'outpatient_visits' as source_table,
        lineage.source_file,
        lineage.source_line,
        lineage.delivery_date,
        case when visits.status = '正常' and institutions.is_primary then 1 else 0 end as num,
        case when visits.status = '正常' then 1 else 0 end as den
    from {{ ref('fct_outpatient_visits') }} as visits
    inner join institutions
        on visits.inst_code = institutions.inst_code
    cross join district
    left join lineage_visits as lineage
        on visits.visit_id = lineage.visit_id
        and visits.inst_code = lineage.inst_code
    where institutions.is_in_district
),

allocations as (
    select
        allocations.allocation_date,
        allocations.inst_code,
        institutions.group_code,
        district.district_code,
        'allocation:' || cast(allocations.allocation_date as string) || '/'
            || allocations.inst_code || '/' || allocations.dept_code as row_key,
        cast(null as string) as person_key,
        'his' as source_system,
        'resource_allocations' as source_table,
        lineage.source_file,
        lineage.source_line,
        lineage.delivery_date,
        allocations.outpatient_slots_to_primary,
        allocations.outpatient_slots_total,
        allocations.beds_reserved_for_primary,
        allocations.beds_total
    from {{ ref('fct_resource_allocations') }} as allocations
    inner join institutions
        on allocations.inst_code = institutions.inst_code
    cross join district
    left join lineage_allocations as lineage
        on allocations.allocation_date = lineage.date
        and allocations.inst_code = lineage.inst_code
        and allocations.dept_code = lineage.dept_code
    where institutions.is_lead
),

studies as (
    select
        studies.exam_date,
        studies.exam_inst_code as inst_code,
        institutions.group_code,
        district.district_code,
        'accession_no:' || studies.accession_no as row_key,
        studies.person_key,
        'pacs' as source_system,
        'imaging_studies' as source_table,
        lineage.source_file,
        lineage.source_line,
        lineage.delivery_date,
        coalesce(institutions.is_primary, false) as is_primary,
        studies.remote_read,
        studies.recognised
    from {{ ref('fct_imaging_studies') }} as studies
    left join institutions
        on studies.exam_inst_code = institutions.inst_code
    cross join district
    left join lineage_studies as lineage
        on studies.accession_no = lineage.accession_no
),

lab_items as (
    select
        items.reported_date,
        items.perform_inst_code as inst_code,
        institutions.group_code,
        district.district_code,
        'lab_item:' || items.report_id || '/' || cast(items.item_seq as string) as row_key,
        items.person_key,
        'lis' as source_system,
        'lab_results' as source_table,
        lineage.source_file,
        lineage.source_line,
        lineage.delivery_date,
        items.recognised
    from {{ ref('fct_lab_results') }} as items
    left join institutions
        on items.perform_inst_code = institutions.inst_code
    cross join district
    left join lineage_lab_items as lineage
        on items.report_id = lineage.report_id
        and items.item_seq = lineage.item_seq
),

referrals as (
    select
        referrals.referral_date,
        referrals.from_inst_code as inst_code,
        institutions.group_code,
        district.district_code,
        'referral_id:' || referrals.referral_id as row_key,
        referrals.person_key,
        'his' as source_system,
        'referrals' as source_table,
        lineage.source_file,
        lineage.source_line,
        lineage.delivery_date,
        referrals.is_accepted,
        referrals.direction
    from {{ ref('fct_referrals') }} as referrals
    left join institutions
        on referrals.from_inst_code = institutions.inst_code
    cross join district
    left join lineage_referrals as lineage
        on referrals.referral_id = lineage.referral_id
),

thresholds as (
    select max(case when threshold_code = 'low_weight_drg_cutoff' then threshold_value end)
        as low_weight_drg_cutoff
    from {{ ref('metric_thresholds') }}
),

discharges as (
    select
        discharges.discharge_date,
        discharges.inst_code,
        institutions.group_code,
        coalesce(institutions.is_lead, false) as is_lead,
        district.district_code,
        'abstract_id:' || discharges.abstract_id || '@' || discharges.inst_code as row_key,
        discharges.person_key,
        'emr' as source_system,
        'discharge_abstracts' as source_table,
        lineage.source_file,
        lineage.source_line,
        lineage.delivery_date,
        discharges.los_days,
        discharges.op_level,
        discharges.drg_weight,
        case when discharges.drg_weight < thresholds.low_weight_drg_cutoff then 1 else 0 end
            as is_low_weight
    from {{ ref('fct_discharges') }} as discharges
    left join institutions
        on discharges.inst_code = institutions.inst_code
    cross join district
    cross join thresholds
    left join lineage_discharges as lineage
        on discharges.abstract_id = lineage.abstract_id
        and discharges.inst_code = lineage.inst_code
),

visits_dated as ({{ explain_dated_in_periods('visits', 'visit_date', window_start) }}),
visits_scoped as ({{ fan_out_scopes('visits_dated', ['district', 'group', 'institution']) }}),
allocations_dated as ({{ explain_dated_in_periods('allocations', 'allocation_date', window_start) }}),
allocations_scoped as (
    {{ fan_out_scopes('allocations_dated', ['district', 'group', 'institution']) }}
),
studies_dated as ({{ explain_dated_in_periods('studies', 'exam_date', window_start) }}),
studies_scoped as ({{ fan_out_scopes('studies_dated', ['district', 'group', 'institution']) }}),
lab_items_dated as ({{ explain_dated_in_periods('lab_items', 'reported_date', window_start) }}),
lab_items_scoped as (
    {{ fan_out_scopes('lab_items_dated', ['district', 'group', 'institution']) }}
),
referrals_dated as ({{ explain_dated_in_periods('referrals', 'referral_date', window_start) }}),
referrals_scoped as (
    {{ fan_out_scopes('referrals_dated', ['district', 'group', 'institution']) }}
),
discharges_dated as ({{ explain_dated_in_periods('discharges', 'discharge_date', window_start) }}),
discharges_scoped as (
    {{ fan_out_scopes('discharges_dated', ['district', 'group', 'institution']) }}
),

{#- (metric, role, rows, which rows count, what each adds) -#}
{%- set parts = [
    ('downward_referrals', 'numerator', 'referrals_scoped', "is_accepted and direction = '下转'",
        '1'),
    ('upward_referrals', 'numerator', 'referrals_scoped', "is_accepted and direction = '上转'",
        '1'),
    ('outward_referrals', 'numerator', 'referrals_scoped', "is_accepted and direction = '外转'",
        '1'),
    ('primary_visit_share', 'numerator', 'visits_scoped', 'num = 1', '1'),
    ('primary_visit_share', 'denominator', 'visits_scoped', 'den = 1', '1'),
    ('slot_sinking_share', 'numerator', 'allocations_scoped', 'true',
        'outpatient_slots_to_primary'),
    ('slot_sinking_share', 'denominator', 'allocations_scoped', 'true', 'outpatient_slots_total'),
    ('bed_sinking_share', 'numerator', 'allocations_scoped', 'true', 'beds_reserved_for_primary'),
    ('bed_sinking_share', 'denominator', 'allocations_scoped', 'true', 'beds_total'),
    ('remote_read_share', 'numerator', 'studies_scoped', 'is_primary and remote_read = 1', '1'),
    ('remote_read_share', 'denominator', 'studies_scoped', 'is_primary', '1'),
    ('remote_reads_per_10k', 'numerator', 'studies_scoped', 'remote_read = 1', '1'),
    ('imaging_recognition_rate', 'numerator', 'studies_scoped', 'recognised = 1', '1'),
    ('imaging_recognition_rate', 'denominator', 'studies_scoped', 'true', '1'),
    ('lab_recognition_rate', 'numerator', 'lab_items_scoped', 'recognised = 1', '1'),
    ('lab_recognition_rate', 'denominator', 'lab_items_scoped', 'true', '1'),
    ('alos', 'numerator', 'discharges_scoped', 'true', 'los_days'),
    ('alos', 'denominator', 'discharges_scoped', 'true', '1'),
    ('op_level34_share', 'numerator', 'discharges_scoped',
        "is_lead and op_level in ('3', '4')", '1'),
    ('op_level34_share', 'denominator', 'discharges_scoped', 'is_lead and op_level is not null',
        '1'),
    ('low_weight_case_share', 'numerator', 'discharges_scoped', 'is_lead and is_low_weight = 1',
        '1'),
    ('low_weight_case_share', 'denominator', 'discharges_scoped',
        'is_lead and drg_weight is not null', '1'),
] %}

contributions as (
    {%- for code, role, rows, condition, amount in parts %}
    select
        '{{ code }}' as metric_code,
        period_type,
        period_start,
        scope_type,
        scope_code,
        '{{ role }}' as role,
        row_key,
        person_key,
        cast({{ amount }} as double) as contribution,
        row_key as count_key,
        'sum' as aggregation,
        source_system,
        source_table,
        source_file,
        source_line,
        delivery_date,
        '{{ amount if amount != "1" else "counted" }}' as note
    from {{ rows }}
    where {{ condition }}
    union all
    {%- endfor %}
    -- remote_reads_per_10k: the district's population of the period's year, for every scope
    -- with a remote read (a scope without one publishes no value: metric_diagnostics).
    select
        'remote_reads_per_10k' as metric_code,
        scopes.period_type,
        scopes.period_start,
        scopes.scope_type,
        scopes.scope_code,
        'denominator' as role,
        'population:' || cast(population.population_year as string) || '/'
            || population.township_code || '/' || population.sex || '/'
            || cast(population.age as string) as row_key,
        cast(null as string) as person_key,
        cast(population.population as double) as contribution,
        cast(null as string) as count_key,
        'sum' as aggregation,
        'ref' as source_system,
        'ref_population' as source_table,
        population.source_file,
        population.source_line,
        population.delivery_date,
        'population' as note
    from (
        select distinct period_type, period_start, scope_type, scope_code from studies_scoped
        where remote_read = 1
    ) as scopes
    inner join {{ ref('explain_lineage__population') }} as population
        on population.population_year = extract(year from scopes.period_start)
)

select * from contributions
{%- endmacro %}
