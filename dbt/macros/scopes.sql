{# Fan a CTE of rows out to the scopes a metric is published for. The CTE must carry the
   columns the scopes need: district_code, group_code, inst_code, township_code. #}
{% macro fan_out_scopes(cte, scopes) -%}
    {%- for scope in scopes %}
    select {{ cte }}.*, '{{ scope }}' as scope_type,
        {% if scope == 'district' %}district_code{% elif scope == 'group' %}group_code{% elif scope == 'institution' %}inst_code{% else %}township_code{% endif %} as scope_code
    from {{ cte }}
    {%- if scope != 'district' %}
    where {% if scope == 'group' %}group_code{% elif scope == 'institution' %}inst_code{% else %}township_code{% endif %} is not null
    {%- endif %}
    {%- if not loop.last %}
    union all{% endif %}
    {%- endfor %}
{%- endmacro %}
