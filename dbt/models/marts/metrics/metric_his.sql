-- HIS metrics counted at an institution (scopes: district, group, institution): primary-care
-- visit share, referrals by origin, and the lead hospitals' slots and beds.
with district as (
    select admdvs as district_code from {{ ref('int_district') }} where is_district_code
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

visits as (
    select
        visits.visit_date,
        visits.inst_code,
        institutions.group_code,
        district.district_code,
        case when visits.status = '正常' and institutions.is_primary then 1 else 0 end as num,
        case when visits.status = '正常' then 1 else 0 end as den
    from {{ ref('fct_outpatient_visits') }} as visits
    inner join institutions
        on visits.inst_code = institutions.inst_code
    cross join district
    where institutions.is_in_district
),

visits_dated as ({{ dated_in_periods('visits', 'visit_date') }}),
visits_scoped as ({{ fan_out_scopes('visits_dated', ['district', 'group', 'institution']) }}),

referrals as (
    select
        referrals.referral_date,
        referrals.from_inst_code as inst_code,
        institutions.group_code,
        coalesce(institutions.is_lead, false) as is_lead,
        district.district_code,
        case when referrals.is_accepted and referrals.direction = '下转' then 1 else 0 end
            as downward,
        case when referrals.is_accepted and referrals.direction = '上转' then 1 else 0 end
            as upward,
        case when referrals.is_accepted and referrals.direction = '外转' then 1 else 0 end
            as outward
    from {{ ref('fct_referrals') }} as referrals
    left join institutions
        on referrals.from_inst_code = institutions.inst_code
    cross join district
),

referrals_dated as ({{ dated_in_periods('referrals', 'referral_date') }}),
referrals_scoped as ({{ fan_out_scopes('referrals_dated', ['district', 'group', 'institution']) }}),

-- 下转人次年增长率: the district and each lead hospital, where the period has downward
-- referrals (as downward_referrals; a year earlier without any: no value).
downward_counts as (
    select
        period_type, period_start, scope_type, scope_code,
        sum(downward) as downward
    from referrals_scoped
    where scope_type = 'district' or (scope_type = 'institution' and is_lead)
    group by period_type, period_start, scope_type, scope_code
    having sum(downward) > 0
),

downward_growth as (
    select
        'downward_referral_growth' as metric_code,
        current_period.period_type,
        current_period.period_start,
        current_period.scope_type,
        current_period.scope_code,
        cast(current_period.downward as double) as numerator,
        cast(earlier.downward as double) as denominator,
        {{ safe_ratio('current_period.downward', 'earlier.downward') }} - 1 as value
    from downward_counts as current_period
    left join downward_counts as earlier
        on current_period.period_type = earlier.period_type
        and current_period.scope_type = earlier.scope_type
        and current_period.scope_code = earlier.scope_code
        and earlier.period_start
            = cast({{ dbt.dateadd('year', -1, 'current_period.period_start') }} as date)
),

allocations as (
    select
        allocations.allocation_date,
        allocations.inst_code,
        institutions.group_code,
        district.district_code,
        allocations.outpatient_slots_to_primary,
        allocations.outpatient_slots_total,
        allocations.beds_reserved_for_primary,
        allocations.beds_total
    from {{ ref('fct_resource_allocations') }} as allocations
    inner join institutions
        on allocations.inst_code = institutions.inst_code
    cross join district
    where institutions.is_lead
),

allocations_dated as ({{ dated_in_periods('allocations', 'allocation_date') }}),
allocations_scoped as (
    {{ fan_out_scopes('allocations_dated', ['district', 'group', 'institution']) }}
)

{{ aggregate_metric('primary_visit_share', 'visits_scoped', base='den') }}
union all
{{ aggregate_metric('downward_referrals', 'referrals_scoped', 'count', 'downward',
    base='downward') }}
union all
{{ aggregate_metric('upward_referrals', 'referrals_scoped', 'count', 'upward', base='upward') }}
union all
{{ aggregate_metric('outward_referrals', 'referrals_scoped', 'count', 'outward',
    base='outward') }}
union all
select * from downward_growth
union all
{{ aggregate_metric('slot_sinking_share', 'allocations_scoped', 'ratio',
    'outpatient_slots_to_primary', 'outpatient_slots_total') }}
union all
{{ aggregate_metric('bed_sinking_share', 'allocations_scoped', 'ratio',
    'beds_reserved_for_primary', 'beds_total') }}
