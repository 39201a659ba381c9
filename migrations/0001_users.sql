-- Accounts. The password is stored only as an argon2id PHC string (algorithm, parameters, salt, hash).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- Validated by the server: 3-32 of [a-z0-9_.-], so plain UNIQUE is case-safe.
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'user')),
    created_at    INTEGER NOT NULL -- unix seconds
) STRICT;
