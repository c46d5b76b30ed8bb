-- EMR metrics (scopes: district, group, institution). ALOS over all discharges; the surgical
-- and DRG shares over the lead hospitals' discharges only.
with thresholds as (
    select max(case when threshold_code = 'low_weight_drg_cutoff' then threshold_value end)
        as low_weight_drg_cutoff
    from {{ ref('metric_thresholds') }}
),

district as (
    select admdvs as district_code from {{ ref('int_district') }} where is_district_code
),

discharges as (
    select
        discharges.discharge_date,
        discharges.inst_code,
        institutions.group_code,
        coalesce(institutions.is_lead, false) as is_lead,
        district.district_code,
        discharges.los_days,
        case when discharges.op_level in ('3', '4') then 1 else 0 end as is_op_level34,
        case when discharges.op_level is not null then 1 else 0 end as has_op_level,
        case when discharges.drg_weight < thresholds.low_weight_drg_cutoff then 1 else 0 end
            as is_low_weight,
        case when discharges.drg_weight is not null then 1 else 0 end as has_drg_weight
    from {{ ref('fct_discharges') }} as discharges
    left join {{ ref('dim_institution') }} as institutions
        on discharges.inst_code = institutions.inst_code
    cross join district
    cross join thresholds
),

discharges_dated as ({{ dated_in_periods('discharges', 'discharge_date') }}),
discharges_scoped as (
    {{ fan_out_scopes('discharges_dated', ['district', 'group', 'institution']) }}
),

lead_discharges_scoped as (
    select * from discharges_scoped where is_lead
)

{{ aggregate_metric('alos', 'discharges_scoped', 'ratio', 'los_days', '1') }}
union all
{{ aggregate_metric('op_level34_share', 'lead_discharges_scoped', 'ratio',
    'is_op_level34', 'has_op_level', base='has_op_level') }}
union all
{{ aggregate_metric('low_weight_case_share', 'lead_discharges_scoped', 'ratio',
    'is_low_weight', 'has_drg_weight', base='has_drg_weight') }}
