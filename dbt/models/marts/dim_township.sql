-- Townships of the district, named after their 乡镇卫生院 / 社区卫生服务中心 (minus that
-- suffix), else by code; the group is that institution's group.
with institutions as (
    select * from {{ ref('int_institutions') }}
),

townships as (
    select township_code from institutions where township_code is not null
    union
    select township_code from {{ ref('stg_ref__population') }} where township_code is not null
),

health_centres as (
    select
        township_code,
        case
            when inst_type = '乡镇卫生院' then replace(inst_name, '乡镇卫生院', '')
            else replace(inst_name, '社区卫生服务中心', '')
        end as township_name,
        group_code
    from institutions
    where township_code is not null
        and inst_type in ('乡镇卫生院', '社区卫生服务中心')
    qualify row_number() over (partition by township_code order by inst_code) = 1
),

-- Counted first, ranked after: Spark does not rank on an aggregate in the same select.
group_sizes as (
    select township_code, group_code, count(*) as institutions_in_group
    from institutions
    where township_code is not null and group_code is not null
    group by township_code, group_code
),

main_group as (
    select township_code, group_code
    from group_sizes
    qualify row_number() over (
        partition by township_code order by institutions_in_group desc, group_code asc
    ) = 1
)

select
    townships.township_code,
    coalesce(nullif(health_centres.township_name, ''), townships.township_code) as township_name,
    coalesce(health_centres.group_code, main_group.group_code) as group_code
from townships
left join health_centres on townships.township_code = health_centres.township_code
left join main_group on townships.township_code = main_group.township_code
