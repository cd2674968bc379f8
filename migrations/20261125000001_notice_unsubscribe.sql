-- A notice may let its e-mail recipients opt out: their messages then carry List-Unsubscribe
-- (RFC 2369) and a line saying how. Off for existing notices, as they were sent without it.
ALTER TABLE notices ADD COLUMN allow_unsubscribe INTEGER NOT NULL DEFAULT 0;
