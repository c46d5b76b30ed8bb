-- Pseudonymous: the person key is the keyed hash of the identity number; no names, no numbers.
select
    person_key,
    sex,
    birth_date,
    insu_admdvs,
    is_district_insured,
    systems_seen,
    first_seen_at,
    last_seen_at
from {{ ref('int_persons') }}
