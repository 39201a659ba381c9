//! The per-account switches in SQLite (`account_settings`, one row per account that changed one).

use crate::{
    db::switches::SwitchesTable,
    wire::{AccountSwitches, Defence, JwtAlg, SameSite, ACCESS_TTL_RANGE},
};
use async_trait::async_trait;
use sqlx::SqlitePool;

pub struct SqliteSwitches {
    db: SqlitePool,
}

impl SqliteSwitches {
    pub fn new(db: SqlitePool) -> Self {
        SqliteSwitches { db }
    }
}

/// One `account_settings` row: same_site, jwt_alg, denylist, access_ttl_secs,
/// denylist_fail_open, csrf_weakened, xss_weakened, defences_off.
type SwitchesRow = (String, String, i64, Option<i64>, i64, i64, i64, String);

#[async_trait]
impl SwitchesTable for SqliteSwitches {
    async fn load(
        &self,
        user_id: i64,
        default_same_site: SameSite,
    ) -> Result<Option<AccountSwitches>, sqlx::Error> {
        let row: Option<SwitchesRow> = sqlx::query_as(
            "SELECT same_site, jwt_alg, denylist, access_ttl_secs, denylist_fail_open,
                    csrf_weakened, xss_weakened, defences_off
             FROM account_settings WHERE user_id = ?",
        )
        .bind(user_id)
        .fetch_optional(&self.db)
        .await?;
        Ok(row.map(
            |(same_site, alg, denylist, access_ttl, fail_open, weakened, xss, off)| {
                AccountSwitches {
                    same_site: SameSite::parse(&same_site).unwrap_or(default_same_site),
                    jwt_alg: JwtAlg::parse(&alg).unwrap_or_default(),
                    denylist: denylist != 0,
                    access_ttl_secs: access_ttl
                        .and_then(|secs| u64::try_from(secs).ok())
                        .filter(|secs| ACCESS_TTL_RANGE.contains(secs)),
                    denylist_fail_open: fail_open != 0,
                    csrf_weakened: weakened != 0,
                    xss_weakened: xss != 0,
                    defences_off: Defence::split(&off),
                }
            },
        ))
    }

    async fn save(&self, user_id: i64, settings: &AccountSwitches) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO account_settings
                 (user_id, same_site, jwt_alg, denylist, access_ttl_secs, denylist_fail_open,
                  csrf_weakened, xss_weakened, defences_off)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (user_id) DO UPDATE SET same_site = excluded.same_site,
                 jwt_alg = excluded.jwt_alg, denylist = excluded.denylist,
                 access_ttl_secs = excluded.access_ttl_secs,
                 denylist_fail_open = excluded.denylist_fail_open,
                 csrf_weakened = excluded.csrf_weakened,
                 xss_weakened = excluded.xss_weakened,
                 defences_off = excluded.defences_off",
        )
        .bind(user_id)
        .bind(settings.same_site.as_str())
        .bind(settings.jwt_alg.as_str())
        .bind(settings.denylist as i64)
        .bind(settings.access_ttl_secs.map(|secs| secs as i64))
        .bind(settings.denylist_fail_open as i64)
        .bind(settings.csrf_weakened as i64)
        .bind(settings.xss_weakened as i64)
        .bind(Defence::join(&settings.defences_off))
        .execute(&self.db)
        .await?;
        Ok(())
    }

    async fn delete(&self, user_id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM account_settings WHERE user_id = ?")
            .bind(user_id)
            .execute(&self.db)
            .await?;
        Ok(())
    }
}
