select * from {{ ref('int_referrals_directed') }}
