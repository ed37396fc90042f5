-- Reading the chain itself: per network the RPC endpoints the portal polls (and the last reading), per incident
-- whether the chain was seen resuming, and per incident validator whether it was seen voting at the stuck height
-- and which version its node reports.

CREATE TABLE network_chains (
    network_id uuid PRIMARY KEY REFERENCES networks (id) ON DELETE CASCADE,
    family varchar(20) NOT NULL CHECK (family IN ('cometbft', 'solana')),
    rpc_urls jsonb NOT NULL CHECK (jsonb_typeof(rpc_urls) = 'array'),
    poll_seconds integer NOT NULL CHECK (poll_seconds BETWEEN 2 AND 3600),
    auto_resume boolean NOT NULL,
    updated_at timestamptz NOT NULL,
    -- The instance that claims a poll moves this forward first; others skip the network until it passes.
    claimed_until timestamptz,
    latest_height bigint CHECK (latest_height >= 0),
    read_at timestamptz,
    node_version varchar(100),
    catching_up boolean,
    unreachable_since timestamptz,
    last_error varchar(500),
    anomaly varchar(500)
);

CREATE TABLE incident_chains (
    incident_id uuid PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    resumed_height bigint CHECK (resumed_height >= 0),
    resumed_seen_at timestamptz,
    vote_height bigint CHECK (vote_height >= 0),
    votes_read_at timestamptz
);

CREATE TABLE validator_chain_marks (
    incident_id uuid NOT NULL,
    validator_id uuid NOT NULL,
    seen_voting_at timestamptz,
    seen_height bigint CHECK (seen_height >= 0),
    last_seen_at timestamptz,
    node_version varchar(100),
    version_read_at timestamptz,
    version_error varchar(500),
    PRIMARY KEY (incident_id, validator_id),
    FOREIGN KEY (incident_id, validator_id) REFERENCES incident_validators (incident_id, validator_id) ON DELETE CASCADE
);
