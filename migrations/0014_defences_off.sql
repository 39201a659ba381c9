-- One defence off, per account (the token workbench's switches): the names of the verifier checks
-- this account switched off, comma-separated ('' for none: every check on). Each weakens that one
-- account only, and only a plain learner account may switch one on (never an administrator, a
-- teacher or a demo account: api::account_switches).
ALTER TABLE account_settings ADD COLUMN defences_off TEXT NOT NULL DEFAULT '';
