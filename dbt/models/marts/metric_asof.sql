-- Every metric × scope as of each reporting month: the latest value published at the metric's
-- finest period (month; the literacy survey only has years) up to that month, with target,
-- status, year-on-year change and the committee's display formats. as_of_label is 'YYYY-MM',
-- or '最新' for the newest month (the dashboard's period filter and its default). The
-- dashboard's cards, theme tables and 解剖分析 read this table as it is: materialised here so a
-- chart is a lookup, not a window over metric_values on every query.
with metric_values as (
    select * from {{ ref('metric_values') }}
),

grain as (
    select
        metric_code,
        min(case period_type when 'month' then 1 when 'quarter' then 2 else 3 end) as grain_rank
    from metric_values
    group by metric_code
),

finest as (
    select metric_values.*
    from metric_values
    inner join grain
        on metric_values.metric_code = grain.metric_code
        and grain.grain_rank = case metric_values.period_type
            when 'month' then 1 when 'quarter' then 2 else 3
        end
),

-- Every reported month, plus '最新' (the newest one).
months as (
    select distinct
        period_start as as_of_month,
        {{ month_label('period_start') }} as as_of_label
    from metric_values
    where period_type = 'month'
    union all
    select
        max(period_start) as as_of_month,
        '最新' as as_of_label
    from metric_values
    where period_type = 'month'
),

as_of as (
    select
        months.as_of_month,
        months.as_of_label,
        finest.*
    from months
    inner join finest
        on finest.period_start <= months.as_of_month
    qualify row_number() over (
        partition by months.as_of_label, finest.metric_code, finest.scope_type, finest.scope_code
        order by finest.period_start desc
    ) = 1
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

townships as (
    select * from {{ ref('dim_township') }}
),

definitions as (
    select * from {{ ref('dim_metric') }}
),

group_leads as (
    select
        group_code,
        min(inst_name) as lead_name
    from institutions
    where group_code is not null and cast(is_lead as boolean)
    group by group_code
),

scoped as (
    select
        as_of.*,
        definitions.theme_zh,
        definitions.is_headline,
        definitions.unit as metric_unit,
        definitions.better_direction,
        definitions.target_basis as metric_target_basis,
        coalesce(definitions.metric_name_zh, as_of.metric_name_zh) as metric_name,
        case as_of.scope_type
            when 'district' then null
            when 'group' then as_of.scope_code
            when 'institution' then institutions.group_code
            when 'township' then townships.group_code
        end as scope_group_code,
        case as_of.scope_type
            when 'district' then '全区'
            when 'group' then coalesce(group_leads.lead_name || '医共体', as_of.scope_code)
            when 'institution' then coalesce(institutions.inst_name, as_of.scope_code)
            when 'township' then coalesce(townships.township_name, as_of.scope_code)
        end as scope_name,
        case as_of.scope_type
            when 'district' then '全区'
            when 'group' then '医共体'
            when 'institution' then '成员机构'
            when 'township' then '乡镇(街道)'
            else as_of.scope_type
        end as scope_type_zh,
        -- Shortfall against target, positive = behind (ranks the laggards); a target on the
        -- year-on-year change (target_basis = 'yoy_change') compares that change.
        case
            when as_of.target is null then null
            when definitions.target_basis = 'yoy_change' then
                case when as_of.target_op in ('>=', '>') then as_of.target - as_of.yoy_change
                     else as_of.yoy_change - as_of.target end
            when as_of.target_op in ('>=', '>') then as_of.target - as_of.value
            else as_of.value - as_of.target
        end as gap_to_target
    from as_of
    left join definitions
        on as_of.metric_code = definitions.metric_code
    left join institutions
        on as_of.scope_type = 'institution' and as_of.scope_code = institutions.inst_code
    left join townships
        on as_of.scope_type = 'township' and as_of.scope_code = townships.township_code
    left join group_leads
        on as_of.scope_type = 'group' and as_of.scope_code = group_leads.group_code
),

-- Green/red: against the target where there is one, else the year-on-year change against
-- the metric's better direction.
judged as (
    select
        scoped.*,
        case
            when scoped.meets_target is not null
                then case when scoped.meets_target then 'good' else 'bad' end
            when scoped.target is null and scoped.yoy_change is not null
                and scoped.yoy_change <> 0 and scoped.better_direction in ('up', 'down')
                then case when (scoped.yoy_change > 0) = (scoped.better_direction = 'up')
                    then 'good' else 'bad' end
            else 'none'
        end as status
    from scoped
)

select
    judged.as_of_month,
    judged.as_of_label,
    judged.metric_code,
    judged.metric_name,
    judged.theme_zh,
    cast(judged.is_headline as boolean) as is_headline,
    judged.metric_unit as unit,
    judged.better_direction,
    judged.period_type,
    judged.period_start,
    case judged.period_type
        when 'month' then {{ month_label('judged.period_start') }}
        when 'quarter' then {{ year_label('judged.period_start') }} || 'Q'
            || cast(quarter(judged.period_start) as string)
        else {{ year_label('judged.period_start') }} || '年'
    end as period_label,
    judged.scope_type,
    judged.scope_type_zh,
    judged.scope_code,
    judged.scope_name,
    coalesce(group_names.lead_name || '医共体', judged.scope_group_code) as group_name,
    judged.numerator,
    judged.denominator,
    judged.value,
    judged.target,
    judged.target_op,
    judged.meets_target,
    judged.yoy_change,
    judged.gap_to_target,
    judged.status,
    case judged.status
        when 'good' then '#1a7f37' when 'bad' then '#cf222e' else '#57606a'
    end as status_color,
    case
        when judged.meets_target is not null
            then case when judged.meets_target then '达标' else '未达标' end
        when judged.status = 'good' then '向好'
        when judged.status = 'bad' then '未向好'
        when judged.yoy_change is null
            and (judged.target is not null or judged.better_direction in ('up', 'down'))
            then '暂无同比'
        else '—'
    end as status_zh,
    case
        when judged.meets_target = false then 0 when judged.meets_target is null then 1 else 2
    end as laggard_order,
    rank() over (
        partition by judged.as_of_label, judged.metric_code, judged.scope_type
        order by case when judged.better_direction = 'down' then judged.value
                      else -judged.value end
    ) as rank_in_scope,
    case
        when judged.value is null then '—'
        when judged.metric_unit = 'rate' then printf('%.1f%%', judged.value * 100)
        when judged.metric_unit = 'count' then {{ format_thousands('judged.value', 0) }}
        when judged.metric_unit = 'yuan' then {{ format_thousands('judged.value', 1) }} || ' 元'
        when judged.metric_unit = 'days' then printf('%.1f', judged.value) || ' 天'
        when judged.metric_unit = 'per_10k' then printf('%.1f', judged.value) || ' /万人'
        else printf('%.2f', judged.value)
    end as value_display,
    case
        when judged.target is null then
            case judged.better_direction
                when 'up' then '逐年上升' when 'down' then '逐年下降' else '—'
            end
        when judged.metric_target_basis = 'yoy_change' and judged.metric_unit = 'rate' then
            '同比' || replace(replace(judged.target_op, '>=', '≥'), '<=', '≤')
            || printf(' %+.1f 个百分点', judged.target * 100)
        else replace(replace(judged.target_op, '>=', '≥'), '<=', '≤') || ' '
            || case
                when judged.metric_unit = 'rate' then printf('%.1f%%', judged.target * 100)
                when judged.metric_unit = 'count' then {{ format_thousands('judged.target', 0) }}
                else printf('%.1f', judged.target)
            end
            || case when judged.metric_target_basis = 'value_and_rise' then ' 且逐年上升' else '' end
    end as target_display,
    case
        when judged.yoy_change is null then '—'
        when judged.metric_unit = 'rate' then printf('%+.1f 个百分点', judged.yoy_change * 100)
        when judged.metric_unit = 'days' then printf('%+.1f 天', judged.yoy_change)
        else printf('%+.1f%%', judged.yoy_change * 100)
    end as yoy_display
from judged
left join group_leads as group_names
    on judged.scope_group_code = group_names.group_code
