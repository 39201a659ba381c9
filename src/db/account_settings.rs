//! Per-account lab switches. An account without a row uses the server defaults from Leptos.toml.
//! They are read on every bearer request, so they are cached in memory (write-through): reading a
//! switch must not itself be the database round trip the lab is measuring. A change is announced
//! to the other server processes sharing the lab (`store::changes`), which drop their copy.

use crate::{
    store::changes::{Announcer, Change},
    wire::{AccountSwitches, AccountSwitchesPatch, JwtAlg, SameSite, ACCESS_TTL_RANGE},
};
use sqlx::SqlitePool;
use std::{collections::HashMap, sync::RwLock};

pub struct AccountSettings {
    db: SqlitePool,
    default_same_site: SameSite,
    cache: RwLock<HashMap<i64, AccountSwitches>>,
    /// Username → id, for bearer requests (a token names its user by `sub`). Usernames never
    /// change; an account that is deleted (an expired scratch account) is `forget`-ten here, so a
    /// name registered again later is never mistaken for the old account.
    ids: RwLock<HashMap<String, i64>>,
    announcer: Announcer,
}

/// One `account_settings` row: same_site, jwt_alg, denylist, access_ttl_secs,
/// denylist_fail_open, csrf_weakened, xss_weakened.
type SwitchesRow = (String, String, i64, Option<i64>, i64, i64, i64);

impl AccountSettings {
    pub fn new(db: SqlitePool, default_same_site: SameSite, announcer: Announcer) -> Self {
        AccountSettings {
            db,
            default_same_site,
            cache: RwLock::new(HashMap::new()),
            ids: RwLock::new(HashMap::new()),
            announcer,
        }
    }

    /// Another process changed `user_id`'s switches: read them afresh next time.
    pub fn forget_switches(&self, user_id: i64) {
        self.cache.write().expect("lock").remove(&user_id);
    }

    /// Changes may have been missed (the change feed restarted): forget everything cached.
    pub fn forget_all(&self) {
        self.cache.write().expect("lock").clear();
        self.ids.write().expect("lock").clear();
    }

    /// The id of `username`: one database look-up the first time, memory after that.
    pub async fn id_of(&self, username: &str) -> Result<Option<i64>, sqlx::Error> {
        if let Some(id) = self.ids.read().expect("lock").get(username) {
            return Ok(Some(*id));
        }
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.db)
            .await?;
        if let Some(id) = id {
            self.ids
                .write()
                .expect("lock")
                .insert(username.to_string(), id);
        }
        Ok(id)
    }

    /// Forget a deleted account.
    pub fn forget(&self, user_id: i64, username: &str) {
        self.cache.write().expect("lock").remove(&user_id);
        self.ids.write().expect("lock").remove(username);
    }

    /// Back to the server defaults (the demo accounts' scheduled reset).
    pub async fn reset(&self, user_id: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM account_settings WHERE user_id = ?")
            .bind(user_id)
            .execute(&self.db)
            .await?;
        self.cache.write().expect("lock").remove(&user_id);
        self.announcer.announce(Change::Switches(user_id)).await;
        Ok(())
    }

    pub async fn get(&self, user_id: i64) -> Result<AccountSwitches, sqlx::Error> {
        if let Some(hit) = self.cache.read().expect("lock").get(&user_id) {
            return Ok(hit.clone());
        }
        let row: Option<SwitchesRow> = sqlx::query_as(
            "SELECT same_site, jwt_alg, denylist, access_ttl_secs, denylist_fail_open,
                    csrf_weakened, xss_weakened
             FROM account_settings WHERE user_id = ?",
        )
        .bind(user_id)
        .fetch_optional(&self.db)
        .await?;
        let settings = match row {
            Some((same_site, alg, denylist, access_ttl, fail_open, weakened, xss)) => {
                AccountSwitches {
                    same_site: SameSite::parse(&same_site).unwrap_or(self.default_same_site),
                    jwt_alg: JwtAlg::parse(&alg).unwrap_or_default(),
                    denylist: denylist != 0,
                    access_ttl_secs: access_ttl
                        .and_then(|secs| u64::try_from(secs).ok())
                        .filter(|secs| ACCESS_TTL_RANGE.contains(secs)),
                    denylist_fail_open: fail_open != 0,
                    csrf_weakened: weakened != 0,
                    xss_weakened: xss != 0,
                }
            }
            None => AccountSwitches {
                same_site: self.default_same_site,
                jwt_alg: JwtAlg::default(),
                denylist: false,
                access_ttl_secs: None,
                denylist_fail_open: false,
                csrf_weakened: false,
                xss_weakened: false,
            },
        };
        self.cache
            .write()
            .expect("lock")
            .insert(user_id, settings.clone());
        Ok(settings)
    }

    /// Apply a patch and return the account's full settings.
    pub async fn update(
        &self,
        user_id: i64,
        patch: &AccountSwitchesPatch,
    ) -> Result<AccountSwitches, sqlx::Error> {
        let mut settings = self.get(user_id).await?;
        if let Some(same_site) = patch.same_site {
            settings.same_site = same_site;
        }
        if let Some(alg) = patch.jwt_alg {
            settings.jwt_alg = alg;
        }
        if let Some(denylist) = patch.denylist {
            settings.denylist = denylist;
        }
        if let Some(fail_open) = patch.denylist_fail_open {
            settings.denylist_fail_open = fail_open;
        }
        if let Some(weakened) = patch.csrf_weakened {
            settings.csrf_weakened = weakened;
        }
        if let Some(weakened) = patch.xss_weakened {
            settings.xss_weakened = weakened;
        }
        if let Some(secs) = patch.access_ttl_secs {
            // 0: back to the server default (the handler has refused anything out of range).
            settings.access_ttl_secs = ACCESS_TTL_RANGE.contains(&secs).then_some(secs);
        }
        sqlx::query(
            "INSERT INTO account_settings
                 (user_id, same_site, jwt_alg, denylist, access_ttl_secs, denylist_fail_open,
                  csrf_weakened, xss_weakened)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (user_id) DO UPDATE SET same_site = excluded.same_site,
                 jwt_alg = excluded.jwt_alg, denylist = excluded.denylist,
                 access_ttl_secs = excluded.access_ttl_secs,
                 denylist_fail_open = excluded.denylist_fail_open,
                 csrf_weakened = excluded.csrf_weakened,
                 xss_weakened = excluded.xss_weakened",
        )
        .bind(user_id)
        .bind(settings.same_site.as_str())
        .bind(settings.jwt_alg.as_str())
        .bind(settings.denylist as i64)
        .bind(settings.access_ttl_secs.map(|secs| secs as i64))
        .bind(settings.denylist_fail_open as i64)
        .bind(settings.csrf_weakened as i64)
        .bind(settings.xss_weakened as i64)
        .execute(&self.db)
        .await?;
        self.cache
            .write()
            .expect("lock")
            .insert(user_id, settings.clone());
        self.announcer.announce(Change::Switches(user_id)).await;
        Ok(settings)
    }
}
