//! Retention: nothing the lab writes is kept forever. The maintenance task calls [`purge`] on
//! every pass; each table has its own setting under `[retention]`:
//! - `audit_events`: older than `audit_secs`; beyond the newest `audit_max_rows_per_account` rows
//!   of any one account (the rows naming no account count as one more account); and when all of
//!   them together are still more than `audit_max_rows`, the largest histories are cut first, to
//!   the one size that fits (`fair_share`). One learner's flood of rows thins their own history,
//!   never another learner's.
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

/// The most rows each history may keep so that all of them together (`total` now, each history's
/// size in `sizes`) fit in `max`: the largest histories are cut to one common size, and the
/// smaller ones keep every row. `i64::MAX` when everything fits already.
pub fn fair_share(sizes: impl Iterator<Item = i64>, total: i64, max: i64) -> i64 {
    if total <= max {
        return i64::MAX;
    }
    let mut sizes: Vec<i64> = sizes.collect();
    sizes.sort_unstable();
    let mut left = max.max(0);
    let mut histories = sizes.len() as i64;
    for size in sizes {
        // Every history from here on is at least `size`: do they all fit at `size`?
        if size * histories > left {
            return left / histories.max(1);
        }
        left -= size;
        histories -= 1;
    }
    i64::MAX
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
    let per_account = secs(keep.audit_max_rows_per_account);
    let mut held: Vec<(Option<i64>, i64)> =
        sqlx::query_as("SELECT user_id, COUNT(*) FROM audit_events GROUP BY user_id")
            .fetch_all(db)
            .await?;
    let total: i64 = held.iter().map(|(_, n)| (*n).min(per_account)).sum();
    let cap = fair_share(
        held.iter().map(|(_, n)| (*n).min(per_account)),
        total,
        secs(keep.audit_max_rows),
    )
    .min(per_account);
    held.retain(|(_, n)| *n > cap);
    for (account, _) in held {
        // `IS` matches the rows naming no account (NULL) as one history.
        audit_events += sqlx::query(
            "DELETE FROM audit_events WHERE user_id IS ?1 AND id <= (
                 SELECT id FROM audit_events WHERE user_id IS ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2
             )",
        )
        .bind(account)
        .bind(cap)
        .execute(db)
        .await?
        .rows_affected();
    }

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

#[cfg(test)]
mod tests {
    use super::fair_share;

    #[test]
    fn the_largest_histories_are_cut_first_to_one_size() {
        // Everything fits: nobody is cut.
        assert_eq!(fair_share([5, 10].into_iter(), 15, 100), i64::MAX);
        // One flood beside small histories: only the flood is cut, to what is left.
        assert_eq!(fair_share([5, 7, 1_000].into_iter(), 1_012, 100), 88);
        // Two floods share what the small ones leave.
        assert_eq!(fair_share([4, 500, 800].into_iter(), 1_304, 104), 50);
        // Everyone is large: everyone is cut alike.
        assert_eq!(fair_share([300, 300, 300].into_iter(), 900, 90), 30);
    }
}
