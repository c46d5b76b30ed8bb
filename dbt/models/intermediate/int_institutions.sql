with district as (
    select admdvs from {{ ref('int_district') }}
)

select
    institutions.inst_code,
    institutions.inst_name,
    institutions.inst_type,
    institutions.inst_level,
    institutions.admdvs,
    institutions.township_code,
    institutions.group_code,
    coalesce(institutions.is_lead, 0) = 1 as is_lead,
    district.admdvs is not null as is_in_district,
    institutions.inst_type in (
        '社区卫生服务中心', '社区卫生服务站', '乡镇卫生院', '村卫生室', '门诊部/诊所'
    ) as is_primary,
    -- 三级 > 二级 > 一级/未定级; a primary institution counts as the lowest level.
    case
        when institutions.inst_type in (
            '社区卫生服务中心', '社区卫生服务站', '乡镇卫生院', '村卫生室', '门诊部/诊所'
        ) then 1
        when institutions.inst_level = '三级' then 3
        when institutions.inst_level = '二级' then 2
        else 1
    end as level_rank
from {{ ref('stg_ref__institutions') }} as institutions
left join district
    on institutions.admdvs = district.admdvs
