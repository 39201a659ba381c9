-- The audit log: every authentication decision, with who, how, and the check that refused.
-- Credentials themselves (tokens, cookies, passwords) are never stored here.
CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY,
    at_ms        INTEGER NOT NULL,
    mode         TEXT    NOT NULL CHECK (mode IN ('session', 'jwt')),
    user_id      INTEGER,          -- NULL when the server cannot tell whose credential it was
    username     TEXT,
    action       TEXT    NOT NULL,
    allowed      INTEGER NOT NULL,
    failed_check TEXT,
    detail       TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_events_user ON audit_events (user_id, id);

-- Whose session an ended session id was (stored as a SHA-256, never the id), so a replay of a
-- logged-out cookie can still be attributed in the audit log. Kept one day.
CREATE TABLE ended_sessions (
    id_hash  TEXT    PRIMARY KEY,
    user_id  INTEGER NOT NULL,
    ended_at INTEGER NOT NULL
) STRICT;
