-- Webhook channels became a kind described by its schema: their settings are stored under the
-- schema's keys (`body-template`, `timeout-ms`), as every such kind's are. Their headers become
-- one object of names and public values in which a secret header's value is null (it is in
-- the secret store), instead of the public headers and a list of the secret ones' names; the
-- list of secret query parameters goes, since the stored URL shows them masked. json_patch
-- onto {} drops the members that are null (settings never given); the headers are set after
-- it, since a patch would drop their null values too. The secret-store entries are read in
-- their earlier shape (`ChannelSecrets::decode`).
UPDATE channels
SET settings = CASE
    WHEN json_type(settings, '$.headers') IS NULL AND json_type(settings, '$.secretHeaders') IS NULL THEN base
    ELSE json_set(base, '$.headers', json((SELECT json_group_object(k, v) FROM (
            SELECT key AS k, value AS v FROM json_each(channels.settings, '$.headers')
            UNION ALL
            SELECT value AS k, NULL AS v FROM json_each(channels.settings, '$.secretHeaders')))))
    END
FROM (SELECT id AS base_id, json_patch('{}', json_object(
        'url', settings -> '$.url',
        'method', settings -> '$.method',
        'body-template', settings -> '$.bodyTemplate',
        'timeout-ms', settings -> '$.timeoutMs',
        'signing', settings -> '$.signing')) AS base
    FROM channels WHERE kind = 'webhook')
WHERE kind = 'webhook' AND id = base_id;
