-- An administrator can disable an account: it can no longer log in, and each model then shows
-- what that does to the access it already has.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
