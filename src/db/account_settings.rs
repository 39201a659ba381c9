//! Per-account lab switches. An account without a row uses the server defaults from Leptos.toml.
//! They are read on every bearer request, so they are cached in memory (write-through): reading a
//! switch must not itself be the database round trip the lab is measuring. A change is announced
//! to the other server processes sharing the lab (`store::changes`), which drop their copy; a
//! copy is never kept longer than `CACHE_TTL` either, in case an announcement was lost. A read
//! racing a change keeps its row only if no change came in meanwhile (the generation).

use super::{
    switches::SwitchesTable,
    users::{UserError, Users},
};
use crate::{
    store::changes::{Announcer, Change, CACHE_TTL},
    wire::{AccountSwitches, AccountSwitchesPatch, JwtAlg, SameSite, ACCESS_TTL_RANGE},
};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::Instant,
};

/// More entries than this and a map starts again empty: memory stays bounded.
const MAX_CACHED: usize = 10_000;

pub struct AccountSettings {
    table: Arc<dyn SwitchesTable>,
    /// For `id_of`.
    users: Arc<dyn Users>,
    default_same_site: SameSite,
    /// Each account's switches, with the time they were read (or written here).
    cache: RwLock<HashMap<i64, (AccountSwitches, Instant)>>,
    /// Username → id, for bearer requests (a token names its user by `sub`). Usernames never
    /// change and ids are never reused; an account that is deleted (an expired scratch account)
    /// is `forget`-ten here, so a name registered again later is never mistaken for the old
    /// account.
    ids: RwLock<HashMap<String, (i64, Instant)>>,
    /// Moves on every change, so a read that started before it keeps nothing.
    generation: AtomicU64,
    announcer: Announcer,
}

/// `map[key]` when it was read less than `CACHE_TTL` ago.
fn fresh<K, V>(map: &RwLock<HashMap<K::Owned, (V, Instant)>>, key: &K) -> Option<V>
where
    K: std::hash::Hash + Eq + ToOwned + ?Sized,
    K::Owned: std::borrow::Borrow<K> + std::hash::Hash + Eq,
    V: Clone,
{
    let map = map.read().expect("lock");
    let (value, read_at) = map.get(key)?;
    (read_at.elapsed() < CACHE_TTL).then(|| value.clone())
}

impl AccountSettings {
    pub fn new(
        table: Arc<dyn SwitchesTable>,
        users: Arc<dyn Users>,
        default_same_site: SameSite,
        announcer: Announcer,
    ) -> Self {
        AccountSettings {
            table,
            users,
            default_same_site,
            cache: RwLock::new(HashMap::new()),
            ids: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            announcer,
        }
    }

    /// Another process changed `user_id`'s switches: read them afresh next time.
    pub fn forget_switches(&self, user_id: i64) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.cache.write().expect("lock").remove(&user_id);
    }

    /// Changes may have been missed (the change feed restarted): forget everything cached.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.cache.write().expect("lock").clear();
        self.ids.write().expect("lock").clear();
    }

    /// The id of `username`: one database look-up the first time, memory after that.
    pub async fn id_of(&self, username: &str) -> Result<Option<i64>, UserError> {
        if let Some(id) = fresh(&self.ids, username) {
            return Ok(Some(id));
        }
        let started_in = self.generation.load(Ordering::SeqCst);
        let read_at = Instant::now();
        let id = self.users.id_of(username).await?;
        if let Some(id) = id {
            let mut ids = self.ids.write().expect("lock");
            // Checked under the write lock: every forgetting bumps the generation first.
            if self.generation.load(Ordering::SeqCst) == started_in {
                if ids.len() >= MAX_CACHED {
                    ids.clear();
                }
                ids.insert(username.to_string(), (id, read_at));
            }
        }
        Ok(id)
    }

    /// Forget a deleted account.
    pub fn forget(&self, user_id: i64, username: &str) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.cache.write().expect("lock").remove(&user_id);
        self.ids.write().expect("lock").remove(username);
    }

    /// Back to the server defaults (the demo accounts' scheduled reset).
    pub async fn reset(&self, user_id: i64) -> Result<(), sqlx::Error> {
        self.table.delete(user_id).await?;
        self.forget_switches(user_id);
        self.announcer.announce(Change::Switches(user_id)).await;
        Ok(())
    }

    pub async fn get(&self, user_id: i64) -> Result<AccountSwitches, sqlx::Error> {
        if let Some(hit) = fresh(&self.cache, &user_id) {
            return Ok(hit);
        }
        let started_in = self.generation.load(Ordering::SeqCst);
        let read_at = Instant::now();
        let settings = self
            .table
            .load(user_id, self.default_same_site)
            .await?
            .unwrap_or(AccountSwitches {
                same_site: self.default_same_site,
                jwt_alg: JwtAlg::default(),
                denylist: false,
                access_ttl_secs: None,
                denylist_fail_open: false,
                csrf_weakened: false,
                xss_weakened: false,
                defences_off: Vec::new(),
            });
        let mut cache = self.cache.write().expect("lock");
        // Checked under the write lock: a change that came in while this read was under way
        // bumped the generation first, and its value wins.
        if self.generation.load(Ordering::SeqCst) == started_in {
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
            cache.insert(user_id, (settings.clone(), read_at));
        }
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
        if let Some(off) = &patch.defences_off {
            let mut off = off.clone();
            off.sort_unstable();
            off.dedup();
            settings.defences_off = off;
        }
        if let Some(secs) = patch.access_ttl_secs {
            // 0: back to the server default (the handler has refused anything out of range).
            settings.access_ttl_secs = ACCESS_TTL_RANGE.contains(&secs).then_some(secs);
        }
        self.table.save(user_id, &settings).await?;
        // Write-through: a read still under way from before this change keeps nothing.
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.cache
            .write()
            .expect("lock")
            .insert(user_id, (settings.clone(), Instant::now()));
        self.announcer.announce(Change::Switches(user_id)).await;
        Ok(settings)
    }
}
