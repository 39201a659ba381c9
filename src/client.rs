//! The browser's API client: the same JSON endpoints a learner can call with curl, over gloo-net.
//! The UI never talks to the server any other way, so what the page shows is what the API does.

use crate::wire::{Credentials, Registered};
use serde::{de::DeserializeOwned, Serialize};

/// Why a call failed, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error; `reason` is its own sentence.
    #[error("{reason}")]
    Api {
        status: u16,
        error: String,
        reason: String,
    },
    #[error("network error: {0}")]
    Network(String),
    #[error("the API client only runs in the browser")]
    NotInBrowser,
}

/// `POST /api/register`.
pub async fn register(credentials: &Credentials) -> Result<Registered, ClientError> {
    post_json("/api/register", credentials).await
}

#[cfg(feature = "hydrate")]
async fn post_json<B: Serialize, R: DeserializeOwned>(
    url: &str,
    body: &B,
) -> Result<R, ClientError> {
    use crate::wire::ApiErrorBody;
    use gloo_net::http::Request;
    let network = |err: gloo_net::Error| ClientError::Network(err.to_string());
    let response = Request::post(url)
        .json(body)
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    if response.ok() {
        return response.json::<R>().await.map_err(network);
    }
    let status = response.status();
    Err(match response.json::<ApiErrorBody>().await {
        Ok(body) => ClientError::Api {
            status,
            error: body.error,
            reason: body.reason,
        },
        Err(_) => ClientError::Api {
            status,
            error: "http_error".into(),
            reason: format!("the server answered {status} without a JSON reason"),
        },
    })
}

/// On the server the client is never called (event handlers only run in the browser); this keeps
/// the UI code compiling for both targets without a second HTTP stack.
#[cfg(not(feature = "hydrate"))]
async fn post_json<B: Serialize, R: DeserializeOwned>(
    _url: &str,
    _body: &B,
) -> Result<R, ClientError> {
    Err(ClientError::NotInBrowser)
}
