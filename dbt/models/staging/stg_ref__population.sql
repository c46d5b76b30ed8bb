select
    cast(year as integer) as population_year,
    township_code,
    sex,
    cast(age as integer) as age,
    cast(population as integer) as population
from {{ source('ref', 'ref_population') }}
