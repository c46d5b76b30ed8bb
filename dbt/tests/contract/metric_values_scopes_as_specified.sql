-- Each metric is published for the scopes METRICS.md lists ("Scopes") and no others.
with allowed as (
    select metric_code, 'district' as scope_type from {{ ref('metric_definitions') }}
    union all
    select metric_code, scope_type
    from {{ ref('metric_definitions') }}
    cross join (select 'group' as scope_type union all select 'institution') as scopes
    where metric_code in ('primary_visit_share', 'downward_referrals', 'upward_referrals',
        'outward_referrals', 'slot_sinking_share', 'bed_sinking_share', 'remote_read_share',
        'remote_reads_per_10k', 'lab_recognition_rate', 'imaging_recognition_rate', 'alos',
        'op_level34_share', 'low_weight_case_share')
    union all
    select 'downward_referral_growth', 'institution'
    union all
    select metric_code, 'township'
    from {{ ref('metric_definitions') }}
    where metric_code in ('health_literacy_level', 'health_literacy_level_unweighted',
        'fd_signing_rate', 'fd_elderly_signing_rate', 'fd_fulfilment_rate',
        'fd_contracted_primary_visit_share')
)

select metric_values.metric_code, metric_values.scope_type, count(*) as rows_out_of_scope
from {{ ref('metric_values') }} as metric_values
left join allowed
    on metric_values.metric_code = allowed.metric_code
    and metric_values.scope_type = allowed.scope_type
where allowed.metric_code is null
group by metric_values.metric_code, metric_values.scope_type
