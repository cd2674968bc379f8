-- E-mail channels became a kind described by its schema: their settings are stored under the
-- schema's keys (`from-address`), as every such kind's are, instead of the camelCase names of
-- the struct they used to be read into. json_patch onto {} drops the members that are null
-- (settings never given). The password moves within the secret store when first read.
UPDATE channels
SET settings = json_patch('{}', json_object(
        'host', json_extract(settings, '$.host'),
        'port', json_extract(settings, '$.port'),
        'security', json_extract(settings, '$.security'),
        'username', json_extract(settings, '$.username'),
        'from-address', json_extract(settings, '$.fromAddress'),
        'from-name', json_extract(settings, '$.fromName'),
        'reply-to', json_extract(settings, '$.replyTo'),
        'ca-pem', json_extract(settings, '$.caPem'),
        'pool-size', json_extract(settings, '$.poolSize'),
        'timeout-ms', json_extract(settings, '$.timeoutMs')))
WHERE kind = 'smtp' AND json_extract(settings, '$.fromAddress') IS NOT NULL;
