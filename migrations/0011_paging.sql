-- Reaching people: each user's own channels (a verified e-mail address, a Telegram chat, a PagerDuty service) and
-- quiet hours in their own time zone; secondary contacts to escalate to; pages sent by commanders and when they
-- were answered; and when each operator was last reminded about a pending validator.

CREATE TABLE notification_settings (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email varchar(254),
    -- Set when the user followed the link sent to exactly this address; cleared when the address changes.
    email_verified_at timestamptz,
    -- SHA-256 (hex) of the single-use token in the link last sent; never the token itself.
    email_token_hash varchar(64),
    email_token_expires_at timestamptz,
    telegram_chat_id varchar(64),
    pagerduty_routing_key varchar(64),
    time_zone varchar(64) NOT NULL,
    quiet_start_minute integer NOT NULL CHECK (quiet_start_minute BETWEEN 0 AND 1439),
    quiet_end_minute integer NOT NULL CHECK (quiet_end_minute BETWEEN 0 AND 1439),
    updated_at timestamptz NOT NULL
);

-- Who else to wake when a page goes unanswered: either for every validator of one user (set by that user) or for
-- one validator (set by a commander). The contact is a portal user, reached on their own channels.
CREATE TABLE secondary_contacts (
    id uuid PRIMARY KEY,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    validator_id uuid REFERENCES validators (id) ON DELETE CASCADE,
    contact_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    CHECK ((user_id IS NULL) <> (validator_id IS NULL))
);
CREATE UNIQUE INDEX ix_secondary_contacts_user_id_contact_user_id ON secondary_contacts (user_id, contact_user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX ix_secondary_contacts_validator_id_contact_user_id ON secondary_contacts (validator_id, contact_user_id) WHERE validator_id IS NOT NULL;
CREATE INDEX ix_secondary_contacts_contact_user_id ON secondary_contacts (contact_user_id);

CREATE TABLE pages (
    id uuid PRIMARY KEY,
    incident_id uuid NOT NULL,
    validator_id uuid NOT NULL,
    paged_by uuid REFERENCES users (id) ON DELETE SET NULL,
    paged_by_name varchar(256) NOT NULL,
    message varchar(2000),
    paged_at timestamptz NOT NULL,
    channels jsonb NOT NULL CHECK (jsonb_typeof(channels) = 'array'),
    answered_at timestamptz,
    escalated_at timestamptz,
    FOREIGN KEY (incident_id, validator_id) REFERENCES incident_validators (incident_id, validator_id) ON DELETE CASCADE
);
CREATE INDEX ix_pages_incident_id_validator_id ON pages (incident_id, validator_id);
-- The escalation sweep reads only pages still waiting for an answer.
CREATE INDEX ix_pages_paged_at ON pages (paged_at) WHERE answered_at IS NULL AND escalated_at IS NULL;

CREATE TABLE reminders (
    incident_id uuid NOT NULL,
    validator_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_reminded_at timestamptz NOT NULL,
    reminded_count integer NOT NULL CHECK (reminded_count >= 1),
    PRIMARY KEY (incident_id, validator_id, user_id),
    FOREIGN KEY (incident_id, validator_id) REFERENCES incident_validators (incident_id, validator_id) ON DELETE CASCADE
);
