-- Each validator's waking window: minutes after local midnight in its own time zone, from (inclusive) to
-- (exclusive); it may wrap past midnight. Every existing validator gets the default, 08:00-22:00.
ALTER TABLE validators
    ADD COLUMN wake_from_minute integer NOT NULL DEFAULT 480,
    ADD COLUMN wake_until_minute integer NOT NULL DEFAULT 1320,
    ADD CONSTRAINT ck_validators_waking_window CHECK (
        wake_from_minute BETWEEN 0 AND 1439
        AND wake_until_minute BETWEEN 0 AND 1439
        AND wake_from_minute <> wake_until_minute);
