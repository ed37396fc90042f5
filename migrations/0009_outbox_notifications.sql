-- Notifications leave through an outbox: each row is one message to one destination (an e-mail address, a
-- webhook subscription, a chat), written in the same transaction as the change that causes it, and delivered
-- after commit by the dispatcher, at least once and in order per destination_key.

CREATE TABLE webhook_subscriptions (
    id uuid PRIMARY KEY,
    url varchar(2000) NOT NULL,
    events jsonb NOT NULL CHECK (jsonb_typeof(events) = 'array'),
    format varchar(20) NOT NULL CHECK (format IN ('standard', 'slack', 'discord')),
    -- null: every network
    network_id uuid REFERENCES networks (id) ON DELETE CASCADE,
    -- whsec_ + base64; needed in clear to sign every delivery, shown to its creator once
    secret varchar(200) NOT NULL,
    created_by varchar(256) NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE outbox_messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- the webhook-id (msg_…): the same on every attempt, so receivers can drop duplicates
    message_id varchar(40) NOT NULL UNIQUE,
    kind varchar(20) NOT NULL,
    destination_key varchar(600) NOT NULL,
    address varchar(2000),
    subscription_id uuid REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_type varchar(50) NOT NULL,
    incident_id uuid,
    payload jsonb NOT NULL,
    status varchar(20) NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL CHECK (attempts >= 0),
    created_at timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    -- an instance sending the row holds it until then; a crashed instance's lease simply runs out
    leased_until timestamptz,
    last_attempt_at timestamptz,
    response_code integer,
    last_error varchar(500),
    delivered_at timestamptz
);

-- The dispatcher's question: the oldest pending row of each destination.
CREATE INDEX ix_outbox_messages_pending ON outbox_messages (destination_key, id) WHERE status = 'pending';
CREATE INDEX ix_outbox_messages_subscription_id ON outbox_messages (subscription_id, id);
CREATE INDEX ix_outbox_messages_failed ON outbox_messages (id) WHERE status = 'failed';
