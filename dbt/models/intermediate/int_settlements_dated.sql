-- A view: its one reader, fct_settlements, is the table (one write of 8 M rows, not two).
{{ config(materialized='view') }}

-- Settlements that count in money, each dated by its encounter's date (so all of an
-- encounter's money falls in one period), or by its own enddate outside any encounter.
with netted as (
    select * from {{ ref('int_settlements_netted') }}
),

encounters as (
    select mdtrt_id, encounter_date
    from {{ ref('int_encounters') }}
    where is_encounter
)

select
    netted.*,
    coalesce(encounters.encounter_date, netted.enddate) as effective_date,
    encounters.mdtrt_id is not null as belongs_to_encounter
from netted
left join encounters
    on netted.mdtrt_id = encounters.mdtrt_id
