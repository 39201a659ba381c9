//! Retention: nothing the lab writes is kept forever. The maintenance task calls
//! `Maintenance::purge` on every pass; each table has its own setting under `[retention]`:
//! - `audit_events`: older than `audit_secs`; beyond the newest `audit_max_rows_per_account` rows
//!   of any one account (the rows naming no account count as one more account); and when all of
//!   them together are still more than `audit_max_rows`, the largest histories are cut first, to
//!   the one size that fits (`fair_share`). One learner's flood of rows thins their own history,
//!   never another learner's.
//! - `refresh_tokens`: `refresh_tokens_secs` after they expired or their family was revoked
//!   (until then a used token must stay, so that presenting it again is caught as theft);
//! - `security_events`: older than `security_events_secs`;
//! - ended-session hashes: by the session store (`retention.ended_sessions_secs`).

/// Rows deleted by one pass, per table.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub audit_events: u64,
    pub refresh_tokens: u64,
    pub security_events: u64,
}

/// A setting's seconds (or rows) as the database counts them.
pub fn secs(value: u64) -> i64 {
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
