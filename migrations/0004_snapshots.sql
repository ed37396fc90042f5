-- Verified snapshots: declared metadata, where the bytes are, what the portal computed, and who approved.

CREATE TABLE snapshots (
    id uuid PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    height bigint NOT NULL CHECK (height >= 0),
    block_hash varchar(128) NOT NULL,
    declared_sha256 char(64) NOT NULL CHECK (declared_sha256 ~ '^[0-9a-f]{64}$'),
    declared_size bigint NOT NULL CHECK (declared_size > 0),
    file_name varchar(200) NOT NULL,
    notes varchar(5000),
    blob_key varchar(1024) NOT NULL,
    upload_id varchar(1024),
    status varchar(20) NOT NULL CHECK (status IN
        ('Uploading', 'Uploaded', 'Verifying', 'AwaitingApproval', 'Verified', 'Mismatch', 'Published', 'Revoked')),
    uploaded_by varchar(256) NOT NULL,
    uploaded_by_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    hashed_bytes bigint NOT NULL DEFAULT 0,
    computed_sha256 char(64),
    computed_size bigint,
    hashed_at timestamptz,
    verification_attempts integer NOT NULL DEFAULT 0,
    approved_by varchar(256),
    approved_at timestamptz,
    published_at timestamptz,
    revoked_at timestamptz,
    revoked_reason varchar(2000),
    -- Who is hashing it, until when. Not mapped by EF: claimed and renewed by the verifier with plain SQL,
    -- so that after a crash another instance (or the restarted one) takes the job over once the lease lapses.
    verifier_lease_until timestamptz,
    verifier_owner varchar(100),
    -- The two-person rule, enforced by the database as well: whoever approved did not upload.
    CONSTRAINT ck_snapshots_second_person CHECK (approved_by IS NULL OR approved_by <> uploaded_by),
    CONSTRAINT ck_snapshots_verified_means_matched CHECK (
        status NOT IN ('AwaitingApproval', 'Verified', 'Published')
        OR (computed_sha256 = declared_sha256 AND computed_size = declared_size))
);
CREATE INDEX ix_snapshots_incident_id_created_at ON snapshots (incident_id, created_at);
CREATE INDEX ix_snapshots_status ON snapshots (status);
