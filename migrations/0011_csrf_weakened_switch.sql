-- A per-account lab switch for the attack lab's CSRF card, deliberately weakening that one
-- account: its session cookie is issued SameSite=None, and its state-changing requests skip the
-- origin check and the CSRF token. 0 (the default): every defence on. Never server-wide.
ALTER TABLE account_settings ADD COLUMN csrf_weakened INTEGER NOT NULL DEFAULT 0;
