-- Keys the server makes for itself, once, shared by every process on this database: the device
-- cookies' HMAC key (src/auth/device.rs), so a browser trusted by one node is trusted by all.
-- A lab keeps them here; a real system keeps them in a KMS.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
