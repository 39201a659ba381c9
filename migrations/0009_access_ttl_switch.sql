-- A per-account lab switch: the lifetime of the access tokens issued to this account (NULL: the
-- server default). The compare page sets it short so a class sees a token expire in seconds.
ALTER TABLE account_settings ADD COLUMN access_ttl_secs INTEGER;
