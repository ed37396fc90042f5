-- The head of each incident's timeline, kept on the incident row outside the entries it protects: how many
-- entries the portal wrote, the newest one's hash, and the portal's HMAC over both (decision 0007). Only the
-- portal holds the HMAC key, so this file can count and find the head of existing timelines but not seal
-- them: their seal stays NULL ("not sealed yet") until the portal appends their next entry.

ALTER TABLE incidents
    ADD COLUMN timeline_count bigint NOT NULL DEFAULT 0 CHECK (timeline_count >= 0),
    ADD COLUMN timeline_head char(64) NOT NULL DEFAULT repeat('0', 64),
    ADD COLUMN timeline_seal char(64);

UPDATE incidents i
SET timeline_count = t.entries, timeline_head = t.head
FROM (
    SELECT incident_id, count(*) AS entries, (array_agg(hash ORDER BY id DESC))[1] AS head
    FROM timeline_events GROUP BY incident_id
) t
WHERE t.incident_id = i.id;

ALTER TABLE incidents ALTER COLUMN timeline_count DROP DEFAULT, ALTER COLUMN timeline_head DROP DEFAULT;
