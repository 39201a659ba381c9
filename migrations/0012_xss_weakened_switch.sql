-- A per-account lab switch for the attack lab's XSS card, deliberately weakening that one
-- account: its deliberately vulnerable comments page (/attacks/xss-victim) is served without a
-- Content-Security-Policy, so the inline script planted in it runs. 0 (the default): the lab's
-- policy, which refuses that script. Never server-wide, and no other page is affected.
ALTER TABLE account_settings ADD COLUMN xss_weakened INTEGER NOT NULL DEFAULT 0;
