-- The DPoP replay cache (issue 39, src/store/proof_jtis): each proof's jti, per key thumbprint,
-- kept until the proof is too old to pass its iat check anyway.
CREATE TABLE dpop_jtis (
    jkt   TEXT    NOT NULL, -- RFC 7638 thumbprint of the proof's key (43 characters)
    jti   TEXT    NOT NULL, -- at most 72 characters (auth::dpop::MAX_JTI_CHARS)
    until INTEGER NOT NULL, -- unix seconds
    PRIMARY KEY (jkt, jti)
) WITHOUT ROWID;

-- A key's entries by age (the per-key cap), and everyone's (the purge).
CREATE INDEX dpop_jtis_by_key_until ON dpop_jtis (jkt, until);
CREATE INDEX dpop_jtis_until ON dpop_jtis (until);
