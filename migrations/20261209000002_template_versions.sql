-- Templates (the table has been in the schema since the start, unused): a notice's content
-- under a name, its values (examples to check when used) and English version (JSON
-- `{subject, body}`), whether Herald ships it (built-ins are never changed nor deleted), and
-- the number of the current save. Every save keeps the content it replaces in
-- `template_versions`. An empty `subject` means the title.
ALTER TABLE templates ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE templates ADD COLUMN template_values TEXT NOT NULL DEFAULT '{}';
ALTER TABLE templates ADD COLUMN english TEXT;
ALTER TABLE templates ADD COLUMN builtin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE templates ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE template_versions (
    id              INTEGER PRIMARY KEY,
    template_id     INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    title           TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    template_values TEXT NOT NULL DEFAULT '{}',
    english         TEXT,
    saved_at        TEXT NOT NULL,
    UNIQUE (template_id, version)
);
