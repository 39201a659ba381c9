-- Bearer-JWT mode.

-- Signing keys, per account (so one learner rotating or retiring keys never touches another's
-- tokens). `secret` is the PKCS#8 private key (EdDSA, ES256) or the HMAC secret (HS256). A lab keeps
-- them in its database; a real system keeps them in a KMS or HSM.
CREATE TABLE signing_keys (
    kid        TEXT    PRIMARY KEY,
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    alg        TEXT    NOT NULL CHECK (alg IN ('EdDSA', 'ES256', 'HS256')),
    secret     BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    -- Set when a newer key replaced this one: it still verifies until retired.
    rotated_at INTEGER
) STRICT;

-- Refresh tokens: only their SHA-256 is stored. A family is one login's chain of rotations.
CREATE TABLE refresh_tokens (
    hash       TEXT    PRIMARY KEY,
    family     TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,         -- rotated: presenting it again is theft
    revoked_at INTEGER          -- the family was revoked (logout, reuse, log out everywhere)
) STRICT;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- The denylist: access tokens revoked before their exp, kept only until exp.
CREATE TABLE jwt_denylist (
    jti     TEXT    PRIMARY KEY,
    user_id INTEGER NOT NULL,
    exp     INTEGER NOT NULL
) STRICT;

-- "Log out everywhere": access tokens issued before this instant are refused.
ALTER TABLE users ADD COLUMN tokens_not_before INTEGER;

-- Per-account JWT switches.
ALTER TABLE account_settings ADD COLUMN jwt_alg TEXT NOT NULL DEFAULT 'EdDSA'
    CHECK (jwt_alg IN ('EdDSA', 'ES256', 'HS256'));
ALTER TABLE account_settings ADD COLUMN denylist INTEGER NOT NULL DEFAULT 0;

-- Security events worth a learner's attention (refresh-token reuse, for now).
CREATE TABLE security_events (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    user_id INTEGER,
    kind    TEXT    NOT NULL,
    detail  TEXT    NOT NULL
) STRICT;
