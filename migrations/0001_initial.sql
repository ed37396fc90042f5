-- Networks, their validators, incidents and each incident's frozen validator set.
-- Stake is numeric(38,0): exact base units, never floating point.

CREATE TABLE networks (
    id uuid PRIMARY KEY,
    name varchar(100) NOT NULL,
    chain_id varchar(100) NOT NULL,
    quorum_numerator integer NOT NULL,
    quorum_denominator integer NOT NULL,
    quorum_strict boolean NOT NULL,
    quorum_weighting varchar(20) NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT ck_networks_quorum CHECK (
        quorum_denominator BETWEEN 1 AND 1000000
        AND quorum_numerator BETWEEN 1 AND quorum_denominator
        AND NOT (quorum_strict AND quorum_numerator = quorum_denominator)),
    CONSTRAINT ck_networks_weighting CHECK (quorum_weighting IN ('Stake', 'Count'))
);
CREATE UNIQUE INDEX ix_networks_chain_id ON networks (chain_id);

CREATE TABLE validators (
    id uuid PRIMARY KEY,
    network_id uuid NOT NULL REFERENCES networks (id) ON DELETE RESTRICT,
    key varchar(200) NOT NULL,
    name varchar(200) NOT NULL,
    time_zone varchar(64),
    contact varchar(500),
    status_url varchar(500)
);
CREATE UNIQUE INDEX ix_validators_network_id_key ON validators (network_id, key);

CREATE TABLE incidents (
    id uuid PRIMARY KEY,
    network_id uuid NOT NULL REFERENCES networks (id) ON DELETE RESTRICT,
    title varchar(200) NOT NULL,
    halt_height bigint NOT NULL CHECK (halt_height >= 0),
    summary varchar(20000),
    status varchar(20) NOT NULL,
    revision bigint NOT NULL CHECK (revision >= 1),
    set_height bigint CHECK (set_height >= 0),
    declared_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT ck_incidents_status CHECK (status IN ('Investigating', 'Fixing', 'Coordinating', 'QuorumReached', 'Resumed', 'Closed'))
);
CREATE INDEX ix_incidents_network_id ON incidents (network_id);

CREATE TABLE incident_validators (
    incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    validator_id uuid NOT NULL REFERENCES validators (id) ON DELETE RESTRICT,
    stake numeric(38,0) NOT NULL CHECK (stake >= 0),
    state varchar(20) NOT NULL,
    version varchar(100),
    note varchar(2000),
    updated_at timestamptz NOT NULL,
    updated_by varchar(200),
    PRIMARY KEY (incident_id, validator_id),
    CONSTRAINT ck_incident_validators_state CHECK (state IN ('Pending', 'Acknowledged', 'Downloading', 'Upgraded', 'Ready', 'Blocked'))
);
CREATE INDEX ix_incident_validators_validator_id ON incident_validators (validator_id);
