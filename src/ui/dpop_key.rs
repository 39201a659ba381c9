//! The page's DPoP key (RFC 9449) and the proofs it signs, with the browser's own WebCrypto.
//!
//! The key pair is made once per browser with `extractable: false`: the private key's bytes can
//! never be read out, by this code or by any script on the page (the Playwright suite asks
//! WebCrypto to export it and expects the refusal). It is kept in IndexedDB (a `CryptoKey`
//! survives there as a handle, not as bytes), so a reload keeps it and a token bound to it keeps
//! working. A script on the page can still *use* the handle to sign proofs: that is the lesson
//! of in-page requests, and why DPoP stops a thief elsewhere, not an XSS here.
//!
//! Each proof: header `{typ: "dpop+jwt", alg: "ES256", jwk}` (the public key), claims `htm`,
//! `htu`, `iat`, a fresh `jti` and, beside a token, `ath` (its SHA-256), signed with ECDSA P-256
//! (WebCrypto's signature is `r || s`, 64 bytes, exactly what JWS wants).

/// The public half of the page's key and its thumbprint, for the inspector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    pub x: String,
    pub y: String,
}

#[cfg(feature = "hydrate")]
mod imp {
    use super::PublicKey;
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{CryptoKey, IdbDatabase, IdbRequest, IdbTransactionMode, SubtleCrypto};

    const DATABASE: &str = "authlab";
    const STORE: &str = "keys";
    const KEY_NAME: &str = "dpop";

    fn subtle() -> Result<SubtleCrypto, String> {
        Ok(web_sys::window()
            .ok_or("no window")?
            .crypto()
            .map_err(|_| "no WebCrypto in this browser")?
            .subtle())
    }

    fn text(err: JsValue) -> String {
        err.as_string()
            .or_else(|| {
                Reflect::get(&err, &"message".into())
                    .ok()
                    .and_then(|m| m.as_string())
            })
            .unwrap_or_else(|| "a WebCrypto or IndexedDB call failed".into())
    }

    /// An IndexedDB request as a promise of its result.
    fn finished(request: &IdbRequest) -> Promise {
        let request = request.clone();
        Promise::new(&mut |resolve, reject| {
            let done = request.clone();
            let on_success = Closure::once_into_js(move || {
                let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::NULL));
            });
            let on_error = Closure::once_into_js(move || {
                let _ = reject.call1(&JsValue::NULL, &"IndexedDB refused the request".into());
            });
            request.set_onsuccess(Some(on_success.unchecked_ref()));
            request.set_onerror(Some(on_error.unchecked_ref()));
        })
    }

    async fn database() -> Result<IdbDatabase, String> {
        let factory = web_sys::window()
            .ok_or("no window")?
            .indexed_db()
            .map_err(text)?
            .ok_or("no IndexedDB in this browser")?;
        let open = factory.open_with_u32(DATABASE, 1).map_err(text)?;
        let upgrading = open.clone();
        let on_upgrade = Closure::once_into_js(move || {
            if let Ok(db) = upgrading.result() {
                let db: IdbDatabase = db.unchecked_into();
                let _ = db.create_object_store(STORE);
            }
        });
        open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
        let db = JsFuture::from(finished(&open)).await.map_err(text)?;
        Ok(db.unchecked_into())
    }

    /// The key pair kept in IndexedDB, made (non-extractable) the first time.
    async fn key_pair() -> Result<Object, String> {
        let db = database().await?;
        let read = db
            .transaction_with_str(STORE)
            .and_then(|tx| tx.object_store(STORE))
            .and_then(|store| store.get(&KEY_NAME.into()))
            .map_err(text)?;
        let kept = JsFuture::from(finished(&read)).await.map_err(text)?;
        if kept.is_object() {
            return Ok(kept.unchecked_into());
        }
        let algorithm = Object::new();
        Reflect::set(&algorithm, &"name".into(), &"ECDSA".into()).map_err(text)?;
        Reflect::set(&algorithm, &"namedCurve".into(), &"P-256".into()).map_err(text)?;
        let usages = Array::of2(&"sign".into(), &"verify".into());
        // extractable: false. Threat: a script on the page (an XSS) reading the private key out
        // and signing proofs from elsewhere; the browser will not hand the bytes to anyone.
        let made = subtle()?
            .generate_key_with_object(&algorithm, false, &usages)
            .map_err(text)?;
        let pair: Object = JsFuture::from(made).await.map_err(text)?.unchecked_into();
        let write = db
            .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
            .and_then(|tx| tx.object_store(STORE))
            .and_then(|store| store.put_with_key(&pair, &KEY_NAME.into()))
            .map_err(text)?;
        JsFuture::from(finished(&write)).await.map_err(text)?;
        Ok(pair)
    }

    fn half(pair: &Object, which: &str) -> Result<CryptoKey, String> {
        Reflect::get(pair, &which.into())
            .map_err(text)?
            .dyn_into::<CryptoKey>()
            .map_err(|_| format!("the stored pair has no {which}"))
    }

    pub async fn public_key() -> Result<PublicKey, String> {
        let pair = key_pair().await?;
        let exported = subtle()?
            .export_key("jwk", &half(&pair, "publicKey")?)
            .map_err(text)?;
        let jwk = JsFuture::from(exported).await.map_err(text)?;
        let field = |name: &str| {
            Reflect::get(&jwk, &name.into())
                .ok()
                .and_then(|v| v.as_string())
                .ok_or(format!("the public key has no {name}"))
        };
        Ok(PublicKey {
            x: field("x")?,
            y: field("y")?,
        })
    }

    pub async fn sha256(data: &[u8]) -> Result<Vec<u8>, String> {
        let digest = subtle()?
            .digest_with_str_and_u8_array("SHA-256", data)
            .map_err(text)?;
        let bytes = JsFuture::from(digest).await.map_err(text)?;
        Ok(Uint8Array::new(&bytes).to_vec())
    }

    pub async fn proof(
        method: &str,
        htu: &str,
        token: Option<&str>,
        iat: i64,
    ) -> Result<String, String> {
        let pair = key_pair().await?;
        let public = public_key().await?;
        let header = serde_json::json!({
            "typ": "dpop+jwt",
            "alg": "ES256",
            "jwk": {"kty": "EC", "crv": "P-256", "x": public.x, "y": public.y},
        });
        let jti =
            crate::ui::browser::random_bytes::<16>().ok_or("no randomness in this browser")?;
        let mut claims = serde_json::json!({
            "htm": method,
            "htu": htu,
            "iat": iat,
            "jti": URL_SAFE_NO_PAD.encode(jti),
        });
        if let Some(token) = token {
            claims["ath"] = URL_SAFE_NO_PAD
                .encode(sha256(token.as_bytes()).await?)
                .into();
        }
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let algorithm = Object::new();
        Reflect::set(&algorithm, &"name".into(), &"ECDSA".into()).map_err(text)?;
        Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into()).map_err(text)?;
        let signed = subtle()?
            .sign_with_object_and_u8_array(
                &algorithm,
                &half(&pair, "privateKey")?,
                input.as_bytes(),
            )
            .map_err(text)?;
        let signature = Uint8Array::new(&JsFuture::from(signed).await.map_err(text)?).to_vec();
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    use super::PublicKey;

    const SERVER: &str = "the DPoP key lives in the browser";

    pub async fn public_key() -> Result<PublicKey, String> {
        Err(SERVER.into())
    }

    pub async fn proof(
        _method: &str,
        _htu: &str,
        _token: Option<&str>,
        _iat: i64,
    ) -> Result<String, String> {
        Err(SERVER.into())
    }
}

/// The page's public key (making the pair the first time).
pub async fn public_key() -> Result<PublicKey, String> {
    imp::public_key().await
}

/// A fresh proof for `method` on `path` of this lab (its `htu` is this page's origin and the
/// path), beside `token` if one is sent, dated `iat` (the server's clock, as the page knows it).
pub async fn proof(
    method: &str,
    path: &str,
    token: Option<&str>,
    iat: i64,
) -> Result<String, String> {
    let htu = format!("{}{path}", crate::ui::browser::origin());
    imp::proof(method, &htu, token, iat).await
}
