-- Herald's first schema (DESIGN.md §2). Times are UTC, stored as RFC 3339 text (`*_at`).
-- JSON columns hold lists/maps that are read whole, never queried by SQL inside them.

-- People. `external_id` is the 学号/工号 that imports upsert on.
CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY,
    external_id   TEXT UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT,
    department    TEXT,
    class_name    TEXT,
    grade         TEXT,
    language      TEXT NOT NULL DEFAULT 'zh-CN',
    attributes    TEXT NOT NULL DEFAULT '{}',   -- JSON object: extra columns, usable as template variables
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX contacts_name ON contacts(name);
CREATE INDEX contacts_department ON contacts(department, grade, role);

-- One address per contact and channel kind (email, mobile, wecom user id, dingtalk id, ...).
CREATE TABLE contact_addresses (
    id             INTEGER PRIMARY KEY,
    contact_id     INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,      -- 'email' | 'mobile' | 'wecom' | 'dingtalk' | 'feishu' | ...
    address        TEXT NOT NULL,
    invalid        INTEGER NOT NULL DEFAULT 0,
    invalid_reason TEXT,
    updated_at     TEXT NOT NULL,
    UNIQUE (contact_id, kind)
);
CREATE INDEX contact_addresses_address ON contact_addresses(kind, address);

-- Preferences: ordered preferred channel kinds and per-kind opt-outs.
CREATE TABLE contact_preferences (
    contact_id     INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    preferred      TEXT NOT NULL DEFAULT '[]',   -- JSON array of channel kinds, most preferred first
    opted_out      TEXT NOT NULL DEFAULT '[]',   -- JSON array of channel kinds
    updated_at     TEXT NOT NULL
);

CREATE TABLE contact_tags (
    contact_id     INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag            TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_tag ON contact_tags(tag);

-- Groups: static (members below) or a rule segment evaluated at run time.
CREATE TABLE groups (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('static', 'rule')),
    rule          TEXT,                        -- JSON rule tree for kind = 'rule'
    description   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    contact_id    INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    added_at      TEXT NOT NULL,
    PRIMARY KEY (group_id, contact_id)
);
CREATE INDEX group_members_contact ON group_members(contact_id);

-- Configured provider instances. Secrets live in the keyring under `secret_ref`, never here.
CREATE TABLE channels (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    settings       TEXT NOT NULL DEFAULT '{}',  -- JSON, non-secret provider settings
    limits         TEXT NOT NULL DEFAULT '{}',  -- JSON overrides of the provider's default limits
    secret_ref     TEXT,
    enabled        INTEGER NOT NULL DEFAULT 1,
    paused         INTEGER NOT NULL DEFAULT 0,
    paused_reason  TEXT,
    health         TEXT NOT NULL DEFAULT 'ok',  -- 'ok' | 'degraded' | 'paused'
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE templates (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    subject        TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL,               -- Markdown with minijinja variables
    overrides      TEXT NOT NULL DEFAULT '{}',  -- JSON: per channel kind subject/body
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

-- A notice; once sent it is immutable, editing creates a new version (`previous_version_id`).
CREATE TABLE notices (
    id                  INTEGER PRIMARY KEY,
    title               TEXT NOT NULL,
    subject             TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL,
    overrides           TEXT NOT NULL DEFAULT '{}',
    attachments         TEXT NOT NULL DEFAULT '[]',  -- JSON array of local file paths
    audience            TEXT NOT NULL DEFAULT 'all', -- audience spec, resolved at run time
    channel_ids         TEXT NOT NULL DEFAULT '[]',  -- JSON array of channels.id
    channel_strategy    TEXT NOT NULL DEFAULT 'all' CHECK (channel_strategy IN ('all', 'preferred_then_fallback')),
    priority            INTEGER NOT NULL DEFAULT 0,  -- higher is claimed first; urgent = 10
    status              TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'sent', 'archived')),
    template_id         INTEGER REFERENCES templates(id) ON DELETE SET NULL,
    previous_version_id INTEGER REFERENCES notices(id) ON DELETE SET NULL,
    created_by          TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX notices_created ON notices(created_at);

CREATE TABLE schedules (
    id               INTEGER PRIMARY KEY,
    notice_id        INTEGER NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('once', 'cron')),
    run_at           TEXT,                 -- for 'once'
    cron             TEXT,                 -- 5-field cron for 'cron'
    time_zone        TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    quiet_hours      TEXT,                 -- JSON {start, end, policy}
    missed_policy    TEXT NOT NULL DEFAULT 'run_once' CHECK (missed_policy IN ('skip', 'run_once', 'run_all')),
    paused           INTEGER NOT NULL DEFAULT 0,
    ends_at          TEXT,
    next_fire_at     TEXT,
    last_fired_at    TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX schedules_due ON schedules(paused, next_fire_at);

-- One execution of a notice. The audience is resolved when the run fans out and frozen in deliveries.
CREATE TABLE runs (
    id               INTEGER PRIMARY KEY,
    notice_id        INTEGER NOT NULL REFERENCES notices(id),
    schedule_id      INTEGER REFERENCES schedules(id) ON DELETE SET NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'fanning_out', 'sending', 'paused', 'completed', 'cancelled')),
    priority         INTEGER NOT NULL DEFAULT 0,
    total            INTEGER NOT NULL DEFAULT 0,
    created_by       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    started_at       TEXT,
    finished_at      TEXT
);
CREATE INDEX runs_notice ON runs(notice_id);
CREATE INDEX runs_status ON runs(status);
CREATE INDEX runs_created ON runs(created_at);

-- The outbox: one row per run × contact × channel.
CREATE TABLE deliveries (
    id                  INTEGER PRIMARY KEY,
    run_id              INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    contact_id          INTEGER NOT NULL REFERENCES contacts(id),
    channel_id          INTEGER NOT NULL REFERENCES channels(id),
    address             TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('queued', 'deferred', 'sending', 'retry_wait', 'sent', 'failed', 'cancelled')),
    priority            INTEGER NOT NULL DEFAULT 0,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT NOT NULL,         -- due time for queued / deferred / retry_wait
    lease_until         TEXT,
    last_error          TEXT,
    provider_message_id TEXT,
    sent_at             TEXT,
    variables           TEXT NOT NULL DEFAULT '{}', -- snapshot used to render exactly what was sent
    fallback_of         INTEGER REFERENCES deliveries(id),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (run_id, contact_id, channel_id)
);
-- The claim: due rows of one channel, by priority then due time.
CREATE INDEX deliveries_claim ON deliveries(channel_id, status, priority DESC, next_attempt_at)
    WHERE status IN ('queued', 'deferred', 'retry_wait');
-- Lease recovery after a crash.
CREATE INDEX deliveries_lease ON deliveries(lease_until) WHERE status = 'sending';
-- Per-run counts and per-contact history.
CREATE INDEX deliveries_run_status ON deliveries(run_id, status);
CREATE INDEX deliveries_contact ON deliveries(contact_id);

-- One row per provider call for a delivery.
CREATE TABLE attempts (
    id               INTEGER PRIMARY KEY,
    delivery_id      INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    attempt_no       INTEGER NOT NULL,
    started_at       TEXT NOT NULL,
    finished_at      TEXT,
    outcome          TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'permanent', 'interrupted')),
    provider_code    TEXT,
    message          TEXT,
    latency_ms       INTEGER
);
CREATE INDEX attempts_delivery ON attempts(delivery_id);

-- What the sandbox provider "delivered": a local inbox that the UI shows.
CREATE TABLE sandbox_messages (
    id               INTEGER PRIMARY KEY,
    delivery_id      INTEGER,
    channel_name     TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    received_at      TEXT NOT NULL
);
CREATE INDEX sandbox_messages_received ON sandbox_messages(received_at);

-- Append-only; each row hashes the previous one so a change to history shows.
CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY,
    at               TEXT NOT NULL,
    actor            TEXT NOT NULL,
    action           TEXT NOT NULL,
    entity           TEXT NOT NULL,
    entity_id        TEXT,
    detail           TEXT NOT NULL DEFAULT '{}',
    prev_hash        TEXT NOT NULL,
    hash             TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE settings (
    key              TEXT PRIMARY KEY,
    value            TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
