-- Every state change a validator reported, as a row: the timeline says the same in words, but its summaries
-- carry the validator's name as it was then, so a validator renamed later could no longer be found in them.
-- The postmortem reads these rows (by validator id) for each validator's times to acknowledge and to ready.
-- Incidents from before this migration have none; the postmortem reads their timeline instead.
CREATE TABLE validator_reports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    -- Not the incident's seat: the record outlives a change of the validator set, as the timeline does.
    validator_id uuid NOT NULL REFERENCES validators (id) ON DELETE RESTRICT,
    at timestamptz NOT NULL,
    from_state varchar(20) NOT NULL,
    to_state varchar(20) NOT NULL,
    version varchar(100),
    actor varchar(256) NOT NULL
);
CREATE INDEX ix_validator_reports_incident_id ON validator_reports (incident_id, id);
