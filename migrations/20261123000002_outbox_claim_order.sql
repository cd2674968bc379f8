-- The claim walks one channel's due rows in (priority, due time) order. With `status` in the
-- index key, SQLite had to sort every due row on each claim; keyed by order alone (status in
-- the partial index's WHERE), a claim reads just the rows it takes.
DROP INDEX deliveries_claim;
CREATE INDEX deliveries_claim ON deliveries(channel_id, priority DESC, next_attempt_at, id)
    WHERE status IN ('queued', 'deferred', 'retry_wait');

-- A retry by hand gives a failed delivery a fresh allowance of attempts: the retry policy
-- counts attempts since this number.
ALTER TABLE deliveries ADD COLUMN attempts_base INTEGER NOT NULL DEFAULT 0;
