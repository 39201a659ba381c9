//! Retention: nothing the lab writes is kept forever. The maintenance task calls [`purge`] on
//! every pass; each table has its own setting under `[retention]`:
//! - `audit_events`: older than `audit_secs`, and beyond the newest `audit_max_rows` rows;
//! - `refresh_tokens`: `refresh_tokens_secs` after they expired or their family was revoked
//!   (until then a used token must stay, so that presenting it again is caught as theft);
//! - `security_events`: older than `security_events_secs`;
//! - ended-session hashes: by the session store (`retention.ended_sessions_secs`).

use crate::settings::RetentionSettings;
use sqlx::SqlitePool;

/// Rows deleted by one pass, per table.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub audit_events: u64,
    pub refresh_tokens: u64,
    pub security_events: u64,
}

fn secs(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// One retention pass at `now` (unix seconds).
pub async fn purge(
    db: &SqlitePool,
    keep: &RetentionSettings,
    now: i64,
) -> Result<Purged, sqlx::Error> {
    let audit_cutoff_ms = now
        .saturating_sub(secs(keep.audit_secs))
        .saturating_mul(1000);
    let mut audit_events = sqlx::query("DELETE FROM audit_events WHERE at_ms < ?")
        .bind(audit_cutoff_ms)
        .execute(db)
        .await?
        .rows_affected();
    audit_events += sqlx::query(
        "DELETE FROM audit_events WHERE id <= (
             SELECT id FROM audit_events ORDER BY id DESC LIMIT 1 OFFSET ?
         )",
    )
    .bind(secs(keep.audit_max_rows))
    .execute(db)
    .await?
    .rows_affected();

    let refresh_cutoff = now.saturating_sub(secs(keep.refresh_tokens_secs));
    let refresh_tokens =
        sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < ?1 OR revoked_at < ?1")
            .bind(refresh_cutoff)
            .execute(db)
            .await?
            .rows_affected();

    let security_events = sqlx::query("DELETE FROM security_events WHERE at < ?")
        .bind(now.saturating_sub(secs(keep.security_events_secs)))
        .execute(db)
        .await?
        .rows_affected();
    Ok(Purged {
        audit_events,
        refresh_tokens,
        security_events,
    })
}
