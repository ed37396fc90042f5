-- An admin can disable a user: every session and API token of theirs stops working on the next request.
-- Disabling is separate from Identity's lockout, which failed sign-ins no longer set (decision 0007).

ALTER TABLE users ADD COLUMN disabled_at timestamptz;
