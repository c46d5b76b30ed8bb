{# The grain of a model is unique (a package-free unique_combination_of_columns). #}
{% test unique_grain(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_at_grain
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
