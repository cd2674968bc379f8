-- A notice may carry an English version beside the Chinese (its subject may be NULL: the
-- Chinese subject is used), and bodies of its own for some channels: a JSON array of
-- {"channelId", "body", "englishBody"?}. Earlier notices have neither.
ALTER TABLE notices ADD COLUMN english_subject TEXT;
ALTER TABLE notices ADD COLUMN english_body TEXT;
ALTER TABLE notices ADD COLUMN channel_versions TEXT NOT NULL DEFAULT '[]';
