-- Per-run counts kept in `runs`, updated in the same transaction as the deliveries they count
-- (store::counts). They replace the `deliveries_run_status` index: every status change paid a
-- delete and an insert in it (callgrind: about 19,000 instructions per delivery across claim
-- and outcome, and 3,300 per row at fan-out), and progress still had to count a large run's
-- rows several times a second. Reading five columns costs nothing at any size.
ALTER TABLE runs ADD COLUMN waiting   INTEGER NOT NULL DEFAULT 0;  -- queued, deferred or sending
ALTER TABLE runs ADD COLUMN retrying  INTEGER NOT NULL DEFAULT 0;  -- retry_wait
ALTER TABLE runs ADD COLUMN sent      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN failed    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;

UPDATE runs SET (waiting, retrying, sent, failed, cancelled) = (
    SELECT COUNT(*) FILTER (WHERE d.status = 'queued' OR d.status = 'deferred' OR d.status = 'sending'),
           COUNT(*) FILTER (WHERE d.status = 'retry_wait'),
           COUNT(*) FILTER (WHERE d.status = 'sent'),
           COUNT(*) FILTER (WHERE d.status = 'failed'),
           COUNT(*) FILTER (WHERE d.status = 'cancelled')
    FROM deliveries d WHERE d.run_id = runs.id);

DROP INDEX deliveries_run_status;
