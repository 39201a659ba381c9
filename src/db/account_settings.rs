//! Per-account lab switches. An account without a row uses the server defaults from Leptos.toml.

use crate::wire::{LabSettings, SameSite};
use sqlx::SqlitePool;

pub async fn load(
    db: &SqlitePool,
    user_id: i64,
    default_same_site: SameSite,
) -> Result<LabSettings, sqlx::Error> {
    let row: Option<String> =
        sqlx::query_scalar("SELECT same_site FROM account_settings WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    Ok(LabSettings {
        same_site: row
            .as_deref()
            .and_then(SameSite::parse)
            .unwrap_or(default_same_site),
    })
}

pub async fn store(
    db: &SqlitePool,
    user_id: i64,
    settings: &LabSettings,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO account_settings (user_id, same_site) VALUES (?, ?)
         ON CONFLICT (user_id) DO UPDATE SET same_site = excluded.same_site",
    )
    .bind(user_id)
    .bind(settings.same_site.as_str())
    .execute(db)
    .await?;
    Ok(())
}
