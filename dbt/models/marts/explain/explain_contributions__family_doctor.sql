{{ config(materialized='view', schema='explain') }}
-- The contract, population and settlement rows behind each family-doctor metric of
-- metric_family_doctor.sql (scopes: district, township), for the periods it publishes: the same
-- facts (fct_fd_contracts, fct_fd_services, fct_encounters, population), the same "held on the
-- period's last day" rule and the same thresholds.
{{ explain_contributions__family_doctor() }}
