{{ config(materialized='ephemeral') }}
-- ref/population.csv rows (replaced whole on each delivery), keyed as staging keys them.
select
    cast(year as integer) as population_year,
    township_code,
    sex,
    cast(age as integer) as age,
    cast(population as integer) as population,
    _source_file as source_file,
    _source_line as source_line,
    _delivery_date as delivery_date
from {{ source('ref', 'ref_population') }}
