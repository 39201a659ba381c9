//! Cookie sessions: the state lives on the server. The browser holds only an opaque random id
//! (tower-sessions' 128-bit `Id`, from a CSPRNG); the record behind it sits in tower-sessions'
//! SQLite store and says who the user is, when the session started and when it was last used.
//!
//! - **Login** always creates a *new* record with a new id. An id the client presented before login
//!   (perhaps planted by an attacker: session fixation) never becomes an authenticated session.
//! - **Every request** looks the record up (a store round trip, measured for the trace), enforces
//!   the idle and absolute timeouts, loads the user and writes back `last_seen`.
//! - **Logout and revocation** delete the record: the very next request with the old cookie misses.
//! - **Cleanup** (`delete_expired`, run by the server's maintenance task) deletes records past
//!   either timeout.

use crate::{
    auth::{csrf, decision::Trace, session_cookie},
    db::{
        unix_now,
        users::{self, User, UserError},
    },
    wire::SessionView,
};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use std::{collections::HashMap, str::FromStr, time::Instant};
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store, ExpiredDeletion, SessionStore,
};
use tower_sessions_sqlx_store::SqliteStore;

/// The key under which our data sits in a tower-sessions record.
const DATA_KEY: &str = "authlab";

/// How long the store keeps a record past its absolute deadline, so a request arriving just after
/// it can still be told "absolute timeout" rather than a bare "no such session". The cleanup task
/// removes it after that.
const RECORD_GRACE_SECS: i64 = 300;

/// The checks a cookie-authenticated request goes through, in order.
pub const CHECKS: [&str; 5] = [
    "cookie",
    "store lookup",
    "idle timeout",
    "absolute timeout",
    "user",
];

/// What the server remembers about one session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionData {
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen: i64,
    pub csrf_token: String,
    pub user_agent: String,
    /// Public handle used to list and revoke the session without exposing its id.
    pub handle: String,
}

/// A session that passed every check.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    pub id: Id,
    pub data: SessionData,
    pub user: User,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session store: {0}")]
    Store(#[from] session_store::Error),
    #[error("session index: {0}")]
    Index(#[from] sqlx::Error),
    #[error(transparent)]
    User(#[from] UserError),
    #[error("session record is corrupt: {0}")]
    Corrupt(String),
}

pub struct Sessions {
    store: SqliteStore,
    db: SqlitePool,
    idle_secs: i64,
    absolute_secs: i64,
}

impl Sessions {
    /// The store on the app's SQLite database (tower-sessions creates its own table).
    pub async fn new(
        db: SqlitePool,
        idle_secs: u64,
        absolute_secs: u64,
    ) -> Result<Self, SessionError> {
        let store = SqliteStore::new(db.clone());
        store.migrate().await?;
        Ok(Sessions {
            store,
            db,
            idle_secs: idle_secs as i64,
            absolute_secs: absolute_secs as i64,
        })
    }

    /// Log in: a brand-new record and id for `user`.
    pub async fn start(
        &self,
        user: &User,
        user_agent: &str,
    ) -> Result<ActiveSession, SessionError> {
        let now = unix_now();
        let data = SessionData {
            user_id: user.id,
            created_at: now,
            last_seen: now,
            csrf_token: csrf::new_token(),
            user_agent: user_agent.chars().take(200).collect(),
            handle: csrf::new_token()[..12].to_string(),
        };
        let mut record = Record {
            id: Id::default(),
            data: HashMap::new(),
            expiry_date: self.record_expiry(now),
        };
        record.data.insert(DATA_KEY.into(), to_value(&data)?);
        // `create` picks another id if this one is taken, so read the id back afterwards.
        self.store.create(&mut record).await?;
        sqlx::query("INSERT INTO session_index (handle, session_id, user_id, created_at) VALUES (?, ?, ?, ?)")
            .bind(&data.handle)
            .bind(record.id.to_string())
            .bind(user.id)
            .bind(now)
            .execute(&self.db)
            .await?;
        Ok(ActiveSession {
            id: record.id,
            data,
            user: user.clone(),
        })
    }

    /// Judge the session id a request carries, recording each check in `trace`.
    /// `Ok(None)` means "not authenticated" (the trace says why); `Err` means the store failed.
    pub async fn resolve(
        &self,
        cookie: Option<&str>,
        trace: &mut Trace,
    ) -> Result<Option<ActiveSession>, SessionError> {
        let Some(value) = cookie else {
            trace.fail(
                "cookie",
                format!("no {} cookie in the request", session_cookie::NAME),
            );
            return Ok(None);
        };
        let Ok(id) = Id::from_str(value) else {
            trace.fail(
                "cookie",
                "the cookie's value is not a session id (22 base64url characters)",
            );
            return Ok(None);
        };
        trace.pass(
            "cookie",
            format!("{} sent ({} bytes)", session_cookie::NAME, value.len()),
        );

        let started = Instant::now();
        let record = self.store.load(&id).await?;
        let micros = started.elapsed().as_micros() as u64;
        let Some(mut record) = record else {
            trace.fail_timed(
                "store lookup",
                "miss: no record for this id (logged out, revoked, expired, or never issued)",
                micros,
            );
            return Ok(None);
        };
        trace.pass_timed(
            "store lookup",
            "hit: the SQLite session store has a record for this id",
            micros,
        );
        let mut data = data_of(&record)?;

        let now = unix_now();
        let idle_for = now - data.last_seen;
        if idle_for >= self.idle_secs {
            self.end(&id).await?;
            trace.fail(
                "idle timeout",
                format!(
                    "unused for {idle_for} s; the limit is {} s, so the record was deleted",
                    self.idle_secs
                ),
            );
            return Ok(None);
        }
        trace.pass(
            "idle timeout",
            format!("last used {idle_for} s ago (limit {} s)", self.idle_secs),
        );

        let age = now - data.created_at;
        if age >= self.absolute_secs {
            self.end(&id).await?;
            trace.fail(
                "absolute timeout",
                format!(
                    "logged in {age} s ago; sessions end after {} s however busy",
                    self.absolute_secs
                ),
            );
            return Ok(None);
        }
        trace.pass(
            "absolute timeout",
            format!("logged in {age} s ago (limit {} s)", self.absolute_secs),
        );

        let Some(user) = users::find_by_id(&self.db, data.user_id).await? else {
            self.end(&id).await?;
            trace.fail("user", "the account behind this session no longer exists");
            return Ok(None);
        };
        if user.disabled {
            // Read fresh on every request, so an administrator's "disable" bites at once.
            self.end(&id).await?;
            trace.fail(
                "user",
                format!("{} is disabled by an administrator", user.username),
            );
            return Ok(None);
        }
        trace.pass(
            "user",
            format!(
                "{} ({}), read from the accounts table just now",
                user.username, user.role
            ),
        );

        // Sliding idle timeout: this request counts as use.
        data.last_seen = now;
        record.data.insert(DATA_KEY.into(), to_value(&data)?);
        self.store.save(&record).await?;
        Ok(Some(ActiveSession { id, data, user }))
    }

    /// Delete a session: its record and its index entry (remembering, for the audit log only,
    /// whose it was). Idempotent.
    pub async fn end(&self, id: &Id) -> Result<(), SessionError> {
        let owner: Option<i64> =
            sqlx::query_scalar("SELECT user_id FROM session_index WHERE session_id = ?")
                .bind(id.to_string())
                .fetch_optional(&self.db)
                .await?;
        if let Some(user_id) = owner {
            crate::audit::remember_ended_session(&self.db, &id.to_string(), user_id).await;
        }
        self.store.delete(id).await?;
        sqlx::query("DELETE FROM session_index WHERE session_id = ?")
            .bind(id.to_string())
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Delete whatever session a raw cookie value names, if it parses (used at login, so the
    /// pre-login id dies even if it was a real session).
    pub async fn end_raw(&self, cookie: &str) -> Result<(), SessionError> {
        match Id::from_str(cookie) {
            Ok(id) => self.end(&id).await,
            Err(_) => Ok(()),
        }
    }

    /// Whose session a raw cookie value is or was, for the audit log: a live one by its index,
    /// an ended one by the audit log's memory of ended ids.
    pub async fn owner_of(&self, cookie: &str) -> Option<(i64, String)> {
        let live: Option<(i64, String)> = sqlx::query_as(
            "SELECT u.id, u.username FROM session_index s JOIN users u ON u.id = s.user_id
             WHERE s.session_id = ?",
        )
        .bind(cookie)
        .fetch_optional(&self.db)
        .await
        .ok()
        .flatten();
        match live {
            Some(owner) => Some(owner),
            None => crate::audit::owner_of_ended_session(&self.db, cookie).await,
        }
    }

    /// The live sessions of `user`, oldest first; `current` marks the one making the request.
    pub async fn list(&self, user: &User, current: &Id) -> Result<Vec<SessionView>, SessionError> {
        let now = unix_now();
        let mut views = Vec::new();
        for id in self.ids_of(user.id).await? {
            match self.store.load(&id).await? {
                Some(record) => {
                    let data = data_of(&record)?;
                    if self.is_live(&data, now) {
                        views.push(self.view(&id, &data, user, id == *current));
                    }
                }
                None => self.end(&id).await?,
            }
        }
        views.sort_by_key(|v| v.created_at);
        Ok(views)
    }

    /// Revoke one of `user`'s sessions by its public handle. `false` if there is no such session.
    pub async fn revoke(&self, user_id: i64, handle: &str) -> Result<bool, SessionError> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT session_id FROM session_index WHERE handle = ? AND user_id = ?",
        )
        .bind(handle)
        .bind(user_id)
        .fetch_optional(&self.db)
        .await?;
        match id.as_deref().map(Id::from_str) {
            Some(Ok(id)) => {
                self.end(&id).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// End every session of `user_id` ("log out everywhere"); returns how many ended.
    pub async fn end_all_of(&self, user_id: i64) -> Result<usize, SessionError> {
        let ids = self.ids_of(user_id).await?;
        for id in &ids {
            self.end(id).await?;
        }
        Ok(ids.len())
    }

    /// Revoke every session of `user_id` except `keep`; returns how many ended.
    pub async fn revoke_others(&self, user_id: i64, keep: &Id) -> Result<usize, SessionError> {
        let mut ended = 0;
        for id in self.ids_of(user_id).await? {
            if id != *keep {
                self.end(&id).await?;
                ended += 1;
            }
        }
        Ok(ended)
    }

    /// One cleanup pass: the store's own expiry (absolute deadline + grace), then records idle for
    /// too long or past the absolute deadline, then index rows left without a record.
    pub async fn delete_expired(&self) -> Result<usize, SessionError> {
        self.store.delete_expired().await?;
        let now = unix_now();
        let ids: Vec<String> = sqlx::query_scalar("SELECT session_id FROM session_index")
            .fetch_all(&self.db)
            .await?;
        let mut deleted = 0;
        for raw in ids {
            let Ok(id) = Id::from_str(&raw) else { continue };
            let live = match self.store.load(&id).await? {
                Some(record) => self.is_live(&data_of(&record)?, now),
                None => false,
            };
            if !live {
                self.end(&id).await?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }

    /// The record as the inspector shows it.
    pub fn view(&self, id: &Id, data: &SessionData, user: &User, current: bool) -> SessionView {
        SessionView {
            handle: data.handle.clone(),
            id_preview: session_cookie::preview(&id.to_string()),
            username: user.username.clone(),
            role: user.role,
            created_at: data.created_at,
            last_seen: data.last_seen,
            idle_expires_at: data.last_seen + self.idle_secs,
            absolute_expires_at: data.created_at + self.absolute_secs,
            user_agent: data.user_agent.clone(),
            current,
        }
    }

    /// Seconds the cookie should live: until the absolute deadline.
    pub fn cookie_max_age(&self, data: &SessionData) -> i64 {
        data.created_at + self.absolute_secs - unix_now()
    }

    fn is_live(&self, data: &SessionData, now: i64) -> bool {
        now - data.last_seen < self.idle_secs && now - data.created_at < self.absolute_secs
    }

    fn record_expiry(&self, now: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(now + self.absolute_secs + RECORD_GRACE_SECS)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    async fn ids_of(&self, user_id: i64) -> Result<Vec<Id>, SessionError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT session_id FROM session_index WHERE user_id = ? ORDER BY created_at",
        )
        .bind(user_id)
        .fetch_all(&self.db)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|raw| Id::from_str(raw).ok())
            .collect())
    }
}

fn to_value(data: &SessionData) -> Result<serde_json::Value, SessionError> {
    serde_json::to_value(data).map_err(|err| SessionError::Corrupt(err.to_string()))
}

fn data_of(record: &Record) -> Result<SessionData, SessionError> {
    let value = record
        .data
        .get(DATA_KEY)
        .ok_or_else(|| SessionError::Corrupt("record has no authlab data".into()))?;
    serde_json::from_value(value.clone()).map_err(|err| SessionError::Corrupt(err.to_string()))
}
