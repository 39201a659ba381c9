//! Shared test harness: a real server state on a real SQLite file in a temp dir, driven through the
//! real router with `tower::ServiceExt::oneshot` (no network, no mocks).
#![allow(dead_code)]

use authlab::{server, settings::Settings, state::AppState};
use axum::{
    body::Body,
    http::{header, HeaderMap, Request, StatusCode},
    Router,
};
use http_body_util::BodyExt;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

pub struct Lab {
    pub app: Router,
    pub state: AppState,
    pub settings: Settings,
    pub dir: TempDir,
}

/// A fresh lab on its own database file.
pub async fn lab() -> Lab {
    let dir = tempfile::tempdir().expect("temp dir");
    lab_in(dir).await
}

/// A lab on the database in `dir` (reuse a dir to test what survives a restart).
pub async fn lab_in(dir: TempDir) -> Lab {
    let settings = Settings {
        database_url: format!("sqlite://{}/nested/lab.db", dir.path().display()),
        ..Settings::default()
    };
    let options = server::leptos_options(&settings);
    let state = server::build_state(settings.clone(), options)
        .await
        .expect("server state");
    Lab {
        app: server::router(state.clone()),
        state,
        settings,
        dir,
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {:?}", self.text))
    }
}

impl Lab {
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// POST a raw body with `Content-Type: application/json`.
    pub async fn post_json(&self, path: &str, body: impl Into<Body>) -> Answer {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.into())
                .unwrap(),
        )
        .await
    }

    /// The credential check the login modes call, on this lab's database and hasher.
    pub async fn check_credentials(
        &self,
        username: &str,
        password: &str,
    ) -> Result<authlab::db::users::User, authlab::auth::credentials::CredentialError> {
        authlab::auth::credentials::check_credentials(
            &self.state.db,
            &self.state.passwords,
            username,
            &authlab::wire::Password::new(password),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }
}

/// Assert the answer is a JSON API error with this status and code, and return its reason.
pub fn assert_api_error(answer: &Answer, status: StatusCode, code: &str) -> String {
    assert_eq!(answer.status, status, "body: {}", answer.text);
    assert_eq!(
        answer
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "error bodies are JSON"
    );
    let body = answer.json();
    assert_eq!(body["error"], code, "body: {body}");
    let reason = body["reason"]
        .as_str()
        .expect("a reason string")
        .to_string();
    assert!(!reason.is_empty());
    reason
}
