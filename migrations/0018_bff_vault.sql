-- The backend-for-frontend's vault (issue 39, src/store/bff_vault): the tokens a BFF login
-- holds on the server, under the key of the browser's session (the session store's key).
CREATE TABLE bff_vault (
    key         TEXT    PRIMARY KEY, -- sessions::key_of(session id)
    access      TEXT    NOT NULL,
    access_exp  INTEGER NOT NULL,    -- unix seconds
    refresh     TEXT    NOT NULL,
    refresh_exp INTEGER NOT NULL,    -- unix seconds
    until       INTEGER NOT NULL     -- unix seconds: forgotten after (the session's end)
) WITHOUT ROWID;

CREATE INDEX bff_vault_until ON bff_vault (until);
