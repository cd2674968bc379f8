-- A group chat (a robot's channel) gets one delivery per run, for no one contact: such a
-- delivery has no contact_id. Each run and group channel has at most one of them, as each
-- (run, contact, channel) has at most one delivery.
--
-- NOT NULL comes off only by rebuilding the table. As in 20261123000003: sqlx runs this in a
-- transaction with foreign keys on, so the old tables are renamed first (which moves the
-- references that point at them), and dropping `deliveries_old` then cascades into
-- `attempts_old` only. Columns, checks and indexes are otherwise unchanged.
DROP INDEX deliveries_claim;
DROP INDEX deliveries_lease;
DROP INDEX deliveries_contact;
DROP INDEX attempts_delivery;
ALTER TABLE deliveries RENAME TO deliveries_old;
ALTER TABLE attempts RENAME TO attempts_old;

CREATE TABLE deliveries (
    id                  INTEGER PRIMARY KEY,
    run_id              INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    contact_id          INTEGER REFERENCES contacts(id),   -- NULL: the channel's group chat
    channel_id          INTEGER NOT NULL REFERENCES channels(id),
    address             TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status = 'queued' OR status = 'deferred' OR status = 'sending'
                            OR status = 'retry_wait' OR status = 'sent' OR status = 'failed' OR status = 'cancelled'),
    priority            INTEGER NOT NULL DEFAULT 0,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT NOT NULL,         -- due time for queued / deferred / retry_wait
    lease_until         TEXT,
    last_error          TEXT,
    provider_message_id TEXT,
    sent_at             TEXT,
    variables           TEXT NOT NULL DEFAULT '{}', -- the variables the notice's templates use, frozen at fan-out
    fallback_of         INTEGER REFERENCES deliveries(id),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    attempts_base       INTEGER NOT NULL DEFAULT 0, -- attempts before the last retry by hand
    UNIQUE (run_id, contact_id, channel_id)
);
INSERT INTO deliveries (id, run_id, contact_id, channel_id, address, status, priority, attempts, next_attempt_at,
    lease_until, last_error, provider_message_id, sent_at, variables, fallback_of, created_at, updated_at, attempts_base)
SELECT id, run_id, contact_id, channel_id, address, status, priority, attempts, next_attempt_at,
    lease_until, last_error, provider_message_id, sent_at, variables, fallback_of, created_at, updated_at, attempts_base
FROM deliveries_old;

-- The claim walks one channel's due rows in (priority, due time) order. Queries that should
-- use it must repeat this WHERE word for word (store::deliveries::DUE).
CREATE INDEX deliveries_claim ON deliveries(channel_id, priority DESC, next_attempt_at, id)
    WHERE status = 'queued' OR status = 'deferred' OR status = 'retry_wait';
-- Lease recovery after a crash.
CREATE INDEX deliveries_lease ON deliveries(lease_until) WHERE status = 'sending';
CREATE INDEX deliveries_contact ON deliveries(contact_id);
-- UNIQUE above treats NULLs as distinct: one group delivery per run and channel is kept here.
CREATE UNIQUE INDEX deliveries_group_once ON deliveries(run_id, channel_id) WHERE contact_id IS NULL;

CREATE TABLE attempts (
    id               INTEGER PRIMARY KEY,
    delivery_id      INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    attempt_no       INTEGER NOT NULL,
    started_at       TEXT NOT NULL,
    finished_at      TEXT,
    outcome          TEXT NOT NULL CHECK (outcome = 'sent' OR outcome = 'retry' OR outcome = 'permanent'
                         OR outcome = 'interrupted'),
    provider_code    TEXT,
    message          TEXT,
    latency_ms       INTEGER
);
INSERT INTO attempts (id, delivery_id, attempt_no, started_at, finished_at, outcome, provider_code, message, latency_ms)
SELECT id, delivery_id, attempt_no, started_at, finished_at, outcome, provider_code, message, latency_ms FROM attempts_old;
CREATE INDEX attempts_delivery ON attempts(delivery_id);

DROP TABLE attempts_old;
DROP TABLE deliveries_old;
