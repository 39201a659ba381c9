//! Keys the server makes for itself and shares with every process on the same accounts database
//! (`server_secrets`): made once by whichever process starts first, read by all.

use sqlx::SqlitePool;

/// The device cookies' signing key (`auth::device`): made with `fresh` on first use, the same
/// for every process after that (the first writer wins; the others read what it wrote).
pub async fn device_key(db: &SqlitePool, fresh: [u8; 32]) -> Result<[u8; 32], sqlx::Error> {
    sqlx::query("INSERT OR IGNORE INTO server_secrets (name, value) VALUES ('device-cookie', ?)")
        .bind(fresh.as_slice())
        .execute(db)
        .await?;
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'device-cookie'")
            .fetch_one(db)
            .await?;
    stored.try_into().map_err(|_| {
        sqlx::Error::Decode("the stored device-cookie key is not 32 bytes long".into())
    })
}
