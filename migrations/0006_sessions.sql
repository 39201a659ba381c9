-- Cookie sessions move to a store of our own: one row per session, with the owner and the public
-- handle as real columns (no blob, no side index), keyed by a SHA-256 of the session id so a copy
-- of this file holds no usable cookie. Requests only ever UPDATE a row (last_seen), never upsert
-- one, so a session ended while a request was in flight stays ended.
-- Sessions held in the old tables end with this migration: everyone logs in again once.
DROP TABLE IF EXISTS session_index;
DROP TABLE IF EXISTS tower_sessions;
CREATE TABLE sessions (
    key        TEXT    PRIMARY KEY,          -- base64url SHA-256 of the session id (the cookie)
    id_preview TEXT    NOT NULL,             -- first characters of the id, for the inspector
    handle     TEXT    NOT NULL UNIQUE,      -- random, shown to the page; lists and revokes
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    user_agent TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen);
CREATE INDEX sessions_created ON sessions (created_at);
CREATE INDEX ended_sessions_at ON ended_sessions (ended_at);
