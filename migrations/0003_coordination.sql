-- Hotfix releases, the hash-chained incident timeline, and idempotency records for status reports.

CREATE TABLE releases (
    id uuid PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    version varchar(100) NOT NULL,
    notes varchar(100000) NOT NULL,
    status varchar(20) NOT NULL CHECK (status IN ('Draft', 'Published', 'Withdrawn')),
    created_by varchar(256) NOT NULL,
    created_at timestamptz NOT NULL,
    published_at timestamptz,
    withdrawn_at timestamptz,
    withdrawn_reason varchar(2000),
    artifacts jsonb NOT NULL CHECK (jsonb_typeof(artifacts) = 'array'),
    CHECK ((status = 'Draft') = (published_at IS NULL))
);
CREATE UNIQUE INDEX ix_releases_incident_id_version ON releases (incident_id, version);

CREATE TABLE timeline_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at timestamptz NOT NULL,
    kind varchar(40) NOT NULL,
    actor varchar(256) NOT NULL,
    summary varchar(2000) NOT NULL,
    previous_hash char(64) NOT NULL,
    hash char(64) NOT NULL
);
CREATE INDEX ix_timeline_events_incident_id_id ON timeline_events (incident_id, id);

-- Append-only: the portal never updates or deletes an entry. The hash chain still catches anyone who
-- disables this trigger or edits the table with superuser rights.
CREATE FUNCTION timeline_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'timeline_events is append-only';
END $$;
CREATE TRIGGER timeline_events_append_only BEFORE UPDATE OR DELETE ON timeline_events
    FOR EACH ROW EXECUTE FUNCTION timeline_events_append_only();

CREATE TABLE idempotency_records (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key varchar(200) NOT NULL,
    request_hash char(64) NOT NULL,
    status_code integer NOT NULL,
    response_body jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX ix_idempotency_records_created_at ON idempotency_records (created_at);
