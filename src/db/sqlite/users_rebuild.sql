-- Run by src/db/users_rebuild.rs on one connection whose foreign keys it has turned off (SQLite
-- allows that only outside a transaction), inside this transaction of its own. See there why.
BEGIN IMMEDIATE;
CREATE TABLE users_rebuilt (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Validated by the server: 3-32 of [a-z0-9_.-], so plain UNIQUE is case-safe.
    username          TEXT    NOT NULL UNIQUE,
    password_hash     TEXT    NOT NULL,
    role              TEXT    NOT NULL CHECK (role IN ('admin', 'teacher', 'user')),
    created_at        INTEGER NOT NULL, -- unix seconds
    tokens_not_before INTEGER,
    disabled          INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    scratch           TEXT    CHECK (scratch IN ('lesson', 'matrix')),
    expires_at        INTEGER
) STRICT;
INSERT INTO users_rebuilt
    (id, username, password_hash, role, created_at, tokens_not_before, disabled, scratch,
     expires_at)
SELECT id, username, password_hash, role, created_at, tokens_not_before, disabled, scratch,
       expires_at
FROM users;
-- Ids already handed out and since deleted may still be named elsewhere (audit rows, ended
-- sessions, security events, the denylist): the sequence starts past every one of them.
INSERT INTO sqlite_sequence (name, seq)
SELECT 'users_rebuilt', 0
WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users_rebuilt');
UPDATE sqlite_sequence
SET seq = MAX(
    seq,
    COALESCE((SELECT MAX(id) FROM users), 0),
    COALESCE((SELECT MAX(user_id) FROM audit_events), 0),
    COALESCE((SELECT MAX(user_id) FROM ended_sessions), 0),
    COALESCE((SELECT MAX(user_id) FROM security_events), 0),
    COALESCE((SELECT MAX(user_id) FROM jwt_denylist), 0),
    COALESCE((SELECT MAX(user_id) FROM refresh_tokens), 0),
    COALESCE((SELECT MAX(owner_id) FROM signing_keys), 0)
)
WHERE name = 'users_rebuilt';
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE INDEX users_expires_at ON users (expires_at) WHERE expires_at IS NOT NULL;
-- Every reference to an account still resolves, or this fails here and nothing is committed.
CREATE TEMP TABLE users_rebuild_check (violations INTEGER NOT NULL CHECK (violations = 0));
INSERT INTO users_rebuild_check SELECT COUNT(*) FROM pragma_foreign_key_check;
DROP TABLE users_rebuild_check;
COMMIT;
