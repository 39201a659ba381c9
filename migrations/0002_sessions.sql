-- Cookie-session mode. The session records themselves live in tower-sessions' own table
-- (`tower_sessions`, created by its SQLite store); this index only lets the server answer
-- "which sessions does this user have?" and revoke them by a public handle.
CREATE TABLE session_index (
    handle     TEXT    PRIMARY KEY,          -- random, shown to the page; not the session id
    session_id TEXT    NOT NULL UNIQUE,      -- the tower-sessions id (the cookie value)
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX session_index_user ON session_index (user_id);

-- Lab switches, per account, so learners sharing a server never change each other's policy.
CREATE TABLE account_settings (
    user_id   INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    same_site TEXT    NOT NULL CHECK (same_site IN ('Lax', 'Strict', 'None'))
) STRICT;
