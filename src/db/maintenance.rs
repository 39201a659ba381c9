//! What the server's own upkeep asks of the database, as a seam: is it there (`/api/health`), the
//! keys the server makes for itself, the retention pass, and closing it. The SQLite
//! implementation is `db::sqlite::maintenance`.

use super::retention::Purged;
use crate::settings::RetentionSettings;
use async_trait::async_trait;

#[async_trait]
pub trait Maintenance: Send + Sync {
    /// One round trip: `Ok` when the database answers now.
    async fn ping(&self) -> Result<(), sqlx::Error>;

    /// The device cookies' signing key (`auth::device`), shared by every process on this
    /// database (`server_secrets`): made with `fresh` on first use, the same for every process
    /// after that (the first writer wins; the others read what it wrote).
    async fn device_key(&self, fresh: [u8; 32]) -> Result<[u8; 32], sqlx::Error>;

    /// One retention pass at `now` (unix seconds), as `db::retention` describes.
    async fn purge(&self, keep: &RetentionSettings, now: i64) -> Result<Purged, sqlx::Error>;

    /// Close every connection (a restart in the same process reopens the file).
    async fn close(&self);
}
