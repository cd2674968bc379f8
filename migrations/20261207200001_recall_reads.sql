-- Recall (撤回), read status and reminders (提醒未读).
--
-- A delivery keeps what became of its recall and whether its recipient has read it; the
-- provider calls of a recall are `attempts` rows too, so a delivery's history shows them
-- beside its sends. A reminder is a run of its own, linked to the run it reminds about.

-- The run this run reminds about (`herald runs remind`): sent to the unread only.
ALTER TABLE runs ADD COLUMN reminder_of INTEGER REFERENCES runs(id);
CREATE INDEX runs_reminder_of ON runs(reminder_of) WHERE reminder_of IS NOT NULL;

-- 'recalled': the platform took the message back (at recalled_at);
-- 'failed': the platform refused or could not be reached (recall_note says why; a later
--   recall tries again);
-- 'not_recallable': Herald did not ask (the kind cannot recall, the window had passed, the
--   platform gave no message id), recall_note says which.
ALTER TABLE deliveries ADD COLUMN recall_state TEXT CHECK (recall_state IS NULL OR recall_state = 'recalled'
    OR recall_state = 'failed' OR recall_state = 'not_recallable');
ALTER TABLE deliveries ADD COLUMN recalled_at TEXT;  -- when the recall was done or last tried
ALTER TABLE deliveries ADD COLUMN recall_note TEXT;
-- Read status, for kinds whose platform reports reads: read_checked_at is when Herald last
-- asked (NULL: never, so neither read nor unread is known); read_at when the recipient read
-- it (the platform's time where it gives one, else when Herald saw it read).
ALTER TABLE deliveries ADD COLUMN read_checked_at TEXT;
ALTER TABLE deliveries ADD COLUMN read_at TEXT;

-- Attempts gain the recall's outcomes. A CHECK changes only by rebuilding the table (see
-- 20261123000003: OR-form checks, renamed first so nothing that points at it follows the
-- old one; nothing references attempts).
DROP INDEX attempts_delivery;
ALTER TABLE attempts RENAME TO attempts_old;
CREATE TABLE attempts (
    id               INTEGER PRIMARY KEY,
    delivery_id      INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    attempt_no       INTEGER NOT NULL,
    started_at       TEXT NOT NULL,
    finished_at      TEXT,
    outcome          TEXT NOT NULL CHECK (outcome = 'sent' OR outcome = 'retry' OR outcome = 'permanent'
                         OR outcome = 'interrupted' OR outcome = 'recalled' OR outcome = 'recall_failed'),
    provider_code    TEXT,
    message          TEXT,
    latency_ms       INTEGER
);
INSERT INTO attempts (id, delivery_id, attempt_no, started_at, finished_at, outcome, provider_code, message, latency_ms)
SELECT id, delivery_id, attempt_no, started_at, finished_at, outcome, provider_code, message, latency_ms FROM attempts_old;
CREATE INDEX attempts_delivery ON attempts(delivery_id);
DROP TABLE attempts_old;
