-- A refresh family's absolute lifetime is counted from its login. Each token row carries the
-- family's start, so rotation can check it in the same statement that marks the token used.
ALTER TABLE refresh_tokens ADD COLUMN family_started_at INTEGER NOT NULL DEFAULT 0;
UPDATE refresh_tokens
SET family_started_at = (
    SELECT MIN(f.created_at) FROM refresh_tokens AS f WHERE f.family = refresh_tokens.family
);
