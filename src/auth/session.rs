//! Cookie sessions: the state lives on the server. The browser holds only an opaque random id
//! (tower-sessions' 128-bit `Id`, from a CSPRNG); the record behind it sits in the session store
//! (`store::sessions`) and says who the user is, when the session started and when it was
//! last used.
//!
//! - **Login** always creates a *new* record with a new id. An id the client presented before login
//!   (perhaps planted by an attacker: session fixation) never becomes an authenticated session.
//! - **Every request** looks the record up (a store round trip, measured for the trace), enforces
//!   the idle and absolute timeouts and loads the user. Moving `last_seen` forward is handed to the
//!   batched writer (`auth::last_seen`): the request does not wait for it, and the write is an
//!   UPDATE that cannot bring back a session ended meanwhile.
//! - **Logout and revocation** delete the record: the very next request with the old cookie misses.
//! - **Cleanup** (`delete_expired`, run by the server's maintenance task) deletes records past
//!   either timeout.

use crate::{
    auth::{
        account_cache::{AccountCache, Source},
        csrf,
        decision::Trace,
        last_seen::LastSeenWriter,
    },
    db::{
        unix_now,
        users::{User, UserError, Users},
    },
    store::{
        sessions::{key_of, SessionRecord, SessionStore},
        StoreError,
    },
    wire::{CheckId, SessionView, SESSION_COOKIE},
};
use std::{borrow::Cow, str::FromStr, sync::Arc, time::Instant};
use tower_sessions::session::Id;

/// The checks a cookie-authenticated request goes through, in order.
pub const CHECKS: [CheckId; 5] = [
    CheckId::Cookie,
    CheckId::StoreLookup,
    CheckId::IdleTimeout,
    CheckId::AbsoluteTimeout,
    CheckId::User,
];

/// A session whose id came in `Authorization: Bearer <id>`: the same checks, the first one
/// reading the header. No origin check and no CSRF token, whatever the method: a page on another
/// site cannot make the browser attach a header (only a script of the lab's own origin can), so
/// there is no forgery to stop, and the id is exactly as safe as the place the page keeps it.
pub const HEADER_CHECKS: [CheckId; 5] = [
    CheckId::SessionHeader,
    CheckId::StoreLookup,
    CheckId::IdleTimeout,
    CheckId::AbsoluteTimeout,
    CheckId::User,
];

/// Which channel carried a session id: it decides the first check's name and words, nothing
/// else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    /// The `__Host-authlab_session` cookie, attached by the browser.
    Cookie,
    /// `Authorization: Bearer <id>`, attached by the page's script.
    Header,
}

/// Is `token` shaped like a session id (22 base64url characters) rather than a JWT (three
/// dot-separated parts)? How a bearer header's credential is told apart, before any lookup.
pub fn is_session_id(token: &str) -> bool {
    !token.contains('.') && Id::from_str(token).is_ok()
}

/// A state-changing request's plan: first from our own pages, then the session, then its token.
pub const WRITE_CHECKS: [CheckId; 7] = [
    CheckId::SameOrigin,
    CheckId::Cookie,
    CheckId::StoreLookup,
    CheckId::IdleTimeout,
    CheckId::AbsoluteTimeout,
    CheckId::User,
    CheckId::CsrfToken,
];

/// What a login does with the session id the browser came with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// End it and issue a new one: an id planted before login is worthless after it.
    NewId,
    /// Keep it (an account that switched rotation off, to watch fixation work).
    KeepThePlantedId,
}

/// A session that passed every check.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    /// The session id, as the cookie carries it.
    pub id: String,
    pub record: SessionRecord,
    pub user: User,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    User(#[from] UserError),
}

pub struct Sessions {
    store: Arc<dyn SessionStore>,
    last_seen: LastSeenWriter,
    users: Arc<dyn Users>,
    /// Where each request's account is read (memory or the accounts table).
    accounts: Arc<AccountCache>,
    idle_secs: i64,
    absolute_secs: i64,
    /// How long the server remembers whose an ended session was (for the audit log only).
    ended_memory_secs: i64,
}

impl Sessions {
    /// Sessions in `store`; accounts are read through `accounts` (and `users` for the audit log's
    /// owner look-ups). Starts the last-seen writer.
    pub fn new(
        store: Arc<dyn SessionStore>,
        users: Arc<dyn Users>,
        accounts: Arc<AccountCache>,
        idle_secs: u64,
        absolute_secs: u64,
        ended_memory_secs: u64,
    ) -> Self {
        Sessions {
            last_seen: LastSeenWriter::spawn(store.clone()),
            store,
            users,
            accounts,
            idle_secs: idle_secs as i64,
            absolute_secs: absolute_secs as i64,
            ended_memory_secs: ended_memory_secs as i64,
        }
    }

    /// Log in: a brand-new record and id for `user`.
    /// A login: whatever id the browser held before (a real session, or one planted by an
    /// attacker: fixation) is ended, and the login gets a brand-new id. Never adopts `previous`.
    pub async fn log_in(
        &self,
        previous: Option<&str>,
        user: &User,
        user_agent: &str,
        rotation: Rotation,
    ) -> Result<ActiveSession, SessionError> {
        if let Some(previous) = previous {
            self.end(previous).await?;
        }
        // Only for an account that switched rotation off: the browser's id, if it is one.
        let planted = previous
            .filter(|_| rotation == Rotation::KeepThePlantedId)
            .filter(|id| Id::from_str(id).is_ok());
        self.start_with(user, user_agent, planted).await
    }

    pub async fn start(
        &self,
        user: &User,
        user_agent: &str,
    ) -> Result<ActiveSession, SessionError> {
        self.start_with(user, user_agent, None).await
    }

    /// A new record for `user`, under `planted` if given and free, else under a fresh id.
    async fn start_with(
        &self,
        user: &User,
        user_agent: &str,
        mut planted: Option<&str>,
    ) -> Result<ActiveSession, SessionError> {
        let now = unix_now();
        loop {
            let id = match planted.take() {
                Some(id) => id.to_string(),
                None => Id::default().to_string(),
            };
            let record = SessionRecord {
                key: key_of(&id),
                id_preview: preview(&id),
                handle: csrf::new_token()[..12].to_string(),
                user_id: user.id,
                csrf_token: csrf::new_token(),
                user_agent: crate::logging::echo::shown(user_agent, 200),
                created_at: now,
                last_seen: now,
            };
            match self.store.create(&record).await {
                Ok(()) => {
                    return Ok(ActiveSession {
                        id,
                        record,
                        user: user.clone(),
                    })
                }
                // Never overwrite: draw another id.
                Err(StoreError::Collision) => continue,
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// The live session `cookie` names, if any, only looked at: no idle deadline moves and no
    /// trace is kept (for a question about the cookie, not a decision on a request).
    pub async fn peek(&self, cookie: Option<&str>) -> Result<Option<ActiveSession>, SessionError> {
        let mut unkept = Trace::new(crate::wire::AuthMode::Session, &CHECKS);
        self.resolve(cookie, Carrier::Cookie, &mut unkept, false)
            .await
    }

    /// Judge the session id a request carries, recording each check in `trace`.
    /// `Ok(None)` means "not authenticated" (the trace says why); `Err` means the store failed.
    /// With `touch`, the request counts as use (the sliding idle timeout); without, it only looks.
    pub async fn resolve(
        &self,
        cookie: Option<&str>,
        carrier: Carrier,
        trace: &mut Trace,
        touch: bool,
    ) -> Result<Option<ActiveSession>, SessionError> {
        if carrier == Carrier::Header {
            return match cookie {
                Some(value) if is_session_id(value) => {
                    trace.pass(
                        CheckId::SessionHeader,
                        "Authorization: Bearer carries an opaque id (22 base64url characters, no \
                         dots), not a JWT: judged as a server-side session. A header is attached \
                         by the page's own script, never by the browser for another site: no \
                         CSRF token is needed",
                    );
                    self.resolve_well_formed(value, trace, touch).await
                }
                _ => {
                    trace.fail(
                        CheckId::SessionHeader,
                        "the Authorization header carries no session id",
                    );
                    Ok(None)
                }
            };
        }
        let Some(value) = cookie else {
            trace.fail(
                CheckId::Cookie,
                format!("no {} cookie in the request", SESSION_COOKIE),
            );
            return Ok(None);
        };
        if Id::from_str(value).is_err() {
            trace.fail(
                CheckId::Cookie,
                format!(
                    "the cookie's value ({} bytes) is not a session id (22 base64url characters)",
                    value.len()
                ),
            );
            return Ok(None);
        }
        // A well-formed id is always 22 characters: the usual sentence needs no allocation.
        let sent: Cow<'static, str> = if value.len() == 22 {
            Cow::Borrowed(SENT_WELL_FORMED)
        } else {
            Cow::Owned(format!("{} sent ({} bytes)", SESSION_COOKIE, value.len()))
        };
        trace.pass(CheckId::Cookie, sent);
        self.resolve_well_formed(value, trace, touch).await
    }

    /// The checks after the id's own: the store lookup, the two timeouts, the account.
    async fn resolve_well_formed(
        &self,
        value: &str,
        trace: &mut Trace,
        touch: bool,
    ) -> Result<Option<ActiveSession>, SessionError> {
        let key = key_of(value);
        let started = Instant::now();
        let loaded = self.store.load(&key).await;
        let micros = started.elapsed().as_micros() as u64;
        let record = match loaded {
            Ok(record) => record,
            Err(err) => {
                // Loud, and in the trace: without its store a session cannot be checked at all.
                trace.fail_timed(
                    CheckId::StoreLookup,
                    format!("the session store did not answer ({err}): no session can be checked"),
                    micros,
                );
                return Err(err.into());
            }
        };
        let Some(record) = record else {
            trace.fail_timed(
                CheckId::StoreLookup,
                "miss: no record for this id (logged out, revoked, expired, or never issued)",
                micros,
            );
            return Ok(None);
        };
        trace.pass_timed(CheckId::StoreLookup, self.store.hit_sentence(), micros);

        let now = unix_now();
        let idle_for = now.saturating_sub(record.last_seen);
        if idle_for >= self.idle_secs {
            self.end_key(&key).await?;
            trace.fail(
                CheckId::IdleTimeout,
                format!(
                    "unused for {idle_for} s; the limit is {} s, so the record was deleted",
                    self.idle_secs
                ),
            );
            return Ok(None);
        }
        trace.pass(
            CheckId::IdleTimeout,
            format!("last used {idle_for} s ago (limit {} s)", self.idle_secs),
        );

        let age = now.saturating_sub(record.created_at);
        if age >= self.absolute_secs {
            self.end_key(&key).await?;
            trace.fail(
                CheckId::AbsoluteTimeout,
                format!(
                    "logged in {age} s ago; sessions end after {} s however busy",
                    self.absolute_secs
                ),
            );
            return Ok(None);
        }
        trace.pass(
            CheckId::AbsoluteTimeout,
            format!("logged in {age} s ago (limit {} s)", self.absolute_secs),
        );

        let (user, source) = self.accounts.find(record.user_id).await?;
        let Some(user) = user else {
            self.end_key(&key).await?;
            trace.fail(
                CheckId::User,
                "the account behind this session no longer exists",
            );
            return Ok(None);
        };
        if user.disabled {
            // Read fresh (or from a cache emptied by the change), so an administrator's
            // "disable" bites at once.
            self.end_key(&key).await?;
            trace.fail(
                CheckId::User,
                format!("{} is disabled by an administrator", user.username),
            );
            return Ok(None);
        }
        let read_from = match source {
            Source::Database => "read from the accounts table just now",
            Source::Memory => {
                "from this server's account cache, which every change to the account empties"
            }
        };
        // One allocation of the exact size: `format!` starts this one (it opens with an argument)
        // at no capacity and grows it as it writes (2 fewer allocations per session request,
        // scripts/bench/allocations.sh).
        let detail = [
            user.username.as_str(),
            " (",
            user.role.as_str(),
            "), ",
            read_from,
        ]
        .concat();
        trace.pass(CheckId::User, detail);

        let mut record = record;
        if touch && now > record.last_seen {
            // Sliding idle timeout: this request counts as use. Written behind the request's
            // back (at most once a second per session), never as an upsert.
            self.last_seen.touch(key, now);
            record.last_seen = now;
        }
        Ok(Some(ActiveSession {
            id: value.to_string(),
            record,
            user,
        }))
    }

    /// Wait until every queued last-seen write is done (tests; shutdown).
    pub async fn flush(&self) {
        self.last_seen.flush().await
    }

    /// What the last-seen writer has done so far.
    pub fn last_seen_counters(&self) -> &crate::auth::last_seen::Counters {
        &self.last_seen.counters
    }

    /// Delete a session (remembering, for the audit log only, whose it was). Idempotent.
    pub async fn end(&self, session_id: &str) -> Result<(), SessionError> {
        self.end_key(&key_of(session_id)).await
    }

    async fn end_key(&self, key: &str) -> Result<(), SessionError> {
        self.store.end(key, unix_now()).await?;
        Ok(())
    }

    /// One lookup in the store and nothing else (the cost lesson's benchmark): whether a record
    /// is under this id, by the same index probe every session check makes.
    pub async fn lookup_only(&self, cookie: &str) -> Result<bool, StoreError> {
        Ok(self.store.load(&key_of(cookie)).await?.is_some())
    }

    /// Whose session a raw cookie value is or was, for the audit log: a live one, or one ended
    /// within the last day.
    pub async fn owner_of(&self, cookie: &str) -> Option<(i64, String)> {
        let since = unix_now() - self.ended_memory_secs;
        let user_id = self
            .store
            .owner_of(&key_of(cookie), since)
            .await
            .ok()
            .flatten()?;
        let user = self.users.find_by_id(user_id).await.ok().flatten()?;
        Some((user.id, user.username))
    }

    /// The live sessions of `user`, oldest first; `current` marks the one making the request.
    pub async fn list(
        &self,
        user: &User,
        current: &SessionRecord,
    ) -> Result<Vec<SessionView>, SessionError> {
        Ok(self
            .live_of(user.id)
            .await?
            .iter()
            .map(|record| self.view(record, user, record.key == current.key))
            .collect())
    }

    /// How many live sessions the store holds for `user_id` now.
    pub async fn count_live(&self, user_id: i64) -> Result<usize, SessionError> {
        Ok(self.live_of(user_id).await?.len())
    }

    /// The records of `user_id` the store holds that are live now.
    async fn live_of(&self, user_id: i64) -> Result<Vec<SessionRecord>, SessionError> {
        let now = unix_now();
        let mut records = self.store.list_of(user_id).await?;
        records.retain(|record| self.is_live(record, now));
        Ok(records)
    }

    /// Revoke one of `user`'s sessions by its public handle. `false` if there is no such session.
    pub async fn revoke(&self, user_id: i64, handle: &str) -> Result<bool, SessionError> {
        Ok(self
            .store
            .end_by_handle(user_id, handle, unix_now())
            .await?)
    }

    /// End every session of `user_id` ("log out everywhere"); returns how many ended.
    pub async fn end_all_of(&self, user_id: i64) -> Result<usize, SessionError> {
        Ok(self.store.end_all_of(user_id, None, unix_now()).await?)
    }

    /// Revoke every session of `user_id` except `keep`; returns how many ended.
    pub async fn revoke_others(
        &self,
        user_id: i64,
        keep: &SessionRecord,
    ) -> Result<usize, SessionError> {
        Ok(self
            .store
            .end_all_of(user_id, Some(&keep.key), unix_now())
            .await?)
    }

    /// One cleanup pass: records idle for too long or past the absolute deadline, and the memory
    /// of sessions ended longer ago than `retention.ended_sessions_secs`.
    pub async fn delete_expired(&self) -> Result<usize, SessionError> {
        let now = unix_now();
        let ended = self
            .store
            .end_expired(now - self.idle_secs + 1, now - self.absolute_secs + 1, now)
            .await?;
        self.store
            .forget_ended(now - self.ended_memory_secs)
            .await?;
        Ok(ended)
    }

    /// The record as the inspector shows it.
    pub fn view(&self, record: &SessionRecord, user: &User, current: bool) -> SessionView {
        SessionView {
            handle: record.handle.clone(),
            id_preview: record.id_preview.clone(),
            username: user.username.clone(),
            role: user.role,
            created_at: record.created_at,
            last_seen: record.last_seen,
            idle_expires_at: record.last_seen + self.idle_secs,
            absolute_expires_at: record.created_at + self.absolute_secs,
            user_agent: record.user_agent.clone(),
            current,
        }
    }

    /// Seconds the cookie should live: until the absolute deadline.
    pub fn cookie_max_age(&self, record: &SessionRecord) -> i64 {
        record.created_at + self.absolute_secs - unix_now()
    }

    fn is_live(&self, record: &SessionRecord, now: i64) -> bool {
        now - record.last_seen < self.idle_secs && now - record.created_at < self.absolute_secs
    }
}

/// The first characters of an id: enough to recognise, not enough to use.
pub fn preview(session_id: &str) -> String {
    let head: String = session_id.chars().take(6).collect();
    format!("{head}…")
}

/// The cookie check's sentence for a well-formed id (`SESSION_COOKIE`, 22 characters).
const SENT_WELL_FORMED: &str = "__Host-authlab_session sent (22 bytes)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_sentences_say_what_the_formatted_ones_would() {
        assert_eq!(
            SENT_WELL_FORMED,
            format!("{} sent (22 bytes)", SESSION_COOKIE)
        );
    }
}
