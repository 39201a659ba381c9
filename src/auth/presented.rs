//! What a request presents to be judged, as plain values: the credentials it carries and what the
//! browser says about where it came from. The HTTP layer (`api::extract`) reads them off the
//! headers; the core never sees a header map, so the same judge serves the API, the server
//! render, the event streams and the lab's experiments.
//!
//! The credential's *channel* (a cookie or the `Authorization` header) is kept apart from what it
//! *is* (the id of a server record or a signed token): the judges take a channel's value and
//! decide how to read it, so a JWT in a cookie or an opaque id in a header fit the same shape.

/// The browser's word on where a request started (`csrf::check_same_origin` weighs it).
#[derive(Clone, Debug, Default)]
pub struct FromWhere {
    /// `Sec-Fetch-Site`, sent by every current browser.
    pub sec_fetch_site: Option<String>,
    /// `Origin`.
    pub origin: Option<String>,
    /// `Host`, what `Origin` must name for a same-origin request.
    pub host: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Presented {
    /// Anything but GET, HEAD or OPTIONS: the request may change state, so it must also prove it
    /// came from our own pages.
    pub changes_state: bool,
    /// The session cookie's value, if the browser attached it.
    pub cookie: Option<String>,
    /// Whether an `Authorization` header was sent at all (readable or not): then the request is
    /// judged by it alone, never by a cookie as a silent fallback.
    pub authorization_sent: bool,
    /// The access cookie's value (JWT-in-a-cookie mode), judged only when no session cookie and
    /// no `Authorization` header came.
    pub access_cookie: Option<String>,
    /// An opaque session id sent as `Authorization: Bearer <id>` (told from a JWT by its shape,
    /// `session::is_session_id`): the request is judged as that session, by the header.
    pub header_session: Option<String>,
    /// `X-CSRF-Token`.
    pub csrf_token: Option<String>,
    pub from_where: FromWhere,
}
