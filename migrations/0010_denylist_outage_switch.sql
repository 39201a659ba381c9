-- A per-account lab switch: what a bearer request does when the denylist's store does not
-- answer. 0 (the default): fail closed, 503. 1: fail open, the token is accepted unchecked (a
-- revoked token works again, and nothing looks broken).
ALTER TABLE account_settings ADD COLUMN denylist_fail_open INTEGER NOT NULL DEFAULT 0;
